using System.Globalization;
using System.Text;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Snowflake;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>
/// Loads the lake into Snowflake through the SQL API only (no stage/PUT):
/// <list type="number">
/// <item>creates the tables if missing (<c>infra/snowflake/02_tables.sql</c>, one multi-statement request) and reads the
///   watermark (<c>LOAD_STATE</c>); plans the load (<see cref="LoadPlan"/>): per table, the lake days changed since it;</item>
/// <item>for each table with changes, reads the rows of those days from the lake (DuckDB, <c>source_*.sql</c> over the
///   changed day partitions only) and stages them in
///   <c>&lt;TABLE&gt;_STAGE</c> with bound values, in chunks of ≤ <see cref="SnowflakeOptions.MaxRowsPerRequest"/> rows /
///   ≈ <see cref="SnowflakeOptions.MaxBytesPerRequest"/> bytes. Each chunk is <c>BEGIN; DELETE chunk; INSERT chunk; COMMIT</c>
///   tagged with this load's id, so a chunk that is sent again replaces itself;</item>
/// <item>merges every changed table from its staged rows in <b>one transaction</b>: the portable <c>merge_*.sql</c> and
///   <c>prune_*.sql</c> (the same text the DuckDB warehouse runs; the prune limited to the days sent) and the watermark
///   (<c>merge_load_state.sql</c>) — deterministic given the staged rows, so a repeat leaves the same tables;</item>
/// <item>counts rows, and deletes this load's staged rows (and any older than a day, left by a crashed load).</item>
/// </list>
/// Every request has its own requestId and is resubmitted with it (<c>retry=true</c>), so each runs at most once.
/// </summary>
public sealed class SnowflakeWarehouse(SnowflakeSqlClient client, bool ownsClient = false, Action<string>? log = null) : IWarehouse
{
    private readonly Action<string> _log = log ?? (_ => { });

    public string Name => "snowflake:" + client.Options.EffectiveBaseUrl.GetLeftPart(UriPartial.Authority);
    public SnowflakeSqlClient Client => client;

    /// <summary>The Snowflake DDL (embedded copy of infra/snowflake/02_tables.sql).</summary>
    public static string TablesSql => SqlFiles.Get("snowflake/tables.sql");

