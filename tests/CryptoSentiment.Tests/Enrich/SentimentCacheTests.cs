using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Enrich.EnrichTestKit;

namespace CryptoSentiment.Tests.Enrich;

public class SentimentCacheTests
{
    private static readonly string[] Headlines = Enumerable.Range(0, 30)
        .Select(i => $"Bitcoin headline number {i} moves the market").ToArray();

    [Fact]
    public async Task SecondTimeTheCacheAnswers_AlsoAfterARestart()
    {
        using var t = new TempLake();
        var scorer = new FakeLlmScorer();
        using (var lake = Lakehouse.Open(t.Settings))
        {
            var enricher = new Enricher(scorer, 25, new SentimentCache(lake));
            var (first, u1) = await enricher.ScoreAsync(Requests("a", Headlines), default);
            Assert.Equal(2, scorer.CallCount);                                   // 30 headlines in batches of 25
            Assert.Equal([25, 5], scorer.Calls.Select(c => c.Count));
            Assert.Equal((30, 0, 30, 2), (u1.Headlines, u1.CacheHits, u1.CacheMisses, u1.Calls));
            Assert.Equal(30, await CacheRowsAsync(lake));

            // Same headlines (other ids, other case and punctuation): all from the cache, no call, no tokens.
            var (second, u2) = await enricher.ScoreAsync(Requests("b", Headlines.Select(h => h.ToUpperInvariant() + "!")), default);
            Assert.Equal(2, scorer.CallCount);
            Assert.Equal((30, 30, 0, 0, 0L, 0L), (u2.Headlines, u2.CacheHits, u2.CacheMisses, u2.Calls, u2.TokensIn, u2.TokensOut));
            Assert.Equal(1.0, u2.CacheHitRate);
            for (var i = 0; i < Headlines.Length; i++)
            {
                var (a, b) = (first[$"a{i}"], second[$"b{i}"]);
                Assert.Equal((a.Label, a.Confidence, a.Scorer, a.Model, a.PromptVersion), (b.Label, b.Confidence, b.Scorer, b.Model, b.PromptVersion));
                Assert.Equal($"b{i}", b.Id);
            }
        }

        // A new process: the cache is read back from the lake.
        var restarted = new FakeLlmScorer();
        using (var lake = Lakehouse.Open(t.Settings))
        {
            var (_, u3) = await new Enricher(restarted, 25, new SentimentCache(lake)).ScoreAsync(Requests("c", Headlines), default);
            Assert.Equal(0, restarted.CallCount);
            Assert.Equal((30, 0), (u3.CacheHits, u3.Calls));
            Assert.Equal(30, await CacheRowsAsync(lake));                        // nothing new written
        }
    }

    [Fact]
    public async Task IdenticalHeadlinesInOneRequestSetAreBilledOnce()
    {
        using var t = new TempLake();
        using var lake = Lakehouse.Open(t.Settings);
        var scorer = new FakeLlmScorer();
        var enricher = new Enricher(scorer, 2, new SentimentCache(lake));
        string[] texts = ["Ether ETF approved", "ETHER ETF  approved!", "ether etf - approved", "Solana halts again", "Ether ETF approved"];
        var (results, usage) = await enricher.ScoreAsync(Requests("r", texts), default);

        Assert.Equal(["Ether ETF approved", "Solana halts again"], scorer.ScoredTexts);
        Assert.Equal(1, scorer.CallCount);
        Assert.Equal((5, 5, 3, 1), (usage.Headlines, usage.CacheMisses, usage.Deduplicated, usage.Calls));
        Assert.Equal(5, results.Count);
        Assert.All(new[] { "r1", "r2", "r4" }, id => Assert.Equal(results["r0"] with { Id = id, TokensIn = 0, TokensOut = 0 }, results[id]));
        Assert.Equal(FakeLlmScorer.TokensIn("Ether ETF approved") + FakeLlmScorer.TokensIn("Solana halts again"), usage.TokensIn);
        Assert.Equal(2 * FakeLlmScorer.TokensOutPerHeadline, usage.TokensOut);
        Assert.Equal(new Dictionary<string, int> { ["llm"] = 5 }, usage.HeadlinesByScorer);
        Assert.Equal(2, await CacheRowsAsync(lake));
    }

