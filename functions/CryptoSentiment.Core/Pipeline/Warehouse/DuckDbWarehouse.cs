using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>
/// The embedded warehouse: a DuckDB file with COIN_DAILY, COIN_HOURLY, TOP_COIN_DAILY and HEADLINES (+ the dashboard
/// views and LOAD_STATE), loaded from the lake by the portable MERGE + prune statements (<c>Sql/warehouse/*.sql</c>, the
/// same text the Snowflake loader sends) in one transaction that also advances the watermark. The load holds the file's
/// write lock from reading the watermark to committing, so two loads never interleave. Loading twice changes nothing.
/// </summary>
public sealed class DuckDbWarehouse(string warehouseFile) : IWarehouse
{
    public string File { get; } = warehouseFile;
    public string Name => "duckdb:" + File;

    /// <summary>
    /// Creates the warehouse tables (if missing) and (re)creates the views the dashboards read. A warehouse file made by an
    /// earlier version declared PRIMARY KEY indexes: those tables are rebuilt once without them (same rows; see schema.sql).
    /// </summary>
    public static void CreateSchema(DuckDbConnection c)
    {
        var indexed = new List<string>();
        using (var r = c.Query("SELECT DISTINCT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'main' ORDER BY 1"))
            while (r.Read()) indexed.Add(r.GetString(0));
        indexed.RemoveAll(t => !WarehouseTable.All.Any(w => w.Name == t) && t != "LOAD_STATE");
        c.Execute("BEGIN TRANSACTION");
        foreach (var table in indexed) c.Execute($"ALTER TABLE {table} RENAME TO {table}__with_key");
        c.Execute(SqlFiles.Get("warehouse/schema.sql"));
        foreach (var table in indexed) c.Execute($"INSERT INTO {table} BY NAME SELECT * FROM {table}__with_key; DROP TABLE {table}__with_key;");
        c.Execute("COMMIT");
        c.Execute(SqlFiles.Get("warehouse/views.sql"));
    }

    /// <summary>The watermarks recorded by earlier loads (LOAD_STATE).</summary>
    public static Dictionary<string, LoadWatermark> ReadWatermarks(DuckDbConnection c)
    {
        var marks = new Dictionary<string, LoadWatermark>(StringComparer.Ordinal);
        using var r = c.Query("SELECT source, table_id, version FROM LOAD_STATE");
        while (r.Read()) marks[r.GetString(0)] = new LoadWatermark(r.GetString(1), r.GetInt64(2));
        return marks;
    }

    public async Task<LoadOutcome> LoadAsync(Lakehouse lake, bool full, CancellationToken ct = default)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(File));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var c = WarehouseFile.OpenReadWrite(File); // waits out a reader (serve/query) holding the file
        CreateSchema(c);
        var plan = await LoadPlan.BuildAsync(lake, ReadWatermarks(c), full, ct);
        foreach (var scope in plan.Where(s => !s.Unchanged))
            await LakeViews.CreateAsync(c, lake.Store, scope.Table.LakeSource, scope.Snapshot, ct, scope.Files);
        var changed = new Dictionary<string, long>();
        var sent = new Dictionary<string, long>();
        var rows = new Dictionary<string, long>();
        c.Execute("BEGIN TRANSACTION");
        try
        {
            foreach (var scope in plan)
            {
                var t = scope.Table;
                changed[t.Name] = sent[t.Name] = 0;
                if (scope.Unchanged) continue;
                // The lake rows are read once (their parquet files), then merged and pruned from memory.
                var source = $"load_{t.File}";
                c.Execute($"CREATE OR REPLACE TEMP TABLE {source} AS\n{t.SourceSql}");
                sent[t.Name] = c.Scalar<long>($"SELECT count(*) FROM {source}");
                changed[t.Name] = Changed(c, t.Merge(source, scope.Scope)) + Changed(c, t.Prune(source, scope.PruneScope));
            }
            var state = LoadPlan.StateRows(plan);
            if (state.Count > 0)
                Changed(c, WarehouseTable.MergeLoadState(state.Count), state.SelectMany(r => new object?[] { r.Source, r.TableId, r.Version }).ToArray());
            foreach (var t in WarehouseTable.All) rows[t.Name] = c.Scalar<long>($"SELECT count(*) FROM {t.Name}");
            c.Execute("COMMIT");
        }
        catch
        {
            c.Execute("ROLLBACK");
            throw;
        }
        return new LoadOutcome(changed, rows) { Sent = sent, Modes = plan.ToDictionary(s => s.Table.Name, s => s.Mode) };
    }

    /// <summary>DuckDB answers DML with one row holding the count of rows it changed.</summary>
    internal static long Changed(DuckDbConnection c, string sql, params object?[] args)
    {
        using var r = c.Query(sql, args);
        return r.ColumnCount == 1 && r.Read() && !r.IsNull(0) ? r.GetInt64(0) : r.RowsChanged;
    }

    public void Dispose() { }
}
