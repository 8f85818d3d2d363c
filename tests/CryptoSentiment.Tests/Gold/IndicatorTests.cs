using System.Globalization;
using System.Text.Json;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Tests.GoldCheck;
using CryptoSentiment.Tests.Pipeline;
using CryptoSentiment.Tests.Warehouse;

namespace CryptoSentiment.Tests.Gold;

/// <summary>The §12 price indicators in gold: against <see cref="IndicatorReference"/>, and exact under incremental refreshes.</summary>
public class IndicatorTests
{
    private const double Tol = 1e-9;

    private static void Near(double? expected, double? actual, string what)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{what}: expected {expected?.ToString("R", CultureInfo.InvariantCulture) ?? "NULL"}, got {actual?.ToString("R", CultureInfo.InvariantCulture) ?? "NULL"}");
        if (expected is { } e) Assert.True(Math.Abs(e - actual!.Value) <= Tol * Math.Max(1, Math.Abs(e)), $"{what}: expected {e:R}, got {actual:R}");
    }

    private static List<double> RandomWalk(int seed, int count)
    {
        var rng = new Random(seed);
        var x = new List<double>();
        var p = 100.0;
        for (var i = 0; i < count; i++)
        {
            p *= Math.Exp((rng.NextDouble() - 0.5) * 0.04);
            x.Add(i % 9 == 4 && i > 0 ? x[^1] : Math.Round(p, 4));   // some zero changes too
        }
        return x;
    }

    [Fact]
    public void ReferenceFollowsTheContractOnSmallSeries()
    {
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        Assert.Equal([null, null, 2, 3, 4], IndicatorReference.Sma(x[..5], 3));
        Assert.Equal([null, null, 2, 3, 4], IndicatorReference.Ema(x[..5], 3));          // α = 0.5 on a line stays on it
        var (rsi, _, loss) = IndicatorReference.Rsi(x, 14);
        Assert.All(rsi[..14], v => Assert.Null(v));                                         // NULL for t ≤ N
        Assert.Equal(100, rsi[14]);                                                         // no losses: 100
        Assert.Equal(0, loss[15]);
        double[] updown = [10, 11, 10, 11, 10];
        var (r2, g2, l2) = IndicatorReference.Rsi(updown, 2);
        Assert.Equal(0.5, g2[2]); Assert.Equal(0.5, l2[2]); Assert.Equal(50, r2[2]);          // mean of the first 2 changes
        Assert.Equal((0.5 * 1 + 1) / 2, g2[3]); Assert.Equal((0.5 * 1 + 0) / 2, l2[3]);      // Wilder smoothing
    }

    public static TheoryData<int> Lengths => new() { 0, 1, 7, 13, 14, 15, 23, 24, 25, 29, 30, 31, 90 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ScanEqualsTheReferenceAndContinuesExactlyFromAnyCarriedPoint(int length)
    {
        foreach (var series in new[] { GoldIndicators.Hourly, GoldIndicators.Daily })
        {
            var x = RandomWalk(length * 7 + 1, length);
            var full = new IndicatorScan(series);
            var values = x.Select(full.Next).ToList();
            var sma1 = IndicatorReference.Sma(x, series.Smas[0]);
            var sma2 = series.Smas.Length > 1 ? IndicatorReference.Sma(x, series.Smas[1]) : new double?[length];
            var ema = series.Ema is { } e ? IndicatorReference.Ema(x, e) : new double?[length];
            var (rsi, gain, loss) = IndicatorReference.Rsi(x, series.Rsi);
            for (var i = 0; i < length; i++)
            {
                var what = $"{series.Name} t={i + 1}";
                Near(sma1[i], values[i].Sma1, what + " sma1");
                Near(sma2[i], values[i].Sma2, what + " sma2");
                Near(ema[i], values[i].Ema, what + " ema");
                Near(rsi[i], values[i].Rsi, what + " rsi");
                Near(gain[i], values[i].AvgGain, what + " gain");
                Near(loss[i], values[i].AvgLoss, what + " loss");
                Assert.Equal(i + 1, values[i].SeriesN);
            }
            // an incremental pass: the last Keep points before the split with their stored state, then the rest — bit for bit
            for (var split = 1; split < length; split++)
            {
                var scan = new IndicatorScan(series);
                for (var i = Math.Max(0, split - series.Keep); i < split; i++)
                    scan.Carry(x[i], values[i].SeriesN, values[i].Ema, values[i].AvgGain, values[i].AvgLoss);
                for (var i = split; i < length; i++) Assert.Equal(values[i], scan.Next(x[i]));
            }
        }
    }

    private static readonly DateOnly Day0 = new(2026, 3, 1);

    private static DateTimeOffset At(int day, int hour, int minute = 0) =>
        new DateTimeOffset(Day0.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(day).AddHours(hour).AddMinutes(minute);

    /// <summary>
    /// 40 days: BTC priced most hours (some hours and a whole day missing, a 5-hour gap) and mentioned most days; SOL with
    /// 10 prices only (shorter than every N); ETH mentioned in hours without a price (NULL closes).
    /// </summary>
    private static (List<NewsRow> News, List<PriceRow> Prices) GappySilver()
    {
        var news = new List<NewsRow>();
        var prices = new List<PriceRow>();
        var rng = new Random(13);
        var p = 30000.0;
        for (var d = 0; d < 40; d++)
        {
            if (d % 6 != 5) news.Add(new NewsRow($"b{d}", "BTC", At(d, 9, 30), d % 3 - 1, 0.8));
            news.Add(new NewsRow($"e{d}", "ETH", At(d, 10, 15), 1, 0.6));
            if (d == 17) continue;                                                    // a day without prices
            for (var h = 0; h < 24; h++)
            {
                if (h % 7 == 3 || (d == 20 && h is >= 5 and < 10)) continue;          // missing hours
                p *= Math.Exp((rng.NextDouble() - 0.5) * 0.02);
                prices.Add(new PriceRow("BTC", At(d, h, 5), p * 0.999));
                prices.Add(new PriceRow("BTC", At(d, h, 50), p));                     // the close: last in the bucket
            }
        }
        for (var i = 0; i < 10; i++) prices.Add(new PriceRow("SOL", At(2, i, 20), 150 + i % 3));
        news.Add(new NewsRow("s1", "SOL", At(2, 1, 40), 1, 0.9));
        return (news, prices);
    }

    private static List<(string Coin, long Key, double? Close, double?[] Values)> ReadIndicators(DuckDbConnection c, bool hourly)
    {
        var sql = hourly
            ? "SELECT coin, epoch_us(hour), close_usd, sma_24h, ema_24h, rsi_14h, rsi_14h_avg_gain, rsi_14h_avg_loss, series_n FROM staged_coin_hourly ORDER BY 1, 2"
            : "SELECT coin, CAST(day - DATE '1970-01-01' AS BIGINT), close_usd, sma_7d, sma_30d, rsi_14d, rsi_14d_avg_gain, rsi_14d_avg_loss, series_n FROM staged_coin_daily ORDER BY 1, 2";
        var rows = new List<(string, long, double?, double?[])>();
        using var r = c.Query(sql);
        while (r.Read())
            rows.Add((r.GetString(0), r.GetInt64(1), r.IsNull(2) ? null : r.GetDouble(2),
                Enumerable.Range(3, 6).Select(i => r.IsNull(i) ? (double?)null : r.GetDouble(i)).ToArray()));
        return rows;
    }

    [Fact]
    public void GoldIndicatorsMatchTheReferenceWithGapsNullClosesAndShortSeries()
    {
        var (news, prices) = GappySilver();
        using var c = GoldDb.Open(news, prices);
        GoldCalculator.Compute(c, Enumerable.Range(0, 40).Select(Day0.AddDays));

        foreach (var hourly in new[] { true, false })
        {
            var rows = ReadIndicators(c, hourly);
            // the series from silver directly: the last price per bucket, buckets in time order (missing ones skipped);
            // a daily point also needs a coin_daily row, i.e. a mention that day
            var mentionDays = news.Select(n => (n.Coin, Day: n.PublishedAt.UtcDateTime.Date)).ToHashSet();
            var expected = prices
                .GroupBy(q => (q.Coin, Bucket: hourly ? q.Ts.UtcDateTime.Date.AddHours(q.Ts.UtcDateTime.Hour) : q.Ts.UtcDateTime.Date))
                .Where(g => hourly || mentionDays.Contains((g.Key.Coin, g.Key.Bucket)))
                .Select(g => (g.Key.Coin, g.Key.Bucket, Close: g.MaxBy(q => q.Ts)!.PriceUsd))
                .GroupBy(b => b.Coin)
                .ToDictionary(g => g.Key, g => g.OrderBy(b => b.Bucket).ToList());

            foreach (var (coin, points) in expected)
            {
                var x = points.Select(b => b.Close).ToList();
                var v1 = IndicatorReference.Sma(x, hourly ? 24 : 7);
                var v2 = hourly ? IndicatorReference.Ema(x, 24) : IndicatorReference.Sma(x, 30);
                var (rsi, g, l) = IndicatorReference.Rsi(x, 14);
                var actual = rows.Where(r => r.Coin == coin && r.Close.HasValue).ToList();
                Assert.Equal(x.Count, actual.Count);
                for (var i = 0; i < x.Count; i++)
                {
                    var what = $"{(hourly ? "hourly" : "daily")} {coin} t={i + 1}";
                    Assert.Equal(x[i], actual[i].Close);
                    Near(v1[i], actual[i].Values[0], what + " sma");
                    Near(v2[i], actual[i].Values[1], what + (hourly ? " ema_24h" : " sma_30d"));
                    Near(rsi[i], actual[i].Values[2], what + " rsi");
                    Near(g[i], actual[i].Values[3], what + " avg gain");
                    Near(l[i], actual[i].Values[4], what + " avg loss");
                    Assert.Equal(i + 1, actual[i].Values[5]);
                }
            }
            // rows without a close (ETH's mention-only hours, BTC on the day without prices) have no indicators
            Assert.Contains(rows, r => r.Close is null);
            Assert.All(rows.Where(r => r.Close is null), r => Assert.All(r.Values, v => Assert.Null(v)));
            // SOL: fewer points than any N, so every indicator is NULL
            Assert.All(rows.Where(r => r.Coin == "SOL"), r => Assert.All(r.Values.Take(5), v => Assert.Null(v)));
            Assert.Contains(rows, r => r.Coin == "BTC" && r.Values[2].HasValue);
        }
    }

    private static EventBatch PriceBatch(string partition, long firstSequence, IEnumerable<(string Coin, DateTimeOffset Ts, double Price)> ticks, DateTimeOffset enqueued)
    {
        var events = ticks.Select((t, i) => new RawEvent(partition, firstSequence + i, enqueued.AddMilliseconds(i),
            JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["symbol"] = t.Coin, ["price_usd"] = t.Price, ["source"] = "test",
                ["ts"] = t.Ts.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            }))).ToList();
        return new EventBatch(EventStream.Prices, partition, events);
    }

    /// <summary>
    /// 36 days of hourly BTC and ETH prices (a few hours missing) and daily news, ingested and refreshed in day-sized steps;
    /// then late prices for day 3 that change its closes, and a refresh. The result equals one refresh over everything.
    /// </summary>
    [Fact]
    public async Task IncrementalRefreshWithLateDataEqualsAFullRecompute()
    {
        const int days = 36, lateDay = 3;
        var now = At(days + 1, 0);
        var rng = new Random(5);
        var batches = new List<EventBatch>();
        var level = new Dictionary<string, double> { ["BTC"] = 40000, ["ETH"] = 2500 };
        for (var d = 0; d < days; d++)
        {
            var ticks = new List<(string, DateTimeOffset, double)>();
            foreach (var coin in new[] { "BTC", "ETH" })
                for (var h = 0; h < 24; h++)
                {
                    if ((h + d) % 11 == 0) continue;
                    level[coin] *= Math.Exp((rng.NextDouble() - 0.5) * 0.03);
                    ticks.Add((coin, At(d, h, 10), Math.Round(level[coin], 2)));
                }
            batches.Add(PriceBatch("p0", d * 100, ticks, now));
            batches.Add(IncrementalKit.NewsOnDay(Day0.AddDays(d), "n0", 6, $"d{d}", now, firstSequence: d * 10));
        }
        var late = PriceBatch("p-late", 0,
            Enumerable.Range(0, 24).Select(h => ("BTC", At(lateDay, h, 40), 41000.0 + 50 * Math.Sin(h))), now);

        using var incremental = new TempLake();
        using (var p = PipelineTestKit.Open(incremental, now))
        {
            for (var i = 0; i < batches.Count; i++)
            {
                await IncrementalKit.IngestAsync(p, batches[i]);
                if (i % 8 != 7) continue;
                var warm = await p.RefreshGoldAsync();
                // The look-back's gold files are read once per instance: each refresh reads only the days gold rewrote since the last.
                if (i > 8 * 4) Assert.InRange(warm.PriorFilesRead, 1, 8); // without the cache: the 45-day daily look-back, 17+ files here
            }
            await p.RefreshGoldAsync();
            await IncrementalKit.IngestAsync(p, late);
            var o = await p.RefreshGoldAsync();
            // only the late day and the days whose look-backs include it are recomputed from silver (the KPIs' 7, scorer_daily's
            // PSI baseline and the alerts' 14); the indicators reach the end of the series
            Assert.Equal(Day0.AddDays(lateDay), o.RecomputedDays.Min());
            Assert.True(o.RecomputedDays.Count <= GoldSql.ScorerBaselineDays + 1, "recomputed: " + o.RecomputedDays.Count);
            Assert.Contains(Day0.AddDays(days - 1), o.ReplacedDays[LakeTables.GoldCoinHourly.Path]);
            Assert.Contains(Day0.AddDays(days - 1), o.ReplacedDays[LakeTables.GoldCoinDaily.Path]);
            Assert.Same(GoldOutcome.Nothing, await p.RefreshGoldAsync());
        }

        using var full = new TempLake();
        using (var p = PipelineTestKit.Open(full, now))
        {
            foreach (var b in batches.Append(late)) await IncrementalKit.IngestAsync(p, b);
            await p.RefreshGoldAsync();
        }

        foreach (var (def, keys) in new[] { (LakeTables.GoldCoinHourly, new[] { "coin", "hour" }), (LakeTables.GoldCoinDaily, new[] { "coin", "day" }) })
        {
            var a = await IndependentGold.AssertSameRowsAsync(incremental.Settings, full.Settings, def, keys);
            var columns = def.Columns.Select(col => col.Name).ToList();
            Assert.Contains(a.Values, r => r[columns.IndexOf(def == LakeTables.GoldCoinHourly ? "rsi_14h" : "sma_30d")] is double);
        }
        // and both equal the independent recompute (§5 from silver, §12 in plain loops)
        await IndependentGold.VerifyAsync(incremental.Settings, "indicators, incremental");
        await IndependentGold.VerifyAsync(full.Settings, "indicators, full");
    }

    /// <summary>
    /// BTC's prices stop after day 4 and resume on day 60 — a gap longer than either look-back (2 days hourly, 45 days
    /// daily) — while ETH trades every day. The refresh of day 60 widens the look-back until BTC's carried-over state is
    /// complete (its series continues at series_n 6 / 121, not 1); a second batch of day 61 on the same instance reuses the
    /// points read for day 61. Every result equals a full recompute and the independent one.
    /// </summary>
    [Fact]
    public async Task PricesResumingAfterALongGapContinueTheirSeriesAndAWarmRefreshReusesTheCarriedState()
    {
        const int gapStart = 5, resume = 60, days = 62;
        var now = At(days + 1, 0);
        var rng = new Random(11);
        var level = new Dictionary<string, double> { ["BTC"] = 40000, ["ETH"] = 2500 };
        EventBatch Prices(int d, long seq) => PriceBatch("p0", seq, new[] { "BTC", "ETH" }
            .Where(coin => coin == "ETH" || d < gapStart || d >= resume)
            .SelectMany(coin => Enumerable.Range(0, 24).Select(h =>
            {
                level[coin] *= Math.Exp((rng.NextDouble() - 0.5) * 0.03);
                return (coin, At(d, h, 20), Math.Round(level[coin], 2));
            })).ToList(), now);
        var early = new List<EventBatch>();
        for (var d = 0; d < resume; d++)
        {
            early.Add(Prices(d, d * 100));
            early.Add(IncrementalKit.NewsOnDay(Day0.AddDays(d), "n0", 6, $"d{d}", now, firstSequence: d * 10));
        }
        var day60 = new[] { Prices(resume, resume * 100), IncrementalKit.NewsOnDay(Day0.AddDays(resume), "n0", 6, "d60", now, firstSequence: resume * 10) };
        var day61 = new[] { Prices(resume + 1, (resume + 1) * 100), IncrementalKit.NewsOnDay(Day0.AddDays(resume + 1), "n0", 6, "d61", now, firstSequence: (resume + 1) * 10) };
        var day61b = IncrementalKit.NewsOnDay(Day0.AddDays(resume + 1), "n1", 4, "d61b", now);

        using var incremental = new TempLake();
        using (var p = PipelineTestKit.Open(incremental, now))
        {
            foreach (var b in early) await IncrementalKit.IngestAsync(p, b);
            await p.RefreshGoldAsync();
            foreach (var b in day60) await IncrementalKit.IngestAsync(p, b);
            var o60 = await p.RefreshGoldAsync();
            Assert.Equal([Day0.AddDays(resume)], o60.RecomputedDays);
            Assert.True(o60.PriorStatesRead > 2, "the look-back widens for BTC: " + o60.PriorStatesRead);
            foreach (var b in day61) await IncrementalKit.IngestAsync(p, b);
            var o61 = await p.RefreshGoldAsync();
            Assert.Equal([Day0.AddDays(resume + 1)], o61.RecomputedDays);
            // a new first day: the hourly look-back once (BTC has its 24 points on day 60), the daily one twice (BTC's sma_30d
            // window still reaches back before the gap)
            Assert.Equal(3, o61.PriorStatesRead);
            await IncrementalKit.IngestAsync(p, day61b);
            var warm = await p.RefreshGoldAsync();
            Assert.Equal([Day0.AddDays(resume + 1)], warm.RecomputedDays);
            Assert.Equal(0, warm.PriorStatesRead); // the same first day over the same gold files: reused
        }

        using var full = new TempLake();
        using (var p = PipelineTestKit.Open(full, now))
        {
            foreach (var b in early.Concat(day60).Concat(day61).Append(day61b)) await IncrementalKit.IngestAsync(p, b);
            await p.RefreshGoldAsync();
        }

        foreach (var (def, keys, first) in new[]
                 {
                     (LakeTables.GoldCoinHourly, new[] { "coin", "hour" }, gapStart * 24 + 1L),
                     (LakeTables.GoldCoinDaily, new[] { "coin", "day" }, gapStart + 1L),
                 })
        {
            var a = await IndependentGold.AssertSameRowsAsync(incremental.Settings, full.Settings, def, keys);
            var columns = def.Columns.Select(col => col.Name).ToList();
            // BTC's first point after the gap continues the series
            var btcAfterGap = a.Where(kv => kv.Key.StartsWith("BTC", StringComparison.Ordinal) && a[kv.Key][columns.IndexOf("series_n")] is long)
                .Select(kv => (long)kv.Value[columns.IndexOf("series_n")]!).Where(n => n >= first).ToList();
            Assert.Contains(first, btcAfterGap);
        }
        await IndependentGold.VerifyAsync(incremental.Settings, "indicators after a long gap, incremental");
    }
}
