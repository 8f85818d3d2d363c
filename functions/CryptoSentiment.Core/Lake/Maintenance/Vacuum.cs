using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Maintenance;

/// <summary>What vacuum deleted (or, in a dry run, would delete) in one table. Paths are table-relative.</summary>
public sealed record VacuumResult(int FilesDeleted, long BytesDeleted, int Orphans, int Kept, IReadOnlyList<string> Deleted)
{
    public static readonly VacuumResult Nothing = new(0, 0, 0, 0, []);
}

/// <summary>
/// Vacuum: deletes the data files no version within the retention references. A file stays when it is live, or was
/// removed (its tombstone's <c>deletionTimestamp</c>) less than the retention ago; a file the log does not know (an orphan
/// of a write that never committed, or a file removed so long ago that its tombstone expired from the checkpoints) is
/// deleted once it is older than the retention. The store is listed BEFORE the table is read, so a file committed in
/// between is seen as live. Hidden paths (<c>_delta_log/</c>, anything under a <c>_</c> or <c>.</c> folder) are never touched.
/// A retention shorter than the time a writer takes from writing a file to committing it can delete that file: use
/// short retentions (0 included) only on a lake with no other writer or reader.
/// </summary>
public static class Vacuum
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(168);
    private const int Parallelism = 8;

    public static async Task<VacuumResult> RunAsync(DeltaTable table, TimeSpan retention, DateTimeOffset now, bool dryRun = false, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        var store = table.Store;
        var prefix = table.TablePath.Length == 0 ? "" : table.TablePath + "/";
        var listed = new List<LakeEntry>();
        await foreach (var e in store.ListAsync(prefix, ct)) listed.Add(e);
        var snapshot = await table.RefreshAsync(ct) ?? throw new DeltaTableNotFoundException($"Delta table '{table.TablePath}' does not exist.");

        var cutoff = now - retention;
        var cutoffMs = cutoff.ToUnixTimeMilliseconds();
        var recentlyRemoved = retention > Checkpoints.TombstoneRetention(snapshot.Metadata)
            ? await RemovedSinceAsync(store, table.TablePath, cutoff, ct)  // tombstones older than the table's retention are not in its checkpoints
            : [];
        var delete = new List<(string Store, string Relative, long Size, bool Orphan)>();
        var kept = 0;
        foreach (var e in listed)
        {
            var relative = e.Path[prefix.Length..];
            if (relative.Split('/').Any(seg => seg.StartsWith('_') || seg.StartsWith('.'))) continue;
            if (snapshot.Files.ContainsKey(relative)) continue;
            if (snapshot.Tombstones.TryGetValue(relative, out var tombstone) && tombstone.DeletionTimestamp is { } deleted)
            {
                if (deleted >= cutoffMs) kept++;
                else delete.Add((e.Path, relative, e.Size, false));
                continue;
            }
            if (recentlyRemoved.Contains(relative) || e.LastModified >= cutoff) { kept++; continue; }
            delete.Add((e.Path, relative, e.Size, true));
        }
        if (!dryRun)
        {
            await Parallel.ForEachAsync(delete, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                async (d, token) => await store.DeleteAsync(d.Store, token));
            if (table.TablePath.Length > 0 && store.LocalPath(table.TablePath) is { } root) RemoveEmptyFolders(root, cutoff);
            table.ForgetTombstones(delete.Where(d => !d.Orphan).Select(d => d.Relative).ToList());
        }
        return new VacuumResult(delete.Count, delete.Sum(d => d.Size), delete.Count(d => d.Orphan), kept, delete.Select(d => d.Relative).ToList());
    }

    /// <summary>Table-relative paths removed by commits written after <paramref name="cutoff"/> (read from the JSON commits).</summary>
    private static async Task<HashSet<string>> RemovedSinceAsync(ILakeStore store, string tablePath, DateTimeOffset cutoff, CancellationToken ct)
    {
        var removed = new HashSet<string>(StringComparer.Ordinal);
        var logPrefix = DeltaPaths.LogPrefix(tablePath);
        await foreach (var e in store.ListAsync(logPrefix, ct))
        {
            var name = e.Path[logPrefix.Length..];
            if (e.LastModified < cutoff || !name.EndsWith(".json", StringComparison.Ordinal) || name.Contains('/')
                || !long.TryParse(name[..^5], out var version)) continue;
            foreach (var a in await DeltaLog.ReadCommitAsync(store, tablePath, version, ct) ?? [])
                if (a.Remove is { } r) removed.Add(DeltaPaths.DecodeActionPath(r.Path));
        }
        return removed;
    }

    /// <summary>Local folders: partition folders left empty go too (object stores have no folders); a folder a writer made after the cutoff stays.</summary>
    private static void RemoveEmptyFolders(string root, DateTimeOffset cutoff)
    {
        if (!Directory.Exists(root)) return;
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).ToList())
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('_') || name.StartsWith('.') || Path.GetRelativePath(root, dir).Split(Path.DirectorySeparatorChar).Any(s => s.StartsWith('_'))) continue;
            try
            {
                if (Directory.GetLastWriteTimeUtc(dir) < cutoff.UtcDateTime && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
            }
            catch (IOException) { /* a writer just created something there */ }
        }
    }
}
