using System.Text;
using CryptoSentiment.Dashboard;
using CryptoSentiment.Events;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;
using CryptoSentiment.Tests.Warehouse;

namespace CryptoSentiment.Tests.Dashboard;

/// <summary>
/// The Alerts &amp; health page's event lag (ARCHITECTURE §10: ingested − enqueued), read from bronze: per ingest hour and
/// stream, against percentiles computed here from the lags the test chose, and the window counted back from the newest hour.
/// </summary>
public class EventLagTests
{
    private sealed class MovingClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset T1 = new(2026, 3, 10, 10, 20, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = new(2026, 3, 11, 9, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T3 = new(2026, 3, 11, 12, 30, 0, TimeSpan.Zero);

    /// <summary>A batch whose i-th event was enqueued <paramref name="lags"/>[i] seconds before <paramref name="ingest"/>.</summary>
    private static EventBatch WithLags(EventBatch batch, DateTimeOffset ingest, double[] lags) =>
        batch with { Events = batch.Events.Select((e, i) => e with { EnqueuedAt = ingest.AddSeconds(-lags[i]) }).ToList() };

    private static EventBatch Prices(string partition, int n) =>
        new(EventStream.Prices, partition, Enumerable.Range(0, n).Select(i => new RawEvent(partition, i, T1,
            Encoding.UTF8.GetBytes($$"""{"symbol":"BTC","price_usd":{{97000 + i}},"ts":"2026-03-10T10:0{{i}}:00Z"}"""))).ToList());

    /// <summary>Linear interpolation between order statistics (what quantile_cont computes), written out independently.</summary>
    private static double Quantile(double[] values, double q)
    {
        var s = values.Order().ToArray();
        var pos = q * (s.Length - 1);
        var lo = (int)Math.Floor(pos);
        return lo + 1 < s.Length ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
    }

    [Fact]
    public async Task LagPerIngestHourAndStreamMatchesTheEnqueuedTimesAndTheWindowEndsAtTheNewestHour()
    {
        using var t = new TempLake();
        var clock = new MovingClock(T1);
        using var p = new CryptoPipeline(t.Settings, clock: clock);
        Assert.Empty(await EventLag.HourlyAsync(p.Lake));   // nothing ingested yet

        double[] news1 = [2, 4, 6, 60], prices1 = [1, 1.5, 3], news2 = [10, 20], news3 = [5];
        var day = DateOnly.FromDateTime(T1.UtcDateTime);
        await IncrementalKit.IngestAsync(p, WithLags(IncrementalKit.NewsOnDay(day, "0", news1.Length, "lag-a", T1), T1, news1));
        await IncrementalKit.IngestAsync(p, WithLags(Prices("1", prices1.Length), T1, prices1));
        clock.Now = T2;
        await IncrementalKit.IngestAsync(p, WithLags(IncrementalKit.NewsOnDay(day, "2", news2.Length, "lag-b", T2), T2, news2));
        clock.Now = T3;
        await IncrementalKit.IngestAsync(p, WithLags(IncrementalKit.NewsOnDay(day, "3", news3.Length, "lag-c", T3), T3, news3));

        var expected = new (string Stream, DateTimeOffset Hour, double[] Lags)[]
        {
            ("news", T1.AddMinutes(-20), news1), ("prices", T1.AddMinutes(-20), prices1),
            ("news", T2.AddMinutes(-5), news2), ("news", T3.AddMinutes(-30), news3),
        };
        void AssertRows(IReadOnlyList<Row> rows, int skip)
        {
            Assert.Equal(expected.Length - skip, rows.Count);
            foreach (var (row, e) in rows.Zip(expected.Skip(skip)))
            {
                Assert.Equal(e.Stream, row["stream"]);
                Assert.Equal(e.Hour, (DateTimeOffset)row["hour"]!);
                Assert.Equal((long)e.Lags.Length, Convert.ToInt64(row["events"]));
                Assert.Equal(0L, Convert.ToInt64(row["unmeasured"]));
                Assert.Equal(Quantile(e.Lags, 0.5), (double)row["lag_p50_s"]!, 6);
                Assert.Equal(Quantile(e.Lags, 0.95), (double)row["lag_p95_s"]!, 6);
                Assert.Equal(e.Lags.Max(), (double)row["lag_max_s"]!, 6);
            }
        }

        // 27 hours back from the newest hour (12:00 on the 11th) reach 10:00 on the 10th; 26 do not; 3 leave only 12:00.
        AssertRows(await EventLag.HourlyAsync(p.Lake, 27), skip: 0);
        AssertRows(await EventLag.HourlyAsync(p.Lake), skip: 0);   // the default 48 h
        AssertRows(await EventLag.HourlyAsync(p.Lake, 26), skip: 2);
        AssertRows(await EventLag.HourlyAsync(p.Lake, 3), skip: 3);
        Assert.Equal(51.9, Quantile(news1, 0.95), 9);   // the interpolation the p95 above was held to

        await Assert.ThrowsAsync<DashboardInputException>(() => EventLag.HourlyAsync(p.Lake, 0));
        await Assert.ThrowsAsync<DashboardInputException>(() => EventLag.HourlyAsync(p.Lake, EventLag.MaxHours + 1));
    }
}
