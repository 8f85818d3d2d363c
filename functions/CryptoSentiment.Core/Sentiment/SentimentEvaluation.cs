using CryptoSentiment.Replay;
using System.Text;

namespace CryptoSentiment.Sentiment;

/// <summary>A human-labelled headline for evaluation.</summary>
public sealed record LabeledHeadline(string Text, SentimentLabel Label);

/// <summary>Precision, recall and F1 of one class.</summary>
public sealed record ClassMetrics(SentimentLabel Label, int Support, int Predicted, int TruePositives, double Precision, double Recall, double F1);

/// <summary>Accuracy and macro-F1 of predicted labels against gold labels, with the confusion matrix.</summary>
public sealed record SentimentMetrics(int Count, double Accuracy, double MacroF1, double F1Negative, double F1Neutral, double F1Positive)
{
    /// <summary>Classes in matrix order: negative, neutral, positive.</summary>
    public static readonly SentimentLabel[] Labels = [SentimentLabel.Negative, SentimentLabel.Neutral, SentimentLabel.Positive];

    /// <summary><c>Confusion[gold, predicted]</c>, index = label + 1 (negative, neutral, positive).</summary>
    public int[,] Confusion { get; private init; } = new int[3, 3];

    /// <summary>Per-class metrics in <see cref="Labels"/> order.</summary>
    public IReadOnlyList<ClassMetrics> PerClass { get; private init; } = [];

    /// <summary>Computes metrics; <paramref name="gold"/> and <paramref name="predicted"/> are parallel.</summary>
    public static SentimentMetrics Compute(IReadOnlyList<SentimentLabel> gold, IReadOnlyList<SentimentLabel> predicted)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count) throw new ArgumentException("gold and predicted differ in length.", nameof(predicted));
        var confusion = new int[3, 3];
        var correct = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            confusion[(int)gold[i] + 1, (int)predicted[i] + 1]++;
            if (gold[i] == predicted[i]) correct++;
        }
        var perClass = new ClassMetrics[3];
        for (var c = 0; c < 3; c++)
        {
            int tp = confusion[c, c], support = 0, predictedCount = 0;
            for (var o = 0; o < 3; o++)
            {
                support += confusion[c, o];
                predictedCount += confusion[o, c];
            }
            var precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = tp == 0 ? 0 : 2.0 * tp / (support + predictedCount);
            perClass[c] = new ClassMetrics(Labels[c], support, predictedCount, tp, precision, recall, f1);
        }
        var n = gold.Count;
        return new SentimentMetrics(n, n == 0 ? 0 : (double)correct / n, (perClass[0].F1 + perClass[1].F1 + perClass[2].F1) / 3, perClass[0].F1, perClass[1].F1, perClass[2].F1)
        {
            Confusion = confusion,
            PerClass = perClass,
        };
    }

    /// <summary>The contract summary line: <c>macro_f1=0.xxx accuracy=0.xxx n=N</c>.</summary>
    public string SummaryLine => FormattableString.Invariant($"macro_f1={MacroF1:0.000} accuracy={Accuracy:0.000} n={Count}");

    public override string ToString() =>
        FormattableString.Invariant($"n={Count} accuracy={Accuracy:F3} macroF1={MacroF1:F3} (F1 neg={F1Negative:F3} neu={F1Neutral:F3} pos={F1Positive:F3})");
}

