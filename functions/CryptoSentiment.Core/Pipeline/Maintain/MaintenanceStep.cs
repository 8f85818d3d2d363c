using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;

namespace CryptoSentiment.Pipeline.Maintain;

/// <summary>How <c>maintain</c> (and the Maintenance timer) runs.</summary>
public sealed record MaintenanceOptions
{
    /// <summary>Vacuum and log cleanup keep what any version of the last this-long may need (default 168 h; 0 only with no other reader or writer).</summary>
    public TimeSpan Retention { get; init; } = Vacuum.DefaultRetention;

    /// <summary>Optimize packs files smaller than this into files of up to this size.</summary>
    public long TargetFileBytes { get; init; } = Optimize.DefaultTargetFileBytes;

    /// <summary>Plan and report only: nothing is written or deleted.</summary>
    public bool DryRun { get; init; }
}

/// <summary>What maintenance did to one table.</summary>
public sealed record TableMaintenance(string Table)
{
    public UpgradeResult? Upgrade { get; init; }
    public OptimizeResult Optimize { get; init; } = OptimizeResult.Nothing;
    public VacuumResult Vacuum { get; init; } = VacuumResult.Nothing;
    public LogCleanupResult LogCleanup { get; init; } = LogCleanupResult.Nothing;
    public int LiveFilesBefore { get; init; }
    public int LiveFilesAfter { get; init; }
    /// <summary>Most live files in one partition after maintenance.</summary>
    public int MaxFilesPerPartition { get; init; }
    public long? Version { get; init; }
    /// <summary>Rows of the checkpoint written after vacuum (live files + tombstones kept + txns + protocol/metaData).</summary>
    public int? CheckpointRows { get; init; }
    /// <summary>Why the table was skipped (it does not exist).</summary>
    public string? Skipped { get; init; }
}

/// <summary>
/// Table maintenance for every lake table (ARCHITECTURE §9), in order: upgrade an older layout in place, optimize
/// (bin-pack small files per partition), vacuum (delete files no version within the retention needs), write a fresh
/// checkpoint (without the tombstones of files vacuum deleted), and clean up the log before the newest checkpoint within
/// the retention (keeping the commits of this run until the next). None of it changes a query result. Uses its own DuckDB connection: ingest on the same instance keeps
/// going (the Delta log arbitrates between them).
/// </summary>
public sealed class MaintenanceStep(Lakehouse lake, TimeProvider? clock = null)
{
    public async Task<IReadOnlyList<TableMaintenance>> RunAsync(MaintenanceOptions options, Action<string>? progress = null, CancellationToken ct = default)
    {
        using var c = DuckDbConnection.Open(null, new Dictionary<string, string> { ["threads"] = "1", ["memory_limit"] = "512MB" });
        var results = new List<TableMaintenance>();
        foreach (var def in LakeTables.All)
        {
            progress?.Invoke(def.Path);
            results.Add(await RunTableAsync(c, def, options, ct));
        }
        return results;
    }

    private async Task<TableMaintenance> RunTableAsync(DuckDbConnection c, TableDef def, MaintenanceOptions o, CancellationToken ct)
    {
        if (await lake.ExistingTableAsync(def, ct) is not { } table) return new TableMaintenance(def.Path) { Skipped = "not created yet" };
        var before = table.Snapshot.Files.Count;
        var startVersion = table.Snapshot.Version;
        var upgrade = await LayoutUpgrade.UpgradeAsync(c, table, def, lake.UpgradeCounters(def), o.DryRun, ct);
        if (o.DryRun && upgrade is not null)
            return new TableMaintenance(def.Path) { Upgrade = upgrade, LiveFilesBefore = before, LiveFilesAfter = before, Version = table.Snapshot.Version };
        var optimize = await Optimize.RunAsync(c, table, def, o.TargetFileBytes, o.DryRun, ct);
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var vacuum = await Vacuum.RunAsync(table, o.Retention, now, o.DryRun, ct);
        int? checkpointRows = null;
        if (!o.DryRun)
        {
            // A checkpoint of the latest version lets log cleanup drop every commit before it once they are old enough,
            // and cold starts read one small file plus a few commits.
            var latest = await table.RefreshAsync(ct) ?? table.Snapshot;
            await table.WriteCheckpointAsync(latest, ct);
            checkpointRows = Checkpoints.Actions(latest, now).Count;
        }
        // This run's own commits (upgrade, optimize) stay until the next run: readers that follow the log read them as
        // "no row changed" instead of finding a gap (which would make the next warehouse load a full one).
        var cleanup = await LogCleanup.RunAsync(table.Store, def.Path, o.Retention, now, o.DryRun, ct, keepAfter: startVersion);
        var after = table.Snapshot;
        return new TableMaintenance(def.Path)
        {
            Upgrade = upgrade,
            Optimize = optimize,
            Vacuum = vacuum,
            LogCleanup = cleanup,
            LiveFilesBefore = before,
            LiveFilesAfter = o.DryRun ? before - optimize.FilesRemoved + optimize.FilesAdded : after.Files.Count,
            MaxFilesPerPartition = after.Files.Values.GroupBy(a => string.Join("/", after.PartitionColumns.Select(p => a.PartitionValues.GetValueOrDefault(p))))
                .Select(g => g.Count()).DefaultIfEmpty().Max(),
            Version = after.Version,
            CheckpointRows = checkpointRows,
        };
    }
}
