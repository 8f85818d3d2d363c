using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Dashboard;

/// <summary>
/// The event lag of the newest ingest hours, per hour and stream (events, unmeasured events, p50 / p95 / max seconds of
/// ingested − enqueued: the §10 <c>cryptosentiment.event.lag</c>), read from bronze in the lake. The warehouse has no ingest
/// times, and the lag is about the pipeline now, not about the days the dashboard's filter picks: the window ends at the
/// newest ingested event. Only the bronze files of the newest ingest days are read (by their <c>ingest_date</c> partition),
/// and only their two timestamp columns.
/// </summary>
public static class EventLag
{
    public const int DefaultHours = 48;
    public const int MaxHours = 24 * 14;

    /// <summary>Rows of <c>Sql/dashboard/event_lag.sql</c>: stream, hour, events, unmeasured, lag_p50_s, lag_p95_s, lag_max_s.</summary>
    public static async Task<IReadOnlyList<Row>> HourlyAsync(Lakehouse lake, int hours = DefaultHours, CancellationToken ct = default)
    {
        if (hours is < 1 or > MaxHours) throw new DashboardInputException($"Bad lag window {hours} h: expected 1 to {MaxHours} hours.");
        var news = await lake.SnapshotIfExistsAsync(LakeTables.BronzeNews, ct);
        var prices = await lake.SnapshotIfExistsAsync(LakeTables.BronzePrices, ct);
        var newest = new[] { news, prices }.SelectMany(s => s?.PartitionDays("ingest_date") ?? []).DefaultIfEmpty().Max();
        if (newest == default) return [];
        // The window's first hour can lie up to hours/24 + 1 days before the newest day's end.
        var first = newest.AddDays(-(hours / 24 + 1));
        bool Recent(Lake.Delta.AddAction a) => Lake.Delta.Snapshot.PartitionDay(a.PartitionValues, "ingest_date") is { } d && d >= first;
        using var lease = lake.RentEngine();
        var c = lease.Connection;
        try
        {
            await LakeViews.CreateAsync(c, lake.Store, LakeTables.BronzeNews, news, ct, Recent);
            await LakeViews.CreateAsync(c, lake.Store, LakeTables.BronzePrices, prices, ct, Recent);
            using var r = c.Query(SqlFiles.Get("dashboard/event_lag.sql"), (long)hours);
            return DashboardQueries.ReadRows(r);
        }
        finally
        {
            c.Execute($"DROP VIEW IF EXISTS {LakeTables.BronzeNews.ViewName}; DROP VIEW IF EXISTS {LakeTables.BronzePrices.ViewName}");
        }
    }
}
