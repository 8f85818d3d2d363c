using System.Runtime.CompilerServices;

namespace CryptoSentiment.Sentiment;

/// <summary>
/// Turns a headline into sparse features for the offline v2 model. Span-based, no regex, no allocation in the
/// hot path (texts up to 512 chars). The same code featurises training rows and live headlines, so a model
/// trained by <c>crypto-sentiment train</c> sees exactly what the scorer sees.
/// <para>Tokens: lower-cased letters/digits; apostrophes dropped (<c>don't</c> → <c>dont</c>, possessive <c>'s</c>
/// removed); URLs dropped. Normalised tokens: coin names/tickers and any <c>$CASHTAG</c> → <c>_coin_</c>;
/// <c>$1.5B</c> → <c>_money_</c>; <c>20%</c> → <c>_pct_</c>; other tokens starting with a digit → <c>_num_</c>.</para>
/// <para>Features (each a 64-bit FNV-1a hash of its readable name, value 1 unless noted): unigrams (inside a
/// negation scope prefixed <c>NOT_</c>: up to <see cref="NegationScope"/> tokens after a negator, stopping at
/// clause punctuation), bigrams <c>"a b"</c> (no prefix), and lexicon features from the hand-written v1 lexicon
/// (<c>__lex</c> = its score / 2 clamped to ±3, <c>__lex_pos</c>/<c>__lex_neg</c> = its label) plus <c>__question</c>.</para>
/// </summary>
public sealed class HeadlineFeaturizer
{
    /// <summary>Identifies this feature set; stored in the model so a model is never read with other features.</summary>
    public const string FeatureSet = "hf2";
    public const string CoinToken = "_coin_";
    public const string MoneyToken = "_money_";
    public const string PercentToken = "_pct_";
    public const string NumberToken = "_num_";
    public const string NegationPrefix = "NOT_";
    public const string LexiconScoreFeature = "__lex";
    public const string LexiconPositiveFeature = "__lex_pos";
    public const string LexiconNegativeFeature = "__lex_neg";
    public const string QuestionFeature = "__question";
    /// <summary>How many tokens after a negator carry the <c>NOT_</c> prefix (the clause end stops it earlier).</summary>
    public const int NegationScope = 3;

    private const int StackTextLimit = 2048;
    private const int MaxTokens = 160;
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Coin names and tickers (lower case) that become <see cref="CoinToken"/>. Crypto-generic words stay words.</summary>
    public static readonly string[] DefaultCoinWords =
    [
        "bitcoin", "bitcoins", "btc", "xbt", "ethereum", "ether", "eth", "solana", "sol", "bnb", "binancecoin", "xrp", "ripple",
        "cardano", "ada", "dogecoin", "doge", "litecoin", "ltc", "chainlink", "polygon", "matic", "polkadot", "dot", "avalanche", "avax",
        "tron", "trx", "shiba", "shib", "toncoin", "ton", "tether", "usdt", "usdc", "stellar", "xlm", "monero", "xmr", "tezos", "xtz",
        "cosmos", "atom", "algorand", "algo", "uniswap", "uni", "aave", "terra", "luna", "ust", "filecoin", "fil", "eos", "neo",
        "iota", "dash", "zcash", "zec", "vechain", "vet", "hedera", "hbar", "fantom", "ftm", "near", "aptos", "apt", "arbitrum",
        "optimism", "bch", "etc", "decentraland", "mana", "sandbox", "axie", "axs", "pepe", "xrpl", "dai", "busd", "kusama", "ksm",
    ];

    private static readonly string[] DefaultNegators =
    [
        "not", "no", "never", "nor", "neither", "none", "nothing", "without", "cannot", "cant", "dont", "doesnt", "didnt",
        "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "hasnt", "havent", "hadnt", "aint", "unlikely",
    ];

