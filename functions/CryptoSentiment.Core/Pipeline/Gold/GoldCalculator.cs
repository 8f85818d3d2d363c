using System.Globalization;
using System.Text;
using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>Row counts of the staged gold tables after <see cref="GoldCalculator.Compute"/>.</summary>
public sealed record GoldStaged(long CoinHourlyRows, long CoinDailyRows, long TopCoinDailyRows)
{
    public long ScorerDailyRows { get; init; }
    public long AlertRows { get; init; }
}

/// <summary>
/// Recomputes gold for a set of days inside DuckDB. Expects the views (or tables)
/// <c>silver_news_sentiment</c> and <c>silver_prices</c> on the connection; leaves the results in the
/// temp tables <see cref="StagedCoinHourly"/>, <see cref="StagedCoinDaily"/> and
/// <see cref="StagedTopCoinDaily"/> (rows for the target days only), which the caller writes out.
/// </summary>
public static class GoldCalculator
{
    public const string TargetDaysTable = "gold_target_days";
    public const string StagedCoinHourly = "staged_coin_hourly";
    public const string StagedCoinDaily = "staged_coin_daily";
    public const string StagedTopCoinDaily = "staged_top_coin_daily";
    public const string StagedScorerDaily = "staged_scorer_daily";
    public const string StagedAlerts = "staged_alerts";

    /// <summary>The relation of gold/scorer_daily rows of the days before the targets (the PSI baseline) a caller provides with <c>hourlyFromGold</c>.</summary>
    public const string ScorerHistory = "gold_scorer_history";

    /// <summary>The relation of offline re-scores of sampled LLM headlines (day, scorer, model, prompt_version, label, offline_label).</summary>
    public const string ScorerAgreement = "gold_scorer_agreement";