    public async Task<LoadOutcome> LoadAsync(Lakehouse lake, bool full, CancellationToken ct = default)
    {
        var ddl = SplitStatements(TablesSql);
        await client.ExecuteAsync(new SnowflakeStatement(string.Join(";\n", ddl), StatementCount: ddl.Count, Label: "create warehouse tables (02_tables.sql)"), ct);
        var state = await client.ExecuteAsync(new SnowflakeStatement("SELECT source, table_id, version FROM LOAD_STATE", Label: "read the load watermark"), ct);
        var watermarks = state.Rows.ToDictionary(r => r[0]!, r => new LoadWatermark(r[1]!, long.Parse(r[2]!, CultureInfo.InvariantCulture)), StringComparer.Ordinal);
        var plan = await LoadPlan.BuildAsync(lake, watermarks, full, ct);
        var active = plan.Where(s => !s.Unchanged).ToList();

        var loadId = Guid.NewGuid().ToString("N");
        var columns = new Dictionary<string, IReadOnlyList<string>>();
        var sent = WarehouseTable.All.ToDictionary(t => t.Name, _ => 0L);
        try
        {
            using (var c = DuckDbConnection.Open())
            {
                foreach (var scope in active)
                {
                    await LakeViews.CreateAsync(c, lake.Store, scope.Table.LakeSource, scope.Snapshot, ct, scope.Files);
                    (columns[scope.Table.Name], sent[scope.Table.Name]) = await StageAsync(c, scope.Table, loadId, ct);
                }
            }

            // One transaction: the MERGE and prune of every table that changed, from this load's staged rows, and the watermark.
            var sql = new StringBuilder("BEGIN;\n");
            var bindings = new List<SnowflakeBinding>();
            foreach (var scope in active)
            {
                var t = scope.Table;
                var source = $"(SELECT {string.Join(", ", columns[t.Name])} FROM {t.StageTable} WHERE load_id = ?)";
                sql.Append(t.Merge(source, scope.Scope)).Append(";\n").Append(t.Prune(source, scope.PruneScope)).Append(";\n");
                bindings.Add(SnowflakeBinding.Text(loadId));
                bindings.Add(SnowflakeBinding.Text(loadId));
            }
            var stateRows = LoadPlan.StateRows(plan);
            if (stateRows.Count > 0)
            {
                sql.Append(WarehouseTable.MergeLoadState(stateRows.Count)).Append(";\n");
                foreach (var (source, tableId, version) in stateRows)
                {
                    bindings.Add(SnowflakeBinding.Text(source));
                    bindings.Add(SnowflakeBinding.Text(tableId));
                    bindings.Add(SnowflakeBinding.Fixed(version));
                }
            }
            sql.Append("COMMIT");
            var statements = 2 + 2 * active.Count + (stateRows.Count > 0 ? 1 : 0);
            var merged = await client.ExecuteAsync(new SnowflakeStatement(sql.ToString(), bindings, statements,
                $"merge staged rows into {(active.Count == 0 ? "no table (nothing changed)" : string.Join(", ", active.Select(s => s.Table.Name)))} and advance LOAD_STATE (load {loadId})"), ct);
            if (merged.Statements.Count != statements)
                throw new SnowflakeException($"Snowflake merge (load {loadId}) returned {merged.Statements.Count} statement results, expected {statements}.");
            var changed = WarehouseTable.All.ToDictionary(t => t.Name, _ => 0L);
            for (var i = 0; i < active.Count; i++)
                changed[active[i].Table.Name] = merged.Statements[1 + 2 * i].RowsChanged + merged.Statements[2 + 2 * i].RowsChanged;

            var count = await client.ExecuteAsync(new SnowflakeStatement(
                string.Join("\nUNION ALL ", WarehouseTable.All.Select(t => $"SELECT '{t.Name}' AS table_name, COUNT(*) AS row_count FROM {t.Name}")),
                Label: "count warehouse rows"), ct);
            var rows = WarehouseTable.All.ToDictionary(t => t.Name, _ => 0L);
            foreach (var r in count.Rows)
                rows[r[0]!] = long.Parse(r[1]!, CultureInfo.InvariantCulture);
            _log($"snowflake: {string.Join(", ", plan.Select(s => $"{s.Table.Name} {s.Mode}"))}");
            return new LoadOutcome(changed, rows) { Sent = sent, Modes = plan.ToDictionary(s => s.Table.Name, s => s.Mode) };
        }
        finally
        {
            if (active.Count > 0) await CleanUpAsync(loadId);
        }
    }

