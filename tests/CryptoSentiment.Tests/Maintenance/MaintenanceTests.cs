using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Maintenance;

/// <summary>Table maintenance (ARCHITECTURE §9): optimize, vacuum, log cleanup, checkpoints — and that none of it changes a result.</summary>
public class MaintenanceTests
{
    internal static readonly MaintenanceOptions RetainNothing = new() { Retention = TimeSpan.Zero };

    /// <summary>A few days of generated stream in small batches: many small files per partition.</summary>
    internal static async Task<(GeneratedStream Stream, DateTimeOffset Now)> BuildAsync(CryptoPipeline p, int seed = 31, int news = 300, int days = 4, int batch = 15)
    {
        var stream = new SampleStreamGenerator(seed, Start).Generate(news, days * 24);
        var batches = stream.ToBatches(EventStream.News, batch, 2).Concat(stream.ToBatches(EventStream.Prices, batch * 8, 2)).ToList();
        await IngestAllAsync(p, batches);
        await p.RefreshGoldAsync();
        await p.LoadWarehouseAsync();
        return (stream, IngestTime(stream));
    }

    /// <summary>Every committed row of every table, as sorted text (what a query sees).</summary>
    internal static async Task<Dictionary<string, List<string>>> RowsAsync(Lakehouse lake)
    {
        using var c = await ViewsAsync(lake);
        return LakeTables.All.ToDictionary(d => d.Path, d => Rows(c, $"SELECT * FROM {d.ViewName}"));
    }

    internal static List<string> Rows(DuckDbConnection c, string select)
    {
        var rows = new List<string>();
        using var r = c.Query($"SELECT CAST(t AS VARCHAR) AS row FROM ({select}) AS t ORDER BY 1");
        while (r.Read()) rows.Add(r.GetString(0));
        return rows;
    }

