using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// What changed in a table between two versions, by day partition: the days of every file added or removed with
/// <c>dataChange = true</c> (compaction and layout upgrades, <c>dataChange = false</c>, change no row). <see cref="All"/>
/// when the days cannot be known from the log (no earlier version, commits cleaned up, files without a day partition):
/// the reader then treats every day as changed.
/// </summary>
public sealed record TableChanges(long? FromVersion, long ToVersion, bool All, IReadOnlySet<DateOnly> Days, string? Why)
{
    public bool None => !All && Days.Count == 0;

    /// <summary>
    /// The days of <see cref="Days"/> where some file was removed: with <c>dataChange = true</c> (a rewrite: rows may have
    /// changed or vanished) or by compaction (rows moved to files that are not in <see cref="Added"/>). In every other changed day the commits only appended files: the day's rows are its rows at
    /// <see cref="FromVersion"/> plus the rows of the <see cref="Added"/> files.
    /// </summary>
    public IReadOnlySet<DateOnly> RewrittenDays { get; init; } = new SortedSet<DateOnly>();

    /// <summary>The paths (as the log spells them) of the files added with <c>dataChange = true</c> after <see cref="FromVersion"/>.</summary>
    public IReadOnlySet<string> Added { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public static TableChanges Everything(long toVersion, string why) => new(null, toVersion, true, new SortedSet<DateOnly>(), why);
}

/// <summary>Reads <see cref="TableChanges"/> from the Delta log: partition values only, no data file is opened.</summary>
public static class LakeChanges
{
    /// <summary>Commits read at once (a Blob lake pays one round trip each).</summary>
    private const int Parallelism = 8;

    /// <summary>The days changed by the commits after <paramref name="since"/> up to <paramref name="snapshot"/>'s version.</summary>
    public static async Task<TableChanges> SinceAsync(ILakeStore store, Snapshot snapshot, long? since, string dayColumn, CancellationToken ct = default)
    {
        if (since is not { } from || from < 0) return TableChanges.Everything(snapshot.Version, "no earlier load");
        if (from > snapshot.Version)
            return TableChanges.Everything(snapshot.Version, $"version {from} is newer than the table's {snapshot.Version} (was the table re-created?)");
        var days = new SortedSet<DateOnly>();
        var rewritten = new SortedSet<DateOnly>();
        var added = new HashSet<string>(StringComparer.Ordinal);
        var unknownMoves = false;
        for (var start = from + 1; start <= snapshot.Version; start += Parallelism)
        {
            var versions = Enumerable.Range(0, (int)Math.Min(Parallelism, snapshot.Version - start + 1)).Select(i => start + i).ToList();
            var commits = await Task.WhenAll(versions.Select(v => DeltaLog.ReadCommitAsync(store, snapshot.TablePath, v, ct))).ConfigureAwait(false);
            for (var i = 0; i < commits.Length; i++)
            {
                if (commits[i] is not { } actions)
                    return TableChanges.Everything(snapshot.Version, $"commit {versions[i]} was removed by log cleanup");
                foreach (var a in actions)
                {
                    if (a.Remove is { DataChange: false } moved)
                    {
                        // Compaction moved rows to other files: no row changed, but an appended file's rows may now live in a
                        // file not in Added, so that day counts as rewritten if it changed at all.
                        if (moved.PartitionValues is { } pv && Snapshot.PartitionDay(pv, dayColumn) is { } movedDay) rewritten.Add(movedDay);
                        else unknownMoves = true;
                        continue;
                    }
                    var values = a.Add is { DataChange: true } add ? add.PartitionValues
                        : a.Remove is { DataChange: true } rm ? rm.PartitionValues ?? new Dictionary<string, string?>()
                        : null;
                    if (values is null) continue;
                    if (Snapshot.PartitionDay(values, dayColumn) is not { } day)
                        return TableChanges.Everything(snapshot.Version, $"commit {versions[i]} changed a file without a '{dayColumn}' partition");
                    days.Add(day);
                    if (a.Add is not null) added.Add(a.Add.Path);
                    else rewritten.Add(day);
                }
            }
        }
        if (unknownMoves) rewritten.UnionWith(days);
        rewritten.IntersectWith(days);
        return new TableChanges(from, snapshot.Version, false, days, null) { RewrittenDays = rewritten, Added = added };
    }
}