    [Fact]
    public async Task FallbackAnswersAreNotCachedAndAreAskedForAgain()
    {
        using var t = new TempLake();
        using var lake = Lakehouse.Open(t.Settings);
        var scorer = new FakeLlmScorer { Mode = FakeMode.Down };
        var enricher = new Enricher(scorer, 25, new SentimentCache(lake));

        var (down, u1) = await enricher.ScoreAsync(Requests("a", Headlines.Take(4)), default);
        Assert.All(down.Values, r => Assert.Equal(ScorerNames.Fallback, r.Scorer));
        Assert.Equal(new Dictionary<string, int> { ["fallback"] = 4 }, u1.HeadlinesByScorer);
        Assert.Null(await lake.SnapshotIfExistsAsync(LakeTables.CacheSentiment));   // nothing to cache: no table, no commit

        // Partly healthy: only the real answers are kept.
        scorer.Mode = FakeMode.Healthy;
        scorer.FallsBackOn = text => text.Contains("number 1 ", StringComparison.Ordinal);
        var (partial, _) = await enricher.ScoreAsync(Requests("b", Headlines.Take(4)), default);
        Assert.Equal(2, scorer.CallCount);
        Assert.Equal(ScorerNames.Fallback, partial["b1"].Scorer);
        Assert.Equal(3, await CacheRowsAsync(lake));

        // Healthy again: the fallback headline is asked for again (and only it).
        scorer.FallsBackOn = null;
        var (healthy, u3) = await enricher.ScoreAsync(Requests("c", Headlines.Take(4)), default);
        Assert.Equal([Headlines[1]], scorer.Calls[^1].Select(r => r.Text));
        Assert.Equal((3, 1), (u3.CacheHits, u3.CacheMisses));
        Assert.All(healthy.Values, r => Assert.Equal(ScorerNames.Llm, r.Scorer));
        Assert.Equal(4, await CacheRowsAsync(lake));
    }

    [Fact]
    public async Task AnotherModelOrPromptVersionIsAnotherKey()
    {
        using var t = new TempLake();
        using var lake = Lakehouse.Open(t.Settings);
        var cache = new SentimentCache(lake);
        var v1 = new FakeLlmScorer("m", "p1");
        await new Enricher(v1, 25, cache).ScoreAsync(Requests("a", Headlines.Take(3)), default);
        foreach (var other in new[] { new FakeLlmScorer("m", "p2"), new FakeLlmScorer("m2", "p1") })
        {
            var (_, u) = await new Enricher(other, 25, cache).ScoreAsync(Requests("b", Headlines.Take(3)), default);
            Assert.Equal((1, 0, 3), (other.CallCount, u.CacheHits, u.CacheMisses));
        }
        Assert.NotEqual(SentimentCache.Key("x", "m", "p1"), SentimentCache.Key("x", "m", "p2"));
        Assert.Equal(SentimentCache.Key("Bitcoin  rallies!", "m", "p1"), SentimentCache.Key("bitcoin rallies", "m", "p1"));
        Assert.Matches("^[0-9a-f]{64}$", SentimentCache.Key("???", "m", "p1"));
        Assert.NotEqual(SentimentCache.Key("???", "m", "p1"), SentimentCache.Key("!!!", "m", "p1"));
    }

    [Fact]
    public async Task OfflineScorerIsNeitherCachedNorDeduplicated()
    {
        using var t = new TempLake();
        using var lake = Lakehouse.Open(t.Settings);
        var enricher = new Enricher(OfflineScorer.Default, 25, new SentimentCache(lake));
        string[] texts = ["Bitcoin surges?", "Bitcoin surges!", "Bitcoin surges!"];
        var (results, usage) = await enricher.ScoreAsync(Requests("o", texts), default);
        Assert.Equal((3, 0, 0, 0, 0), (usage.Headlines, usage.Calls, usage.CacheHits, usage.CacheMisses, usage.Deduplicated));
        Assert.Null(usage.CacheHitRate);
        Assert.Equal(new Dictionary<string, int> { ["offline"] = 3 }, usage.HeadlinesByScorer);
        for (var i = 0; i < texts.Length; i++)   // each headline scored as written (the question mark matters offline)
            Assert.Equal((await OfflineScorer.Default.ScoreAsync([new SentimentRequest("x", texts[i])]))[0] with { Id = $"o{i}" }, results[$"o{i}"]);
        Assert.Null(await lake.SnapshotIfExistsAsync(LakeTables.CacheSentiment));
    }

