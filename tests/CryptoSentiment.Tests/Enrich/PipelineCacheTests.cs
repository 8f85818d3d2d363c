using CryptoSentiment.Sentiment;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Enrich.EnrichTestKit;

namespace CryptoSentiment.Tests.Enrich;

/// <summary>The cache inside the pipeline: redelivered batches and repeated headlines cost no call, across restarts.</summary>
public class PipelineCacheTests
{
    [Fact]
    public async Task BatchRedeliveredAfterACrashPastScoringMakesNoCallAfterRestart()
    {
        using var t = new TempLake();
        var batch = Batch("0", 1,
            News("Bitcoin smashes record high", "wire", Day.AddHours(1), "https://a.example/1", "BTC"),
            News("Regulators sue exchange over Ether listings", "wire", Day.AddHours(2), "https://a.example/2", "ETH"),
            News("Markets wait for the Fed", "desk", Day.AddHours(3)));

        // The process dies after the LLM answered but before silver committed (here: cancelled inside the call).
        using var cts = new CancellationTokenSource();
        var first = new FakeLlmScorer { OnCall = _ => { cts.Cancel(); return Task.CompletedTask; } };
        using (var p = Open(t, first))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => p.IngestAsync(batch, cts.Token));
        Assert.Equal(1, first.CallCount);
        using (var p = Open(t, first))
            Assert.Equal(0, await PipelineTestKit.CountAsync(p.Lake, "SELECT count(*) FROM silver_news_sentiment"));

        // The host redelivers the batch to a new process: answered from the lake's cache.
        var second = new FakeLlmScorer();
        using (var p = Open(t, second))
        {
            var o = await p.IngestAsync(batch);
            Assert.Equal(0, second.CallCount);
            Assert.Equal((3, 3, 0, 0, 0L), (o.Accepted, o.Sentiment.CacheHits, o.Sentiment.CacheMisses, o.Sentiment.Calls, o.Sentiment.TokensIn));
            using var c = await PipelineTestKit.ViewsAsync(p.Lake);
            Assert.Equal(3, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE scorer = 'llm' AND model = 'fake-gpt' AND prompt_version = 'p1'"));
            Assert.Equal(0, c.Scalar<long>("SELECT sum(tokens_in + tokens_out) FROM silver_news_sentiment"));
            Assert.Equal(FakeLlmScorer.Answer("Bitcoin smashes record high").Label.ToString(),
                c.Scalar<string>("SELECT label FROM silver_news_sentiment WHERE coin = 'BTC'"));
            await PipelineTestKit.AssertVerifiesAsync(p.Lake);
        }
    }

    [Fact]
    public async Task TheSameHeadlineFromOtherSourcesIsBilledOnce()
    {
        using var t = new TempLake();
        const string headline = "Solana network halts for the third time";
        var scorer = new FakeLlmScorer();
        using (var p = Open(t, scorer))
        {
            // Two sources with the same headline in one batch: two articles, one paid answer.
            var o = await p.IngestAsync(Batch("0", 1,
                News(headline, "wire", Day.AddHours(1), "https://a.example/sol", "SOL"),
                News(headline.ToUpperInvariant(), "desk", Day.AddHours(1), "https://b.example/sol", "SOL"),
                News("Cardano upgrade goes live", "wire", Day.AddHours(2), "https://a.example/ada", "ADA")));
            Assert.Equal(3, o.Accepted);
            Assert.Equal([headline, "Cardano upgrade goes live"], scorer.ScoredTexts);
            Assert.Equal((3, 1, 1), (o.Sentiment.Headlines, o.Sentiment.Deduplicated, o.Sentiment.Calls));
        }

        // Restarted; the same headline again the next day from a third source: no call at all.
        scorer.Reset();
        using (var p = Open(t, scorer))
        {
            var o = await p.IngestAsync(Batch("0", 4, News(headline + "!", "blog", Day.AddDays(1), "https://c.example/sol", "SOL")));
            Assert.Equal((1, 1, 0), (o.Accepted, o.Sentiment.CacheHits, scorer.CallCount));
            using var c = await PipelineTestKit.ViewsAsync(p.Lake);
            Assert.Equal(1, c.Scalar<long>("SELECT count(DISTINCT (label, confidence)) FROM silver_news_sentiment WHERE coin = 'SOL'"));
            Assert.Equal(3, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE coin = 'SOL'"));
            Assert.Equal(1, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE coin = 'SOL' AND tokens_in > 0"));
            Assert.Equal(2, c.Scalar<long>("SELECT count(*) FROM cache_sentiment"));
            await PipelineTestKit.AssertVerifiesAsync(p.Lake);
        }
    }

    [Fact]
    public async Task OfflineRunsWriteNoCache()
    {
        using var t = new TempLake();
        using var p = Open(t, OfflineScorer.Default);
        var o = await p.IngestAsync(Batch("0", 1,
            News("Bitcoin smashes record high", "wire", Day.AddHours(1), "https://a.example/1"),
            News("Bitcoin smashes record high", "desk", Day.AddHours(1), "https://b.example/1")));
        Assert.Equal((2, 0, 0, 0), (o.Sentiment.Headlines, o.Sentiment.Calls, o.Sentiment.CacheHits, o.Sentiment.CacheMisses));
        Assert.Equal(0, await CacheRowsAsync(p.Lake));
        Assert.Null(await p.Lake.SnapshotIfExistsAsync(CryptoSentiment.Lake.LakeTables.CacheSentiment));
    }
}
