using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Delta;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Maintenance;

/// <summary>Vacuum deletes only what no version within the retention needs; log cleanup keeps every such version readable.</summary>
public class VacuumAndLogCleanupTests
{
    private static string Full(string lakeDir, Snapshot s, AddAction a) => Path.Combine(lakeDir, s.StorePath(a));

    /// <summary>Every file of every version from <paramref name="from"/> on still exists (readers of those versions can read).</summary>
    private static async Task AssertVersionsReadableAsync(ILakeStore store, string lakeDir, string table, long from, long to)
    {
        for (var v = from; v <= to; v++)
        {
            var s = await Snapshot.LoadAsync(store, table, v, DuckDbCheckpointReader.Instance);
            Assert.All(s.Files.Values, a => Assert.True(File.Exists(Full(lakeDir, s, a)), $"version {v} references {a.Path}, which is gone"));
        }
    }

    [Fact]
    public async Task VacuumDeletesOnlyFilesNoVersionWithinTheRetentionReferences()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(41, Start).Generate(150, 24);
        using var p = Open(t, IngestTime(stream));
        await IngestAllAsync(p, stream.ToBatches(EventStream.News, 25, 1));
        var table = (await p.Lake.ExistingTableAsync(LakeTables.BronzeNews))!;
        var beforeOptimize = table.Snapshot.Version;
        using (var c = DuckDbConnection.Open()) Assert.Equal(6, (await Optimize.RunAsync(c, table, LakeTables.BronzeNews)).FilesRemoved);
        var latest = table.Snapshot.Version;
        var removed = (await Snapshot.LoadAsync(p.Lake.Store, table.TablePath, beforeOptimize)).Files.Values.ToList();
        var now = DateTimeOffset.UtcNow;

        // Two orphans (files no commit names, e.g. of a writer that died before committing): one old, one just written.
        var dir = Path.Combine(t.LakeDir, "bronze", "news", "ingest_date=" + DateOnly.FromDateTime(IngestTime(stream).UtcDateTime).ToString("yyyy-MM-dd"));
        var oldOrphan = Path.Combine(dir, DeltaPaths.NewDataFileName());
        var newOrphan = Path.Combine(dir, DeltaPaths.NewDataFileName());
        File.Copy(Full(t.LakeDir, table.Snapshot, table.Snapshot.Files.Values.Single()), oldOrphan);
        File.Copy(oldOrphan, newOrphan);
        File.SetLastWriteTimeUtc(oldOrphan, now.UtcDateTime.AddHours(-200));

        // 168 h: the compacted files were removed just now, so versions within the retention still need them.
        var dry = await Vacuum.RunAsync(table, TimeSpan.FromHours(168), now, dryRun: true);
        var week = await Vacuum.RunAsync(table, TimeSpan.FromHours(168), now);
        Assert.Equal(dry.Deleted, week.Deleted);
        Assert.Equal([Path.GetRelativePath(Path.Combine(t.LakeDir, "bronze", "news"), oldOrphan)], week.Deleted);
        Assert.Equal(1, week.Orphans);
        Assert.False(File.Exists(oldOrphan));
        Assert.True(File.Exists(newOrphan));
        await AssertVersionsReadableAsync(p.Lake.Store, t.LakeDir, table.TablePath, 0, latest);

