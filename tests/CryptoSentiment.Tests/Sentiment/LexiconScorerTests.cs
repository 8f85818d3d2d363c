using System.Diagnostics;
using CryptoSentiment.Sentiment;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.Sentiment;

public class LexiconScorerTests(ITestOutputHelper output)
{
    private static readonly LexiconScorer Scorer = LexiconScorer.Default;

    [Theory]
    [InlineData("SEC sues exchange over unregistered securities", SentimentLabel.Negative)]
    [InlineData("Bitcoin hits new all-time high as ETF approval nears", SentimentLabel.Positive)]
    [InlineData("Ethereum developers schedule network upgrade call", SentimentLabel.Neutral)]
    [InlineData("Exchange hacked, $100M drained", SentimentLabel.Negative)]
    [InlineData("SEC rejects spot bitcoin ETF application", SentimentLabel.Negative)]
    [InlineData("Solana rallies 20% to record high", SentimentLabel.Positive)]
    [InlineData("Crypto lender files for bankruptcy after withdrawals freeze", SentimentLabel.Negative)]
    [InlineData("Bitcoin price crashes below $30,000 as liquidations mount", SentimentLabel.Negative)]
    [InlineData("Visa announces partnership with crypto exchange", SentimentLabel.Positive)]
    [InlineData("China announces crackdown on crypto mining", SentimentLabel.Negative)]
    public async Task SmokeExamples(string headline, SentimentLabel expected)
    {
        var result = (await Scorer.ScoreAsync([new SentimentRequest("1", headline)]))[0];
        Assert.Equal(expected, result.Label);
    }

    [Fact]
    public void NegatedCrashIsNotNegative()
    {
        Assert.NotEqual(SentimentLabel.Negative, Scorer.Evaluate("Bitcoin not likely to crash, analysts say").Label);
    }

    [Theory]
    [InlineData("Bitcoin will surge", "Bitcoin will not surge")]
    [InlineData("Exchange approves the merger", "Exchange fails to approve the merger")]
    [InlineData("Bitcoin is bullish", "Bitcoin is never bullish")]
    [InlineData("Regulators ban crypto trading", "Regulators no ban on crypto trading")]
    public void NegationFlipsPolarity(string plain, string negated)
    {
        var a = Scorer.Evaluate(plain).Score;
        var b = Scorer.Evaluate(negated).Score;
        Assert.NotEqual(0, a);
        Assert.True(Math.Sign(a) == -Math.Sign(b), $"'{plain}' = {a}, '{negated}' = {b}");
    }

    [Fact]
    public void NegationDoesNotCrossClauses()
    {
        var s = Scorer.Evaluate("No doubt about it, bitcoin surges").Score;
        Assert.True(s > 0, $"score {s}");
    }

    [Fact]
    public void IntensifierAmplifies()
    {
        Assert.True(Math.Abs(Scorer.Evaluate("Bitcoin drops sharply").Score) > Math.Abs(Scorer.Evaluate("Bitcoin drops").Score));
    }

    [Fact]
    public void QuestionsAndHedgesAreDampened()
    {
        var plain = Math.Abs(Scorer.Evaluate("Bitcoin crashes").Score);
        Assert.True(Math.Abs(Scorer.Evaluate("Will bitcoin crash?").Score) < plain);
        Assert.True(Math.Abs(Scorer.Evaluate("Bitcoin could crash").Score) < plain);
    }

    [Fact]
    public async Task BatchKeepsIdsOrderAndCount()
    {
        var batch = new List<SentimentRequest>();
        for (var i = 0; i < 100; i++)
            batch.Add(new SentimentRequest($"id-{99 - i}", i % 3 == 0 ? "Bitcoin soars" : i % 3 == 1 ? "Bitcoin crashes" : "Bitcoin network"));
        var results = await Scorer.ScoreAsync(batch);
        Assert.Equal(batch.Count, results.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = results[i];
            Assert.Equal(batch[i].Id, r.Id);
            Assert.Equal("offline", r.Scorer);
            Assert.Equal("offline-lexicon-v1", r.Model);
            Assert.Equal("-", r.PromptVersion);
            Assert.Equal(0, r.TokensIn);
            Assert.Equal(0, r.TokensOut);
            Assert.Empty(r.Coins);
            Assert.Equal(batch[i].Text, r.ContextSummary);
        }
        Assert.Equal("offline", Scorer.Name);
    }

    [Fact]
    public async Task EmptyBatchGivesEmptyResult()
    {
        Assert.Empty(await Scorer.ScoreAsync([]));
    }

