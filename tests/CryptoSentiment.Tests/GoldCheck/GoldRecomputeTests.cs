using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Replay;
using CryptoSentiment.Tests.Events;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.GoldCheck;

/// <summary>
/// Acceptance: gold built incrementally by the real pipeline (many partial refreshes, late data) equals the §5
/// formulas recomputed independently from silver with plain SQL, on every row and column, to 1e-9.
/// </summary>
public sealed class GoldRecomputeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("goldcheck-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_tmp, recursive: true); }
        catch (IOException) { }
    }

    private Settings NewSettings() => new()
    {
        LakeUri = Path.Combine(_tmp, "lake"),
        Warehouse = "duckdb:" + Path.Combine(_tmp, "warehouse.duckdb"),
    };

    [Fact]
    public async Task RealReplay_IncrementalGold_EqualsIndependentRecompute()
    {
        var sw = Stopwatch.StartNew();
        var data = EventsTestData.Dir;   // throws (fails) when ../shared/data is missing
        var newsPath = Path.Combine(data, "replay", "cryptonews_2021-10_2022-03.csv");
        Assert.True(File.Exists(newsPath), "missing real news file " + newsPath);
        var priceFiles = new[] { "BTC", "ETH", "SOL", "XRP" }.Select(c => Path.Combine(data, "prices", c + "USDT_1h.csv")).ToArray();
        foreach (var f in priceFiles) Assert.True(File.Exists(f), "missing real price file " + f);

        var now = DateTimeOffset.UtcNow;
        var news = EventBatcher.ToBatches(ReplaySource.Read(newsPath), EventStream.News, 256, 4, now).ToList();
        // one price stream over the chosen files (one sequence per partition, so no txn watermark collides)
        var prices = EventBatcher.ToBatches(priceFiles.SelectMany(ReplaySource.Read), EventStream.Prices, 256, 4, now).ToList();
        var order = Interleave(news, prices);

        var settings = NewSettings();
        var refreshes = 0;
        var maxRecomputed = 0;
        using (var pipeline = new CryptoPipeline(settings))
        {
            for (var i = 0; i < order.Count; i++)
            {
                await pipeline.IngestAsync(order[i]);
                if ((i + 1) % 9 == 0)
                {
                    var o = await pipeline.RefreshGoldAsync();
                    refreshes++;
                    maxRecomputed = Math.Max(maxRecomputed, o.RecomputedDays.Count);
                }
            }
            await pipeline.RefreshGoldAsync();
            refreshes++;
            Assert.Same(global::CryptoSentiment.Pipeline.Gold.GoldOutcome.Nothing, await pipeline.RefreshGoldAsync());   // nothing left dirty
        }
        var ingestTime = sw.Elapsed;

        var report = await IndependentGold.VerifyAsync(settings, "real replay");
        output.WriteLine($"batches: {news.Count} news + {prices.Count} prices, gold refreshes: {refreshes} (largest {maxRecomputed} days), " +
                         $"pipeline {ingestTime.TotalSeconds:F1} s, total {sw.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(report.ToString());

        Assert.True(refreshes >= 10, "gold must be built from many partial refreshes");
        AssertNotVacuous(report);
        Assert.True(report.TopRows >= 100, "top_coin_daily rows: " + report.TopRows);
    }

    [Fact]
    public async Task DemoStream_LateDataRecomputesDependentDays_EqualsIndependentRecompute()
    {
        var sw = Stopwatch.StartNew();
        var start = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        const int days = 21;
        var stream = new SampleStreamGenerator(20250301, start).Generate(3000, days * 24);
        DateOnly Day(int n) => DateOnly.FromDateTime(start.UtcDateTime).AddDays(n - 1);   // day 1 = start
        var lateNewsDay = Day(10);
        var latePriceDay = Day(5);

        var newsByDay = stream.News.Select(b => (Body: b, Day: DayOf(b, "published_at"))).ToList();
        var pricesByDay = stream.Prices.Select(b => (Body: b, Day: DayOf(b, "ts"))).ToList();
        bool Early(DateOnly? d) => d is null || d <= Day(18);
        var rng = new Random(7);
        var feeder = new Feeder(DateTimeOffset.UtcNow);

        var settings = NewSettings();
        using var pipeline = new CryptoPipeline(settings);

        // A: days 1–18 (all but the news of day 10 and the prices of day 5), shuffled across days, many refreshes
        await feeder.RunAsync(pipeline, rng,
            newsByDay.Where(x => Early(x.Day) && x.Day != lateNewsDay).Select(x => x.Body),
            pricesByDay.Where(x => Early(x.Day) && x.Day != latePriceDay).Select(x => x.Body),
            refreshEvery: 3);
        var reportA = await IndependentGold.VerifyAsync(settings, "demo A: days 1-18 without late data");
        var dailyA = await IndependentGold.SnapshotAsync(settings, LakeTables.GoldCoinDaily, ["coin", "day"]);
        var hourlyA = await IndependentGold.SnapshotAsync(settings, LakeTables.GoldCoinHourly, ["coin", "hour"]);

        // B: the news of day 10 arrives late, after gold was built for days 1–18
        await feeder.RunAsync(pipeline, rng, newsByDay.Where(x => x.Day == lateNewsDay).Select(x => x.Body), [], refreshEvery: 0);
        var outB = await pipeline.RefreshGoldAsync();
        await IndependentGold.VerifyAsync(settings, "demo B: after late news of day 10");
        Assert.Equal([lateNewsDay], outB.TouchedDays);
        foreach (var k in Enumerable.Range(0, 8)) Assert.Contains(lateNewsDay.AddDays(k), outB.RecomputedDays);
        var dailyB = await IndependentGold.SnapshotAsync(settings, LakeTables.GoldCoinDaily, ["coin", "day"]);
        var hourlyB = await IndependentGold.SnapshotAsync(settings, LakeTables.GoldCoinHourly, ["coin", "hour"]);
        var changedDailyB = ChangedDays(dailyA, dailyB);
        var changedHourlyB = ChangedDays(hourlyA, hourlyB);
        output.WriteLine($"late news of {lateNewsDay}: recomputed {outB.RecomputedDays.Count} days; coin_daily changed on [{string.Join(", ", changedDailyB)}], coin_hourly on [{string.Join(", ", changedHourlyB)}]");
        // the late news really changed gold beyond its own day: hourly d+1 (24 h trend), daily up to d+6 (corr_7d window)
        Assert.Contains(lateNewsDay, changedDailyB);
        Assert.Contains(lateNewsDay.AddDays(6), changedDailyB);
        Assert.Contains(lateNewsDay.AddDays(1), changedHourlyB);
        // §5 columns within the look-back windows; a news-only day can add a daily close point (a new coin_daily row), so the
        // §12 daily indicators may change through the end of the series
        Assert.All(ChangedDays(Without(dailyA, LakeTables.GoldCoinDaily), Without(dailyB, LakeTables.GoldCoinDaily)),
            d => Assert.InRange(d, lateNewsDay, lateNewsDay.AddDays(7)));
        Assert.All(ChangedDays(Without(hourlyA, LakeTables.GoldCoinHourly), Without(hourlyB, LakeTables.GoldCoinHourly)),
            d => Assert.InRange(d, lateNewsDay, lateNewsDay.AddDays(1)));
        Assert.All(changedDailyB, d => Assert.True(d >= lateNewsDay));

        // C: the prices of day 5 arrive late
        await feeder.RunAsync(pipeline, rng, [], pricesByDay.Where(x => x.Day == latePriceDay).Select(x => x.Body), refreshEvery: 0);
        var outC = await pipeline.RefreshGoldAsync();
        await IndependentGold.VerifyAsync(settings, "demo C: after late prices of day 5");
        Assert.Equal([latePriceDay], outC.TouchedDays);
        foreach (var k in Enumerable.Range(0, 8)) Assert.Contains(latePriceDay.AddDays(k), outC.RecomputedDays);
        var dailyC = await IndependentGold.SnapshotAsync(settings, LakeTables.GoldCoinDaily, ["coin", "day"]);
        var hourlyC = await IndependentGold.SnapshotAsync(settings, LakeTables.GoldCoinHourly, ["coin", "hour"]);
        var changedDailyC = ChangedDays(dailyB, dailyC);
        var changedHourlyC = ChangedDays(hourlyB, hourlyC);
        output.WriteLine($"late prices of {latePriceDay}: recomputed {outC.RecomputedDays.Count} days; coin_daily changed on [{string.Join(", ", changedDailyC)}], coin_hourly on [{string.Join(", ", changedHourlyC)}]");
        // return_1d of d+1, corr_7d through d+7 (the first return_1h of d+7's window uses d's 23:00 close)
        Assert.Contains(latePriceDay.AddDays(1), changedDailyC);
        Assert.Contains(latePriceDay.AddDays(7), changedDailyC);
        Assert.Contains(latePriceDay.AddDays(1), changedHourlyC);
        // the §5 columns change within the look-back windows; the §12 indicators (recursive) may change through the end
        Assert.All(ChangedDays(Without(dailyB, LakeTables.GoldCoinDaily), Without(dailyC, LakeTables.GoldCoinDaily)),
            d => Assert.InRange(d, latePriceDay, latePriceDay.AddDays(7)));
        Assert.All(ChangedDays(Without(hourlyB, LakeTables.GoldCoinHourly), Without(hourlyC, LakeTables.GoldCoinHourly)),
            d => Assert.InRange(d, latePriceDay, latePriceDay.AddDays(1)));
        Assert.All(changedDailyC, d => Assert.True(d >= latePriceDay));

        // D: days 19–21 and the rest, shuffled, interleaved with refreshes
        await feeder.RunAsync(pipeline, rng,
            newsByDay.Where(x => !Early(x.Day)).Select(x => x.Body),
            pricesByDay.Where(x => !Early(x.Day)).Select(x => x.Body),
            refreshEvery: 3);
        await pipeline.RefreshGoldAsync();
        var report = await IndependentGold.VerifyAsync(settings, "demo D: everything");

        output.WriteLine($"demo: {feeder.Refreshes} gold refreshes, {sw.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("after A: " + reportA);
        output.WriteLine("final:   " + report);
        Assert.True(feeder.Refreshes >= 10, "gold must be built from many partial refreshes");
        AssertNotVacuous(report);
        Assert.True(report.TopRows >= days - 1, "top_coin_daily rows: " + report.TopRows);
        Assert.True(report.DailyRows > reportA.DailyRows);
    }

    private static void AssertNotVacuous(GoldCheckReport r)
    {
        Assert.True(r.Score > 0 && r.Score24h > 0, r.ToString());
        Assert.True(r.Volatility24h > 0, "no non-NULL volatility_24h: " + r);
        Assert.True(r.Return1h > 0 && r.Return24h > 0, r.ToString());
        Assert.True(r.DivergenceTrue > 0, "no divergence TRUE: " + r);
        Assert.True(r.DivergenceFalse > 0, "no divergence FALSE: " + r);
        Assert.True(r.DivergenceNull > 0, "no divergence NULL: " + r);
        Assert.True(r.Corr7d > 0, "no non-NULL corr_7d: " + r);
        Assert.True(r.Return1d > 0 && r.CloseDaily > 0, r.ToString());
        Assert.True(r.MarketRows > 0, "no MARKET rows: " + r);
        Assert.True(r.TopRows > 0, "no top coin rows: " + r);
    }

    /// <summary>News and price batches merged by progress, so both streams advance together (each stays in its own order).</summary>
    private static List<EventBatch> Interleave(IReadOnlyList<EventBatch> a, IReadOnlyList<EventBatch> b)
    {
        var result = new List<EventBatch>(a.Count + b.Count);
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            var takeA = j >= b.Count || (i < a.Count && (i + 1.0) / a.Count <= (j + 1.0) / b.Count);
            result.Add(takeA ? a[i++] : b[j++]);
        }
        return result;
    }

    /// <summary>The days whose gold rows changed beyond the 1e-9 tolerance (or appeared / disappeared).</summary>
    /// <summary>The rows without the §12 indicator columns (and their state): the §5 KPI columns only.</summary>
    private static Dictionary<string, object?[]> Without(IReadOnlyDictionary<string, object?[]> rows, TableDef def)
    {
        var keep = def.Columns.Select((c, i) => (c, i)).Where(x => x.c.DerivedFrom is null || !x.c.DerivedFrom.StartsWith("CAST(NULL", StringComparison.Ordinal))
            .Select(x => x.i).ToArray();
        return rows.ToDictionary(kv => kv.Key, kv => keep.Select(i => kv.Value[i]).ToArray());
    }

    private static SortedSet<DateOnly> ChangedDays(IReadOnlyDictionary<string, object?[]> before, IReadOnlyDictionary<string, object?[]> after)
    {
        static DateOnly DayOfRow(object?[] row) => row.OfType<DateOnly>().First();   // the `day` column
        var days = new SortedSet<DateOnly>();
        foreach (var (k, v) in after)
            if (!before.TryGetValue(k, out var old) || !old.Zip(v).All(p => IndependentGold.Same(p.First, p.Second))) days.Add(DayOfRow(v));
        foreach (var (k, v) in before)
            if (!after.ContainsKey(k)) days.Add(DayOfRow(v));
        return days;
    }

    /// <summary>The UTC day of a JSON event's timestamp field, or null when the body has none (malformed events).</summary>
    private static DateOnly? DayOf(byte[] body, string field)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(field, out var v) &&
                v.ValueKind == JsonValueKind.String &&
                DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                return DateOnly.FromDateTime(t.UtcDateTime);
        }
        catch (JsonException) { }
        catch (ArgumentException) { }
        return null;
    }

    /// <summary>Feeds shuffled bodies as Event Hubs batches (sequence numbers continue across calls), refreshing gold as it goes.</summary>
    private sealed class Feeder(DateTimeOffset enqueued)
    {
        private long _newsSeq, _priceSeq;
        public int Refreshes { get; private set; }

        public async Task RunAsync(CryptoPipeline pipeline, Random rng, IEnumerable<byte[]> news, IEnumerable<byte[]> prices, int refreshEvery)
        {
            var n = news.ToArray();
            var p = prices.ToArray();
            rng.Shuffle(n);
            rng.Shuffle(p);
            var nb = EventBatcher.ToBatches(n, EventStream.News, 128, 4, enqueued, _newsSeq).ToList();
            var pb = EventBatcher.ToBatches(p, EventStream.Prices, 256, 4, enqueued, _priceSeq).ToList();
            _newsSeq += n.Length;
            _priceSeq += p.Length;
            var order = Interleave(nb, pb);
            for (var i = 0; i < order.Count; i++)
            {
                await pipeline.IngestAsync(order[i]);
                if (refreshEvery > 0 && (i + 1) % refreshEvery == 0)
                {
                    await pipeline.RefreshGoldAsync();
                    Refreshes++;
                }
            }
            if (refreshEvery > 0)
            {
                await pipeline.RefreshGoldAsync();
                Refreshes++;
            }
        }
    }
}
