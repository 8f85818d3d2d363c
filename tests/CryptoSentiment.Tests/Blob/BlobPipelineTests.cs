using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Lake.Stores.Blob;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Bronze;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Pipeline.Silver;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Tests.Pipeline;
using Xunit.Abstractions;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Blob;

/// <summary>A Blob lake in its own Azurite container plus a local warehouse file; removes the download caches on dispose.</summary>
internal sealed class BlobLake : IDisposable
{
    private readonly List<string> _caches = [];

    public BlobLake(AzuriteFixture azurite)
    {
        Local = new TempLake();
        Settings = azurite.Server.LakeSettings(AzuriteFixture.NewContainer()) with { Warehouse = "duckdb:" + Local.WarehouseFile };
    }

    public TempLake Local { get; }
    public Settings Settings { get; }

    public CryptoPipeline Open(DateTimeOffset now)
    {
        var p = new CryptoPipeline(Settings, clock: new FixedClock(now));
        Track(p.Lake.Store);
        return p;
    }

    public void Track(ILakeStore store)
    {
        if (store is BlobLakeStore b) _caches.Add(b.CacheRoot);
    }

    public void Dispose()
    {
        foreach (var dir in _caches.Distinct())
            try { Directory.Delete(dir, recursive: true); } catch (DirectoryNotFoundException) { }
        Local.Dispose();
    }
}

