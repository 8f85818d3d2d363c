using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Training;
using CryptoSentiment.Tests.Events;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.Sentiment;

/// <summary>The default offline scorer (v2 logistic regression): crypto behaviour, batch contract, real-data F1.</summary>
public class OfflineScorerTests(ITestOutputHelper output)
{
    private static readonly OfflineScorer Scorer = OfflineScorer.Default;

    [Theory]
    // SEC actions, hacks, delistings, liquidations
    [InlineData("SEC sues exchange over unregistered securities", SentimentLabel.Negative)]
    [InlineData("DeFi protocol hacked, $100M drained", SentimentLabel.Negative)]
    [InlineData("Hackers exploit bridge and steal $600 million in ether", SentimentLabel.Negative)]
    [InlineData("Binance to delist three tokens", SentimentLabel.Negative)]
    [InlineData("Bitcoin liquidations top $1 billion as price crashes", SentimentLabel.Negative)]
    [InlineData("Over $500 million in longs liquidated as bitcoin plunges", SentimentLabel.Negative)]
    // ETF approval vs rejection
    [InlineData("SEC approves first spot bitcoin ETF", SentimentLabel.Positive)]
    [InlineData("SEC rejects spot bitcoin ETF application", SentimentLabel.Negative)]
    // rallies and all-time highs
    [InlineData("Ethereum hits all-time high above $4,800", SentimentLabel.Positive)]
    [InlineData("Bitcoin hits new all-time high as ETF approval nears", SentimentLabel.Positive)]
    [InlineData("Bitcoin rallies 20% to record high", SentimentLabel.Positive)]
    [InlineData("Visa announces partnership with crypto exchange", SentimentLabel.Positive)]
    // plain news and hedged questions
    [InlineData("Ethereum developers schedule network upgrade call", SentimentLabel.Neutral)]
    [InlineData("Could ether reach $10,000?", SentimentLabel.Neutral)]
    public void CryptoHeadlines(string headline, SentimentLabel expected)
    {
        var s = Scorer.Evaluate(headline);
        Assert.True(expected == s.Label, $"'{headline}': {s}");
    }

    [Theory]
    [InlineData("Bitcoin is crashing", "Bitcoin is not crashing, analysts say")]
    [InlineData("Bitcoin will surge this year", "Bitcoin will not surge this year")]
    public void NegationFlipsPolarity(string plain, string negated)
    {
        var a = Scorer.Evaluate(plain).Polarity;
        var b = Scorer.Evaluate(negated).Polarity;
        Assert.True(Math.Sign(a) == -Math.Sign(b) && a != 0, $"'{plain}' = {a}, '{negated}' = {b}");
    }

    [Theory]
    [InlineData("Bitcoin crashes", "Will bitcoin crash?")]
    [InlineData("Bitcoin crashes", "Bitcoin could crash, analyst says")]
    [InlineData("Ether soars", "Could ether soar?")]
    public void QuestionsAndHedgesAreLessPolar(string plain, string hedged)
    {
        var a = Math.Abs(Scorer.Evaluate(plain).Polarity);
        var b = Math.Abs(Scorer.Evaluate(hedged).Polarity);
        Assert.True(b < a, $"'{plain}' = {a}, '{hedged}' = {b}");
    }

    [Fact]
    public void CoinNamesAndCashtagsAreOneToken()
    {
        // the model sees coins, not which coin: swapping the coin changes nothing
        Assert.Equal(Scorer.Evaluate("Bitcoin surges after upgrade"), Scorer.Evaluate("Solana surges after upgrade"));
        Assert.Equal(Scorer.Evaluate("$BTC surges after upgrade"), Scorer.Evaluate("Cardano surges after upgrade"));
        Assert.Equal(Scorer.Evaluate("Bitcoin falls 12% to $30,000"), Scorer.Evaluate("Ether falls 3.5% to $2,100"));
    }

    [Fact]
    public void FeaturesNameNormalisedTokensNegationAndCues()
    {
        var names = new List<string>();
        var h = new ulong[HeadlineFeaturizer.MaxFeatures(200)];
        var v = new float[h.Length];
        var n = HeadlineFeaturizer.Default.Extract("$ETH won't crash 20%, says https://t.co/x Bitcoin's fan; $5M", h, v, names);
        Assert.Equal(n, names.Count);
        foreach (var expected in new[] { "_coin_", "wont", "NOT_crash", "NOT__pct_", "says", "_money_", "__cue_crash_not", "__cue_hedge", "_coin_ wont", "crash _pct_" })
            Assert.Contains(expected, names);
        Assert.DoesNotContain(names, x => x.Contains("http") || x.Contains("t co") || x.Contains("eth") || x.Contains("bitcoin"));
        Assert.DoesNotContain("_pct_ says", names); // a comma ends the clause: no bigram across it
        for (var i = 0; i < n; i++) Assert.Equal(HeadlineFeaturizer.Hash(names[i]), h[i]);
    }

