using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CryptoSentiment.Sentiment;

/// <summary>Raw output of the offline model for one text.</summary>
/// <param name="Score">Signed polarity score (positive = bullish).</param>
/// <param name="Label">Label from the model thresholds.</param>
/// <param name="Confidence">Confidence in (0, 1).</param>
/// <param name="Matches">Number of lexicon entries (words/phrases) that matched.</param>
public readonly record struct LexiconScore(double Score, SentimentLabel Label, double Confidence, int Matches);

/// <summary>
/// The hand-written v1 scorer (offline-lexicon-v1): a crypto-aware weighted lexicon with 2–3 token phrases,
/// negation windows, intensifiers, hedges and question dampening. Deterministic and thread-safe.
/// Its verdict is a feature of the v2 model (<see cref="OfflineScorer"/>), which is the embedded default.
/// </summary>
public sealed class LexiconScorer : LocalScorer
{
    public const int MaxSummaryLength = 120;

    private const int StackTextLimit = 512;
    private const int StackTokenLimit = 128;

    private readonly Dictionary<string, Entry> _lexicon;
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _maxPhraseTokens;
    private readonly double _positiveThreshold;
    private readonly double _negativeThreshold;
    private readonly int _negationWindow;
    private readonly double _negationFactor;
    private readonly int _intensifierWindow;
    private readonly double _questionFactor;
    private readonly double _minHedgeFactor;
    private readonly double _confidenceSlope;

    private static readonly Lazy<LexiconScorer> s_default = new(() => new LexiconScorer(LexiconModelDefinition.LoadEmbedded()));

    /// <summary>Shared instance over the embedded model (<c>Sentiment/offline-v1.json</c>).</summary>
    public static LexiconScorer Default => s_default.Value;

    /// <summary>Creates a scorer over the embedded default model.</summary>
    public LexiconScorer() : this(LexiconModelDefinition.LoadEmbedded()) { }

    /// <summary>Creates a scorer over the given model.</summary>
    public LexiconScorer(LexiconModelDefinition model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(model.NegativeThreshold < 0 && model.PositiveThreshold > 0))
            throw new ArgumentException("Thresholds must satisfy negativeThreshold < 0 < positiveThreshold.", nameof(model));
        Model = model.Name;
        _positiveThreshold = model.PositiveThreshold;
        _negativeThreshold = model.NegativeThreshold;
        _negationWindow = Math.Max(0, model.NegationWindow);
        _negationFactor = model.NegationFactor;
        _intensifierWindow = Math.Max(0, model.IntensifierWindow);
        _questionFactor = model.QuestionFactor;
        _minHedgeFactor = model.MinHedgeFactor;
        _confidenceSlope = model.ConfidenceSlope;