    /// <summary>
    /// Crypto news cue groups: every word form of a group fires one shared feature <c>__cue_&lt;group&gt;</c>
    /// (<c>__cue_&lt;group&gt;_not</c> inside a negation scope), so a rare form inherits what the common ones learned.
    /// </summary>
    public static readonly (string Group, string[] Words)[] CueGroups =
    [
        ("hack", ["hack", "hacked", "hacker", "hackers", "hacks", "exploit", "exploited", "exploits", "exploiter", "drained", "drain", "stolen", "steal", "steals", "theft", "heist", "breach", "rugpull", "scam", "scams", "scammer", "scammers", "phishing", "ponzi", "fraud", "attack", "attacker"]),
        ("delist", ["delist", "delists", "delisted", "delisting", "delistings", "suspends", "suspended", "halts", "halted", "freezes", "froze", "frozen"]),
        ("liquidation", ["liquidation", "liquidations", "liquidated", "insolvent", "insolvency", "bankrupt", "bankruptcy", "collapse", "collapses", "collapsed", "contagion"]),
        ("rally", ["rally", "rallies", "rallied", "surge", "surges", "surged", "surging", "soar", "soars", "soared", "soaring", "skyrocket", "skyrockets", "skyrocketed", "jump", "jumps", "jumped", "spike", "spikes", "spiked", "climbs", "climbed", "rebound", "rebounds", "rebounded", "recovers", "recovered", "bull", "bullish", "moon", "pump", "pumps", "gains", "gain", "rises", "rise", "rose", "up"]),
        ("crash", ["crash", "crashes", "crashed", "plunge", "plunges", "plunged", "tumble", "tumbles", "tumbled", "dump", "dumps", "dumped", "slump", "slumps", "slumped", "sink", "sinks", "sank", "tank", "tanks", "tanked", "nosedive", "bear", "bearish", "selloff", "drop", "drops", "dropped", "fall", "falls", "fell", "down", "dips", "dip", "slides", "slid", "losses", "loss"]),
        ("record", ["ath", "record", "highs", "milestone", "peak"]),
        ("enforcement", ["sec", "sues", "sued", "lawsuit", "lawsuits", "charges", "charged", "subpoena", "subpoenas", "probe", "probes", "investigation", "investigates", "fined", "fines", "penalty", "crackdown", "ban", "bans", "banned", "arrest", "arrested", "arrests", "indicted", "illegal", "unregistered", "sanctions"]),
        ("approve", ["approve", "approves", "approved", "approval", "greenlight", "greenlights", "greenlit", "authorizes", "authorized", "license", "licensed", "licence", "legalizes", "legalize", "adopts", "adoption", "launches", "launch", "partnership", "partners", "integrates", "accepts", "invests", "investment", "raises", "backed", "listing", "lists"]),
        ("reject", ["reject", "rejects", "rejected", "rejection", "denies", "denied", "delays", "delayed", "postpones", "postponed", "refuses", "refused", "warns", "warning", "fears", "concerns", "risk", "risks", "threat"]),
        ("hedge", ["could", "may", "might", "possibly", "potentially", "likely", "reportedly", "rumor", "rumors", "rumour", "predicts", "prediction", "expects", "if", "whether", "why", "how", "what", "analyst", "analysts", "says", "opinion"]),
    ];

    // token hash → kind: bit 0 coin word, bit 1 negator, bits 8.. cue group + 1 (0 = none); one lookup per token
    private readonly HashTable64 _tokenKinds;
    private const int CoinKind = 1, NegatorKind = 2, CueShift = 8;
    private readonly ulong[] _cueHash;
    private readonly ulong[] _cueNotHash;
    private static readonly ulong NotPrefixHash = Hash(NegationPrefix);
    private static readonly ulong CoinHash = Hash(CoinToken);
    private readonly LexiconScorer _lexicon;

    /// <summary>The featuriser with the built-in word lists over the embedded v1 lexicon.</summary>
    public static HeadlineFeaturizer Default { get; } = new(LexiconScorer.Default);