    /// <summary>Stages one table's lake rows in chunks; returns the column names (the source query's, in order) and the rows staged.</summary>
    private async Task<(IReadOnlyList<string> Columns, long Rows)> StageAsync(DuckDbConnection c, WarehouseTable t, string loadId, CancellationToken ct)
    {
        using var r = c.Query(t.SourceSql);
        var names = Enumerable.Range(0, r.ColumnCount).Select(r.ColumnName).ToList();
        var types = Enumerable.Range(0, r.ColumnCount).Select(r.ColumnType).ToList();
        var maxRows = Math.Max(1, client.Options.MaxRowsPerRequest);
        var maxBytes = Math.Max(1, client.Options.MaxBytesPerRequest);
        var chunk = 0;
        var staged = 0L;
        var rows = new List<SnowflakeBinding[]>();
        var bytes = 0;

        async Task FlushAsync()
        {
            if (rows.Count == 0) return;
            var n = ++chunk;
            var placeholders = "(?, ?, " + string.Join(", ", names.Select(_ => "?")) + ")";
            var sql = $"BEGIN;\nDELETE FROM {t.StageTable} WHERE load_id = ? AND chunk = ?;\n"
                + $"INSERT INTO {t.StageTable} (load_id, chunk, {string.Join(", ", names)}) VALUES\n"
                + string.Join(",\n", Enumerable.Repeat(placeholders, rows.Count)) + ";\nCOMMIT";
            var bindings = new List<SnowflakeBinding>(2 + rows.Count * (names.Count + 2))
                { SnowflakeBinding.Text(loadId), SnowflakeBinding.Fixed(n) };
            foreach (var row in rows)
            {
                bindings.Add(SnowflakeBinding.Text(loadId));
                bindings.Add(SnowflakeBinding.Fixed(n));
                bindings.AddRange(row);
            }
            await client.ExecuteAsync(new SnowflakeStatement(sql, bindings, 4, $"stage {t.Name} chunk {n} ({rows.Count} rows, load {loadId})"), ct);
            staged += rows.Count;
            rows.Clear();
            bytes = 0;
        }

        while (r.Read())
        {
            var row = new SnowflakeBinding[names.Count];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = Bind(r, i, types[i]);
                bytes += (row[i].Value?.Length ?? 0) + 32;
            }
            rows.Add(row);
            if (rows.Count >= maxRows || bytes >= maxBytes) await FlushAsync();
        }
        await FlushAsync();
        _log($"snowflake: staged {staged} {t.Name} rows in {chunk} request(s)");
        return (names, staged);
    }

    /// <summary>A DuckDB value as a SQL API binding: numbers FIXED/REAL, booleans BOOLEAN, text/dates/timestamps TEXT in
    /// ISO 8601 (Snowflake casts them to the column type on INSERT).</summary>
    internal static SnowflakeBinding Bind(DuckDbResult r, int i, DuckDbType type)
    {
        var isNull = r.IsNull(i);
        return type switch
        {
            DuckDbType.Boolean => SnowflakeBinding.Boolean(isNull ? null : r.GetBoolean(i)),
            DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt or DuckDbType.UTinyInt
                or DuckDbType.USmallInt or DuckDbType.UInteger => SnowflakeBinding.Fixed(isNull ? null : r.GetInt64(i)),
            DuckDbType.Float or DuckDbType.Double or DuckDbType.Decimal => SnowflakeBinding.Real(isNull ? null : r.GetDouble(i)),
            DuckDbType.Date => SnowflakeBinding.Text(isNull ? null : r.GetDate(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            DuckDbType.TimestampTz or DuckDbType.Timestamp or DuckDbType.TimestampMs or DuckDbType.TimestampS or DuckDbType.TimestampNs =>
                SnowflakeBinding.Text(isNull ? null : r.GetDateTime(i).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture)),
            DuckDbType.Varchar => SnowflakeBinding.Text(isNull ? null : r.GetString(i)),
            _ => throw new NotSupportedException($"Column '{r.ColumnName(i)}' has DuckDB type {type}, which the Snowflake loader does not bind."),
        };
    }

    /// <summary>Deletes this load's staged rows and any left over for more than a day. Best effort: a failure is logged.</summary>
    private async Task CleanUpAsync(string loadId)
    {
        var cutoff = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);
        var bindings = WarehouseTable.All.SelectMany(_ => new[] { SnowflakeBinding.Text(loadId), SnowflakeBinding.Text(cutoff) }).ToList();
        var sql = string.Join(";\n", WarehouseTable.All.Select(t => $"DELETE FROM {t.StageTable} WHERE load_id = ? OR staged_at < ?"));
        try { await client.ExecuteAsync(new SnowflakeStatement(sql, bindings, WarehouseTable.All.Count, $"clean up staged rows (load {loadId})")); }
        catch (SnowflakeException e) { _log($"snowflake: staged rows of load {loadId} not cleaned up (a later load removes them): {e.Message}"); }
    }

    /// <summary>Splits a SQL file into statements at top-level <c>;</c> (outside quotes and comments), dropping comments-only parts.</summary>
    public static List<string> SplitStatements(string sql)
    {
        var parts = new List<string>();
        var sb = new StringBuilder();
        var hasCode = false;
        for (var i = 0; i < sql.Length; i++)
        {
            var ch = sql[i];
            if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                sb.Append(sql, i, end - i);
                i = end - 1;
                continue;
            }
            if (ch is '\'' or '"')
            {
                var end = i + 1;
                while (end < sql.Length && (sql[end] != ch || (end + 1 < sql.Length && sql[end + 1] == ch && ++end > 0))) end++;
                sb.Append(sql, i, Math.Min(end + 1, sql.Length) - i);
                hasCode = true;
                i = end;
                continue;
            }
            if (ch == ';')
            {
                if (hasCode) parts.Add(sb.ToString().Trim());
                sb.Clear();
                hasCode = false;
                continue;
            }
            if (!char.IsWhiteSpace(ch)) hasCode = true;
            sb.Append(ch);
        }
        if (hasCode) parts.Add(sb.ToString().Trim());
        return parts;
    }

    public void Dispose()
    {
        if (ownsClient) client.Dispose();
    }
}
