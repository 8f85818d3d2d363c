using System.Diagnostics;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline.Gold;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.Gold;

/// <summary>Hand-built silver for the §5 edge cases, each checked against stated values (and the reference).</summary>
public class GoldEdgeCaseTests(ITestOutputHelper output)
{
    private static readonly DateOnly Day = new(2026, 5, 10);
    private static readonly DateTimeOffset T0 = new(Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
    private int _id;

    private NewsRow N(string coin, DateTimeOffset at, int polarity, double confidence) => new($"n{_id++}", coin, at, polarity, confidence);

    /// <summary>One price per hour from <paramref name="from"/> for <paramref name="hours"/> hours.</summary>
    private static IEnumerable<PriceRow> HourlyPrices(string coin, DateTimeOffset from, int hours, Func<int, double> price) =>
        Enumerable.Range(0, hours).Select(h => new PriceRow(coin, from.AddHours(h).AddMinutes(30), price(h)));

    private static (List<HourlyRow> Hourly, List<DailyRow> Daily, List<TopRow> Top) Run(List<NewsRow> news, List<PriceRow> prices, params DateOnly[] days)
    {
        using var c = GoldDb.Open(news, prices);
        GoldCalculator.Compute(c, days);
        var result = (GoldDb.ReadHourly(c), GoldDb.ReadDaily(c), GoldDb.ReadTop(c));
        var reference = new GoldReference(news, prices);
        GoldAssert.Hourly(reference.CoinHourly(days), result.Item1);
        GoldAssert.Daily(reference.CoinDaily(days), result.Item2);
        GoldAssert.Top(GoldReference.TopCoinDaily(reference.CoinDaily(days)), result.Item3);
        return result;
    }

    /// <summary>n scored hours on Day with a price in every hour of Day and the hour before.</summary>
    private (List<NewsRow>, List<PriceRow>) PairsData(int pairs, Func<int, int> polarity, Func<int, double> price)
    {
        var news = Enumerable.Range(0, pairs).Select(h => N("BTC", T0.AddHours(h).AddMinutes(5), polarity(h), 0.5 + 0.02 * h)).ToList();
        var prices = HourlyPrices("BTC", T0.AddHours(-1), 25, h => price(h)).ToList();
        return (news, prices);
    }

    [Fact]
    public void Corr7dIsNullBelow24PairsAndSetFrom24()
    {
        static double Price(int h) => 100 * Math.Exp(0.01 * Math.Sin(h * 1.3) + 0.001 * h);
        static int Pol(int h) => h % 3 - 1;

        var (news23, prices23) = PairsData(23, Pol, Price);
        Assert.Null(Run(news23, prices23, Day).Daily.Single().Corr7d);

        var (news24, prices24) = PairsData(24, Pol, Price);
        var corr = Run(news24, prices24, Day).Daily.Single().Corr7d;
        Assert.NotNull(corr);
        Assert.InRange(corr.Value, -1, 1);

        // 24 scored hours but one has no return_1h (price missing in the hour before it) → 23 pairs → NULL
        var gap = prices24.Where(p => p.Ts.Hour != 4 || GoldReference.DayOf(p.Ts) != Day).ToList(); // hour 04 and so return_1h of 04 and 05
        var daily = Run(news24, gap, Day).Daily.Single();
        Assert.Null(daily.Corr7d);
    }

    [Fact]
    public void Corr7dIsNullNotNaNWhenAVarianceIsZero()
    {
        // every score is +1 (zero variance in x)
        var (news, prices) = PairsData(24, _ => 1, h => 100 * Math.Exp(0.01 * Math.Sin(h)));
        var r = Run(news, prices, Day).Daily.Single();
        Assert.Null(r.Corr7d);
        Assert.Equal(1.0, r.WeightedScore);

        // constant price (zero variance in y: every return_1h is 0)
        var (news2, prices2) = PairsData(30 - 6, h => h % 3 - 1, _ => 42.0);
        Assert.Null(Run(news2, prices2, Day).Daily.Single().Corr7d);
    }

    [Fact]
    public void Corr7dUsesTheSevenDaysEndingWithTheDay()
    {
        // 12 pairs on day−6 and 12 on the day itself = 24 → value; the same 12 on day−7 instead → NULL
        var news = new List<NewsRow>();
        var prices = new List<PriceRow>();
        foreach (var dayStart in new[] { T0.AddDays(-6), T0 })
        {
            for (var h = 0; h < 12; h++) news.Add(N("ETH", dayStart.AddHours(h).AddMinutes(1), (h % 3) - 1, 0.3 + 0.05 * h));
            prices.AddRange(HourlyPrices("ETH", dayStart.AddHours(-1), 13, h => 10 + Math.Sin(h) + 0.1 * h));
        }
        var r = Run(news, prices, Day, Day.AddDays(-6)).Daily.Single(d => d.Day == Day);
        Assert.NotNull(r.Corr7d);

        var shifted = news.Select(n => n.PublishedAt < T0 ? n with { PublishedAt = n.PublishedAt.AddDays(-1) } : n).ToList();
        var shiftedPrices = prices.Select(p => p.Ts < T0.AddHours(-1) ? p with { Ts = p.Ts.AddDays(-1) } : p).ToList();
        Assert.Null(Run(shifted, shiftedPrices, Day).Daily.Single().Corr7d);
    }

    [Fact]
    public void HourWithPriceOnlyAppearsAndKeepsTheTrend()
    {
        var news = new List<NewsRow> { N("SOL", T0.AddHours(-2).AddMinutes(10), 1, 0.8), N("SOL", T0.AddHours(-2).AddMinutes(20), -1, 0.2) };
        var prices = new List<PriceRow>
        {
            new("SOL", T0.AddHours(3).AddMinutes(5), 150),
            new("SOL", T0.AddHours(3).AddMinutes(50), 151),  // the close of 03:00
            new("SOL", T0.AddHours(4).AddMinutes(59), 149),
        };
        var (hourly, daily, top) = Run(news, prices, Day);
        Assert.Empty(daily);  // no mention on Day → no coin_daily row
        Assert.Empty(top);
        Assert.Equal(2, hourly.Count);
        var h3 = hourly[0];
        Assert.Equal(T0.AddHours(3), h3.Hour);
        Assert.Equal(Day, h3.Day);
        Assert.Equal(0, h3.Mentions);
        Assert.Null(h3.Score);
        Assert.Equal(0.6, h3.Score24h!.Value, 12);  // (0.8 − 0.2) / 1.0 from the previous day's 22:00 bucket
        Assert.Null(h3.Volatility24h);
        Assert.Equal(151, h3.CloseUsd);
        Assert.Null(h3.Return1h);
        Assert.Null(h3.Divergence);
        Assert.Equal(Math.Log(149.0 / 151.0), hourly[1].Return1h!.Value, 12);
    }

    [Fact]
    public void ZeroWeightGivesNullScoresButCountsMentions()
    {
        var news = new List<NewsRow> { N("ADA", T0.AddHours(1), 1, 0), N("ADA", T0.AddHours(1).AddMinutes(3), -1, 0), N("ADA", T0.AddHours(2), 0, 0) };
        var (hourly, daily, top) = Run(news, [], Day);
        Assert.All(hourly, h => { Assert.Null(h.Score); Assert.Null(h.Score24h); Assert.Null(h.Volatility24h); });
        Assert.Equal([2L, 1L], hourly.Select(h => h.Mentions));
        var d = daily.Single();
        Assert.Equal((3L, 1L, 1L, 1L), (d.Mentions, d.Positive, d.Negative, d.Neutral));
        Assert.Null(d.WeightedScore);
        Assert.Equal(0.0, d.AvgConfidence);
        Assert.Null(d.CloseUsd);
        Assert.Empty(top);  // NULL weighted_score is never the top coin
    }

    [Fact]
    public void DivergenceFollowsTheThresholds()
    {
        // four coins, each: one mention at Day 10:xx and prices at Day−1 10:00 and Day 10:00
        var cases = new (string Coin, int Pol, double PriceNow, bool? Expected)[]
        {
            ("AAA", 1, 97.0, true),    // score_24h 1 ≥ 0.2, return −0.030 ≤ −0.02
            ("BBB", -1, 103.0, true),  // score_24h −1 ≤ −0.2, return +0.030 ≥ 0.02
            ("CCC", 1, 99.0, false),   // return −0.010 not ≤ −0.02
            ("DDD", 0, 90.0, false),   // score_24h 0
        };
        var news = cases.Select(c => N(c.Coin, T0.AddHours(10).AddMinutes(1), c.Pol, 0.9)).ToList();
        var prices = cases.SelectMany(c => new[] { new PriceRow(c.Coin, T0.AddHours(-14), 100), new PriceRow(c.Coin, T0.AddHours(10).AddMinutes(2), c.PriceNow) })
            .Append(new PriceRow("EEE", T0.AddHours(10), 50)).ToList();  // no mentions at all → divergence NULL
        var (hourly, _, _) = Run(news, prices, Day);
        foreach (var c in cases)
            Assert.Equal(c.Expected, hourly.Single(h => h.Coin == c.Coin && h.Hour == T0.AddHours(10)).Divergence);
        Assert.Null(hourly.Single(h => h.Coin == "EEE").Divergence);
    }

    [Fact]
    public void Volatility24hIsThePopulationStddevOfHourlyScores()
    {
        // hourly scores 1, −1, 0.5 (and one Σw = 0 hour that must be ignored) within 24 h
        var news = new List<NewsRow>
        {
            N("ETH", T0.AddHours(-20), 1, 0.7), N("ETH", T0.AddHours(-10), -1, 0.4), N("ETH", T0.AddHours(-5), 0, 0.0),
            N("ETH", T0.AddHours(2), 1, 0.75), N("ETH", T0.AddHours(2).AddMinutes(1), 0, 0.75),
        };
        var (hourly, _, _) = Run(news, [], Day);
        var h2 = hourly.Single(h => h.Hour == T0.AddHours(2));
        double[] s = [1, -1, 0.5];
        var mean = s.Average();
        Assert.Equal(Math.Sqrt(s.Sum(x => (x - mean) * (x - mean)) / 3), h2.Volatility24h!.Value, 12);
        Assert.Equal((0.7 - 0.4 + 0.75) / (0.7 + 0.4 + 0.75 + 0.75), h2.Score24h!.Value, 12);
    }

    [Fact]
    public void TopCoinTieBreaksOnMentionsThenAlphabetically()
    {
        using var c = DuckDbConnection.Open();
        c.Execute("""
            CREATE TEMP TABLE staged_coin_daily AS SELECT * FROM (VALUES
              ('ETH',    DATE '2026-05-01', 4, 0.5::DOUBLE),
              ('BTC',    DATE '2026-05-01', 5, 0.5),          -- same score, more mentions → wins
              ('SOL',    DATE '2026-05-02', 3, 0.25),
              ('ADA',    DATE '2026-05-02', 3, 0.25),         -- full tie → alphabetical
              ('MARKET', DATE '2026-05-02', 50, 0.9),         -- never the top coin
              ('DOGE',   DATE '2026-05-02', 2, 0.95),         -- fewer than 3 mentions
              ('XRP',    DATE '2026-05-02', 9, NULL),         -- no score
              ('MARKET', DATE '2026-05-03', 9, 1.0),          -- only ineligible rows → no row for the day
              ('LTC',    DATE '2026-05-03', 1, 1.0),
              ('LINK',   DATE '2026-05-04', 3, -0.75),        -- negative scores are still ranked
              ('DOT',    DATE '2026-05-04', 12, -0.8)
            ) t(coin, day, mentions, weighted_score)
            """);
        var top = new List<TopRow>();
        using (var r = c.Query(GoldSql.TopCoinDaily))
            while (r.Read()) top.Add(new TopRow(r.GetDate(0), r.GetString(1), r.GetDouble(2), r.GetInt64(3)));
        Assert.Equal(
            [new TopRow(new DateOnly(2026, 5, 1), "BTC", 0.5, 5), new TopRow(new DateOnly(2026, 5, 2), "ADA", 0.25, 3), new TopRow(new DateOnly(2026, 5, 4), "LINK", -0.75, 3)],
            top);
    }

    [Fact]
    public void AMillionSilverRowsComputeInOneCall()
    {
        const int days = 30, newsRows = 880_000;
        string[] coins = ["BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "LTC", "LINK", "MATIC", "DOT", "AVAX", "TRX", "SHIB", "TON"];
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var c = DuckDbConnection.Open();
        c.Execute(GoldDb.SilverDdl);
        var rnd = new Random(7);
        var sw = Stopwatch.StartNew();
        var ingested = start.AddDays(days);
        using (var a = c.CreateAppender("silver_news_sentiment"))
            for (var i = 0; i < newsRows; i++)
            {
                var coin = i % 10 == 0 ? "MARKET" : coins[rnd.Next(coins.Length)];
                var pol = rnd.Next(3) - 1;
                a.Append("a" + i).Append(coin).Append("headline").Append("src").Append("https://example.org/a")
                    .Append(start.AddSeconds(rnd.Next(days * 86_400))).Append(pol switch { 1 => "Positive", -1 => "Negative", _ => "Neutral" })
                    .Append(pol).Append(rnd.NextDouble()).Append("ctx").Append("offline").Append("m").Append("v1")
                    .Append(10).Append(2).Append("0").Append((long)i).Append(ingested);
                a.EndRow();
            }
        long priceRows = 0;
        using (var a = c.CreateAppender("silver_prices"))
            for (var k = 0; k < coins.Length - 1; k++)  // TON has no prices
            {
                var price = 100.0;
                for (var m = 0; m < days * 24 * 60; m += 5, priceRows++)
                {
                    price *= Math.Exp((rnd.NextDouble() - 0.5) * 0.002);
                    a.Append(coins[k]).Append(start.AddMinutes(m)).Append(price).Append(1e6).Append("bin").Append("1").Append(priceRows).Append(ingested);
                    a.EndRow();
                }
            }
        var loadTime = sw.Elapsed;
        var all = Enumerable.Range(0, days).Select(d => DateOnly.FromDateTime(start.UtcDateTime).AddDays(d)).ToList();

        sw.Restart();
        var staged = GoldCalculator.Compute(c, all);
        var full = sw.Elapsed;
        sw.Restart();
        var one = GoldCalculator.Compute(c, [all[^1]]);
        var single = sw.Elapsed;

        var silver = newsRows + priceRows;
        output.WriteLine($"silver rows: {silver:N0} (news {newsRows:N0}, prices {priceRows:N0}); load {loadTime.TotalSeconds:F2} s");
        output.WriteLine($"gold, all {days} days: {full.TotalSeconds:F3} s → {staged}");
        output.WriteLine($"gold, one day: {single.TotalSeconds:F3} s → {one}");

        Assert.True(silver >= 1_000_000);
        Assert.Equal(coins.Length * days * 24 + days * 24, staged.CoinHourlyRows);  // every coin and MARKET has every hour
        Assert.Equal((coins.Length + 1) * days, staged.CoinDailyRows);
        Assert.Equal(days, staged.TopCoinDailyRows);
        Assert.Equal(coins.Length * 24 + 24, one.CoinHourlyRows);
        Assert.Equal(coins.Length + 1, one.CoinDailyRows);
        Assert.Equal(1, one.TopCoinDailyRows);
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM staged_coin_daily WHERE coin <> 'TON' AND coin <> 'MARKET' AND (corr_7d IS NULL OR close_usd IS NULL OR return_1d IS NULL)"));
    }
}