    public HeadlineFeaturizer(LexiconScorer lexicon, IEnumerable<string>? coinWords = null)
    {
        _lexicon = lexicon ?? throw new ArgumentNullException(nameof(lexicon));
        var kinds = new Dictionary<ulong, int>();
        foreach (var w in coinWords ?? DefaultCoinWords) kinds[Hash(w.ToLowerInvariant())] = CoinKind;
        foreach (var w in DefaultNegators) kinds[Hash(w)] = kinds.GetValueOrDefault(Hash(w)) | NegatorKind;
        _cueHash = new ulong[CueGroups.Length];
        _cueNotHash = new ulong[CueGroups.Length];
        for (var g = 0; g < CueGroups.Length; g++)
        {
            _cueHash[g] = Hash(CuePrefix + CueGroups[g].Group);
            _cueNotHash[g] = Hash(CuePrefix + CueGroups[g].Group + CueNegatedSuffix);
            foreach (var w in CueGroups[g].Words)
            {
                var k = kinds.GetValueOrDefault(Hash(w));
                if (k >> CueShift == 0) kinds[Hash(w)] = k | ((g + 1) << CueShift); // first group wins
            }
        }
        _tokenKinds = new HashTable64(kinds);
    }

    public const string CuePrefix = "__cue_";
    public const string CueNegatedSuffix = "_not";

    /// <summary>Upper bound of features for a text of <paramref name="textLength"/> chars (size of the output spans).</summary>
    public static int MaxFeatures(int textLength) => 3 * Math.Min(MaxTokens, textLength / 2 + 1) + 4;

    /// <summary>64-bit FNV-1a of a feature name: how model files map names to the hashes produced here.</summary>
    public static ulong Hash(ReadOnlySpan<char> name) => Continue(FnvOffset, name);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Continue(ulong h, ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            h ^= c;
            h *= FnvPrime;
        }
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Continue(ulong h, char c) => (h ^ c) * FnvPrime;

