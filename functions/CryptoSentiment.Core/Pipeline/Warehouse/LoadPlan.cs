using System.Globalization;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>A warehouse's watermark for one lake table: the Delta table id and the version it reflects (a <c>LOAD_STATE</c> row).</summary>
public sealed record LoadWatermark(string TableId, long Version);

/// <summary>
/// What one load does for one warehouse table: everything, the rows of some UTC days, or nothing. Of the changed days, the
/// <see cref="RewrittenDays"/> (a file removed since the watermark) are sent whole and pruned; in the others the lake only
/// appended files since, so only the rows of those <see cref="AddedFiles"/> are sent and nothing is pruned.
/// </summary>
public sealed record LoadScope(WarehouseTable Table, Snapshot? Snapshot, bool Full, IReadOnlySet<DateOnly> Days, string Why)
{
    public bool Unchanged => !Full && Days.Count == 0;

    /// <summary>The changed days whose rows are sent whole (and pruned): every changed day unless told otherwise.</summary>
    public IReadOnlySet<DateOnly>? RewrittenDays { get; init; }

    /// <summary>The files appended since the watermark (their rows are sent for the changed days outside <see cref="RewrittenDays"/>).</summary>
    public IReadOnlySet<string> AddedFiles { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    private bool Whole(DateOnly day) => RewrittenDays is null || RewrittenDays.Contains(day);

    /// <summary>The lake files to read: all of them, or those of the rewritten days and the files appended to the other changed days.</summary>
    public Func<AddAction, bool>? Files =>
        Full ? null : a => Snapshot.PartitionDay(a.PartitionValues, "day") is { } d && Days.Contains(d) && (Whole(d) || AddedFiles.Contains(a.Path));

    /// <summary>
    /// The <c>{scope}</c> predicate of the merge statements on the warehouse rows (alias <c>t</c>): every row, or the rows of
    /// the changed days. A range on the table's time column comes first, so both engines skip the blocks (DuckDB row groups,
    /// Snowflake micro-partitions) outside it by their min/max without reading them.
    /// </summary>
    public string Scope => Full ? "1 = 1" : DayPredicate(Days);

    /// <summary>
    /// The <c>{scope}</c> predicate of the prune statements: every row, the rows of the rewritten days, or none (<c>1 = 0</c>)
    /// when the lake only appended: an appended day's rows were all there at the watermark, and its source holds only the new ones.
    /// </summary>
    public string PruneScope => Full ? "1 = 1" : Days.Where(Whole).ToList() is { Count: > 0 } whole ? DayPredicate(whole) : "1 = 0";

    private string DayPredicate(IEnumerable<DateOnly> set)
    {
        var days = set.Order().ToList();
        static string Date(DateOnly d) => "DATE '" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'";
        static string Timestamp(DateOnly d) => "CAST('" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 00:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)";
        var range = Table.DayExpression == "t.day"
            ? $"t.day BETWEEN {Date(days[0])} AND {Date(days[^1])}"
            : $"t.published_at >= {Timestamp(days[0])} AND t.published_at < {Timestamp(days[^1].AddDays(1))}";
        return $"{range} AND {Table.DayExpression} IN ({string.Join(", ", days.Select(Date))})";
    }

    public string Mode => Full ? $"full ({Why})" : Unchanged ? "unchanged" : $"incremental: {Days.Count} day(s)";

    /// <summary>The watermark to record once this load commits (null when the lake table does not exist).</summary>
    public LoadWatermark? Watermark => Snapshot is null ? null : new LoadWatermark(Snapshot.Metadata.Id, Snapshot.Version);
}

/// <summary>
/// Plans an incremental warehouse load: for each warehouse table, the days of its lake table changed since the watermark
/// (<see cref="LakeChanges"/>: the day partitions of the files added or removed by data-changing commits). A full load
/// happens on request, on the first load, when the lake table was re-created (another table id), or when the commits
/// since the watermark were removed by log cleanup.
/// </summary>
public static class LoadPlan
{
    public static async Task<IReadOnlyList<LoadScope>> BuildAsync(Lakehouse lake, IReadOnlyDictionary<string, LoadWatermark> watermarks, bool full,
        CancellationToken ct)
    {
        var scopes = new List<LoadScope>();
        foreach (var t in WarehouseTable.All)
        {
            var snapshot = await lake.SnapshotIfExistsAsync(t.LakeSource, ct);
            var empty = new SortedSet<DateOnly>();
            if (full) { scopes.Add(new LoadScope(t, snapshot, true, empty, "requested")); continue; }
            if (snapshot is null) { scopes.Add(new LoadScope(t, null, true, empty, "the lake table does not exist")); continue; }
            if (!watermarks.TryGetValue(t.LakeSource.Path, out var mark)) { scopes.Add(new LoadScope(t, snapshot, true, empty, "first load")); continue; }
            if (mark.TableId != snapshot.Metadata.Id) { scopes.Add(new LoadScope(t, snapshot, true, empty, "the lake table was re-created")); continue; }
            var changes = await LakeChanges.SinceAsync(lake.Store, snapshot, mark.Version, "day", ct);
            scopes.Add(changes.All
                ? new LoadScope(t, snapshot, true, empty, changes.Why ?? "changes unknown")
                : new LoadScope(t, snapshot, false, changes.Days, $"since v{mark.Version}") { RewrittenDays = changes.RewrittenDays, AddedFiles = changes.Added });
        }
        return scopes;
    }

    /// <summary>The bindings of <see cref="WarehouseTable.MergeLoadState"/>: (source, table id, version) per scope with a watermark.</summary>
    public static List<(string Source, string TableId, long Version)> StateRows(IEnumerable<LoadScope> scopes) =>
        scopes.Where(s => s.Watermark is not null)
            .Select(s => (Source: s.Table.LakeSource.Path, s.Watermark!.TableId, s.Watermark.Version))
            .DistinctBy(r => r.Source).ToList();
}
