using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Tests.Pipeline;
using CryptoSentiment.Tests.Warehouse;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Blob;

/// <summary><c>maintain</c> on a Blob lake (Azurite): compaction, vacuum and log cleanup through the Blob store.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobMaintenanceTests(AzuriteFixture azurite)
{
    /// <summary>Every committed row of every lake table, sorted, as text (what a query sees).</summary>
    private static async Task<Dictionary<string, List<string>>> RowsAsync(Lakehouse lake)
    {
        using var c = await ViewsAsync(lake);
        var tables = new Dictionary<string, List<string>>();
        foreach (var def in LakeTables.All)
        {
            var rows = new List<string>();
            using var r = c.Query($"SELECT * FROM {def.ViewName} ORDER BY ALL");
            while (r.Read())
                rows.Add(string.Join('|', Enumerable.Range(0, r.ColumnCount).Select(i => Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            tables[def.Path] = rows;
        }
        return tables;
    }

    /// <summary>The data files (not <c>_delta_log/</c>) the container holds under a table.</summary>
    private static async Task<SortedSet<string>> StoredDataFilesAsync(Lakehouse lake, TableDef def)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var e in lake.Store.ListAsync(def.Path + "/"))
            if (!e.Path.Contains("/_delta_log/", StringComparison.Ordinal)) files.Add(e.Path);
        return files;
    }

    [Fact]
    public async Task Maintain_on_Azurite_compacts_vacuums_and_cleans_the_log_without_changing_a_result()
    {
        using var lake = new BlobLake(azurite);
        var stream = IncrementalKit.Stream(81, 4, 120);
        var now = IngestTime(stream);
        // Ingest at a clock fixed in the past; maintenance judges retention by wall-clock time (blob Last-Modified, commit times).
        using var p = lake.Open(now);
        await IngestAllAsync(p, IncrementalKit.Batches(stream, 8, 40));   // many small batches: many small files
        await p.RefreshGoldAsync();
        var first = await p.LoadWarehouseAsync();
        Assert.All(first.Modes.Values, m => Assert.Equal("full (first load)", m));

        var before = await RowsAsync(p.Lake);
        var liveBefore = new Dictionary<string, HashSet<string>>();
        foreach (var def in LakeTables.All)
            if (await p.Lake.SnapshotIfExistsAsync(def) is { } s) liveBefore[def.Path] = s.FileStorePaths().ToHashSet(StringComparer.Ordinal);
        Assert.True(liveBefore[LakeTables.SilverNewsSentiment.Path].Count > 2 * 4, "the lake should start with many small silver files");

        var report = await p.MaintainAsync(new MaintenanceOptions { Retention = TimeSpan.Zero });

        // Fewer live files, at most MaxFilesPerPartition… 2 per partition, and the same rows in every table.
        Assert.True(report.Sum(m => m.LiveFilesAfter) < report.Sum(m => m.LiveFilesBefore),
            string.Join(", ", report.Select(m => $"{m.Table} {m.LiveFilesBefore}→{m.LiveFilesAfter}")));
        var silver = report.Single(m => m.Table == LakeTables.SilverNewsSentiment.Path);
        Assert.True(silver.LiveFilesAfter < silver.LiveFilesBefore && silver.Optimize.FilesRemoved > 0, $"silver {silver.LiveFilesBefore}→{silver.LiveFilesAfter}");
        Assert.Equal(before, await RowsAsync(p.Lake));
        await AssertVerifiesAsync(p.Lake);

        foreach (var def in LakeTables.All)
        {
            var m = report.Single(r => r.Table == def.Path);
            if (await p.Lake.SnapshotIfExistsAsync(def) is not { } s)
            {
                Assert.NotNull(m.Skipped);
                continue;
            }
            var perPartition = s.Files.Values.GroupBy(a => string.Join("/", s.PartitionColumns.Select(c => a.PartitionValues.GetValueOrDefault(c))))
                .Select(g => g.Count()).DefaultIfEmpty().Max();
            Assert.True(perPartition <= 2, $"{def.Path}: {perPartition} live files in one partition");
            Assert.Equal(perPartition, m.MaxFilesPerPartition);
            Assert.Equal(s.Files.Count, m.LiveFilesAfter);

            // Vacuum (retention 0): the container holds exactly the live files; every file compaction replaced is gone.
            var live = s.FileStorePaths().ToHashSet(StringComparer.Ordinal);
            var stored = await StoredDataFilesAsync(p.Lake, def);
            var removed = liveBefore[def.Path].Except(live).ToList();
            Assert.Equal(m.Optimize.FilesRemoved, removed.Count);
            Assert.DoesNotContain(removed, stored.Contains);
            Assert.Equal(live.Order(StringComparer.Ordinal), stored);

            // Log cleanup: the log starts at a checkpoint (no commit or checkpoint before it is left), at or before the
            // version this maintain run started from (its own commits stay until the next run), and the newest checkpoint is the latest version.
            var listing = await DeltaLog.ListAsync(p.Lake.Store, def.Path);
            var oldest = listing.Commits.Min;
            Assert.Equal(m.LogCleanup.OldestKept, oldest);
            Assert.NotNull(listing.CompleteCheckpoint(oldest));
            Assert.All(listing.Checkpoints.Keys, v => Assert.True(v >= oldest, $"{def.Path}: checkpoint {v} is older than the first commit {oldest}"));
            Assert.Equal(s.Version, listing.Checkpoints.Keys.Max());
            Assert.Equal(s.Version, listing.Commits.Max);
        }
        Assert.Contains(report, m => m.LogCleanup.CommitsDeleted > 0 && m.Vacuum.FilesDeleted > 0);

        // Compaction changed no row: an incremental load has nothing to send.
        var load = await p.LoadWarehouseAsync();
        foreach (var t in WarehouseTable.All)
        {
            Assert.Equal("unchanged", load.Modes[t.Name]);
            Assert.Equal(0, load.Sent[t.Name]);
            Assert.Equal(0, load.Changed[t.Name]);
        }

        // A new process on the same container (nothing cached) reads the same rows from the checkpoints and can write.
        using var next = lake.Open(now);
        Assert.Equal(before, await RowsAsync(next.Lake));
        var day = DateOnly.FromDateTime(stream.Start.UtcDateTime).AddDays(2);
        var batch = IncrementalKit.NewsOnDay(day, "late-1", 5, "after-maintain", now);
        var daySql = $"SELECT count(*) FROM silver_news_sentiment WHERE day = {IncrementalKit.DayList([day])}";
        var dayRowsBefore = await CountAsync(next.Lake, daySql);
        await IncrementalKit.IngestAsync(next, batch);
        Assert.Equal(before[LakeTables.BronzeNews.Path].Count + batch.Events.Count, await CountAsync(next.Lake, "SELECT count(*) FROM bronze_news"));
        var gold = await next.RefreshGoldAsync();
        Assert.Equal([day], gold.TouchedDays);
        var again = await next.LoadWarehouseAsync();
        Assert.Equal("incremental: 1 day(s)", again.Modes["HEADLINES"]);
        // Silver only appended on that day since the last load: the new rows are sent, not the whole day.
        Assert.Equal(await CountAsync(next.Lake, daySql) - dayRowsBefore, again.Sent["HEADLINES"]);
        Assert.True(again.Sent["HEADLINES"] > 0);
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(next.Lake, lake.Local.WarehouseFile);
        await AssertVerifiesAsync(next.Lake);
        // The first instance sees the other's commit on top of the cleaned-up log.
        Assert.Equal(before[LakeTables.BronzeNews.Path].Count + batch.Events.Count, await CountAsync(p.Lake, "SELECT count(*) FROM bronze_news"));
    }
}
