using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Bronze;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Pipeline.Silver;
using CryptoSentiment.Sentiment;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

/// <summary>A store that dies once, like a process killed between writing parquet and committing it.</summary>
internal sealed class CrashOnceStore(ILakeStore inner, Func<string, bool> crashOn) : DelegatingStore(inner)
{
    public bool Armed { get; set; }
    public int Crashes { get; private set; }

    public override Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        if (Armed && crashOn(path))
        {
            Armed = false;
            Crashes++;
            throw new IOException($"simulated crash before committing {path}");
        }
        return Inner.PutIfAbsentAsync(path, content, ct);
    }
}

public class CrashSafetyTests
{
    private static bool IsSilverNewsCommit(string path) =>
        path.StartsWith("silver/news_sentiment/_delta_log/", StringComparison.Ordinal) && !path.EndsWith("00000000000000000000.json", StringComparison.Ordinal);

    /// <summary>The ingest path of <see cref="CryptoPipeline"/>, composed over a store we can crash.</summary>
    private sealed class Steps(Lakehouse lake, DateTimeOffset now)
    {
        private readonly SilverStep _silver = new(lake, new EventParser(), new Enricher(OfflineScorer.Default));

        public async Task<BatchOutcome> IngestAsync(EventBatch batch)
        {
            using var engine = lake.RentEngine();
            var bronze = await BronzeStep.AppendAsync(lake, engine.Connection, batch, now, default);
            return await _silver.ProcessAsync(engine.Connection, batch, now, default) with { Bronze = bronze };
        }
    }

    [Theory]
    [InlineData(false, false)] // the restarted process gets the same batch again
    [InlineData(false, true)]  // the restarted process gets the batch merged with the next one (other batch boundaries)
    [InlineData(true, false)]  // the same process retries the batch
    public async Task CrashBeforeSilverCommitLeavesNoPartialDataAndRedeliveryCompletesIt(bool sameProcess, bool merged)
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(9, Start).Generate(300, 12);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 40, 1).ToList();
        Assert.True(batches.Count >= 4);
        var store = new CrashOnceStore(new LocalLakeStore(t.LakeDir), IsSilverNewsCommit);
        using var lake = new Lakehouse(store);
        var steps = new Steps(lake, now);

        for (var i = 0; i < 2; i++) await steps.IngestAsync(batches[i]);
        var before = await StateAsync(lake);
        // Pick a batch with rejects, so quarantine (committed before silver) is part of the half-done state.
        var k = Enumerable.Range(2, batches.Count - 3).First(j => batches[j].Events.Any(e => !new EventParser().ParseNews(e.Body.Span, now).IsValid));
        for (var i = 2; i < k; i++) await steps.IngestAsync(batches[i]);
        before = await StateAsync(lake);
        store.Armed = true;
        await Assert.ThrowsAsync<IOException>(() => steps.IngestAsync(batches[k]));
        Assert.Equal(1, store.Crashes);

        // Readers see no partial silver data: the written parquet is in the folder but in no commit.
        var silverDir = Path.Combine(t.LakeDir, "silver", "news_sentiment");
        var snapshot = (await lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        Assert.Equal(before.Versions["silver/news_sentiment"], snapshot.Version);
        Assert.True(Directory.GetFiles(silverDir, "*.parquet", SearchOption.AllDirectories).Length > snapshot.Files.Count, "the crashed write left its parquet behind");
        var crashed = await StateAsync(lake);
        Assert.Equal(before.Rows["silver/news_sentiment"], crashed.Rows["silver/news_sentiment"]);
        Assert.Equal(before.Rows["bronze/news"] + batches[k].Events.Count, crashed.Rows["bronze/news"]);

        // verify: every table's log and files are fine; only the news tally is open (bronze holds the batch silver has not committed).
        var report = await LakeVerifier.VerifyAsync(lake);
        Assert.Equal(["reconcile news"], report.Checks.Where(c => !c.Ok).Select(c => c.Name));
        Assert.Contains("≠", report.Checks.Single(c => c.Name == "reconcile news").Detail);

        // Redelivery completes the batch.
        var redelivery = merged
            ? new EventBatch(EventStream.News, batches[k].PartitionId, [.. batches[k].Events, .. batches[k + 1].Events])
            : batches[k];
        BatchOutcome outcome;
        if (sameProcess) outcome = await steps.IngestAsync(redelivery);
        else
        {
            using var restarted = Open(t, now);
            outcome = await restarted.IngestAsync(redelivery);
        }
        Assert.True(outcome.Reconciles);
        Assert.Equal(redelivery.Events.Count - batches[k].Events.Count, outcome.Bronze);
        Assert.Equal(redelivery.Events.Count, outcome.SilverConsidered);

        using var fresh = Open(t, now);
        var rest = batches.Skip(merged ? k + 2 : k + 1).ToList();
        foreach (var b in rest) await fresh.IngestAsync(b);
        foreach (var b in batches) Assert.Equal(0, (await fresh.IngestAsync(b)).Bronze); // all delivered again: nothing new
        var x = stream.Expected;
        using var c = await ViewsAsync(fresh.Lake);
        Assert.Equal(x.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(x.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (article_id, coin)) FROM silver_news_sentiment"));
        Assert.Equal(x.NewsRejected.Values.Sum(), c.Scalar<long>("SELECT count(*) FROM silver_quarantine"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (partition_id, sequence_number)) FROM silver_quarantine"));
        await AssertVerifiesAsync(fresh.Lake);
    }

    [Fact]
    public async Task ParquetWrittenButNeverCommittedIsInvisible()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(4, Start).Generate(120, 6);
        using var p = Open(t, IngestTime(stream));
        foreach (var b in stream.ToBatches(EventStream.News, 50, 2)) await p.IngestAsync(b);
        var before = await StateAsync(p.Lake);

        // A writer that died after ParquetWriter: files in the bronze (partitioned) and silver table folders, no commit.
        using var engine = p.Lake.RentEngine();
        var c = engine.Connection;
        c.Execute($"CREATE OR REPLACE TEMP TABLE orphan AS SELECT * FROM read_parquet([{string.Join(", ",
            (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!.FileStorePaths().Select(f => CryptoSentiment.DuckDb.DuckDbConnection.QuoteLiteral(p.Lake.Store.LocalPath(f)!)))}])");
        var adds = await ParquetWriter.WriteAsync(c, "orphan", LakeTables.SilverNewsSentiment, p.Lake.Store);
        Assert.NotEmpty(adds);
        Assert.All(adds, a => Assert.True(File.Exists(p.Lake.Store.LocalPath(DeltaPaths.Join("silver/news_sentiment", DeltaPaths.DecodeActionPath(a.Path))))));
        c.Execute("CREATE OR REPLACE TEMP TABLE orphan_bronze AS SELECT 'x' AS body, 'utf8' AS body_encoding, '9' AS partition_id, 1::BIGINT AS sequence_number, " +
                  "now() AS enqueued_at, now() AS ingested_at, DATE '2030-01-01' AS ingest_date");
        Assert.NotEmpty(await ParquetWriter.WriteAsync(c, "orphan_bronze", LakeTables.BronzeNews, p.Lake.Store));

        var after = await StateAsync(p.Lake);
        Assert.Equal(before.Rows, after.Rows);
        Assert.Equal(before.Versions, after.Versions);
        await AssertVerifiesAsync(p.Lake);
    }
}
