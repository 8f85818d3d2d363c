using System.Text;
using System.Text.RegularExpressions;
using CryptoSentiment.Replay;

namespace CryptoSentiment.Sentiment.Training;

/// <summary>One labelled training text and the file it came from.</summary>
public sealed record TrainingExample(string Text, SentimentLabel Label, string Source);

/// <summary>
/// Reads the training files of <c>../shared/data/train</c>:
/// <list type="bullet">
/// <item><c>sent_train.csv</c>, <c>sent_valid.csv</c> (Twitter Financial News): <c>text,label</c>, 0 = negative, 1 = positive, 2 = neutral.</item>
/// <item><c>SEntFiN.csv</c>: <c>S No.,Title,Decisions,Words</c>; <c>Decisions</c> is a Python-dict-like string of entity → label.
/// The headline label: all entities agree → that label; polar + neutral → the polar label (the headline carries
/// that sentiment for someone); positive and negative both present → the row is dropped (no single headline label).</item>
/// <item>Weak supervision (optional): distinct titles of the real crypto news stream (<c>../replay/</c>), labelled by
/// the hand-written crypto lexicon — never by the file's own TextBlob <c>sentiment</c> column. The labelled sets are
/// finance, not crypto; these titles teach the model crypto vocabulary and crypto news' tone.</item>
/// </list>
/// </summary>
public static partial class TrainingCorpus
{
    public const string TwitterTrainFile = "sent_train.csv";
    public const string TwitterValidFile = "sent_valid.csv";
    public const string SEntFiNFile = "SEntFiN.csv";

    /// <summary>The real crypto news stream beside <c>train/</c> (<c>../replay/</c>), used for weak supervision.</summary>
    public const string DefaultUnlabeledNewsFile = "cryptonews_2021-10_2022-03.csv";
    /// <summary>Source prefix of weakly labelled examples.</summary>
    public const string WeakSourcePrefix = "weak:";

    /// <summary>
    /// Loads every training file of <paramref name="directory"/> in a fixed order (train, [valid], SEntFiN), then the
    /// weakly labelled titles of <paramref name="unlabeledNews"/> when given.
    /// </summary>
    public static List<TrainingExample> Load(string directory, bool excludeValid = false, string? unlabeledNews = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Training data directory '{directory}' does not exist.");
        var result = new List<TrainingExample>();
        result.AddRange(ReadTwitter(Required(directory, TwitterTrainFile)));
        if (!excludeValid) result.AddRange(ReadTwitter(Required(directory, TwitterValidFile)));
        result.AddRange(ReadSEntFiN(Required(directory, SEntFiNFile), out _));
        if (unlabeledNews is not null)
        {
            if (!File.Exists(unlabeledNews)) throw new FileNotFoundException($"Unlabelled news file '{unlabeledNews}' is missing (pass --unlabeled FILE or none).", unlabeledNews);
            result.AddRange(ReadWeakCrypto(unlabeledNews, LexiconScorer.Default));
        }
        return result;
    }

    private static string Required(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path)) throw new FileNotFoundException($"Training file '{path}' is missing.", path);
        return path;
    }

    /// <summary>Reads a Twitter Financial News CSV (<c>text,label</c> with 0/1/2 labels).</summary>
    public static List<TrainingExample> ReadTwitter(string path)
    {
        var source = Path.GetFileName(path);
        var rows = LabeledCsv.Read(path);
        return [.. rows.Select(r => new TrainingExample(r.Text, r.Label, source))];
    }

    /// <summary>Reads SEntFiN; <paramref name="dropped"/> counts rows with both positive and negative entities.</summary>
    public static List<TrainingExample> ReadSEntFiN(string path, out int dropped)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return ReadSEntFiN(reader, Path.GetFileName(path), out dropped);
    }

    /// <inheritdoc cref="ReadSEntFiN(string, out int)"/>
    public static List<TrainingExample> ReadSEntFiN(TextReader reader, string source, out int dropped)
    {
        dropped = 0;
        var result = new List<TrainingExample>();
        int titleCol = -1, decisionsCol = -1, record = 0;
        foreach (var row in CsvTokenizer.Records(reader, ','))
        {
            record++;
            if (titleCol < 0)
            {
                titleCol = Array.FindIndex(row, h => h.Trim().Equals("Title", StringComparison.OrdinalIgnoreCase));
                decisionsCol = Array.FindIndex(row, h => h.Trim().Equals("Decisions", StringComparison.OrdinalIgnoreCase));
                if (titleCol < 0 || decisionsCol < 0) throw new InvalidDataException($"{source}: header must contain 'Title' and 'Decisions' columns.");
                continue;
            }
            if (row.Length <= Math.Max(titleCol, decisionsCol)) throw new InvalidDataException($"{source}: record {record} has {row.Length} fields.");
            var label = HeadlineLabel(row[decisionsCol])
                ?? throw new InvalidDataException($"{source}: record {record} has no entity label in Decisions '{row[decisionsCol]}'.");
            if (label == ConflictingLabels) { dropped++; continue; }
            result.Add(new TrainingExample(row[titleCol], (SentimentLabel)label, source));
        }
        return result;
    }

    private const int ConflictingLabels = 99;

    /// <summary>
    /// The headline label of a SEntFiN <c>Decisions</c> value, <c>null</c> when it names no label, or 99 when
    /// positive and negative entities conflict. Entity names may contain apostrophes, so only the label values are matched.
    /// </summary>
    internal static int? HeadlineLabel(string decisions)
    {
        bool pos = false, neg = false, neu = false;
        foreach (Match m in DecisionLabel().Matches(decisions))
        {
            switch (m.Groups[1].Value)
            {
                case "positive": pos = true; break;
                case "negative": neg = true; break;
                default: neu = true; break;
            }
        }
        if (pos && neg) return ConflictingLabels;
        if (pos) return (int)SentimentLabel.Positive;
        if (neg) return (int)SentimentLabel.Negative;
        return neu ? (int)SentimentLabel.Neutral : null;
    }

    /// <summary>
    /// Unlabelled crypto headlines (the <c>title</c> column of the semicolon news CSV), distinct, labelled by the
    /// hand-written crypto lexicon (weak supervision: teaches the model crypto vocabulary; no human label is used).
    /// </summary>
    public static List<TrainingExample> ReadWeakCrypto(string newsCsv, LexiconScorer lexicon)
    {
        using var reader = new StreamReader(newsCsv, Encoding.UTF8);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<TrainingExample>();
        var titleCol = -1;
        var source = WeakSourcePrefix + Path.GetFileName(newsCsv);
        foreach (var row in CsvTokenizer.Records(reader, ';'))
        {
            if (titleCol < 0)
            {
                titleCol = Array.FindIndex(row, h => h.Trim().Equals("title", StringComparison.OrdinalIgnoreCase));
                if (titleCol < 0) throw new InvalidDataException($"{newsCsv}: header has no 'title' column.");
                continue;
            }
            if (row.Length <= titleCol) continue;
            var title = row[titleCol].Trim();
            if (title.Length == 0 || !seen.Add(title)) continue;
            result.Add(new TrainingExample(title, lexicon.Evaluate(title).Label, source));
        }
        return result;
    }

    [GeneratedRegex("""['"]\s*:\s*['"](positive|negative|neutral)['"]\s*(?=[,}])""")]
    private static partial Regex DecisionLabel();
}
