using System.Globalization;
using System.Text.RegularExpressions;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Maintenance;

/// <summary>What log cleanup deleted (or would delete) in one table's <c>_delta_log/</c>.</summary>
public sealed record LogCleanupResult(int CommitsDeleted, int CheckpointsDeleted, long? OldestKept)
{
    public static readonly LogCleanupResult Nothing = new(0, 0, null);
}

/// <summary>
/// Log cleanup (Delta PROTOCOL "Metadata Cleanup"): the cutoff commit is the newest commit written before now − retention;
/// the cutoff checkpoint is the newest complete checkpoint not newer than it. Every commit and checkpoint before the cutoff
/// checkpoint is deleted; the checkpoint, its own commit and everything after stay, so every version within the retention
/// can still be read. Without such a checkpoint nothing is deleted. <c>keepAfter</c> protects the commits after a version
/// whatever their age (maintenance keeps its own commits until its next run, so a reader that tracks changes — gold, the
/// warehouse load — finds them as changes to skip, not as a gap it must answer with a full reload).
/// </summary>
public static partial class LogCleanup
{
    [GeneratedRegex(@"^(\d{20})\.(json|checkpoint(?:\.\d{10}\.\d{10})?\.parquet)$")]
    private static partial Regex LogFile();

    public static async Task<LogCleanupResult> RunAsync(ILakeStore store, string tablePath, TimeSpan retention, DateTimeOffset now,
        bool dryRun = false, CancellationToken ct = default, long? keepAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        var prefix = DeltaPaths.LogPrefix(tablePath);
        var commits = new SortedDictionary<long, LakeEntry>();
        var checkpointFiles = new List<(long Version, LakeEntry Entry)>();
        await foreach (var e in store.ListAsync(prefix, ct))
        {
            var m = LogFile().Match(e.Path[prefix.Length..]);
            if (!m.Success) continue;
            var version = long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (m.Groups[2].Value == "json") commits[version] = e;
            else checkpointFiles.Add((version, e));
        }
        var cutoff = now - retention;
        long? cutoffCommit = commits.Where(kv => kv.Value.LastModified <= cutoff).Select(kv => (long?)kv.Key).LastOrDefault();
        if (keepAfter is { } keep && cutoffCommit > keep + 1) cutoffCommit = keep + 1;
        if (cutoffCommit is null) return LogCleanupResult.Nothing;
        var listing = await DeltaLog.ListAsync(store, tablePath, ct);
        if (listing.LatestCompleteCheckpoint(cutoffCommit.Value) is not { } keepFrom) return LogCleanupResult.Nothing;

        var doomed = commits.Where(kv => kv.Key < keepFrom).Select(kv => kv.Value.Path).ToList();
        var doomedCheckpoints = checkpointFiles.Where(c => c.Version < keepFrom).Select(c => c.Entry.Path).ToList();
        if (!dryRun)
        {
            // Readers start from the newest checkpoint (kept) and read only the commits after it (kept): deleting in any order is safe.
            await Parallel.ForEachAsync(doomedCheckpoints.Concat(doomed), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (path, token) => await store.DeleteAsync(path, token));
        }
        return new LogCleanupResult(doomed.Count, doomedCheckpoints.Count, keepFrom);
    }
}
