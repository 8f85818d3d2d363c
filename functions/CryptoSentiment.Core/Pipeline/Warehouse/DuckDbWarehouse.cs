using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>Rows inserted/updated/deleted per warehouse table by one load.</summary>
public sealed record LoadOutcome(IReadOnlyDictionary<string, long> Changed, IReadOnlyDictionary<string, long> Rows);

/// <summary>
/// The embedded warehouse: a DuckDB file with COIN_DAILY, COIN_HOURLY, TOP_COIN_DAILY and HEADLINES, loaded from
/// the lake by MERGE on their keys (<c>Sql/warehouse/*.sql</c>) in one transaction. Loading twice changes nothing.
/// </summary>
public static class DuckDbWarehouse
{
    private static readonly (string Table, string Merge)[] Loads =
    [
        ("COIN_DAILY", "warehouse/merge_coin_daily.sql"),
        ("COIN_HOURLY", "warehouse/merge_coin_hourly.sql"),
        ("TOP_COIN_DAILY", "warehouse/merge_top_coin_daily.sql"),
        ("HEADLINES", "warehouse/merge_headlines.sql"),
    ];

    private static readonly TableDef[] Sources =
        [LakeTables.GoldCoinDaily, LakeTables.GoldCoinHourly, LakeTables.GoldTopCoinDaily, LakeTables.SilverNewsSentiment];

    public static async Task<LoadOutcome> LoadAsync(Lakehouse lake, string warehouseFile, CancellationToken ct = default)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(warehouseFile));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var c = WarehouseFile.OpenReadWrite(warehouseFile); // waits out a reader (serve/query) holding the file
        c.Execute(SqlFiles.Get("warehouse/schema.sql"));
        await lake.CreateViewsAsync(c, Sources, ct);
        var changed = new Dictionary<string, long>();
        var rows = new Dictionary<string, long>();
        c.Execute("BEGIN TRANSACTION");
        try
        {
            foreach (var (table, merge) in Loads)
            {
                using (var r = c.Query(SqlFiles.Get(merge))) changed[table] = r.RowsChanged;
                rows[table] = c.Scalar<long>($"SELECT count(*) FROM {table}");
            }
            c.Execute("COMMIT");
        }
        catch
        {
            c.Execute("ROLLBACK");
            throw;
        }
        return new LoadOutcome(changed, rows);
    }
}