    [Fact]
    public async Task AnswersPaidForBeforeAFailedCallAreKept()
    {
        using var t = new TempLake();
        using var lake = Lakehouse.Open(t.Settings);
        var scorer = new FakeLlmScorer();
        scorer.OnCall = _ => { if (scorer.CallCount == 2) scorer.Mode = FakeMode.Throws; return Task.CompletedTask; };
        var enricher = new Enricher(scorer, 10, new SentimentCache(lake));
        await Assert.ThrowsAsync<HttpRequestException>(() => enricher.ScoreAsync(Requests("a", Headlines.Take(20)), default));
        Assert.Equal(10, await CacheRowsAsync(lake));

        scorer.Mode = FakeMode.Healthy;
        scorer.OnCall = null;
        scorer.Reset();
        var (_, u) = await enricher.ScoreAsync(Requests("b", Headlines.Take(20)), default);
        Assert.Equal((10, 10, 1), (u.CacheHits, u.CacheMisses, scorer.CallCount));
    }

    [Fact]
    public void CostLedgerArithmetic()
    {
        var prices = new LlmPrices(2.50, 10.00);
        Assert.Equal(2.50 * 1_200_000 / 1e6 + 10.00 * 300_000 / 1e6, prices.CostUsd(1_200_000, 300_000), 12);
        Assert.Equal(0.0, prices.CostUsd(0, 0));

        var a = new SentimentUsage
        {
            HeadlinesByScorer = new Dictionary<string, int> { ["llm"] = 90, ["fallback"] = 10 }, Headlines = 100, Calls = 4,
            CacheHits = 20, CacheMisses = 80, Deduplicated = 5, TokensIn = 4_000, TokensOut = 700, EstimatedCostUsd = prices.CostUsd(4_000, 700),
        };
        var b = new SentimentUsage
        {
            HeadlinesByScorer = new Dictionary<string, int> { ["llm"] = 50 }, Headlines = 50, Calls = 0, CacheHits = 50, CacheMisses = 0,
        };
        var totals = new StreamTotals();
        totals.Add(new BatchOutcome { Stream = EventStream.News, PartitionId = "0", Sentiment = a });
        totals.Add(new BatchOutcome { Stream = EventStream.News, PartitionId = "1", Sentiment = b });
        var s = totals.Sentiment;
        Assert.Equal(new Dictionary<string, int> { ["llm"] = 140, ["fallback"] = 10 }, s.HeadlinesByScorer);
        Assert.Equal((150, 4, 70, 80, 5, 4_000L, 700L), (s.Headlines, s.Calls, s.CacheHits, s.CacheMisses, s.Deduplicated, s.TokensIn, s.TokensOut));
        Assert.Equal(0.01 + 0.007, s.EstimatedCostUsd, 12);
        Assert.Equal(70 / 150.0, s.CacheHitRate!.Value, 12);
        Assert.Equal(4 * 1000 / 150.0, s.CallsPer1000Headlines!.Value, 12);
        Assert.Equal(4_700 / 150.0, s.TokensPerHeadline!.Value, 12);
        Assert.Null(new SentimentUsage().CallsPer1000Headlines);
    }

    [Fact]
    public async Task EnricherLedgerUsesTheConfiguredPrices()
    {
        using var t = new TempLake();
        using var lake = Lakehouse.Open(t.Settings);
        var settings = Settings.From(n => n switch { "LLM_PRICE_INPUT_PER_1M" => "3", "LLM_PRICE_OUTPUT_PER_1M" => "12.5", _ => null });
        var (_, u) = await new Enricher(new FakeLlmScorer(), 25, new SentimentCache(lake), LlmPrices.From(settings))
            .ScoreAsync(Requests("a", Headlines.Take(8)), default);
        var tokensIn = Headlines.Take(8).Sum(FakeLlmScorer.TokensIn);
        Assert.Equal((long)tokensIn, u.TokensIn);
        Assert.Equal(8L * FakeLlmScorer.TokensOutPerHeadline, u.TokensOut);
        Assert.Equal(tokensIn * 3 / 1e6 + 8 * FakeLlmScorer.TokensOutPerHeadline * 12.5 / 1e6, u.EstimatedCostUsd, 15);
    }

    [Fact]
    public void PriceSettingsHaveDefaultsAndRejectNonsense()
    {
        var defaults = Settings.From(_ => null);
        Assert.Equal((0.15, 0.60), (defaults.LlmPriceInputPer1M, defaults.LlmPriceOutputPer1M));
        Assert.Equal(LlmPrices.Default, LlmPrices.From(defaults));
        var e = Assert.Throws<ArgumentException>(() => Settings.From(n => n == "LLM_PRICE_OUTPUT_PER_1M" ? "cheap" : null));
        Assert.Contains("LLM_PRICE_OUTPUT_PER_1M", e.Message);
        Assert.Throws<ArgumentException>(() => Settings.From(n => n == "LLM_PRICE_INPUT_PER_1M" ? "-1" : null));
    }
}
