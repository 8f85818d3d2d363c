using System.Globalization;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// The duplicates silver skipped, per (stream, Event Hubs partition), kept where log cleanup cannot lose them: as a txn
/// counter (<c>appId</c> = <c>&lt;table&gt;:duplicates:&lt;stream&gt;:&lt;partition&gt;</c>, <c>version</c> = duplicates so far) that every
/// silver commit with duplicates increments and every checkpoint carries. <c>verify</c> reconciles bronze = silver +
/// quarantine + the sum of these counters. Each commit also records its own count in <c>commitInfo</c>
/// (<see cref="SilverStep.DuplicatesMetric"/>), which is all a table written before ARCHITECTURE §9 has.
/// </summary>
public static class DuplicateTally
{
    public static string Prefix(TableDef silver) => silver.Path + ":duplicates:";

    public static string CounterId(TableDef silver, EventStream stream, string partitionId) =>
        $"{Prefix(silver)}{(stream == EventStream.News ? "news" : "prices")}:{partitionId}";

    /// <summary>Every duplicate the table recorded: its counters, or for a table in the older layout the commitInfo of every commit.</summary>
    public static async Task<long> TotalAsync(ILakeStore store, TableDef silver, Snapshot snapshot, CancellationToken ct)
    {
        if (LayoutUpgrade.IsCurrent(silver, snapshot))
            return snapshot.TxnActions.Where(kv => kv.Key.StartsWith(Prefix(silver), StringComparison.Ordinal)).Sum(kv => kv.Value.Version);
        return (await FromLegacyLogAsync(store, silver, snapshot, ct)).Values.Sum();
    }

    /// <summary>The counters of an older-layout table, from the numDuplicates metric of each silver commit (its whole log is needed).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> FromLegacyLogAsync(ILakeStore store, TableDef silver, Snapshot snapshot, CancellationToken ct)
    {
        var stream = silver.Path == LakeTables.SilverNewsSentiment.Path ? EventStream.News : EventStream.Prices;
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var v = 0L; v <= snapshot.Version; v++)
        {
            var actions = await DeltaLog.ReadCommitAsync(store, silver.Path, v, ct)
                ?? throw new InvalidDataException($"Commit {v} of '{silver.Path}' is missing: the duplicate tally of a table in the older layout needs its whole log.");
            foreach (var info in actions.Select(a => a.CommitInfo).OfType<CommitInfoAction>())
            {
                if (info.OperationMetrics?.GetValueOrDefault(SilverStep.DuplicatesMetric) is not { } text) continue;
                var n = long.Parse(text, CultureInfo.InvariantCulture);
                var id = CounterId(silver, stream, info.OperationParameters?.GetValueOrDefault("partitionId") ?? "unknown");
                counters[id] = counters.GetValueOrDefault(id) + n;
            }
        }
        return counters;
    }
}
