using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Tests.Sentiment;

public class EvaluationTests
{
    private const SentimentLabel Neg = SentimentLabel.Negative, Neu = SentimentLabel.Neutral, Pos = SentimentLabel.Positive;

    [Fact]
    public void ConfusionMatrixAndPerClassMetrics()
    {
        SentimentLabel[] gold = [Pos, Pos, Pos, Neg, Neg, Neu, Neu, Neu];
        SentimentLabel[] pred = [Pos, Pos, Neu, Neg, Pos, Neu, Neu, Neg];
        var m = SentimentMetrics.Compute(gold, pred);
        Assert.Equal(new[,] { { 1, 0, 1 }, { 1, 2, 0 }, { 0, 1, 2 } }, m.Confusion);
        Assert.Equal(5.0 / 8, m.Accuracy, 9);
        var (neg, neu, pos) = (m.PerClass[0], m.PerClass[1], m.PerClass[2]);
        Assert.Equal((0.5, 0.5, 0.5, 2, 2), (neg.Precision, neg.Recall, neg.F1, neg.Support, neg.Predicted));
        Assert.Equal((2.0 / 3, 2.0 / 3, 3, 3), (neu.Precision, neu.Recall, neu.Support, neu.Predicted));
        Assert.Equal((2.0 / 3, 2.0 / 3), (pos.Precision, pos.Recall));
        Assert.Equal((0.5 + 2.0 / 3 + 2.0 / 3) / 3, m.MacroF1, 9);
        Assert.Equal("macro_f1=0.611 accuracy=0.625 n=8", m.SummaryLine);
    }

    [Fact]
    public void EmptyClassesScoreZero()
    {
        var m = SentimentMetrics.Compute([Pos, Pos], [Pos, Pos]);
        Assert.Equal(1.0 / 3, m.MacroF1, 9);
        Assert.Equal(0, m.PerClass[0].Precision);
        Assert.Equal("macro_f1=0.333 accuracy=1.000 n=2", m.SummaryLine);
    }

    [Fact]
    public void BadLabelNamesItsLine()
    {
        var e = Assert.Throws<InvalidDataException>(() => LabeledCsv.Read(new StringReader("text,label\nok,positive\n\"two\nlines\",neutral\nbad,great\n")));
        Assert.Contains("Line 5", e.Message);
        Assert.Contains("'great'", e.Message);
        var header = Assert.Throws<InvalidDataException>(() => LabeledCsv.Read(new StringReader("headline,sentiment\nx,positive\n")));
        Assert.Contains("'text' and 'label'", header.Message);
        Assert.Throws<InvalidDataException>(() => LabeledCsv.Read(new StringReader("")));
    }

    [Fact]
    public async Task EvaluatorScoresEveryRowInBatches()
    {
        var rows = Enumerable.Range(0, 1234).Select(i => new LabeledHeadline(i % 2 == 0 ? "Exchange hacked, funds stolen" : "Bitcoin soars to record high", i % 2 == 0 ? Neg : Pos)).ToList();
        var (m, predicted) = await SentimentEvaluator.EvaluateAsync(OfflineScorer.Default, rows, batchSize: 100);
        Assert.Equal(1234, m.Count);
        Assert.Equal(1.0, m.Accuracy);
        Assert.Equal(rows.Select(r => r.Label), predicted);
    }
}
