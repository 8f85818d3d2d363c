using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline.Gold;

namespace CryptoSentiment.Tests.Gold;

/// <summary>The gold SQL against the independent C# reference on seeded synthetic silver.</summary>
public class GoldSqlTests
{
    private static readonly Lazy<SyntheticSilver> Data = new(() => new SyntheticSilver());

    [Fact]
    public void SqlIsEmbedded()
    {
        Assert.Contains("silver_news_sentiment", GoldSql.SilverWindow);
        Assert.Contains("silver_prices", GoldSql.SilverWindow);
        Assert.Contains("gold_news", GoldSql.CoinHourly);
        Assert.Contains("gold_prices", GoldSql.CoinDaily);
        Assert.Contains("staged_coin_daily", GoldSql.TopCoinDaily);
        Assert.Same(GoldSql.CoinDaily, GoldSql.For(GoldTable.CoinDaily));
        Assert.Throws<InvalidOperationException>(() => GoldSql.Load("Sql/gold/missing.sql"));
    }

    [Fact]
    public void FullRunMatchesTheReferenceOnEveryColumn()
    {
        var data = Data.Value;
        using var c = GoldDb.Open(data.News, data.Prices);
        var staged = GoldCalculator.Compute(c, data.AllDays);
        var reference = new GoldReference(data.News, data.Prices);

        var expHourly = reference.CoinHourly(data.AllDays);
        var expDaily = reference.CoinDaily(data.AllDays);
        var expTop = GoldReference.TopCoinDaily(expDaily);
        GoldAssert.Hourly(expHourly, GoldDb.ReadHourly(c));
        GoldAssert.Daily(expDaily, GoldDb.ReadDaily(c));
        GoldAssert.Top(expTop, GoldDb.ReadTop(c));
        Assert.Equal((expHourly.Count, expDaily.Count, expTop.Count), (staged.CoinHourlyRows, staged.CoinDailyRows, staged.TopCoinDailyRows));

        // the data really exercises the edge cases it is meant to
        Assert.Contains(expHourly, r => r.Mentions == 0 && r.CloseUsd.HasValue && r.Score24h.HasValue);       // price-only hour with a 24 h trend
        Assert.Contains(expHourly, r => r.Mentions > 0 && r.Score is null);                                   // Σw = 0 hour
        Assert.Contains(expHourly, r => r.Divergence == true);
        Assert.Contains(expHourly, r => r.Divergence == false);
        Assert.Contains(expHourly, r => r.Divergence is null);
        Assert.Contains(expHourly, r => r.Volatility24h is null && r.Score24h.HasValue);
        Assert.Contains(expHourly, r => r.Return1h is null && r.CloseUsd.HasValue);
        Assert.Contains(expDaily, r => r.Corr7d.HasValue);
        Assert.Contains(expDaily, r => r.Corr7d is null && r.CloseUsd.HasValue);
        Assert.Contains(expDaily, r => r.CloseUsd is null && r.Coin == "ADA");                                // day without prices
        Assert.Contains(expDaily, r => r.Return1d is null && r.CloseUsd.HasValue);
        Assert.Contains(expDaily, r => r.Coin == "XRP" && r.Mentions < 3);
        Assert.Contains(expDaily, r => r.Coin == "MARKET" && r.CloseUsd is null);
        Assert.Equal("DOT", expTop.Single(t => t.Day == SyntheticSilver.TieDay).Coin);                        // LINK/DOT tie, MARKET excluded
        Assert.Equal(SyntheticSilver.Days, expTop.Count);
    }

    [Fact]
    public void OutputColumnTypesFollowTheContract()
    {
        var data = Data.Value;
        using var c = GoldDb.Open(data.News, data.Prices);
        GoldCalculator.Compute(c, [SyntheticSilver.Start.AddDays(3)]);
        Assert.Equal(["VARCHAR", "TIMESTAMP WITH TIME ZONE", "DATE", "BIGINT", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "BOOLEAN",
                "DOUBLE", "DOUBLE", "DOUBLE", "BIGINT", "DOUBLE", "DOUBLE"],   // sma_24h, ema_24h, rsi_14h, series_n, Wilder averages
            GoldDb.Types(c, GoldCalculator.StagedCoinHourly));
        Assert.Equal(["VARCHAR", "DATE", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE",
                "DOUBLE", "DOUBLE", "DOUBLE", "BIGINT", "DOUBLE", "DOUBLE"],   // sma_7d, sma_30d, rsi_14d, series_n, Wilder averages
            GoldDb.Types(c, GoldCalculator.StagedCoinDaily));
        Assert.Equal(["DATE", "VARCHAR", "DOUBLE", "BIGINT"], GoldDb.Types(c, GoldCalculator.StagedTopCoinDaily));
    }

    public static TheoryData<int[]> Subsets => new()
    {
        new[] { 0 },
        new[] { 19 },
        new[] { 7, 8 },
        new[] { 1, 9, 10, 17 },
        new[] { 5, 12, 25, -3 }, // days outside the data produce nothing
    };