    /// <summary>DuckDB's own parquet reader over every data file under a table's folder (hive partitions from the path).</summary>
    internal static long RawCount(string lakeDir, TableDef def)
    {
        var dir = Path.Combine(lakeDir, def.Path);
        if (!Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories).Any(f => !f.Contains("_delta_log"))) return 0;
        using var c = DuckDbConnection.Open();
        var glob = def.PartitionColumns.Count > 0 ? $"{dir}/{def.PartitionColumns[0]}=*/*.parquet" : $"{dir}/*.parquet";
        return c.Scalar<long>($"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = {(def.PartitionColumns.Count > 0 ? "true" : "false")}, union_by_name = true)");
    }

    [Fact]
    public async Task MaintainCompactsEveryTableToAFilePerPartitionAndChangesNoResult()
    {
        using var t = new TempLake();
        using var p = Open(t, IngestTime(new SampleStreamGenerator(31, Start).Generate(300, 96)));
        var (stream, _) = await BuildAsync(p);
        var before = await RowsAsync(p.Lake);
        var filesBefore = new Dictionary<string, int>();
        foreach (var def in LakeTables.All)
            if (await p.Lake.SnapshotIfExistsAsync(def) is { } s) filesBefore[def.Path] = s.Files.Count;
        Assert.True(filesBefore["silver/news_sentiment"] > 2 * 4, "the test lake should start with many small silver files");

        var report = await p.MaintainAsync(RetainNothing);

        Assert.Equal(before, await RowsAsync(p.Lake));                                 // nothing changed a query result
        await AssertVerifiesAsync(p.Lake);
        foreach (var m in report.Where(m => m.Skipped is null))
        {
            Assert.True(m.MaxFilesPerPartition <= 2, $"{m.Table}: {m.MaxFilesPerPartition} files in one partition");
            Assert.Equal(filesBefore[m.Table], m.LiveFilesBefore);
            var s = (await p.Lake.SnapshotIfExistsAsync(LakeTables.All.Single(d => d.Path == m.Table)))!;
            Assert.Equal(s.Files.Count, m.LiveFilesAfter);
            // The checkpoint written after vacuum holds the live files and no tombstone of a deleted file.
            Assert.Equal(2 + s.TxnActions.Count + s.Files.Count, m.CheckpointRows);
            // Log cleanup left the newest checkpoint and the commits from it on.
            var listing = await DeltaLog.ListAsync(p.Lake.Store, m.Table);
            Assert.Equal(m.LogCleanup.OldestKept ?? 0, listing.Commits.Min);
            Assert.NotNull(listing.CompleteCheckpoint(listing.Commits.Min));
            // Other engines: DuckDB's own reader over the folder sees exactly the live rows (vacuum left no stray file).
            var def = LakeTables.All.Single(d => d.Path == m.Table);
            Assert.Equal(before[m.Table].Count, RawCount(t.LakeDir, def));
        }
        Assert.Contains(report, m => m.Table == "silver/news_sentiment" && m.Optimize.FilesRemoved > 2 && m.Vacuum.FilesDeleted == m.Optimize.FilesRemoved);

        // Compaction rewrote files with dataChange = false: gold has nothing to recompute and the warehouse nothing to send.
        var gold = await p.RefreshGoldAsync();
        Assert.Empty(gold.RecomputedDays);
        var load = await p.LoadWarehouseAsync();
        Assert.All(load.Sent, kv => Assert.Equal(0, kv.Value));
        Assert.All(load.Changed, kv => Assert.Equal(0, kv.Value));

        // The reconcile survives log cleanup: the duplicates tally lives in txn counters, not only in the deleted commits.
        var reconcile = (await LakeVerifier.VerifyAsync(p.Lake)).Checks.Single(c => c.Name == "reconcile news");
        Assert.Contains($"duplicates {stream.Expected.NewsDuplicates:N0}", reconcile.Detail);

        // A second run finds nothing to do.
        var again = await p.MaintainAsync(RetainNothing);
        Assert.All(again, m => Assert.Equal(0, m.Optimize.FilesRemoved + m.Vacuum.FilesDeleted));
    }

    [Fact]
    public async Task DryRunReportsAndChangesNothing()
    {
        using var t = new TempLake();
        using var p = Open(t, IngestTime(new SampleStreamGenerator(31, Start).Generate(300, 96)));
        await BuildAsync(p);
        var files = Directory.GetFiles(t.LakeDir, "*", SearchOption.AllDirectories).Order().ToList();
        var report = await p.MaintainAsync(RetainNothing with { DryRun = true });
        Assert.Contains(report, m => m.Optimize.FilesRemoved > 0);
        Assert.Contains(report, m => m.LiveFilesAfter < m.LiveFilesBefore);
        Assert.Equal(files, Directory.GetFiles(t.LakeDir, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public async Task AnAppendRacingOptimizeNeverConflicts()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(32, Start).Generate(200, 48);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 20, 1).ToList();
        using var p = GateStore.OpenPipeline(t, now, out var gate);
        var lake = p.Lake;
        await IngestAllAsync(p, batches.Take(6));
        var table = (await lake.ExistingTableAsync(LakeTables.BronzeNews))!;
        var compacted = table.Snapshot.Files.Keys.ToHashSet();

        // Optimize writes its file and stops right before committing; meanwhile another instance appends a batch.
        var atCommit = gate.Arm(path => path.StartsWith("bronze/news/_delta_log/", StringComparison.Ordinal));
        using var c = DuckDbConnection.Open();
        var optimize = Task.Run(() => Optimize.RunAsync(c, table, LakeTables.BronzeNews));
        await atCommit.WaitAsync(TimeSpan.FromSeconds(30));
        using (var other = Open(t, now)) await IngestAllAsync(other, batches.Skip(6).Take(1));
        gate.Release();
        var result = await optimize;

        Assert.Equal(1, result.Commits);
        Assert.Equal(0, result.Retries);               // the append was no conflict: the commit simply moved to the next version
        Assert.Equal(compacted.Count, result.FilesRemoved);
        var after = (await table.RefreshAsync())!;
        Assert.Equal(2, after.Files.Count);            // the compacted file and the racing append's file
        Assert.Single(after.Files.Keys, k => !compacted.Contains(k) && after.Files[k].DataChange);
        Assert.Equal(7 * 20, await CountAsync(lake, "SELECT count(*) FROM bronze_news"));
        await AssertVerifiesAsync(lake);
    }

    [Fact]
    public async Task ARemoveRacingOptimizeConflictsAndOptimizePlansAgain()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(33, Start).Generate(120, 24);
        var now = IngestTime(stream);
        using var p = GateStore.OpenPipeline(t, now, out var gate);
        var lake = p.Lake;
        await IngestAllAsync(p, stream.ToBatches(EventStream.News, 20, 1));
        var rows = await CountAsync(lake, "SELECT count(*) FROM bronze_news");
        var table = (await lake.ExistingTableAsync(LakeTables.BronzeNews))!;
        var victim = table.Snapshot.Files.Values.First();

        static HashSet<string> DataFiles(string dir) =>
            Directory.GetFiles(dir, "*.parquet", SearchOption.AllDirectories).Where(f => !f.Contains("_delta_log")).ToHashSet();
        var beforeOptimize = DataFiles(t.LakeDir);
        var atCommit = gate.Arm(path => path.StartsWith("bronze/news/_delta_log/", StringComparison.Ordinal));
        using var c = DuckDbConnection.Open();
        var optimize = Task.Run(() => Optimize.RunAsync(c, table, LakeTables.BronzeNews));
        await atCommit.WaitAsync(TimeSpan.FromSeconds(30));
        var firstAttempt = DataFiles(t.LakeDir).Except(beforeOptimize).ToList();
        Assert.Single(firstAttempt);

        // Another writer replaces one of the files optimize is packing (a copy under a new name, like a rewrite).
        var other = await DeltaTable.OpenAsync(new LocalLakeStore(t.LakeDir), LakeTables.BronzeNews.Path);
        var loc = DeltaPaths.NewDataFile(victim.PartitionValues);
        var copy = Path.Combine(t.LakeDir, LakeTables.BronzeNews.Path, loc.RelativePath);
        File.Copy(Path.Combine(t.LakeDir, table.Snapshot.StorePath(victim)), copy);
        var tx = other.BeginTransaction();
        tx.Remove(other.Snapshot.Files[DeltaPaths.DecodeActionPath(victim.Path)]);
        tx.Add(AddAction.Create(loc, new FileInfo(copy).Length, victim.ParseStats()));
        await tx.CommitAsync();
        gate.Release();
        var result = await optimize;

        Assert.Equal(1, result.Retries);               // a concurrent remove of the same file is a real conflict: planned again
        Assert.Equal(1, result.Commits);
        Assert.Equal(rows, await CountAsync(lake, "SELECT count(*) FROM bronze_news")); // no row lost or doubled
        Assert.Single((await table.RefreshAsync())!.Files);
        Assert.All(firstAttempt, f => Assert.False(File.Exists(f), "the conflicting attempt's file should be deleted")); // definitely uncommitted
        await AssertVerifiesAsync(lake);
    }
}
