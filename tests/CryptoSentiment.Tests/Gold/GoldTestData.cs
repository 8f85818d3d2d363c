using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Tests.Gold;

public sealed record NewsRow(string ArticleId, string Coin, DateTimeOffset PublishedAt, int Polarity, double Confidence)
{
    public string Label => Polarity switch { > 0 => "Positive", < 0 => "Negative", _ => "Neutral" };
}

public sealed record PriceRow(string Coin, DateTimeOffset Ts, double PriceUsd);

public sealed record HourlyRow(string Coin, DateTimeOffset Hour, DateOnly Day, long Mentions, double? Score, double? Score24h,
    double? Volatility24h, double? CloseUsd, double? Return1h, double? Return24h, bool? Divergence);

public sealed record DailyRow(string Coin, DateOnly Day, long Mentions, long Positive, long Negative, long Neutral,
    double PctPositive, double PctNegative, double PctNeutral, double? WeightedScore, double? AvgConfidence,
    double? CloseUsd, double? Return1d, double? Corr7d);

public sealed record TopRow(DateOnly Day, string Coin, double WeightedScore, long Mentions);

/// <summary>Silver tables as real DuckDB tables, and gold read back into records.</summary>
public static class GoldDb
{
    public const string SilverDdl = """
        CREATE OR REPLACE TABLE silver_news_sentiment (article_id VARCHAR, coin VARCHAR, title VARCHAR, source VARCHAR, url VARCHAR,
            published_at TIMESTAMPTZ, label VARCHAR, polarity INTEGER, confidence DOUBLE, context_summary VARCHAR, scorer VARCHAR,
            model VARCHAR, prompt_version VARCHAR, tokens_in INTEGER, tokens_out INTEGER, partition_id VARCHAR,
            sequence_number BIGINT, ingested_at TIMESTAMPTZ);
        CREATE OR REPLACE TABLE silver_prices (coin VARCHAR, ts TIMESTAMPTZ, price_usd DOUBLE, volume_usd DOUBLE, source VARCHAR,
            partition_id VARCHAR, sequence_number BIGINT, ingested_at TIMESTAMPTZ);
        """;

