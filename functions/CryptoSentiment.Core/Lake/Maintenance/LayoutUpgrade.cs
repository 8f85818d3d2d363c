using System.Text.Json;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Maintenance;

/// <summary>What a layout upgrade did to one table.</summary>
public sealed record UpgradeResult(string Table, long? Version, int FilesRemoved, int FilesAdded, long Rows, IReadOnlyList<string> PartitionColumns);

/// <summary>
/// Brings a table written before ARCHITECTURE §9 to its current layout in place: the day partition column is added
/// (computed from its timestamp, <see cref="ColumnDef.DerivedFrom"/>) and the rows are rewritten into Hive-style day
/// partitions, in ONE commit that sets the new metaData and removes every old file while adding the new ones
/// (<c>dataChange = false</c>: no row changes, so incremental readers see nothing new). A concurrent commit that adds
/// or removes files conflicts (its files would be left in the old layout): the upgrade is redone on top of it.
/// Readers of older versions keep reading the old files until vacuum removes them.
/// </summary>
public static class LayoutUpgrade
{
    public const string Operation = "UPGRADE LAYOUT";
    public const int MaxAttempts = 5;

    /// <summary>True when the table has <paramref name="def"/>'s partition columns and every column.</summary>
    public static bool IsCurrent(TableDef def, Snapshot s) =>
        s.PartitionColumns.SequenceEqual(def.PartitionColumns) && def.Columns.All(c => s.Schema[c.Name] is not null);

    /// <summary>True when the table lacks only columns that can be derived (an older layout this class upgrades).</summary>
    public static bool IsUpgradable(TableDef def, Snapshot s) =>
        !IsCurrent(def, s)
        && def.Columns.All(c => s.Schema[c.Name] is not null || c.DerivedFrom is not null)
        && s.PartitionColumns.All(p => s.Schema[p] is not null && def.Columns.Any(c => c.Name == p));

    /// <summary>
    /// Upgrades the table unless it is current (then null). <paramref name="counters"/> may add txn counters computed from the
    /// old log (e.g. the silver duplicate tallies that must outlive log cleanup). <paramref name="dryRun"/>: plan only.
    /// </summary>
    public static async Task<UpgradeResult?> UpgradeAsync(DuckDbConnection c, DeltaTable table, TableDef def,
        Func<Snapshot, CancellationToken, Task<IReadOnlyDictionary<string, long>>>? counters = null, bool dryRun = false, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = await table.RefreshAsync(ct) ?? throw new DeltaTableNotFoundException($"Delta table '{def.Path}' does not exist.");
            if (IsCurrent(def, snapshot)) return null;
            if (!IsUpgradable(def, snapshot))
                throw new InvalidDataException($"Delta table '{def.Path}' has partition columns [{string.Join(", ", snapshot.PartitionColumns)}] and a schema " +
                    $"this version cannot upgrade to [{string.Join(", ", def.PartitionColumns)}] (columns {string.Join(", ", def.Columns.Select(col => col.Name))}).");
            var live = snapshot.Files.Values.ToList();
            long rows = live.Sum(a => a.ParseStats()?.NumRecords ?? 0);
            if (dryRun) return new UpgradeResult(def.Path, null, live.Count, 0, rows, def.PartitionColumns);

            IReadOnlyList<AddAction> adds = [];
            try
            {
                if (live.Count > 0)
                {
                    var locals = await table.Store.MaterializeAllAsync(live.Select(snapshot.StorePath).ToList(), ct: ct);
                    adds = await ParquetWriter.WriteAsync(c, $"({LakeViews.SelectSql(def, locals, snapshot)}) AS src", def, table.Store, ct, dataChange: false);
                    rows = adds.Sum(a => a.ParseStats()?.NumRecords ?? 0);
                }
                var tx = table.BeginTransaction();
                tx.SetMetadata(snapshot.Metadata with { SchemaString = def.DeltaSchema.ToJson(), PartitionColumns = def.PartitionColumns.ToList() });
                foreach (var f in live) tx.Remove(f, dataChange: false);
                foreach (var a in adds) tx.Add(a);
                if (counters is not null)
                    foreach (var (appId, value) in await counters(snapshot, ct))
                        if (value > 0) tx.AddToCounter(appId, value);
                tx.CommitInfo(Operation,
                    new Dictionary<string, string> { ["partitionBy"] = JsonSerializer.Serialize(def.PartitionColumns) },
                    new Dictionary<string, long> { ["numRemovedFiles"] = live.Count, ["numAddedFiles"] = adds.Count, ["numOutputRows"] = rows });
                var result = await tx.CommitAsync(ct);
                return new UpgradeResult(def.Path, result.Version, live.Count, adds.Count, rows, def.PartitionColumns);
            }
            catch (DeltaConflictException) when (attempt < MaxAttempts)
            {
                // A definite conflict: our commit did not land, so nothing references the files we wrote.
                await DeleteQuietlyAsync(table.Store, def.Path, adds);
            }
            catch (DeltaConflictException)
            {
                await DeleteQuietlyAsync(table.Store, def.Path, adds);
                throw;
            }
        }
    }

    /// <summary>Deletes files a commit that definitely did not land had added (best effort: vacuum removes what is left).</summary>
    internal static async Task DeleteQuietlyAsync(ILakeStore store, string tablePath, IEnumerable<AddAction> adds)
    {
        foreach (var add in adds)
        {
            try { await store.DeleteAsync(DeltaPaths.StorePath(tablePath, add), CancellationToken.None); }
            catch (Exception) { /* an orphan: vacuum deletes it once it is older than the retention */ }
        }
    }
}
