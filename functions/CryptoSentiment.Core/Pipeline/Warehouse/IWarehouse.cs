using CryptoSentiment.Configuration;
using CryptoSentiment.Lake;
using CryptoSentiment.Snowflake;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>Rows inserted/updated/deleted per warehouse table by one load, and the rows each table holds after it.</summary>
public sealed record LoadOutcome(IReadOnlyDictionary<string, long> Changed, IReadOnlyDictionary<string, long> Rows);

/// <summary>
/// A warehouse the lake's gold (and the classified headlines) is loaded into: the embedded DuckDB file or Snowflake.
/// Loads are idempotent: MERGE on each table's key, then delete the keys the lake no longer has.
/// </summary>
public interface IWarehouse : IDisposable
{
    /// <summary>For messages: <c>duckdb:&lt;file&gt;</c> or <c>snowflake:&lt;url&gt;</c>.</summary>
    string Name { get; }

    Task<LoadOutcome> LoadAsync(Lakehouse lake, CancellationToken ct = default);
}

/// <summary>
/// One warehouse table and its SQL (<c>Sql/warehouse/</c>): <c>source_*.sql</c> reads its rows from the lake;
/// <c>merge_*.sql</c> (upsert) and <c>prune_*.sql</c> (delete vanished keys) take a <c>{source}</c> relation and are
/// the same text on DuckDB and Snowflake.
/// </summary>
public sealed record WarehouseTable(string Name, string File, string Keys)
{
    public string SourceSql => SqlFiles.Get($"warehouse/source_{File}.sql").Trim();
    public string StageTable => Name + "_STAGE";
    public string Merge(string source) => SqlFiles.Get($"warehouse/merge_{File}.sql").Replace("{source}", source).Trim();
    public string Prune(string source) => SqlFiles.Get($"warehouse/prune_{File}.sql").Replace("{source}", source).Trim();

    public static readonly WarehouseTable CoinDaily = new("COIN_DAILY", "coin_daily", "coin, day");
    public static readonly WarehouseTable CoinHourly = new("COIN_HOURLY", "coin_hourly", "coin, hour");
    public static readonly WarehouseTable TopCoinDaily = new("TOP_COIN_DAILY", "top_coin_daily", "day");
    public static readonly WarehouseTable Headlines = new("HEADLINES", "headlines", "article_id, coin");

    public static readonly IReadOnlyList<WarehouseTable> All = [CoinDaily, CoinHourly, TopCoinDaily, Headlines];

    /// <summary>The lake tables the sources read.</summary>
    public static readonly IReadOnlyList<TableDef> LakeSources =
        [LakeTables.GoldCoinDaily, LakeTables.GoldCoinHourly, LakeTables.GoldTopCoinDaily, LakeTables.SilverNewsSentiment];
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