    public static DuckDbConnection Open(IEnumerable<NewsRow> news, IEnumerable<PriceRow> prices)
    {
        var c = DuckDbConnection.Open();
        try
        {
            c.Execute(SilverDdl);
            Load(c, news, prices);
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    public static void Load(DuckDbConnection c, IEnumerable<NewsRow> news, IEnumerable<PriceRow> prices)
    {
        var ingested = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        long seq = 0;
        using (var a = c.CreateAppender("silver_news_sentiment"))
            foreach (var n in news)
            {
                a.Append(n.ArticleId).Append(n.Coin).Append("title").Append("src").Append("https://x/" + n.ArticleId)
                    .Append(n.PublishedAt).Append(n.Label).Append(n.Polarity).Append(n.Confidence).Append("ctx")
                    .Append("offline").Append("m").Append("v1").Append(10).Append(2).Append("0").Append(seq++).Append(ingested);
                a.EndRow();
            }
        using (var a = c.CreateAppender("silver_prices"))
            foreach (var p in prices)
            {
                a.Append(p.Coin).Append(p.Ts).Append(p.PriceUsd).Append(1e6).Append("bin").Append("1").Append(seq++).Append(ingested);
                a.EndRow();
            }
    }

    public static List<HourlyRow> ReadHourly(DuckDbConnection c, string table = "staged_coin_hourly")
    {
        var rows = new List<HourlyRow>();
        using var r = c.Query($"SELECT coin, hour, day, mentions, score, score_24h, volatility_24h, close_usd, return_1h, return_24h, divergence FROM {table}");
        AssertColumns(r, ["coin", "hour", "day", "mentions", "score", "score_24h", "volatility_24h", "close_usd", "return_1h", "return_24h", "divergence"]);
        while (r.Read())
            rows.Add(new HourlyRow(r.GetString(0), r.GetDateTimeOffset(1), r.GetDate(2), r.GetInt64(3), D(r, 4), D(r, 5), D(r, 6), D(r, 7), D(r, 8), D(r, 9),
                r.IsNull(10) ? null : r.GetBoolean(10)));
        return rows;
    }

    public static List<DailyRow> ReadDaily(DuckDbConnection c, string table = "staged_coin_daily")
    {
        var rows = new List<DailyRow>();
        using var r = c.Query($"SELECT * FROM {table}");
        AssertColumns(r, ["coin", "day", "mentions", "positive", "negative", "neutral", "pct_positive", "pct_negative", "pct_neutral",
            "weighted_score", "avg_confidence", "close_usd", "return_1d", "corr_7d",
            "sma_7d", "sma_30d", "rsi_14d", "series_n", "rsi_14d_avg_gain", "rsi_14d_avg_loss"]);   // §12: checked in IndicatorTests
        while (r.Read())
            rows.Add(new DailyRow(r.GetString(0), r.GetDate(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
                r.GetDouble(6), r.GetDouble(7), r.GetDouble(8), D(r, 9), D(r, 10), D(r, 11), D(r, 12), D(r, 13)));
        return rows;
    }

    public static List<TopRow> ReadTop(DuckDbConnection c, string table = "staged_top_coin_daily")
    {
        var rows = new List<TopRow>();
        using var r = c.Query($"SELECT * FROM {table}");
        AssertColumns(r, ["day", "coin", "weighted_score", "mentions"]);
        while (r.Read())
            rows.Add(new TopRow(r.GetDate(0), r.GetString(1), r.GetDouble(2), r.GetInt64(3)));
        return rows;
    }

    private static double? D(DuckDbResult r, int col) => r.IsNull(col) ? null : r.GetDouble(col);

    private static void AssertColumns(DuckDbResult r, string[] names)
    {
        Assert.Equal(names, Enumerable.Range(0, r.ColumnCount).Select(r.ColumnName).ToArray());
    }

    /// <summary>The column types of a staged table, as DuckDB names them.</summary>
    public static string[] Types(DuckDbConnection c, string table)
    {
        var types = new List<string>();
        using var r = c.Query($"SELECT data_type FROM duckdb_columns() WHERE table_name = $1 ORDER BY column_index", table);
        while (r.Read()) types.Add(r.GetString(0));
        return types.ToArray();
    }
}

/// <summary>
/// Seeded synthetic silver: several coins incl. MARKET, ~20 days, bursts, hours with prices but no
/// mentions, Σw = 0 hours (confidence 0), days without prices, a coin with too few mentions, and a
/// day with a top-coin tie.
/// </summary>
public sealed class SyntheticSilver
{
    public static readonly DateOnly Start = new(2026, 3, 1);
    public const int Days = 20;
    public List<NewsRow> News { get; } = [];
    public List<PriceRow> Prices { get; } = [];
    public IEnumerable<DateOnly> AllDays => Enumerable.Range(0, Days).Select(Start.AddDays);

    /// <summary>The day on which LINK and DOT tie exactly (score 1, 5 mentions each) and MARKET is higher.</summary>
    public static readonly DateOnly TieDay = Start.AddDays(7);

    public SyntheticSilver(int seed = 20260301)
    {
        var rnd = new Random(seed);
        var t0 = new DateTimeOffset(Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var rates = new Dictionary<string, double>
        {
            ["BTC"] = 3.0, ["ETH"] = 2.0, ["SOL"] = 1.0, ["DOGE"] = 0.5, ["ADA"] = 0.3, ["XRP"] = 0.04, ["MARKET"] = 1.5,
        };
        var start = new Dictionary<string, double> { ["BTC"] = 68000, ["ETH"] = 3500, ["SOL"] = 150, ["DOGE"] = 0.16, ["ADA"] = 0.45, ["XRP"] = 0.6 };
        var id = 0;
        foreach (var (coin, rate) in rates)
        {
            var bias = 0.0;
            var logPrice = start.TryGetValue(coin, out var p0) ? Math.Log(p0) : 0;
            var burstLeft = 0;
            for (var h = 0; h < Days * 24; h++)
            {
                var hour = t0.AddHours(h);
                var day = h / 24;
                bias = Math.Clamp(bias * 0.9 + Gaussian(rnd) * 0.3, -1, 1);
                if (burstLeft == 0 && rnd.NextDouble() < 0.02) burstLeft = 1 + rnd.Next(4);
                var lambda = burstLeft > 0 ? rate * 8 + 2 : rate;
                if (burstLeft > 0) burstLeft--;
                var n = Poisson(rnd, lambda);
                var allZero = rnd.NextDouble() < 0.04; // a Σw = 0 hour
                for (var i = 0; i < n; i++)
                {
                    var u = rnd.NextDouble();
                    var pol = u < 0.35 + 0.3 * bias ? 1 : u > 0.75 + 0.15 * bias ? -1 : 0;
                    var conf = allZero || rnd.NextDouble() < 0.05 ? 0.0 : 0.05 + 0.95 * rnd.NextDouble();
                    var at = hour.AddMilliseconds(rnd.Next(3_600_000));
                    News.Add(new NewsRow($"a{id++}", coin, at, pol, conf));
                }
                if (coin == "MARKET") continue;
                // prices: mostly 1–3 ticks an hour; gaps; ADA has whole days without prices, SOL half a day
                if (coin == "ADA" && (day == 4 || day == 11)) continue;
                if (coin == "SOL" && day == 8 && h % 24 < 13) continue;
                if (coin != "XRP" && rnd.NextDouble() < 0.1) continue;
                var ticks = 1 + rnd.Next(3);
                var seconds = Enumerable.Range(0, 3600).OrderBy(_ => rnd.Next()).Take(ticks).Order().ToArray();
                foreach (var s in seconds)
                {
                    logPrice += Gaussian(rnd) * 0.004 + 0.002 * bias;
                    Prices.Add(new PriceRow(coin, hour.AddSeconds(s), Math.Exp(logPrice)));
                }
            }
        }
        // bucket boundaries: exactly on the hour / day and the last millisecond before midnight
        var d5 = t0.AddDays(5);
        News.Add(new NewsRow($"a{id++}", "BTC", d5, 1, 0.9));
        News.Add(new NewsRow($"a{id++}", "BTC", d5.AddMilliseconds(-1), -1, 0.7));
        Prices.Add(new PriceRow("ETH", d5.AddMilliseconds(-1), 3600.5));
        // the tie day: LINK and DOT identical (5 × Positive, confidence 1), MARKET even higher with more mentions
        var tie = t0.AddDays(7).AddHours(9);
        for (var i = 0; i < 5; i++)
        {
            News.Add(new NewsRow($"a{id++}", "LINK", tie.AddMinutes(i), 1, 1.0));
            News.Add(new NewsRow($"a{id++}", "DOT", tie.AddMinutes(i + 7), 1, 1.0));
        }
        for (var i = 0; i < 30; i++) News.Add(new NewsRow($"a{id++}", "MARKET", tie.AddMinutes(i), 1, 1.0));
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static int Poisson(Random r, double lambda)
    {
        var l = Math.Exp(-lambda);
        var k = 0;
        var p = 1.0;
        do { k++; p *= r.NextDouble(); } while (p > l);
        return k - 1;
    }
}
