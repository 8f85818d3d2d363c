using System.Collections.Concurrent;
using System.Reflection;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>The gold tables (ARCHITECTURE.md §4–§5).</summary>
public enum GoldTable
{
    CoinHourly,
    CoinDaily,
    TopCoinDaily,
    /// <summary>gold/scorer_daily (ARCHITECTURE §10).</summary>
    ScorerDaily,
    /// <summary>gold/alerts (ARCHITECTURE §10).</summary>
    Alerts,
}

/// <summary>
/// The gold KPI SQL (embedded resources <c>Sql/gold/*.sql</c>, ARCHITECTURE.md §5) and the day arithmetic
/// that decides which gold days a change in silver invalidates.
/// </summary>
/// <remarks>
/// Each file is a single SELECT over the views <c>silver_news_sentiment</c> and <c>silver_prices</c> and the
/// table <c>gold_target_days(day DATE)</c> (<see cref="TopCoinDaily"/> reads <c>staged_coin_daily</c> instead),
/// producing rows only for the target days.
/// </remarks>
public static class GoldSql
{
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary><c>Sql/gold/coin_hourly.sql</c>.</summary>
    /// <summary>Stages the silver rows the target days depend on (temp tables gold_news, gold_prices) for the KPI files.</summary>
    public static string SilverWindow => Load("Sql/gold/silver_window.sql");

    public static string CoinHourly => Load("Sql/gold/coin_hourly.sql");

    /// <summary><c>Sql/gold/coin_daily.sql</c>.</summary>
    public static string CoinDaily => Load("Sql/gold/coin_daily.sql");

    /// <summary><c>Sql/gold/top_coin_daily.sql</c> (reads <c>staged_coin_daily</c>).</summary>
    public static string TopCoinDaily => Load("Sql/gold/top_coin_daily.sql");

    /// <summary><c>Sql/gold/scorer_daily.sql</c> (reads silver_news_sentiment, gold_scorer_history, gold_scorer_agreement).</summary>
    public static string ScorerDaily => Load("Sql/gold/scorer_daily.sql");

    /// <summary><c>Sql/gold/alerts.sql</c> (reads staged_coin_hourly, gold_hourly_history, staged_scorer_daily).</summary>
    public static string Alerts => Load("Sql/gold/alerts.sql");

    /// <summary>The SQL that computes <paramref name="table"/>.</summary>
    public static string For(GoldTable table) => table switch
    {
        GoldTable.CoinHourly => CoinHourly,
        GoldTable.CoinDaily => CoinDaily,
        GoldTable.TopCoinDaily => TopCoinDaily,
        GoldTable.ScorerDaily => ScorerDaily,
        GoldTable.Alerts => Alerts,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>The lake path of a gold table, relative to the lake root (e.g. <c>gold/coin_daily</c>).</summary>
    public static string TablePath(GoldTable table) => table switch
    {
        GoldTable.CoinHourly => "gold/coin_hourly",
        GoldTable.CoinDaily => "gold/coin_daily",
        GoldTable.TopCoinDaily => "gold/top_coin_daily",
        GoldTable.ScorerDaily => "gold/scorer_daily",
        GoldTable.Alerts => "gold/alerts",
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>The text of an embedded SQL resource by its logical name (e.g. <c>Sql/gold/coin_daily.sql</c>).</summary>
    public static string Load(string resourceName) => Cache.GetOrAdd(resourceName, static name =>
    {
        var asm = typeof(GoldSql).Assembly;
        using var s = asm.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded SQL resource '{name}' not found in {asm.GetName().Name}");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });

    /// <summary>Days before a day whose label mix is gold/scorer_daily's PSI baseline.</summary>
    public const int ScorerBaselineDays = 14;

    /// <summary>
    /// The gold days of <paramref name="table"/> whose rows can change when silver rows of
    /// <paramref name="touchedDays"/> change: coin_hourly → d and d+1 (score_24h, volatility_24h and
    /// return_24h look back 24 hours); coin_daily and top_coin_daily → d … d+7: return_1d looks back one day and
    /// corr_7d covers the 7 days ending with the gold day, but the return_1h of that window's first bucket
    /// (day−6 00:00) uses the close of day−7 23:00, so a price change on d reaches corr_7d of d+7; scorer_daily → d … d+14
    /// (the PSI baseline is the 14 days before); alerts → d … d+14: the hourly alerts of day e read the hourly rows of
    /// e−8 … e (which a change on d reaches up to d+9) and scorer_drift reads scorer_daily of e.
    /// </summary>
    public static IReadOnlySet<DateOnly> AffectedDays(IEnumerable<DateOnly> touchedDays, GoldTable table)
    {
        ArgumentNullException.ThrowIfNull(touchedDays);
        var span = table switch
        {
            GoldTable.CoinHourly => 1,
            GoldTable.CoinDaily or GoldTable.TopCoinDaily => 7,
            GoldTable.ScorerDaily or GoldTable.Alerts => ScorerBaselineDays,
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
        };
        var days = new SortedSet<DateOnly>();
        foreach (var d in touchedDays)
            for (var k = 0; k <= span && d.DayNumber + k <= DateOnly.MaxValue.DayNumber; k++)
                days.Add(d.AddDays(k));
        return days;
    }
}
