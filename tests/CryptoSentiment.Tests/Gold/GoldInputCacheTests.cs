using System.Globalization;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Tests.GoldCheck;
using CryptoSentiment.Tests.Pipeline;
using CryptoSentiment.Tests.Warehouse;

namespace CryptoSentiment.Tests.Gold;

/// <summary>
/// A warm instance keeps the silver rows a gold refresh reads (FileRowCache): each refresh of a day fetches only the silver
/// files the batches since the previous refresh added, and gold comes out as a single refresh over everything gives it.
/// </summary>
public class GoldInputCacheTests
{
    private static readonly DateOnly Day0 = new(2026, 4, 1);

    private static DateTimeOffset At(int day, int hour, int minute = 0) =>
        new DateTimeOffset(Day0.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(day).AddHours(hour).AddMinutes(minute);

    private static EventBatch Prices(string partition, long firstSequence, int day, int hours, double level, DateTimeOffset enqueued)
    {
        var events = new List<RawEvent>();
        var i = 0;
        foreach (var coin in new[] { "BTC", "ETH", "SOL" })
            for (var h = 0; h < hours; h++, i++)
                events.Add(new RawEvent(partition, firstSequence + i, enqueued.AddMilliseconds(i), JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
                {
                    ["symbol"] = coin, ["price_usd"] = Math.Round(level * (1 + 0.01 * Math.Sin(h + day + coin.Length)), 2), ["source"] = "test",
                    ["ts"] = At(day, h, 15 + day).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                })));
        return new EventBatch(EventStream.Prices, partition, events);
    }

    [Fact]
    public async Task ARefreshFetchesOnlyTheSilverFilesAddedSinceTheLastOneAndGoldEqualsAFullRefresh()
    {
        var now = At(5, 0);
        var batches = new List<EventBatch>();
        for (var d = 0; d < 3; d++)
        {
            batches.Add(Prices("p0", d * 100, d, 24, 100 + d, now));
            batches.Add(IncrementalKit.NewsOnDay(Day0.AddDays(d), "n0", 8, $"d{d}", now, firstSequence: d * 10));
        }
        // later batches of day 2, then of day 3, each followed by a refresh on the warm instance
        var later = Enumerable.Range(1, 3).Select(k => IncrementalKit.NewsOnDay(Day0.AddDays(2), "n1", 5, $"late2-{k}", now, firstSequence: k * 10)).ToList();
        var day3 = new[] { Prices("p0", 300, 3, 12, 104, now), IncrementalKit.NewsOnDay(Day0.AddDays(3), "n0", 6, "d3", now, firstSequence: 30) };
        var afterMaintain = IncrementalKit.NewsOnDay(Day0.AddDays(3), "n1", 4, "late3", now, firstSequence: 100);

        using var warm = new TempLake();
        using (var p = PipelineTestKit.Open(warm, now))
        {
            foreach (var b in batches) await IncrementalKit.IngestAsync(p, b);
            var first = await p.RefreshGoldAsync();
            Assert.Equal(first.SilverFilesRead, first.SilverFilesFetched); // a new instance reads every file it needs

            foreach (var b in later)
            {
                await IncrementalKit.IngestAsync(p, b);
                var o = await p.RefreshGoldAsync();
                Assert.Equal([Day0.AddDays(2)], o.RecomputedDays);
                Assert.Equal(1, o.SilverFilesFetched);                          // the batch's one news file
                Assert.True(o.SilverFilesRead >= 4, $"day 2 and day 1 have {o.SilverFilesRead} silver files");
            }

            foreach (var b in day3) await IncrementalKit.IngestAsync(p, b);
            var o3 = await p.RefreshGoldAsync();
            Assert.Equal([Day0.AddDays(3)], o3.RecomputedDays);
            Assert.Equal(2, o3.SilverFilesFetched);                             // day 3's news and prices; day 2's are cached

            // compaction replaces files under new paths: they are fetched, the replaced ones are no longer read
            await p.MaintainAsync(new MaintenanceOptions { Retention = TimeSpan.Zero });
            await IncrementalKit.IngestAsync(p, afterMaintain);
            var o4 = await p.RefreshGoldAsync();
            Assert.Equal([Day0.AddDays(3)], o4.RecomputedDays);
            Assert.InRange(o4.SilverFilesFetched, 1, o4.SilverFilesRead);
        }

        using var full = new TempLake();
        using (var p = PipelineTestKit.Open(full, now))
        {
            foreach (var b in batches.Concat(later).Concat(day3).Append(afterMaintain)) await IncrementalKit.IngestAsync(p, b);
            await p.RefreshGoldAsync();
        }

        foreach (var (def, keys) in new[]
                 {
                     (LakeTables.GoldCoinHourly, new[] { "coin", "hour" }), (LakeTables.GoldCoinDaily, new[] { "coin", "day" }),
                     (LakeTables.GoldTopCoinDaily, new[] { "day" }),
                 })
        {
            var a = await IndependentGold.SnapshotAsync(warm.Settings, def, keys);
            var b = await IndependentGold.SnapshotAsync(full.Settings, def, keys);
            Assert.Equal(b.Keys.Order(StringComparer.Ordinal), a.Keys.Order(StringComparer.Ordinal));
            var columns = def.Columns.Select(col => col.Name).ToList();
            foreach (var (key, expected) in b)
                for (var i = 0; i < columns.Count; i++)
                    Assert.True(IndependentGold.Same(expected[i], a[key][i]), $"{def.Path} {key} {columns[i]}: warm {a[key][i]}, full {expected[i]}");
        }
        await IndependentGold.VerifyAsync(warm.Settings, "gold from cached silver rows");
    }
}
