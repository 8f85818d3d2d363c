using Azure.Core;
using Azure.Core.Pipeline;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Lake.Stores.Blob;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Enrich;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Blob;

/// <summary>Re-enrichment whose silver commit reaches the service but whose answer never comes back (Azurite behind a fault).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobReenrichFaultTests(AzuriteFixture azurite)
{
    /// <summary>
    /// Armed: the first conditional Put Blob of a silver commit reaches Azurite (the commit lands), then its answer is "lost";
    /// every retry fails before it is sent, so the store gives up and the caller cannot tell whether the commit landed.
    /// </summary>
    private sealed class LoseSilverCommitAnswers : HttpPipelinePolicy
    {
        private int _delivered;
        public volatile bool Armed;
        public int Delivered => Volatile.Read(ref _delivered);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var commit = Armed && message.Request.Method == RequestMethod.Put && message.Request.Headers.TryGetValue("If-None-Match", out _)
                         && message.Request.Uri.ToString().Contains("silver/news_sentiment/_delta_log/", StringComparison.Ordinal);
            if (commit && Delivered > 0) throw new IOException("simulated: connection reset before the request was sent");
            await ProcessNextAsync(message, pipeline);
            if (commit && message.Response.Status == 201)
            {
                Interlocked.Increment(ref _delivered);
                throw new IOException("simulated: connection reset before the answer arrived");
            }
        }
    }

    [Fact]
    public async Task AReenrichCommitWhoseAnswerIsLostKeepsEveryFileItReferences()
    {
        using var lake = new BlobLake(azurite);
        var stream = new SampleStreamGenerator(61, Start).Generate(120, 24);
        var now = IngestTime(stream);
        var scorer = new FakeLlmScorer { Mode = FakeMode.Down };
        using (var ingest = new CryptoPipeline(lake.Settings, scorer, new FixedClock(now)))
        {
            lake.Track(ingest.Lake.Store);
            await IngestAllAsync(ingest, stream.ToBatches(EventStream.News, 40, 1));
        }

        var options = new BlobLakeStoreOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var fault = new LoseSilverCommitAnswers();
        options.AddPolicy(fault, HttpPipelinePosition.PerRetry);
        var store = BlobLakeStore.FromSettings(lake.Settings, options);
        lake.Track(store);
        scorer.Mode = FakeMode.Healthy;
        using (var faulty = new CryptoPipeline(lake.Settings, new Lakehouse(store), scorer, new FixedClock(now)))
        {
            await faulty.Lake.TableAsync(LakeTables.SilverNewsSentiment); // opened before the fault is armed
            fault.Armed = true;
            var e = await Assert.ThrowsAnyAsync<Exception>(() => faulty.ReenrichAsync());
            Assert.IsNotType<DeltaConflictException>(e);
            Assert.Equal(1, fault.Delivered);
        }

        // Another instance: the commit landed, and every file it references is still there.
        using var check = lake.Open(now);
        var silver = (await check.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        var last = await DeltaLog.ReadCommitAsync(check.Lake.Store, LakeTables.SilverNewsSentiment.Path, silver.Version);
        Assert.Contains(last!, a => a.CommitInfo?.Operation == CryptoSentiment.Pipeline.Enrich.ReenrichStep.Operation);
        foreach (var add in silver.Files.Values) Assert.NotNull(await check.Lake.Store.ReadAsync(silver.StorePath(add)));
        Assert.Equal(0, await CountAsync(check.Lake, "SELECT count(*) FROM silver_news_sentiment WHERE scorer = 'fallback'"));
        await AssertVerifiesAsync(check.Lake);
    }
}
