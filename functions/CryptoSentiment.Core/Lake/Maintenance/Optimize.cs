using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Maintenance;

/// <summary>What optimize did to one table (or, in a dry run, would do).</summary>
public sealed record OptimizeResult(int PartitionsCompacted, int FilesRemoved, int FilesAdded, long BytesRemoved, long BytesAdded, int Commits, int Retries)
{
    public static readonly OptimizeResult Nothing = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// Optimize (bin-packing compaction): per partition, the files smaller than the target size are packed, in the order they
/// were written, into bins of up to the target size, and each bin of two or more files is rewritten as one file. Each
/// commit removes the packed files and adds the new ones with <c>dataChange = false</c> (the rows are the same), for up to
/// <see cref="PartitionsPerCommit"/> partitions at a time. A concurrent append never conflicts with it; a concurrent
/// remove of one of the same files does (<see cref="ConflictKind.ConcurrentDeleteDelete"/>): the new files are deleted
/// and those partitions are planned again on the newer snapshot.
/// </summary>
public static class Optimize
{
    public const string Operation = "OPTIMIZE";
    public const long DefaultTargetFileBytes = 128L * 1024 * 1024;
    public const int PartitionsPerCommit = 32;
    public const int MaxAttempts = 5;

    /// <summary>The bins to rewrite: per partition (in path order), groups of ≥ 2 small files whose sizes add up to ≤ the target.</summary>
    public static List<(string Partition, List<AddAction> Files)> Plan(Snapshot snapshot, long targetFileBytes)
    {
        var bins = new List<(string, List<AddAction>)>();
        var byPartition = snapshot.Files.Values
            .Where(a => a.Size < targetFileBytes)
            .GroupBy(a => PartitionKey(snapshot, a), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in byPartition)
        {
            var current = new List<AddAction>();
            long size = 0;
            foreach (var f in group.OrderBy(a => a.ModificationTime).ThenBy(a => a.Path, StringComparer.Ordinal))
            {
                if (current.Count > 0 && size + f.Size > targetFileBytes)
                {
                    if (current.Count > 1) bins.Add((group.Key, current));
                    current = [];
                    size = 0;
                }
                current.Add(f);
                size += f.Size;
            }
            if (current.Count > 1) bins.Add((group.Key, current));
        }
        return bins;
    }

    public static async Task<OptimizeResult> RunAsync(DuckDbConnection c, DeltaTable table, TableDef def, long targetFileBytes = DefaultTargetFileBytes,
        bool dryRun = false, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetFileBytes, 1);
        var snapshot = await table.RefreshAsync(ct) ?? throw new DeltaTableNotFoundException($"Delta table '{def.Path}' does not exist.");
        var plan = Plan(snapshot, targetFileBytes);
        if (dryRun)
            return new OptimizeResult(plan.Select(b => b.Partition).Distinct().Count(), plan.Sum(b => b.Files.Count), plan.Count,
                plan.Sum(b => b.Files.Sum(f => f.Size)), 0, 0, 0);

        var result = OptimizeResult.Nothing;
        var partitions = plan.Select(b => b.Partition).Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < partitions.Count; i += PartitionsPerCommit)
        {
            var group = partitions.Skip(i).Take(PartitionsPerCommit).ToHashSet(StringComparer.Ordinal);
            result = Sum(result, await CompactAsync(c, table, def, group, targetFileBytes, ct));
        }
        return result;
    }

    /// <summary>Compacts the given partitions in one commit, replanning on the latest snapshot after a conflict.</summary>
    private static async Task<OptimizeResult> CompactAsync(DuckDbConnection c, DeltaTable table, TableDef def, HashSet<string> partitions,
        long targetFileBytes, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = table.Snapshot;
            var bins = Plan(snapshot, targetFileBytes).Where(b => partitions.Contains(b.Partition)).ToList();
            if (bins.Count == 0) return OptimizeResult.Nothing with { Retries = attempt - 1 };
            var adds = new List<AddAction>();
            try
            {
                foreach (var (_, files) in bins)
                {
                    var locals = await table.Store.MaterializeAllAsync(files.Select(snapshot.StorePath).ToList(), ct: ct);
                    adds.AddRange(await ParquetWriter.WriteAsync(c, $"({LakeViews.SelectSql(def, locals, snapshot)}) AS src", def, table.Store, ct, dataChange: false));
                }
                var tx = table.BeginTransaction();
                foreach (var f in bins.SelectMany(b => b.Files)) tx.Remove(f, dataChange: false);
                foreach (var a in adds) tx.Add(a);
                var removed = bins.Sum(b => b.Files.Count);
                tx.CommitInfo(Operation,
                    new Dictionary<string, string> { ["targetFileBytes"] = targetFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    new Dictionary<string, long>
                    {
                        ["numRemovedFiles"] = removed, ["numAddedFiles"] = adds.Count,
                        ["numRemovedBytes"] = bins.Sum(b => b.Files.Sum(f => f.Size)), ["numAddedBytes"] = adds.Sum(a => a.Size),
                    });
                await tx.CommitAsync(ct);
                return new OptimizeResult(bins.Select(b => b.Partition).Distinct().Count(), removed, adds.Count,
                    bins.Sum(b => b.Files.Sum(f => f.Size)), adds.Sum(a => a.Size), 1, attempt - 1);
            }
            catch (DeltaConflictException e) when (e.Kind == ConflictKind.ConcurrentDeleteDelete && attempt < MaxAttempts)
            {
                // Someone else removed one of these files first (a gold day replaced, a re-enrichment, another optimize):
                // our commit did not land, so our files are unreferenced. Plan again on the newer snapshot.
                await LayoutUpgrade.DeleteQuietlyAsync(table.Store, def.Path, adds);
                await table.RefreshAsync(ct);
            }
            catch (DeltaConflictException)
            {
                await LayoutUpgrade.DeleteQuietlyAsync(table.Store, def.Path, adds);
                throw;
            }
        }
    }

    private static string PartitionKey(Snapshot s, AddAction a) =>
        string.Join("/", s.PartitionColumns.Select(p => $"{p}={a.PartitionValues.GetValueOrDefault(p)}"));

    private static OptimizeResult Sum(OptimizeResult a, OptimizeResult b) => new(
        a.PartitionsCompacted + b.PartitionsCompacted, a.FilesRemoved + b.FilesRemoved, a.FilesAdded + b.FilesAdded,
        a.BytesRemoved + b.BytesRemoved, a.BytesAdded + b.BytesAdded, a.Commits + b.Commits, a.Retries + b.Retries);
}