    [Theory]
    [MemberData(nameof(Subsets))]
    public void IncrementalRunEqualsTheFullRunForItsDays(int[] offsets)
    {
        var data = Data.Value;
        using var c = GoldDb.Open(data.News, data.Prices);
        GoldCalculator.Compute(c, data.AllDays);
        var fullHourly = GoldDb.ReadHourly(c);
        var fullDaily = GoldDb.ReadDaily(c);
        var fullTop = GoldDb.ReadTop(c);

        var days = offsets.Select(SyntheticSilver.Start.AddDays).ToHashSet();
        GoldCalculator.Compute(c, days);
        // the same numbers up to floating-point summation order (DuckDB may add in a different order)
        const double tol = 1e-12;
        GoldAssert.Hourly(fullHourly.Where(r => days.Contains(r.Day)).OrderBy(r => r.Coin, StringComparer.Ordinal).ThenBy(r => r.Hour).ToList(),
            GoldDb.ReadHourly(c), tol);
        GoldAssert.Daily(fullDaily.Where(r => days.Contains(r.Day)).OrderBy(r => r.Coin, StringComparer.Ordinal).ThenBy(r => r.Day).ToList(),
            GoldDb.ReadDaily(c), tol);
        GoldAssert.Top(fullTop.Where(r => days.Contains(r.Day)).ToList(), GoldDb.ReadTop(c), tol);
        Assert.DoesNotContain(GoldDb.ReadHourly(c), r => !days.Contains(r.Day));
    }

    [Fact]
    public void NoTargetDaysGiveEmptyTables()
    {
        var data = Data.Value;
        using var c = GoldDb.Open(data.News, data.Prices);
        Assert.Equal(new GoldStaged(0, 0, 0), GoldCalculator.Compute(c, []));
        Assert.Equal(LakeTables.GoldCoinHourly.Columns.Count, GoldDb.Types(c, GoldCalculator.StagedCoinHourly).Length);
        Assert.Equal(17, GoldDb.Types(c, GoldCalculator.StagedCoinHourly).Length);
    }

    [Fact]
    public void ResultsDoNotDependOnTheSessionTimeZone()
    {
        var data = Data.Value;
        var days = new[] { SyntheticSilver.Start.AddDays(4), SyntheticSilver.Start.AddDays(5) };
        using var c = GoldDb.Open(data.News, data.Prices);
        GoldCalculator.Compute(c, days);
        var hourly = GoldDb.ReadHourly(c);
        var daily = GoldDb.ReadDaily(c);
        c.Execute("SET TimeZone = 'Asia/Kolkata'");
        GoldCalculator.Compute(c, days);
        GoldAssert.Hourly(hourly, GoldDb.ReadHourly(c), 1e-12);
        GoldAssert.Daily(daily, GoldDb.ReadDaily(c), 1e-12);
    }

    [Fact]
    public void AffectedDaysCoverTheLookBacks()
    {
        var d = new DateOnly(2026, 3, 10);
        Assert.Equal([d, d.AddDays(1)], GoldSql.AffectedDays([d], GoldTable.CoinHourly).Order());
        Assert.Equal(Enumerable.Range(0, 8).Select(d.AddDays), GoldSql.AffectedDays([d], GoldTable.CoinDaily).Order());
        Assert.Equal(Enumerable.Range(0, 8).Select(d.AddDays), GoldSql.AffectedDays([d, d], GoldTable.TopCoinDaily).Order());
        Assert.Equal(Enumerable.Range(0, 11).Select(d.AddDays), GoldSql.AffectedDays([d.AddDays(3), d], GoldTable.CoinDaily).Order());
        Assert.Equal([d, d.AddDays(1), d.AddDays(5), d.AddDays(6)], GoldSql.AffectedDays([d.AddDays(5), d], GoldTable.CoinHourly).Order());
        Assert.Empty(GoldSql.AffectedDays([], GoldTable.CoinDaily));
        Assert.Equal([DateOnly.MaxValue], GoldSql.AffectedDays([DateOnly.MaxValue], GoldTable.CoinDaily).Order());
    }

    [Fact]
    public void AffectedDaysAreExactlyTheDaysAChangeCanReach()
    {
        // change the silver rows of one day (in the reference); every gold row that changes must be on an affected day
        var data = Data.Value;
        var touched = SyntheticSilver.Start.AddDays(9);
        var news2 = data.News.Select(n => GoldReference.DayOf(n.PublishedAt) == touched ? n with { Polarity = -n.Polarity, Confidence = 1 - n.Confidence } : n).ToList();
        var prices2 = data.Prices.Select(p => GoldReference.DayOf(p.Ts) == touched ? p with { PriceUsd = p.PriceUsd * 1.3 } : p).ToList();
        var before = new GoldReference(data.News, data.Prices);
        var after = new GoldReference(news2, prices2);

        var hourlyChanged = Changed(before.CoinHourly(data.AllDays), after.CoinHourly(data.AllDays), r => r.Day);
        var dailyBefore = before.CoinDaily(data.AllDays);
        var dailyAfter = after.CoinDaily(data.AllDays);
        var dailyChanged = Changed(dailyBefore, dailyAfter, r => r.Day);
        var topChanged = Changed(GoldReference.TopCoinDaily(dailyBefore), GoldReference.TopCoinDaily(dailyAfter), r => r.Day);

        Assert.Subset(GoldSql.AffectedDays([touched], GoldTable.CoinHourly).ToHashSet(), hourlyChanged);
        Assert.Subset(GoldSql.AffectedDays([touched], GoldTable.CoinDaily).ToHashSet(), dailyChanged);
        Assert.Subset(GoldSql.AffectedDays([touched], GoldTable.TopCoinDaily).ToHashSet(), topChanged);
        Assert.Contains(touched.AddDays(1), hourlyChanged);
        Assert.Contains(touched.AddDays(6), dailyChanged);
        // d+7 too: corr_7d of d+7 starts at (d+1) 00:00, whose return_1h uses the close of d 23:00
        Assert.Contains(touched.AddDays(7), dailyChanged);
    }

    private static HashSet<DateOnly> Changed<T>(List<T> a, List<T> b, Func<T, DateOnly> day) where T : notnull =>
        a.Except(b).Concat(b.Except(a)).Select(day).ToHashSet();
}