/// <summary>Scores labelled headlines with a scorer and computes <see cref="SentimentMetrics"/>.</summary>
public static class SentimentEvaluator
{
    /// <summary>Scores <paramref name="rows"/> in batches of <paramref name="batchSize"/> and compares with their labels.</summary>
    public static async Task<(SentimentMetrics Metrics, IReadOnlyList<SentimentLabel> Predicted)> EvaluateAsync(
        ISentimentScorer scorer, IReadOnlyList<LabeledHeadline> rows, int batchSize = 500, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(rows);
        var predicted = new SentimentLabel[rows.Count];
        for (var start = 0; start < rows.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, rows.Count - start);
            var batch = new SentimentRequest[count];
            for (var i = 0; i < count; i++) batch[i] = new SentimentRequest((start + i).ToString(System.Globalization.CultureInfo.InvariantCulture), rows[start + i].Text);
            var results = await scorer.ScoreAsync(batch, cancellationToken);
            var seen = new bool[count];
            foreach (var r in results)
            {
                if (!int.TryParse(r.Id, System.Globalization.CultureInfo.InvariantCulture, out var id) || id < start || id >= start + count)
                    throw new InvalidOperationException($"Scorer '{scorer.Name}' answered unknown id '{r.Id}'.");
                predicted[id] = r.Label;
                seen[id - start] = true;
            }
            var missing = Array.IndexOf(seen, false);
            if (missing >= 0) throw new InvalidOperationException($"Scorer '{scorer.Name}' gave no result for row {start + missing}.");
        }
        return (SentimentMetrics.Compute([.. rows.Select(r => r.Label)], predicted), predicted);
    }
}

/// <summary>Reads labelled CSV files (RFC 4180: quoted fields, doubled quotes, commas/newlines inside quotes).</summary>
public static class LabeledCsv
{
    /// <summary>
    /// Reads a CSV with a <c>text</c> and a <c>label</c> column. Labels are <c>positive|negative|neutral</c>
    /// (also <c>bullish|bearish</c>) or the Twitter Financial News numbers 0 = negative, 1 = positive, 2 = neutral.
    /// </summary>
    public static List<LabeledHeadline> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return Read(reader);
    }

    /// <inheritdoc cref="Read(string)"/>
    public static List<LabeledHeadline> Read(TextReader reader)
    {
        var result = new List<LabeledHeadline>();
        int textCol = -1, labelCol = -1;
        var counting = new LineCountingReader(reader);
        var line = 1;
        foreach (var fields in CsvTokenizer.Records(counting, ','))
        {
            var row = fields.ToList();
            var at = line;
            line = counting.Lines + 1;
            if (textCol < 0)
            {
                textCol = row.FindIndex(h => h.Trim().TrimStart('\uFEFF').Equals("text", StringComparison.OrdinalIgnoreCase));
                labelCol = row.FindIndex(h => h.Trim().TrimStart('\uFEFF').Equals("label", StringComparison.OrdinalIgnoreCase));
                if (textCol < 0 || labelCol < 0)
                    throw new InvalidDataException($"CSV header must contain 'text' and 'label' columns (found: {string.Join(", ", row)}).");
                continue;
            }
            if (row.Count == 1 && row[0].Length == 0) continue;
            if (row.Count <= Math.Max(textCol, labelCol)) throw new InvalidDataException($"Line {at}: {row.Count} field(s), expected at least {Math.Max(textCol, labelCol) + 1}.");
            SentimentLabel label;
            try { label = ParseLabel(row[labelCol]); }
            catch (InvalidDataException e) { throw new InvalidDataException($"Line {at}: {e.Message}"); }
            result.Add(new LabeledHeadline(row[textCol], label));
        }
        if (textCol < 0) throw new InvalidDataException("CSV is empty: expected a header with 'text' and 'label' columns.");
        return result;
    }

    /// <summary>Counts the line feeds read through it, so errors can name the line a record starts on.</summary>
    private sealed class LineCountingReader(TextReader inner) : TextReader
    {
        public int Lines { get; private set; }
        public override int Peek() => inner.Peek();
        public override int Read()
        {
            var c = inner.Read();
            if (c == '\n') Lines++;
            return c;
        }
    }

    public static SentimentLabel ParseLabel(string value) => value.Trim().ToLowerInvariant() switch
    {
        "positive" or "bullish" or "1" => SentimentLabel.Positive,
        "negative" or "bearish" or "0" => SentimentLabel.Negative,
        "neutral" or "2" => SentimentLabel.Neutral,
        _ => throw new InvalidDataException($"Unknown sentiment label '{value}' (expected positive, negative or neutral)."),
    };
}
