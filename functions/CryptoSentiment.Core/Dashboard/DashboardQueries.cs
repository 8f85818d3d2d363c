using CryptoSentiment.DuckDb;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Dashboard;

/// <summary>One result row: column name → value (DATE → DateOnly, TIMESTAMPTZ → DateTimeOffset, non-finite doubles → null).</summary>
public sealed class Row : Dictionary<string, object?>
{
    public Row() : base(StringComparer.Ordinal) { }
}

/// <summary>The day range the warehouse holds and its coins, most mentioned first.</summary>
public sealed record DashboardBounds(DateOnly? FirstDay, DateOnly? LastDay, IReadOnlyList<Row> Coins);

/// <summary>Executive overview: sentiment distribution, top coin of the latest day, coin-wise daily trend, latest headlines.</summary>
public sealed record OverviewView(DashboardFilter Filter, Row Distribution, Row? TopCoin, IReadOnlyList<Row> Trend, IReadOnlyList<Row> Headlines);

/// <summary>Sentiment vs price: hourly score_24h / return_24h / divergence per coin, and a per-coin summary.</summary>
public sealed record SentimentPriceView(DashboardFilter Filter, IReadOnlyList<Row> Series, IReadOnlyList<Row> Summary);

/// <summary>Volatility: the hourly Sentiment Volatility Index per coin, its daily mean, and a per-coin summary.</summary>
public sealed record VolatilityView(DashboardFilter Filter, IReadOnlyList<Row> Series, IReadOnlyList<Row> Daily, IReadOnlyList<Row> Summary);

/// <summary>
/// Alerts &amp; health: the latest alerts in the range, alerts per day and kind, and the scorer mix and drift per day
/// (warehouse ALERTS and SCORER_DAILY, ARCHITECTURE §10). Empty lists for a warehouse loaded before those tables existed.
/// </summary>
public sealed record HealthView(DashboardFilter Filter, IReadOnlyList<Row> Alerts, IReadOnlyList<Row> AlertCounts, IReadOnlyList<Row> Scorer)
{
    /// <summary>
    /// The event lag of the newest ingest hours (<see cref="EventLag"/>), read from the lake's bronze: empty when the server has
    /// no lake to read, with <see cref="LagNote"/> saying why.
    /// </summary>
    public IReadOnlyList<Row> Lag { get; init; } = [];

    /// <summary>Why <see cref="Lag"/> is empty (no lake configured, or the lake could not be read), else null.</summary>
    public string? LagNote { get; init; }
}

/// <summary>
/// The dashboard's reads over the warehouse tables (COIN_DAILY, COIN_HOURLY, TOP_COIN_DAILY, LATEST_HEADLINES, ALERTS, SCORER_DAILY).
/// Every statement is a <c>Sql/dashboard/*.sql</c> file run as a prepared statement; user input only ever travels
/// as bound parameters. Used by the CLI's <c>serve</c>; any other host can call the same methods.
/// </summary>
public sealed class DashboardQueries(DuckDbConnection connection)
{
    public const int DefaultHeadlines = 50;

    public DashboardBounds Bounds()
    {
        var b = Rows("dashboard/bounds.sql").Single();
        return new DashboardBounds(b["first_day"] as DateOnly?, b["last_day"] as DateOnly?, Rows("dashboard/coins.sql"));
    }

    /// <summary>Parses query-string input with the warehouse's whole day range as the default.</summary>
    public DashboardFilter Filter(string? from, string? to, string? coins)
    {
        var b = Rows("dashboard/bounds.sql").Single();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return DashboardFilter.Parse(from, to, coins, b["first_day"] as DateOnly? ?? today, b["last_day"] as DateOnly? ?? today);
    }

    public OverviewView Overview(DashboardFilter f, int headlines = DefaultHeadlines) => new(
        f,
        Rows("dashboard/distribution.sql", f.Args()).Single(),
        Rows("dashboard/top_coin.sql", f.From, f.To).SingleOrDefault(),
        Rows("dashboard/trend.sql", f.Args()),
        Rows("dashboard/headlines.sql", f.Args((long)Math.Clamp(headlines, 1, 500))));

    public SentimentPriceView SentimentPrice(DashboardFilter f) =>
        new(f, Rows("dashboard/sentiment_price.sql", f.Args()), Rows("dashboard/divergence_summary.sql", f.Args()));

    public VolatilityView Volatility(DashboardFilter f) =>
        new(f, Rows("dashboard/volatility.sql", f.Args()), Rows("dashboard/volatility_daily.sql", f.Args()),
            Rows("dashboard/volatility_summary.sql", f.Args()));

    public const int DefaultAlerts = 100;

    public HealthView Health(DashboardFilter f, int alerts = DefaultAlerts)
    {
        if (connection.Scalar<long>("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('ALERTS', 'SCORER_DAILY')") < 2)
            return new HealthView(f, [], [], []);
        return new HealthView(f, Rows("dashboard/alerts.sql", f.Args((long)Math.Clamp(alerts, 1, 500))), Rows("dashboard/alert_counts.sql", f.Args()),
            Rows("dashboard/scorer_daily.sql", f.From, f.To));
    }

    private List<Row> Rows(string file, params object?[] args)
    {
        using var r = connection.Query(SqlFiles.Get(file), args);
        return ReadRows(r);
    }

    /// <summary>Every row of <paramref name="r"/> as a <see cref="Row"/>.</summary>
    internal static List<Row> ReadRows(DuckDbResult r)
    {
        var rows = new List<Row>();
        while (r.Read())
        {
            var row = new Row();
            for (var i = 0; i < r.ColumnCount; i++)
                row[r.ColumnName(i)] = r.GetValue(i) switch
                {
                    double d when !double.IsFinite(d) => null,
                    DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
                    var v => v,
                };
            rows.Add(row);
        }
        return rows;
    }
}