/// <summary>The whole pipeline with the lake on a real Azurite (Azure.Storage.Blobs, SharedKey over http; bearer over https).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobPipelineTests(AzuriteFixture azurite, AzuriteHttpsFixture https, ITestOutputHelper output)
{
    private static List<EventBatch> Batches(GeneratedStream s, int news = 50, int prices = 200, int partitions = 2) =>
        s.ToBatches(EventStream.News, news, partitions).Concat(s.ToBatches(EventStream.Prices, prices, partitions)).ToList();

    private static List<string> GoldRows(DuckDbConnection c)
    {
        var rows = new List<string>();
        using var r = c.Query("""
            SELECT 'd', coin, CAST(day AS VARCHAR), mentions, round(weighted_score, 9)::VARCHAR FROM gold_coin_daily
            UNION ALL SELECT 'h', coin, CAST(hour AS VARCHAR), mentions, round(score_24h, 9)::VARCHAR FROM gold_coin_hourly
            UNION ALL SELECT 't', coin, CAST(day AS VARCHAR), mentions, round(weighted_score, 9)::VARCHAR FROM gold_top_coin_daily
            ORDER BY ALL
            """);
        while (r.Read()) rows.Add(string.Join('|', Enumerable.Range(0, 5).Select(i => r.IsNull(i) ? "∅" : r.GetValue(i)?.ToString())));
        return rows;
    }

    [Fact]
    public async Task Bronze_silver_gold_on_Azurite_verifies_loads_the_warehouse_and_equals_the_local_lake()
    {
        using var lake = new BlobLake(azurite);
        var stream = new SampleStreamGenerator(31, Start).Generate(400, 24);
        var now = IngestTime(stream);
        var batches = Batches(stream);
        var x = stream.Expected;

        using var p = lake.Open(now);
        Assert.StartsWith(azurite.Server.ContainerUrl(""), p.Lake.Store.Root, StringComparison.Ordinal);
        var totals = await IngestAllAsync(p, batches);
        Assert.Equal(x.NewsEvents, totals[0].Bronze);
        Assert.Equal(x.DistinctArticles, totals[0].Accepted);
        Assert.NotEmpty((await p.RefreshGoldAsync()).RecomputedDays);
        var load = await p.LoadWarehouseAsync();
        // a 24-hour stream has no 7-day baseline and no divergence run here: ALERTS may be empty, every other table is not
        Assert.All(load.Rows.Where(kv => kv.Key != "ALERTS"), kv => Assert.True(kv.Value > 0, $"warehouse {kv.Key} is empty"));
        await AssertVerifiesAsync(p.Lake);
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(p.Lake, lake.Local.WarehouseFile);

        // A restarted process (nothing cached in memory) reads the same lake.
        using var reader = lake.Open(now);
        var blob = await StateAsync(reader.Lake);
        using var c = await ViewsAsync(reader.Lake);
        Assert.Equal(x.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(x.PriceEvents, c.Scalar<long>("SELECT count(*) FROM bronze_prices"));
        Assert.Equal(x.ValidPrices, c.Scalar<long>("SELECT count(*) FROM silver_prices"));
        Assert.Equal(x.NewsRejected.Values.Sum() + x.PricesRejected.Values.Sum(), c.Scalar<long>("SELECT count(*) FROM silver_quarantine"));
        Assert.True(c.Scalar<long>("SELECT count(DISTINCT ingest_date) FROM bronze_news") >= 1); // partition column from the cached path

        // The same batches through a local-folder lake give the same tiers and the same gold.
        using var local = new TempLake();
        using var lp = new CryptoPipeline(local.Settings, clock: new FixedClock(now));
        await IngestAllAsync(lp, batches);
        await lp.RefreshGoldAsync();
        var reference = await StateAsync(lp.Lake);
        Assert.Equal(reference.Rows, blob.Rows);
        using var lc = await ViewsAsync(lp.Lake);
        Assert.Equal(GoldRows(lc), GoldRows(c));
    }

    [Fact]
    public async Task Two_writers_racing_on_one_table_through_conditional_creates_lose_no_commit()
    {
        const int perWriter = 100;
        using var lake = new BlobLake(azurite);
        var schema = DeltaSchema.Of(("body", "string", true), ("sequence_number", "long", false));
        BlobLakeStore Store()
        {
            var s = BlobLakeStore.FromSettings(lake.Settings);
            lake.Track(s);
            return s;
        }
        var first = await DeltaTable.OpenAsync(Store(), "bronze/prices", DuckDbCheckpointReader.Instance, DuckDbCheckpointWriter.Instance, Checkpoints.DefaultInterval);
        Assert.True(await first.CreateIfAbsentAsync(schema, []));

        async Task<(List<string> Files, int Retries)> Writer(string appId)
        {
            var table = await DeltaTable.OpenAsync(Store(), "bronze/prices", DuckDbCheckpointReader.Instance, DuckDbCheckpointWriter.Instance, Checkpoints.DefaultInterval);
            var files = new List<string>();
            var retries = 0;
            for (var i = 0; i < perWriter; i++)
            {
                var add = AddAction.Create(DeltaPaths.NewDataFile(), 100, new FileStats { NumRecords = 1 });
                var r = await table.BeginTransaction().Add(add).SetTxn(appId, i).CommitInfo("WRITE").CommitAsync();
                Assert.True(r.Committed);
                retries += r.Attempts - 1;
                files.Add(DeltaPaths.DecodeActionPath(add.Path));
            }
            return (files, retries);
        }

        var results = await Task.WhenAll(Task.Run(() => Writer("w0")), Task.Run(() => Writer("w1")));
        output.WriteLine($"conflicts retried: {results[0].Retries} + {results[1].Retries}");

        var check = Store();
        var s = await Snapshot.LoadAsync(check, "bronze/prices");
        Assert.Equal(2 * perWriter, s.Version);
        Assert.Equal(results.SelectMany(r => r.Files).Order(StringComparer.Ordinal), s.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(perWriter - 1, s.TxnVersion("w0"));
        Assert.Equal(perWriter - 1, s.TxnVersion("w1"));
        var listing = await DeltaLog.ListAsync(check, "bronze/prices");
        Assert.Equal(Enumerable.Range(0, 2 * perWriter + 1).Select(i => (long)i), listing.Commits);
        Assert.NotNull(listing.LatestCompleteCheckpoint(2 * perWriter)); // checkpoints went up as blobs too
        var fromCheckpoint = await Snapshot.LoadAsync(check, "bronze/prices", checkpointReader: DuckDbCheckpointReader.Instance);
        Assert.Equal(s.Files.Keys.Order(StringComparer.Ordinal), fromCheckpoint.Files.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_same_batches_delivered_again_change_nothing()
    {
        using var lake = new BlobLake(azurite);
        var stream = new SampleStreamGenerator(32, Start).Generate(300, 24);
        var now = IngestTime(stream);
        var batches = Batches(stream);
        using (var p = lake.Open(now))
        {
            await IngestAllAsync(p, batches);
            await p.RefreshGoldAsync();
        }
        using var again = lake.Open(now.AddMinutes(5));
        var before = await StateAsync(again.Lake);
        foreach (var replay in new[] { batches, Reslice(batches, 1000) })
        {
            var totals = await IngestAllAsync(again, replay);
            Assert.All(totals, s => Assert.Equal((0, 0, 0, 0), (s.Bronze, s.Accepted, s.Quarantined, s.Duplicates)));
            Assert.Empty((await again.RefreshGoldAsync()).RecomputedDays);
            var after = await StateAsync(again.Lake);
            Assert.Equal(before.Rows, after.Rows);
            Assert.Equal(before.Versions, after.Versions);
        }
        await AssertVerifiesAsync(again.Lake);
    }

    [Fact]
    public async Task A_crash_between_parquet_and_commit_shows_nothing_partial_and_the_retry_completes_it()
    {
        using var lake = new BlobLake(azurite);
        var stream = new SampleStreamGenerator(33, Start).Generate(300, 12);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 40, 1).ToList();
        var blob = BlobLakeStore.FromSettings(lake.Settings);
        lake.Track(blob);
        var store = new CrashOnceStore(blob, path =>
            path.StartsWith("silver/news_sentiment/_delta_log/", StringComparison.Ordinal) && !path.EndsWith("00000000000000000000.json", StringComparison.Ordinal));
        using var house = new Lakehouse(store);
        var silver = new SilverStep(house, new EventParser(), new Enricher(OfflineScorer.Default));
        async Task<BatchOutcome> Ingest(EventBatch b)
        {
            using var engine = house.RentEngine();
            return await silver.ProcessAsync(engine.Connection, b, now, default) with { Bronze = await BronzeStep.AppendAsync(house, engine.Connection, b, now, default) };
        }

        for (var i = 0; i < 2; i++) await Ingest(batches[i]);
        var before = await StateAsync(house);
        store.Armed = true;
        await Assert.ThrowsAsync<IOException>(() => Ingest(batches[2]));
        Assert.Equal(1, store.Crashes);

        // The crashed write's parquet is in the container, in no commit; readers do not see it.
        var snapshot = (await house.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        Assert.Equal(before.Versions["silver/news_sentiment"], snapshot.Version);
        var parquet = 0;
        await foreach (var e in blob.ListAsync("silver/news_sentiment/"))
            if (e.Path.EndsWith(".parquet", StringComparison.Ordinal) && !e.Path.Contains("_delta_log", StringComparison.Ordinal)) parquet++;
        Assert.True(parquet > snapshot.Files.Count, "the crashed write left its parquet behind");
        var crashed = await StateAsync(house);
        Assert.Equal(before.Rows["silver/news_sentiment"], crashed.Rows["silver/news_sentiment"]);

        // A restarted process gets the batch again, then the rest: complete and exact.
        using var restarted = lake.Open(now);
        Assert.True((await restarted.IngestAsync(batches[2])).Reconciles);
        foreach (var b in batches.Skip(3)) await restarted.IngestAsync(b);
        var x = stream.Expected;
        using var c = await ViewsAsync(restarted.Lake);
        Assert.Equal(x.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(x.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (article_id, coin)) FROM silver_news_sentiment"));
        Assert.Equal(x.NewsRejected.Values.Sum(), c.Scalar<long>("SELECT count(*) FROM silver_quarantine"));
        await AssertVerifiesAsync(restarted.Lake);
    }

    [Fact]
    public async Task Bearer_tokens_over_https_run_the_pipeline_with_the_managed_identity_code_path()
    {
        using var local = new TempLake();
        var settings = new Settings
        {
            LakeUri = https.Server.ContainerUrl(AzuriteFixture.NewContainer()),
            LakeAuth = "managedidentity",
            Warehouse = "duckdb:" + local.WarehouseFile,
        };
        Assert.StartsWith("https://127.0.0.1:", settings.LakeUri, StringComparison.Ordinal);
        var store = BlobLakeStore.FromSettings(settings, https.PinnedOptions(), https.Credential);
        try
        {
            var stream = new SampleStreamGenerator(34, Start).Generate(150, 12);
            var now = IngestTime(stream);
            using var p = new CryptoPipeline(settings, new Lakehouse(store), clock: new FixedClock(now));
            await IngestAllAsync(p, Batches(stream));
            await p.RefreshGoldAsync();
            await p.LoadWarehouseAsync();
            await AssertVerifiesAsync(p.Lake);
            Assert.True(https.Credential.Calls >= 1);
            Assert.All(https.Credential.Scopes, s => Assert.Equal("https://storage.azure.com/.default", s));
            using var c = await ViewsAsync(p.Lake);
            Assert.Equal(stream.Expected.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        }
        finally
        {
            try { Directory.Delete(store.CacheRoot, true); } catch (DirectoryNotFoundException) { }
        }
    }
}
