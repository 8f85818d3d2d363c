using CryptoSentiment.Configuration;
using CryptoSentiment.Lake;
using CryptoSentiment.Snowflake;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>
/// Rows inserted/updated/deleted per warehouse table by one load, the rows each table holds after it, the rows the load
/// sent (read from the lake and merged; proportional to what changed since the last load) and how each table was loaded.
/// </summary>
public sealed record LoadOutcome(IReadOnlyDictionary<string, long> Changed, IReadOnlyDictionary<string, long> Rows)
{
    /// <summary>Rows read from the lake and sent to the warehouse, per table.</summary>
    public IReadOnlyDictionary<string, long> Sent { get; init; } = new Dictionary<string, long>();

    /// <summary>Per table: <c>full</c> (why), <c>incremental: N day(s)</c> or <c>unchanged</c>.</summary>
    public IReadOnlyDictionary<string, string> Modes { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A warehouse the lake's gold (and the classified headlines) is loaded into: the embedded DuckDB file or Snowflake.
/// Loads are idempotent and incremental (ARCHITECTURE §9): MERGE on each table's key the rows of the lake days changed since
/// the watermark kept in <c>LOAD_STATE</c> (of a day the lake only appended files to, the rows of those files), delete within
/// the rewritten days the keys the lake no longer has (<see cref="LoadScope.PruneScope"/>), and advance the watermark in the
/// same transaction. <paramref name="full"/> re-sends and prunes everything (repair).
/// </summary>
public interface IWarehouse : IDisposable
{
    /// <summary>For messages: <c>duckdb:&lt;file&gt;</c> or <c>snowflake:&lt;url&gt;</c>.</summary>
    string Name { get; }

    Task<LoadOutcome> LoadAsync(Lakehouse lake, bool full, CancellationToken ct = default);
}

/// <summary>Incremental load (the default).</summary>
public static class WarehouseExtensions
{
    public static Task<LoadOutcome> LoadAsync(this IWarehouse warehouse, Lakehouse lake, CancellationToken ct = default) =>
        warehouse.LoadAsync(lake, false, ct);
}

/// <summary>
/// One warehouse table and its SQL (<c>Sql/warehouse/</c>): <c>source_*.sql</c> reads its rows from the lake table
/// <see cref="LakeSource"/>; <c>merge_*.sql</c> (upsert) and <c>prune_*.sql</c> (delete vanished keys) take a <c>{source}</c>
/// relation and a <c>{scope}</c> predicate on the target rows (the days the load sends) and are the same text on DuckDB
/// and Snowflake. <see cref="DayExpression"/> is the UTC
/// day of a warehouse row (alias <c>t</c>), matching the day partition of its lake rows.
/// </summary>
public sealed record WarehouseTable(string Name, string File, string Keys, TableDef LakeSource, string DayExpression)
{
    public string SourceSql => SqlFiles.Get($"warehouse/source_{File}.sql").Trim();
    public string StageTable => Name + "_STAGE";
    public string Merge(string source, string scope) =>
        SqlFiles.Get($"warehouse/merge_{File}.sql").Replace("{source}", source).Replace("{scope}", scope).Trim();
    public string Prune(string source, string scope) =>
        SqlFiles.Get($"warehouse/prune_{File}.sql").Replace("{source}", source).Replace("{scope}", scope).Trim();

    public static readonly WarehouseTable CoinDaily = new("COIN_DAILY", "coin_daily", "coin, day", LakeTables.GoldCoinDaily, "t.day");
    public static readonly WarehouseTable CoinHourly = new("COIN_HOURLY", "coin_hourly", "coin, hour", LakeTables.GoldCoinHourly, "t.day");
    public static readonly WarehouseTable TopCoinDaily = new("TOP_COIN_DAILY", "top_coin_daily", "day", LakeTables.GoldTopCoinDaily, "t.day");
    public static readonly WarehouseTable Headlines = new("HEADLINES", "headlines", "article_id, coin", LakeTables.SilverNewsSentiment,
        "CAST(t.published_at AS DATE)");

    public static readonly WarehouseTable Alerts = new("ALERTS", "alerts", "alert_id", LakeTables.GoldAlerts, "t.day");
    public static readonly WarehouseTable ScorerDaily = new("SCORER_DAILY", "scorer_daily", "day, scorer, model, prompt_version", LakeTables.GoldScorerDaily, "t.day");

    public static readonly IReadOnlyList<WarehouseTable> All = [CoinDaily, CoinHourly, TopCoinDaily, Headlines, Alerts, ScorerDaily];

    /// <summary>The lake tables the sources read.</summary>
    public static readonly IReadOnlyList<TableDef> LakeSources = All.Select(t => t.LakeSource).ToList();

    /// <summary><c>merge_load_state.sql</c> with a source relation of <paramref name="rows"/> bound rows (<c>?</c>: source, table_id, version).</summary>
    public static string MergeLoadState(int rows) => SqlFiles.Get("warehouse/merge_load_state.sql").Replace("{source}",
        "(SELECT * FROM (VALUES " + string.Join(", ", Enumerable.Repeat("(?, ?, ?)", rows)) + ") AS v(source, table_id, version))").Trim();
}

/// <summary>Picks the warehouse named by <c>WAREHOUSE</c> (or a CLI <c>--target</c>).</summary>
public static class Warehouses
{
    /// <param name="target">null = from <c>WAREHOUSE</c>; <c>duckdb</c> (the configured file, else the default) or <c>snowflake</c>.</param>
    public static IWarehouse Create(Settings settings, string? target = null, Action<string>? log = null)
    {
        var kind = target?.ToLowerInvariant() ?? (settings.WarehouseDuckDbPath is not null ? "duckdb"
            : settings.Warehouse.Equals("snowflake", StringComparison.OrdinalIgnoreCase) ? "snowflake"
            : throw new ArgumentException($"WAREHOUSE '{settings.Warehouse}' is not one of: duckdb:<path>, snowflake"));
        return kind switch
        {
            "duckdb" => new DuckDbWarehouse(settings.WarehouseDuckDbPath ?? Settings.DefaultWarehouse["duckdb:".Length..]),
            "snowflake" => new SnowflakeWarehouse(new SnowflakeSqlClient(SnowflakeOptions.FromSettings(settings), log: log), ownsClient: true, log),
            _ => throw new ArgumentException($"warehouse target '{target}' is not one of: duckdb, snowflake"),
        };
    }
}