        // Two hours later with a one-hour retention: the removal is older than the retention, and so is the new orphan.
        var later = await Vacuum.RunAsync(table, TimeSpan.FromHours(1), now.AddHours(2));
        Assert.Equal(removed.Count + 1, later.FilesDeleted);
        Assert.All(removed, a => Assert.False(File.Exists(Path.Combine(t.LakeDir, "bronze", "news", DeltaPaths.DecodeActionPath(a.Path)))));
        Assert.False(File.Exists(newOrphan));
        await AssertVersionsReadableAsync(p.Lake.Store, t.LakeDir, table.TablePath, latest, latest);
        Assert.Equal(150, await CountAsync(p.Lake, "SELECT count(*) FROM bronze_news"));
        await AssertVerifiesAsync(p.Lake);
        Assert.True(Directory.Exists(Path.Combine(t.LakeDir, "bronze", "news", "_delta_log")));
    }

    [Fact]
    public async Task AFileWrittenButNotYetCommittedSurvivesVacuum()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(42, Start).Generate(60, 12);
        var now = IngestTime(stream);
        using var p = GateStore.OpenPipeline(t, now, out var gate);
        var lake = p.Lake;
        var batches = stream.ToBatches(EventStream.News, 30, 1).ToList();
        await IngestAllAsync(p, batches.Take(1));

        // The writer has written its parquet file and is about to commit it when vacuum runs.
        var atCommit = gate.Arm(path => path.StartsWith("bronze/news/_delta_log/", StringComparison.Ordinal));
        var ingest = Task.Run(() => p.IngestAsync(batches[1]));
        await atCommit.WaitAsync(TimeSpan.FromSeconds(30));
        var table = (await lake.ExistingTableAsync(LakeTables.BronzeNews))!;
        var vacuum = await Vacuum.RunAsync(table, TimeSpan.FromHours(1), DateTimeOffset.UtcNow);
        Assert.Equal(0, vacuum.FilesDeleted);
        Assert.Equal(1, vacuum.Kept); // the uncommitted file: younger than the retention
        gate.Release();
        Assert.True((await ingest).Reconciles);
        Assert.Equal(60, await CountAsync(lake, "SELECT count(*) FROM bronze_news"));
        await AssertVerifiesAsync(lake);
    }

    private static async Task<DeltaTable> TableWithCommitsAsync(ILakeStore store, int commits)
    {
        var table = await DeltaTable.OpenAsync(store, "t", DuckDbCheckpointReader.Instance, DuckDbCheckpointWriter.Instance, 10);
        await table.CreateIfAbsentAsync(DeltaSchema.Of(("x", "long", true), ("day", "date", true)), ["day"]);
        for (var i = 1; i <= commits; i++)
        {
            var tx = table.BeginTransaction();
            tx.Add(AddAction.Create(DeltaPaths.NewDataFile([("day", "2026-03-0" + (1 + i % 3))]), 100, new FileStats { NumRecords = 1 }));
            tx.SetTxn("writer", i);
            await tx.CommitAsync();
        }
        return table;
    }

    [Fact]
    public async Task LogCleanupKeepsTheCheckpointBeforeTheCutoffAndEveryCommitAfterIt()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await TableWithCommitsAsync(store, 25); // checkpoints at 10 and 20
        var states = new Dictionary<long, HashSet<string>>();
        for (var v = 0; v <= 25; v++) states[v] = (await Snapshot.LoadAsync(store, "t", v)).Files.Keys.ToHashSet();
        var now = DateTimeOffset.UtcNow;
        var log = Path.Combine(tmp.Path, "t", "_delta_log");
        for (var v = 0; v <= 15; v++) File.SetLastWriteTimeUtc(Path.Combine(log, $"{v:D20}.json"), now.UtcDateTime.AddHours(-200));

        // 168 h: commit 15 is the newest one older than that; checkpoint 10 is the newest at or before it.
        var dry = await LogCleanup.RunAsync(store, "t", TimeSpan.FromHours(168), now, dryRun: true);
        Assert.Equal(26, Directory.GetFiles(log, "*.json").Length);
        var week = await LogCleanup.RunAsync(store, "t", TimeSpan.FromHours(168), now);
        Assert.Equal(dry, week);
        Assert.Equal((10, 0, 10L), (week.CommitsDeleted, week.CheckpointsDeleted, week.OldestKept));
        Assert.Equal(Enumerable.Range(10, 16).Select(v => $"{v:D20}.json"), Directory.GetFiles(log, "*.json").Select(Path.GetFileName).Order());
        for (var v = 10; v <= 25; v++)
            Assert.Equal(states[v], (await Snapshot.LoadAsync(store, "t", v, DuckDbCheckpointReader.Instance)).Files.Keys.ToHashSet());
        await Assert.ThrowsAnyAsync<Exception>(() => Snapshot.LoadAsync(store, "t", 5, DuckDbCheckpointReader.Instance));

        // Retention 0: everything before the newest checkpoint goes.
        var all = await LogCleanup.RunAsync(store, "t", TimeSpan.Zero, now.AddSeconds(1));
        Assert.Equal((10, 1, 20L), (all.CommitsDeleted, all.CheckpointsDeleted, all.OldestKept));
        var fresh = await Snapshot.LoadAsync(store, "t", null, DuckDbCheckpointReader.Instance);
        Assert.Equal(25L, fresh.Version);
        Assert.Equal(states[25].Order(), fresh.Files.Keys.Order());
        Assert.Equal(25, fresh.TxnVersion("writer")); // txn watermarks come from the checkpoint
    }

    [Fact]
    public async Task AnInstanceOlderThanTheCleanedLogCatchesUpFromTheCheckpoint()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var behind = await TableWithCommitsAsync(store, 3);
        var writer = await DeltaTable.OpenAsync(store, "t", DuckDbCheckpointReader.Instance, DuckDbCheckpointWriter.Instance, 10);
        for (var i = 4; i <= 25; i++)
        {
            var tx = writer.BeginTransaction();
            tx.Add(AddAction.Create(DeltaPaths.NewDataFile([("day", "2026-03-01")]), 100, new FileStats { NumRecords = 1 }));
            tx.SetTxn("writer", i);
            await tx.CommitAsync();
        }
        await writer.WriteCheckpointAsync(writer.Snapshot);
        await LogCleanup.RunAsync(store, "t", TimeSpan.Zero, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.False(File.Exists(Path.Combine(tmp.Path, "t", "_delta_log", $"{4:D20}.json")));

        behind.TipProbeInterval = TimeSpan.Zero; // the instance "has not looked for a while"
        var s = (await behind.RefreshAsync())!;
        Assert.Equal(25, s.Version);
        Assert.Equal(writer.Snapshot.Files.Keys.Order(), s.Files.Keys.Order());
        Assert.Equal(25, s.TxnVersion("writer"));
    }
}