    [Fact]
    public async Task DuplicateIdsAndEmptyTextsAreScored()
    {
        var results = await Scorer.ScoreAsync([new("a", ""), new("a", "   "), new("b", "?!...")]);
        Assert.Equal(["a", "a", "b"], results.Select(r => r.Id));
        Assert.All(results, r => Assert.Equal(SentimentLabel.Neutral, r.Label));
        Assert.Equal(["", "", "?!..."], results.Select(r => r.ContextSummary));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bitcoin")]
    [InlineData("Bitcoin soars soars soars soars soars soars to record all-time high, massive rally, bull run")]
    [InlineData("Hack hack hack, exploit, scam, fraud, bankruptcy, crash, plunge, liquidations")]
    [InlineData("Bitcoin rises slightly")]
    public void ConfidenceIsInOpenUnitInterval(string text)
    {
        var s = Scorer.Evaluate(text);
        Assert.InRange(s.Confidence, double.Epsilon, 1 - 1e-9);
        Assert.True(s.Confidence is > 0 and < 1);
    }

    [Fact]
    public void NeutralIsConfidentNearZero()
    {
        Assert.True(Scorer.Evaluate("Ethereum developers schedule call").Confidence >= 0.85);
    }

    [Fact]
    public async Task IsDeterministic()
    {
        var texts = new[] { "SEC sues exchange", "Bitcoin hits new all-time high", "Will ether flip bitcoin?", "Miners sell as price dips" };
        var batch = texts.Select((t, i) => new SentimentRequest(i.ToString(), t)).ToList();
        var a = await Scorer.ScoreAsync(batch);
        var b = await new LexiconScorer().ScoreAsync(batch);
        Assert.Equal(a, b, (x, y) => x.Label == y.Label && x.Confidence.Equals(y.Confidence) && x.Id == y.Id && x.ContextSummary == y.ContextSummary);
    }

    [Fact]
    public void LongTextsUseThePooledPath()
    {
        var text = string.Join(" ", Enumerable.Repeat("bitcoin surges", 400));
        Assert.Equal(SentimentLabel.Positive, Scorer.Evaluate(text).Label);
    }

    [Theory]
    [InlineData("  Bitcoin soars  ", "Bitcoin soars")]
    [InlineData("Line one\r\nline   two", "Line one line two")]
    public void SummaryIsTrimmedSingleLine(string text, string expected) => Assert.Equal(expected, LexiconScorer.Summarize(text));

    [Fact]
    public void SummaryCutsAtWordBoundary()
    {
        var words = string.Join(" ", Enumerable.Range(0, 60).Select(i => $"word{i}"));
        var summary = LexiconScorer.Summarize(words);
        Assert.True(summary.Length <= 120, summary);
        Assert.True(summary.Length >= 100, summary);
        Assert.StartsWith(summary + " ", words);
        Assert.Equal(new string('x', 120), LexiconScorer.Summarize(new string('x', 300)));
    }

    [Fact]
    public void CsvParserHandlesQuotedFields()
    {
        var csv = "text,label\n\"Hello, \"\"world\"\"\",positive\nplain,0\r\n\"multi\nline\",2\n";
        var rows = LabeledCsv.Read(new StringReader(csv));
        Assert.Equal(3, rows.Count);
        Assert.Equal("Hello, \"world\"", rows[0].Text);
        Assert.Equal(SentimentLabel.Positive, rows[0].Label);
        Assert.Equal(SentimentLabel.Negative, rows[1].Label);
        Assert.Equal("multi\nline", rows[2].Text);
        Assert.Equal(SentimentLabel.Neutral, rows[2].Label);
    }

    [Fact]
    public void MetricsMacroF1()
    {
        SentimentLabel[] gold = [SentimentLabel.Positive, SentimentLabel.Positive, SentimentLabel.Negative, SentimentLabel.Neutral];
        var m = SentimentMetrics.Compute(gold, [SentimentLabel.Positive, SentimentLabel.Positive, SentimentLabel.Positive, SentimentLabel.Positive]);
        Assert.Equal(0.5, m.Accuracy, 6);
        Assert.Equal((2 * 2.0 / (4 + 2)) / 3, m.MacroF1, 6);
        Assert.Equal(1.0, SentimentMetrics.Compute(gold, gold).MacroF1, 6);
    }

    [Fact]
    public void CryptoLinDevMacroF1BeatsVader()
    {
        var path = Path.Combine(TestPaths.SharedData, "eval", "cryptolin_dev.csv");
        Assert.True(File.Exists(path), $"missing {path}");
        var rows = LabeledCsv.Read(path);
        Assert.True(rows.Count > 1000, $"only {rows.Count} rows");
        var gold = new List<SentimentLabel>(rows.Count);
        var pred = new List<SentimentLabel>(rows.Count);
        foreach (var r in rows)
        {
            gold.Add(r.Label);
            pred.Add(Scorer.Evaluate(r.Text).Label);
        }
        var m = SentimentMetrics.Compute(gold, pred);
        output.WriteLine($"cryptolin_dev: {m}");
        Assert.True(m.MacroF1 >= 0.45, m.ToString());
    }
}
