using CryptoSentiment.DuckDb;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>
/// The embedded warehouse: a DuckDB file with COIN_DAILY, COIN_HOURLY, TOP_COIN_DAILY and HEADLINES (+ the dashboard
/// views), loaded from the lake by the portable MERGE + prune statements (<c>Sql/warehouse/*.sql</c>, the same text
/// the Snowflake loader sends) in one transaction. Loading twice changes nothing.
/// </summary>
public sealed class DuckDbWarehouse(string warehouseFile) : IWarehouse
{
    public string File { get; } = warehouseFile;
    public string Name => "duckdb:" + File;

    /// <summary>Creates the warehouse tables (if missing) and (re)creates the views the dashboards read.</summary>
    public static void CreateSchema(DuckDbConnection c)
    {
        c.Execute(SqlFiles.Get("warehouse/schema.sql"));
        c.Execute(SqlFiles.Get("warehouse/views.sql"));
    }

    public async Task<LoadOutcome> LoadAsync(Lakehouse lake, CancellationToken ct = default)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(File));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var c = WarehouseFile.OpenReadWrite(File); // waits out a reader (serve/query) holding the file
        CreateSchema(c);
        await lake.CreateViewsAsync(c, WarehouseTable.LakeSources, ct);
        var changed = new Dictionary<string, long>();
        var rows = new Dictionary<string, long>();
        c.Execute("BEGIN TRANSACTION");
        try
        {
            foreach (var t in WarehouseTable.All)
            {
                var source = "(\n" + t.SourceSql + "\n)";
                changed[t.Name] = Changed(c, t.Merge(source)) + Changed(c, t.Prune(source));
                rows[t.Name] = c.Scalar<long>($"SELECT count(*) FROM {t.Name}");
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

    /// <summary>DuckDB answers DML with one row holding the count of rows it changed.</summary>
    internal static long Changed(DuckDbConnection c, string sql)
    {
        using var r = c.Query(sql);
        return r.ColumnCount == 1 && r.Read() && !r.IsNull(0) ? r.GetInt64(0) : r.RowsChanged;
    }

    public void Dispose() { }
}
