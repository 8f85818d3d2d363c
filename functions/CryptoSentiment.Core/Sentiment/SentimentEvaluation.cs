using CryptoSentiment.Replay;
using System.Text;

namespace CryptoSentiment.Sentiment;

/// <summary>A human-labelled headline for evaluation.</summary>
public sealed record LabeledHeadline(string Text, SentimentLabel Label);

/// <summary>Accuracy and macro-F1 of predicted labels against gold labels.</summary>
public sealed record SentimentMetrics(int Count, double Accuracy, double MacroF1, double F1Negative, double F1Neutral, double F1Positive)
{
    /// <summary>Computes metrics; <paramref name="gold"/> and <paramref name="predicted"/> are parallel.</summary>
    public static SentimentMetrics Compute(IReadOnlyList<SentimentLabel> gold, IReadOnlyList<SentimentLabel> predicted)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count) throw new ArgumentException("gold and predicted differ in length.", nameof(predicted));
        // confusion[g, p] with index = label + 1
        var confusion = new int[3, 3];
        var correct = 0;
        for (var i = 0; i < gold.Count; i++)
        {
            confusion[(int)gold[i] + 1, (int)predicted[i] + 1]++;
            if (gold[i] == predicted[i]) correct++;
        }
        var f1 = new double[3];
        for (var c = 0; c < 3; c++)
        {
            int tp = confusion[c, c], fp = 0, fn = 0;
            for (var o = 0; o < 3; o++)
            {
                if (o == c) continue;
                fp += confusion[o, c];
                fn += confusion[c, o];
            }
            f1[c] = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        }
        var n = gold.Count;
        return new SentimentMetrics(n, n == 0 ? 0 : (double)correct / n, (f1[0] + f1[1] + f1[2]) / 3, f1[0], f1[1], f1[2]);
    }

    public override string ToString() =>
        FormattableString.Invariant($"n={Count} accuracy={Accuracy:F3} macroF1={MacroF1:F3} (F1 neg={F1Negative:F3} neu={F1Neutral:F3} pos={F1Positive:F3})");
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
        foreach (var row in CsvTokenizer.Records(reader, ',').Select(r => r.ToList()))
        {
            if (textCol < 0)
            {
                textCol = row.FindIndex(h => h.Trim().Equals("text", StringComparison.OrdinalIgnoreCase));
                labelCol = row.FindIndex(h => h.Trim().Equals("label", StringComparison.OrdinalIgnoreCase));
                if (textCol < 0 || labelCol < 0) throw new InvalidDataException("CSV header must contain 'text' and 'label' columns.");
                continue;
            }
            if (row.Count == 1 && row[0].Length == 0) continue;
            if (row.Count <= Math.Max(textCol, labelCol)) throw new InvalidDataException($"Row {result.Count + 2} has {row.Count} fields.");
            result.Add(new LabeledHeadline(row[textCol], ParseLabel(row[labelCol])));
        }
        return result;
    }

    public static SentimentLabel ParseLabel(string value) => value.Trim().ToLowerInvariant() switch
    {
        "positive" or "bullish" or "1" => SentimentLabel.Positive,
        "negative" or "bearish" or "0" => SentimentLabel.Negative,
        "neutral" or "2" => SentimentLabel.Neutral,
        _ => throw new InvalidDataException($"Unknown sentiment label '{value}'."),
    };
}