    [Fact]
    public async Task BatchContract()
    {
        var batch = new List<SentimentRequest>();
        for (var i = 0; i < 300; i++)
            batch.Add(new SentimentRequest($"id-{299 - i}", i % 3 == 0 ? "Bitcoin soars to record high" : i % 3 == 1 ? "Exchange hacked, funds stolen" : "Bitcoin network update"));
        batch.Add(new SentimentRequest("dup", ""));
        batch.Add(new SentimentRequest("dup", "   "));
        batch.Add(new SentimentRequest("long", string.Join(" ", Enumerable.Repeat("bitcoin surges", 600))));
        var results = await Scorer.ScoreAsync(batch);
        Assert.Equal(batch.Count, results.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = results[i];
            Assert.Equal(batch[i].Id, r.Id);
            Assert.Equal("offline", r.Scorer);
            Assert.Equal("offline-v2", r.Model);
            Assert.Equal("-", r.PromptVersion);
            Assert.Equal(0, r.TokensIn);
            Assert.Empty(r.Coins);
            Assert.True(r.Confidence is > 1.0 / 3 and < 1, $"{r.Confidence}");
            Assert.Equal(OfflineScorer.Summarize(batch[i].Text), r.ContextSummary);
            var s = Scorer.Evaluate(batch[i].Text);
            Assert.Equal(s.Label, r.Label);
            Assert.Equal(Math.Min(OfflineScorer.MaxConfidence, Math.Max(s.Negative, Math.Max(s.Neutral, s.Positive))), r.Confidence);
            Assert.Equal(1.0, s.Negative + s.Neutral + s.Positive, 9);
        }
        Assert.Equal(SentimentLabel.Positive, results[^1].Label);
        Assert.Empty(await Scorer.ScoreAsync([]));
        Assert.Equal("offline", Scorer.Name);
        Assert.True(Scorer.FeatureCount > 10_000);
    }

    [Fact]
    public void CryptoLinDevMacroF1AtLeast060()
    {
        var rows = LabeledCsv.Read(EventsTestData.Path_("eval", "cryptolin_dev.csv"));
        Assert.True(rows.Count > 1000, $"only {rows.Count} rows");
        var m = SentimentMetrics.Compute([.. rows.Select(r => r.Label)], [.. rows.Select(r => Scorer.Evaluate(r.Text).Label)]);
        output.WriteLine($"cryptolin_dev offline-v2: {m}");
        Assert.True(m.MacroF1 >= 0.60, m.ToString());
    }

    [Fact]
    public void TrainingIsDeterministicAndReproducesTheCommittedModel()
    {
        var data = EventsTestData.Path_("train");
        var examples = TrainingCorpus.Load(data, unlabeledNews: EventsTestData.Path_("replay", TrainingCorpus.DefaultUnlabeledNewsFile));
        var trained = OfflineModelTrainer.Train(examples).Model.ToJson();
        using var stream = typeof(OfflineScorer).Assembly.GetManifestResourceStream(OfflineModelDefinition.EmbeddedResourceName)!;
        using var committed = new MemoryStream();
        stream.CopyTo(committed);
        Assert.True(committed.ToArray().AsSpan().SequenceEqual(trained),
            "`crypto-sentiment train` no longer reproduces Sentiment/Model/offline-v2.json: retrain and commit the file");
        // the canonical form round-trips
        Assert.Equal(trained, OfflineModelDefinition.Load(new MemoryStream(trained)).ToJson());
    }

    [Fact]
    public void SentValidMacroF1AtLeast075WhenHeldOut()
    {
        var examples = TrainingCorpus.Load(EventsTestData.Path_("train"), excludeValid: true,
            unlabeledNews: EventsTestData.Path_("replay", TrainingCorpus.DefaultUnlabeledNewsFile));
        Assert.DoesNotContain(examples, e => e.Source == TrainingCorpus.TwitterValidFile);
        var scorer = new OfflineScorer(OfflineModelTrainer.Train(examples).Model);
        var rows = LabeledCsv.Read(EventsTestData.Path_("train", TrainingCorpus.TwitterValidFile));
        Assert.True(rows.Count > 2000, $"only {rows.Count} rows");
        var m = SentimentMetrics.Compute([.. rows.Select(r => r.Label)], [.. rows.Select(r => scorer.Evaluate(r.Text).Label)]);
        output.WriteLine($"sent_valid (held out): {m}");
        Assert.True(m.MacroF1 >= 0.75, m.ToString());
    }

    [Fact]
    public void SEntFiNDecisionsAreParsedWithApostrophesAndMixedLabels()
    {
        const string csv = "S No.,Title,Decisions,Words\n"
            + "1,Moody's cuts outlook,\"{\"\"Moody's\"\": 'negative'}\",3\n"
            + "2,Gold shines; Silver dull,\"{'Gold': 'positive', 'Silver': 'negative'}\",4\n"
            + "3,MSCI adds Aurobindo,\"{'Aurobindo': 'positive', 'MSCI': 'neutral'}\",3\n"
            + "4,Investors' day,\"{'investors' day': 'neutral'}\",2\n";
        var rows = TrainingCorpus.ReadSEntFiN(new StringReader(csv), "t.csv", out var dropped);
        Assert.Equal(1, dropped);
        Assert.Equal([("Moody's cuts outlook", SentimentLabel.Negative), ("MSCI adds Aurobindo", SentimentLabel.Positive), ("Investors' day", SentimentLabel.Neutral)],
            rows.Select(r => (r.Text, r.Label)));
        Assert.Throws<InvalidDataException>(() => TrainingCorpus.ReadSEntFiN(new StringReader("S No.,Title,Decisions\n1,x,{'a': 'great'}\n"), "bad.csv", out _));
    }

    [Fact]
    public void RealTrainingFilesLoad()
    {
        var rows = TrainingCorpus.ReadSEntFiN(EventsTestData.Path_("train", TrainingCorpus.SEntFiNFile), out var dropped);
        Assert.Equal(10_753, rows.Count + dropped);
        Assert.Equal(156, dropped); // 144 positive+negative, 12 with all three
        var all = TrainingCorpus.Load(EventsTestData.Path_("train"));
        Assert.Equal(9_543 + 2_388 + rows.Count, all.Count);
    }
}