    /// <summary>
    /// Writes the features of <paramref name="text"/> into <paramref name="hashes"/>/<paramref name="values"/>
    /// (at least <see cref="MaxFeatures"/> long) and returns their count. Duplicates are allowed (values add up).
    /// When <paramref name="names"/> is given, the readable name of each feature is appended to it (training only).
    /// </summary>
    [SkipLocalsInit]
    public int Extract(ReadOnlySpan<char> text, Span<ulong> hashes, Span<float> values, List<string>? names = null)
    {
        char[]? rented = null;
        try
        {
            // normalised tokens (_money_ for "$1") can be longer than the text they replace
            var needed = text.Length + MaxTokens * 8;
            var buffer = needed <= StackTextLimit ? stackalloc char[StackTextLimit] : (rented = System.Buffers.ArrayPool<char>.Shared.Rent(needed));
            Span<int> starts = stackalloc int[MaxTokens];
            Span<int> lengths = stackalloc int[MaxTokens];
            Span<int> clauses = stackalloc int[MaxTokens];
            Span<ulong> tokenHash = stackalloc ulong[MaxTokens];
            Span<int> kinds = stackalloc int[MaxTokens];
            var n = Tokenize(text, buffer, starts, lengths, clauses, tokenHash, kinds, out var question);

            var count = 0;
            var negLeft = 0;
            var clause = -1;
            var notPrefix = NotPrefixHash;
            for (var i = 0; i < n; i++)
            {
                if (clauses[i] != clause) { clause = clauses[i]; negLeft = 0; }
                var token = buffer.Slice(starts[i], lengths[i]);
                var isNegator = (kinds[i] & NegatorKind) != 0;
                var cue = (kinds[i] >> CueShift) - 1;
                if (cue >= 0)
                {
                    var negated = negLeft > 0 && !isNegator;
                    hashes[count] = negated ? _cueNotHash[cue] : _cueHash[cue];
                    values[count++] = 1;
                    names?.Add(CuePrefix + CueGroups[cue].Group + (negated ? CueNegatedSuffix : ""));
                }
                if (negLeft > 0 && !isNegator)
                {
                    hashes[count] = Continue(notPrefix, token);
                    values[count++] = 1;
                    names?.Add(NegationPrefix + token.ToString());
                    negLeft--;
                }
                else
                {
                    hashes[count] = tokenHash[i];
                    values[count++] = 1;
                    names?.Add(token.ToString());
                }
                if (isNegator) negLeft = NegationScope;
                if (i > 0 && clauses[i - 1] == clause)
                {
                    hashes[count] = Continue(Continue(tokenHash[i - 1], ' '), token);
                    values[count++] = 1;
                    names?.Add(string.Concat(buffer.Slice(starts[i - 1], lengths[i - 1]), " ", token));
                }
            }

            var lex = _lexicon.Evaluate(text);
            if (lex.Score != 0)
            {
                hashes[count] = Hash(LexiconScoreFeature);
                values[count++] = (float)Math.Clamp(lex.Score / 2, -3, 3);
                names?.Add(LexiconScoreFeature);
            }
            if (lex.Label != SentimentLabel.Neutral)
            {
                var name = lex.Label == SentimentLabel.Positive ? LexiconPositiveFeature : LexiconNegativeFeature;
                hashes[count] = Hash(name);
                values[count++] = 1;
                names?.Add(name);
            }
            if (question)
            {
                hashes[count] = Hash(QuestionFeature);
                values[count++] = 1;
                names?.Add(QuestionFeature);
            }
            return count;
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }

    private int Tokenize(ReadOnlySpan<char> text, Span<char> buffer, Span<int> starts, Span<int> lengths, Span<int> clauses, Span<ulong> hashes, Span<int> kinds, out bool question)
    {
        question = false;
        int n = 0, pos = 0, clause = 0, i = 0;
        while (i < text.Length && n < starts.Length)
        {
            var c = text[i];
            if (IsWordChar(c))
            {
                // URL: skip to the next whitespace
                if ((c is 'h' or 'H') && IsUrlAt(text, i))
                {
                    while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
                    continue;
                }
                var start = pos;
                var digitFirst = char.IsAsciiDigit(c);
                var dollar = i > 0 && text[i - 1] == '$';
                while (i < text.Length)
                {
                    c = text[i];
                    if (IsWordChar(c))
                    {
                        buffer[pos++] = c < 128 ? (char)(char.IsAsciiLetterUpper(c) ? c | 0x20 : c) : char.ToLowerInvariant(c);
                        i++;
                    }
                    else if (digitFirst && (c is '.' or ',') && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && i > 0 && char.IsAsciiDigit(text[i - 1]))
                        i++; // 1,000.5 stays one number
                    else if (c is '\'' or '\u2019' && i + 1 < text.Length && IsWordChar(text[i + 1]))
                    {
                        // possessive 's at the end of a word is dropped; other apostrophes are just removed
                        if ((text[i + 1] is 's' or 'S') && (i + 2 >= text.Length || !IsWordChar(text[i + 2]))) { i += 2; break; }
                        i++;
                    }
                    else break;
                }
                ulong h;
                var kind = 0;
                if (digitFirst)
                {
                    var isPct = i < text.Length && text[i] == '%';
                    var normalised = dollar ? MoneyToken : isPct ? PercentToken : NumberToken;
                    h = Hash(normalised);
                    normalised.AsSpan().CopyTo(buffer[start..]);
                    pos = start + normalised.Length;
                }
                else
                {
                    h = Hash(buffer[start..pos]);
                    kind = _tokenKinds.Get(h);
                    if (dollar || (kind & CoinKind) != 0)
                    {
                        CoinToken.AsSpan().CopyTo(buffer[start..]);
                        pos = start + CoinToken.Length;
                        h = CoinHash;
                        kind = 0;
                    }
                }
                starts[n] = start;
                lengths[n] = pos - start;
                clauses[n] = clause;
                hashes[n] = h;
                kinds[n] = kind;
                n++;
                continue;
            }
            switch (c)
            {
                case '?': question = true; clause++; break;
                case ',' or ';' or ':' or '!' or '|' or '(' or ')' or '\u2014' or '\u2013' or '.': clause++; break;
                case '-':
                    if (i > 0 && i + 1 < text.Length && char.IsWhiteSpace(text[i - 1]) && char.IsWhiteSpace(text[i + 1])) clause++;
                    break;
            }
            i++;
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWordChar(char c) => c < 128 ? char.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c);

    private static bool IsUrlAt(ReadOnlySpan<char> text, int i) =>
        (i == 0 || !IsWordChar(text[i - 1])) &&
        (text[i..].StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text[i..].StartsWith("https://", StringComparison.OrdinalIgnoreCase));
}