    /// <summary>The staged temp table that holds <paramref name="table"/>'s rows.</summary>
    public static string StagedTable(GoldTable table) => table switch
    {
        GoldTable.CoinHourly => StagedCoinHourly,
        GoldTable.CoinDaily => StagedCoinDaily,
        GoldTable.TopCoinDaily => StagedTopCoinDaily,
        GoldTable.ScorerDaily => StagedScorerDaily,
        GoldTable.Alerts => StagedAlerts,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>The relation of gold/coin_hourly rows a caller provides for <c>hourlyFromGold</c>.</summary>
    public const string HourlyHistory = "gold_hourly_history";

    /// <summary>Days before a target day whose silver rows are staged: corr_7d from silver needs 7, from gold hourly rows 1.</summary>
    public static int SilverLookBackDays(bool hourlyFromGold) => hourlyFromGold ? 1 : 7;

    /// <summary>
    /// (Re)creates <c>gold_target_days</c> from <paramref name="targetDays"/> and the three staged tables
    /// from the gold SQL. No target days → empty staged tables. With <paramref name="hourlyFromGold"/>, the hourly scores and
    /// returns of the 6 days before each target day come from the relation <see cref="HourlyHistory"/> (gold/coin_hourly rows
    /// the caller exposes) instead of from silver, so only the target days and the day before them are read from silver.
    /// With <paramref name="indicators"/>, the §12 price indicators of the staged rows are computed as if each coin's close
    /// series started with the staged rows (exact for a run over every day); GoldStep instead passes false and runs
    /// <see cref="GoldIndicators"/> itself, with the state carried over from the gold rows before the target days.
    /// Then gold/scorer_daily and gold/alerts (ARCHITECTURE §10) with <paramref name="alerts"/>' thresholds: with
    /// <paramref name="hourlyFromGold"/> their look-backs come from <see cref="HourlyHistory"/> (8 days before each target day) and
    /// <see cref="ScorerHistory"/> (14 days), else only from the staged rows (exact for a run over every day). The offline
    /// agreement comes from <see cref="ScorerAgreement"/> when the caller provides it (else none).
    /// </summary>
    public static GoldStaged Compute(DuckDbConnection c, IEnumerable<DateOnly> targetDays, bool hourlyFromGold = false, bool indicators = true,
        AlertThresholds? alerts = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(targetDays);
        var days = new SortedSet<DateOnly>(targetDays);

        var sql = new StringBuilder();
        sql.Append("CREATE OR REPLACE TEMP TABLE ").Append(TargetDaysTable).Append(" (day DATE);\n");
        if (days.Count > 0)
        {
            sql.Append("INSERT INTO ").Append(TargetDaysTable).Append(" VALUES ");
            var first = true;
            foreach (var d in days)
            {
                if (!first) sql.Append(", ");
                first = false;
                sql.Append("(DATE '").Append(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("')");
            }
            sql.Append(";\n");
        }
        c.Execute(sql.ToString());

        c.Execute(GoldSql.SilverWindow.Replace("{lookback_days}", SilverLookBackDays(hourlyFromGold).ToString(CultureInfo.InvariantCulture)));
        c.Execute($"CREATE OR REPLACE TEMP TABLE {StagedCoinHourly} AS\n{GoldSql.CoinHourly}");
        c.Execute(GoldSql.Load(hourlyFromGold ? "Sql/gold/hour_pairs_from_gold.sql" : "Sql/gold/hour_pairs_from_silver.sql"));
        c.Execute($"CREATE OR REPLACE TEMP TABLE {StagedCoinDaily} AS\n{GoldSql.CoinDaily}");
        c.Execute($"CREATE OR REPLACE TEMP TABLE {StagedTopCoinDaily} AS\n{GoldSql.TopCoinDaily}");
        if (indicators)
            foreach (var series in new[] { GoldIndicators.Hourly, GoldIndicators.Daily })
                GoldIndicators.Apply(c, series, IndicatorPrior.None);

        c.Execute((alerts ?? AlertThresholds.Default).CreateSql());
        if (!hourlyFromGold)
        {
            // GoldStep exposes the history as a view on its (pooled) connections: replace either kind
            if (c.Scalar<long>($"SELECT count(*) FROM duckdb_views() WHERE view_name = '{HourlyHistory}'") > 0) c.Execute($"DROP VIEW {HourlyHistory}");
            c.Execute($"CREATE OR REPLACE TEMP TABLE {HourlyHistory} AS SELECT * FROM {StagedCoinHourly} WHERE false");
            if (c.Scalar<long>($"SELECT count(*) FROM duckdb_views() WHERE view_name = '{ScorerHistory}'") > 0) c.Execute($"DROP VIEW {ScorerHistory}");
            c.Execute($"CREATE OR REPLACE TEMP TABLE {ScorerHistory} AS SELECT * FROM ({Lake.LakeViews.SelectSql(Lake.LakeTables.GoldScorerDaily, [])})");
        }
        c.Execute($"CREATE TEMP TABLE IF NOT EXISTS {ScorerAgreement} (day DATE, scorer VARCHAR, model VARCHAR, prompt_version VARCHAR, label VARCHAR, offline_label VARCHAR)");
        c.Execute($"CREATE OR REPLACE TEMP TABLE {StagedScorerDaily} AS\n{GoldSql.ScorerDaily}");
        c.Execute($"CREATE OR REPLACE TEMP TABLE {StagedAlerts} AS\n{GoldSql.Alerts}");

        return new GoldStaged(
            c.Scalar<long>($"SELECT count(*) FROM {StagedCoinHourly}"),
            c.Scalar<long>($"SELECT count(*) FROM {StagedCoinDaily}"),
            c.Scalar<long>($"SELECT count(*) FROM {StagedTopCoinDaily}"))
        {
            ScorerDailyRows = c.Scalar<long>($"SELECT count(*) FROM {StagedScorerDaily}"),
            AlertRows = c.Scalar<long>($"SELECT count(*) FROM {StagedAlerts}"),
        };
    }
}