        _lexicon = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (key, weight) in model.Unigrams) Upsert(key, static (ref Entry e, double v) => e.Weight = (float)v, weight);
        foreach (var (key, weight) in model.Phrases) Upsert(key, static (ref Entry e, double v) => e.Weight = (float)v, weight);
        foreach (var key in model.Negators) Upsert(key, static (ref Entry e, double _) => e.Negator = true, 0);
        foreach (var (key, m) in model.Intensifiers) Upsert(key, static (ref Entry e, double v) => e.Intensity = (float)v, m);
        foreach (var (key, h) in model.Hedges) Upsert(key, static (ref Entry e, double v) => e.Hedge = (float)Math.Clamp(v, 0, 1), h);
        _lookup = _lexicon.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <inheritdoc />
    public override string Model { get; }

    /// <summary>Number of distinct lexicon keys (words and phrases).</summary>
    public int LexiconSize => _lexicon.Count;

    /// <inheritdoc />
    protected override (SentimentLabel Label, double Confidence) Classify(ReadOnlySpan<char> text)
    {
        var s = Evaluate(text);
        return (s.Label, s.Confidence);
    }

    /// <summary>Scores a text: the hot path. No regex, no LINQ, no allocation for texts ≤ 512 chars.</summary>
    [SkipLocalsInit]
    public LexiconScore Evaluate(ReadOnlySpan<char> text)
    {
        char[]? rentedChars = null;
        int[]? rentedInts = null;
        try
        {
            var buffer = text.Length <= StackTextLimit
                ? stackalloc char[StackTextLimit]
                : (rentedChars = ArrayPool<char>.Shared.Rent(text.Length + 1));
            // token i spans buffer[starts[i]..ends[i]); clause[i] = clause number (punctuation splits clauses)
            var maxTokens = text.Length / 2 + 1;
            Span<int> ints = maxTokens <= StackTokenLimit
                ? stackalloc int[StackTokenLimit * 3]
                : (rentedInts = ArrayPool<int>.Shared.Rent(maxTokens * 3));
            var starts = ints.Slice(0, ints.Length / 3);
            var ends = ints.Slice(ints.Length / 3, ints.Length / 3);
            var clauses = ints.Slice(2 * (ints.Length / 3), ints.Length / 3);

            var n = Tokenize(text, buffer, starts, ends, clauses, out var question);
            return ScoreTokens(buffer, starts[..n], ends[..n], clauses[..n], question);
        }
        finally
        {
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
            if (rentedInts is not null) ArrayPool<int>.Shared.Return(rentedInts);
        }
    }

    private LexiconScore ScoreTokens(ReadOnlySpan<char> buffer, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, ReadOnlySpan<int> clauses, bool question)
    {
        var n = starts.Length;
        double score = 0, hedge = 1, intensity = 1;
        int negLeft = 0, intLeft = 0, matches = 0, clause = -1, lastEnd = -1;
        double last = 0;
        var i = 0;
        while (i < n)
        {
            if (clauses[i] != clause) { clause = clauses[i]; negLeft = 0; intLeft = 0; }

            // longest phrase match within the clause
            var len = 0;
            Entry entry = default;
            for (var k = Math.Min(_maxPhraseTokens, n - i); k >= 1; k--)
            {
                if (clauses[i + k - 1] != clause) continue;
                if (_lookup.TryGetValue(buffer[starts[i]..ends[i + k - 1]], out entry)) { len = k; break; }
            }
            if (len == 0)
            {
                i++;
                if (negLeft > 0) negLeft--;
                if (intLeft > 0) intLeft--;
                continue;
            }

            matches++;
            if (entry.Intensity > 0 && lastEnd == i && clauses[i - 1] == clause)
                // post-positive intensifier ("drops sharply") amplifies the word just before it
                score += last * (entry.Intensity - 1);
            if (entry.Weight != 0)
            {
                double w = entry.Weight;
                if (intLeft > 0) w *= intensity;
                if (negLeft > 0) w *= _negationFactor;
                score += w;
                last = w;
                lastEnd = i + len;
            }
            if (entry.Hedge > 0) hedge *= entry.Hedge;

            i += len;
            negLeft = Math.Max(0, negLeft - len);
            intLeft = Math.Max(0, intLeft - len);
            if (entry.Negator) negLeft = _negationWindow;
            if (entry.Intensity > 0) { intensity = entry.Intensity; intLeft = _intensifierWindow; }
        }

        score *= Math.Max(hedge, _minHedgeFactor);
        if (question) score *= _questionFactor;
        return Classify(score, matches);
    }

    private LexiconScore Classify(double score, int matches)
    {
        if (score >= _positiveThreshold)
            return new LexiconScore(score, SentimentLabel.Positive, PolarConfidence(score), matches);
        if (score <= _negativeThreshold)
            return new LexiconScore(score, SentimentLabel.Negative, PolarConfidence(-score), matches);
        var threshold = score >= 0 ? _positiveThreshold : -_negativeThreshold;
        // 0.9 at score 0, falling linearly to 0.5 at the threshold
        var neutral = 0.9 - 0.4 * (Math.Abs(score) / threshold);
        return new LexiconScore(score, SentimentLabel.Neutral, Math.Clamp(neutral, 0.5, 0.9), matches);
    }

    private double PolarConfidence(double magnitude) =>
        Math.Clamp(1.0 / (1.0 + Math.Exp(-_confidenceSlope * magnitude)), 0.5, 0.99);

    /// <summary>
    /// Lower-cases letters/digits into <paramref name="buffer"/> with tokens separated by exactly one space, so
    /// a run of consecutive tokens is a contiguous slice (phrase lookups need no copying). Apostrophes are
    /// dropped ("don't" → "dont", possessive "'s" removed); any other character ends a token; <c>, ; : . ! ?</c>
    /// and dashes surrounded by spaces also end a clause.
    /// </summary>
    private static int Tokenize(ReadOnlySpan<char> text, Span<char> buffer, Span<int> starts, Span<int> ends, Span<int> clauses, out bool question)
    {
        question = false;
        int n = 0, pos = 0, clause = 0;
        var inToken = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || (c > 127 && char.IsLetterOrDigit(c)))
            {
                if (!inToken)
                {
                    if (n == starts.Length) break;
                    if (pos > 0) buffer[pos++] = ' ';
                    starts[n] = pos;
                    clauses[n] = clause;
                    inToken = true;
                }
                buffer[pos++] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : (c > 127 ? char.ToLowerInvariant(c) : c);
                continue;
            }
            if (inToken && (c == '\'' || c == '\u2019'))
            {
                // possessive 's / ’s at the end of a word: drop it; otherwise just drop the apostrophe
                if (i + 1 < text.Length && (text[i + 1] == 's' || text[i + 1] == 'S') && (i + 2 >= text.Length || !char.IsLetterOrDigit(text[i + 2])))
                    i++;
                continue;
            }
            if (inToken)
            {
                ends[n++] = pos;
                inToken = false;
            }
            switch (c)
            {
                case '?': question = true; clause++; break;
                case ',' or ';' or ':' or '!' or '|' or '(' or ')' or '\u2014' or '\u2013': clause++; break;
                case '.':
                    // a dot between digits ("1.5") is not a clause break
                    if (!(i > 0 && i + 1 < text.Length && char.IsAsciiDigit(text[i - 1]) && char.IsAsciiDigit(text[i + 1]))) clause++;
                    break;
                case '-':
                    if (i > 0 && i + 1 < text.Length && char.IsWhiteSpace(text[i - 1]) && char.IsWhiteSpace(text[i + 1])) clause++;
                    break;
            }
        }
        if (inToken) ends[n++] = pos;
        return n;
    }

    /// <summary>One-line summary: the trimmed headline with whitespace runs collapsed, cut to ≤ 120 chars at a word boundary.</summary>
    public static string Summarize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var t = text.AsSpan().Trim();
        var needsCollapse = t.ContainsAny(SummaryBreaks) || t.Contains("  ", StringComparison.Ordinal);
        if (!needsCollapse && t.Length <= MaxSummaryLength)
            return t.Length == text.Length ? text : t.ToString();

        Span<char> tmp = stackalloc char[MaxSummaryLength + 1];
        var len = 0;
        var lastSpace = -1;
        var prevSpace = false;
        foreach (var ch in t)
        {
            var c = char.IsWhiteSpace(ch) ? ' ' : ch;
            if (c == ' ')
            {
                if (prevSpace) continue;
                prevSpace = true;
                if (len == MaxSummaryLength) { lastSpace = len; break; }
                lastSpace = len;
            }
            else
            {
                prevSpace = false;
                if (len == MaxSummaryLength) { len = MaxSummaryLength + 1; break; }
            }
            tmp[len++] = c;
        }
        if (len > MaxSummaryLength)
            // word cut in the middle: back up to the last space unless that loses too much
            len = lastSpace >= MaxSummaryLength / 2 ? lastSpace : MaxSummaryLength;
        return tmp[..len].TrimEnd().ToString();
    }

    private static readonly SearchValues<char> SummaryBreaks = SearchValues.Create("\r\n\t\u2028\u2029");

    private delegate void EntryUpdate(ref Entry entry, double value);

    private void Upsert(string key, EntryUpdate update, double value)
    {
        var normalized = NormalizeKey(key, out var tokenCount);
        if (tokenCount == 0) return;
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_lexicon, normalized, out _);
        update(ref entry, value);
        if (tokenCount > _maxPhraseTokens) _maxPhraseTokens = tokenCount;
    }

    private static string NormalizeKey(string key, out int tokenCount)
    {
        var buffer = new char[key.Length + 1];
        var starts = new int[key.Length + 1];
        var ends = new int[key.Length + 1];
        var clauses = new int[key.Length + 1];
        tokenCount = Tokenize(key, buffer, starts, ends, clauses, out _);
        return tokenCount == 0 ? string.Empty : new string(buffer, 0, ends[tokenCount - 1]);
    }

    private struct Entry
    {
        public float Weight;
        public float Intensity;
        public float Hedge;
        public bool Negator;
    }
}
