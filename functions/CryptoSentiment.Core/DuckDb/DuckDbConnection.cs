using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace CryptoSentiment.DuckDb;

/// <summary>
/// One DuckDB connection (a DuckDB.NET <see cref="DuckDBConnection"/>; not thread-safe: one user at a time). SQL runs either
/// as plain text (<see cref="Execute"/>, several statements allowed) or with positional parameters <c>$1, $2, …</c> or
/// <c>?</c> (<see cref="Query"/>, <see cref="ExecuteNonQuery"/>). Every error is a <see cref="DuckDbException"/> carrying
/// DuckDB's own text.
/// </summary>
public sealed class DuckDbConnection : IDisposable
{
    private readonly DuckDbDatabase? _owned;
    internal DuckDBConnection Inner { get; }

    internal DuckDbConnection(DuckDBConnection inner, DuckDbDatabase? owned) { Inner = inner; _owned = owned; }

    /// <summary>Opens a database and a connection that owns it (disposed together).</summary>
    public static DuckDbConnection Open(string? path = null, IReadOnlyDictionary<string, string>? config = null)
    {
        var db = DuckDbDatabase.Open(path, config);
        try { return new DuckDbConnection(db.OpenConnection(), db); }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Runs one or more statements, discarding results.</summary>
    public void Execute(string sql)
    {
        using var cmd = Command(sql, []);
        try { cmd.ExecuteNonQuery(); }
        catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw DuckDbException.From(e, sql); }
    }

    /// <summary>Runs statements with parameters; returns the number of rows changed (inserted, updated, deleted).</summary>
    public long ExecuteNonQuery(string sql, params object?[] args)
    {
        using var cmd = Command(sql, args);
        try { return cmd.ExecuteNonQuery(); }
        catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw DuckDbException.From(e, sql); }
    }

    /// <summary>Runs one statement with parameters and returns its result, read chunk by chunk.</summary>
    public DuckDbResult Query(string sql, params object?[] args)
    {
        if (IsDml(sql)) return DuckDbResult.Changed(ExecuteNonQuery(sql, args));
        var cmd = Command(sql, args);
        try { return new DuckDbResult(cmd, cmd.ExecuteReader()); }
        catch (Exception e) when (DuckDbException.IsProviderError(e))
        {
            cmd.Dispose();
            throw DuckDbException.From(e, sql);
        }
    }

    /// <summary>INSERT, UPDATE, DELETE or MERGE without RETURNING: DuckDB.NET's reader skips their count, so they run as non-queries.</summary>
    private static bool IsDml(string sql)
    {
        var s = sql.AsSpan();
        while (true)
        {
            s = s.TrimStart();
            if (!s.StartsWith("--")) break;
            var eol = s.IndexOf('\n');
            s = eol < 0 ? default : s[(eol + 1)..];
        }
        var word = s[..Math.Max(0, s.IndexOfAny(" \t\r\n(") is var i and >= 0 ? i : s.Length)];
        return (word.Equals("INSERT", StringComparison.OrdinalIgnoreCase) || word.Equals("UPDATE", StringComparison.OrdinalIgnoreCase)
                || word.Equals("DELETE", StringComparison.OrdinalIgnoreCase) || word.Equals("MERGE", StringComparison.OrdinalIgnoreCase))
               && !sql.Contains("RETURNING", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The first column of the first row, or default when there is no row or it is NULL.</summary>
    public T? Scalar<T>(string sql, params object?[] args)
    {
        using var r = Query(sql, args);
        if (!r.Read() || r.IsNull(0)) return default;
        if (typeof(T) == typeof(long)) return (T)(object)r.GetInt64(0);
        if (typeof(T) == typeof(double)) return (T)(object)r.GetDouble(0);
        if (typeof(T) == typeof(string)) return (T)(object)r.GetString(0);
        var v = r.GetValue(0)!;
        return v is T t ? t : (T)Convert.ChangeType(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A statement to run many times with different parameters (parse errors are thrown here).</summary>
    public DuckDbPreparedStatement Prepare(string sql) => new(this, sql, ParameterCount(sql));

    /// <summary>A bulk appender into an existing table.</summary>
    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        try { return new DuckDbAppender(Inner.CreateAppender(schema, table), table); }
        catch (Exception e) when (DuckDbException.IsProviderError(e))
        {
            throw new DuckDbException($"DuckDB: cannot create an appender for table '{table}': {e.Message}", e);
        }
    }

    /// <summary>Quotes an identifier for SQL text.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>Quotes a string literal for SQL text (for places where DuckDB takes no parameter, e.g. file lists in DDL).</summary>
    public static string QuoteLiteral(string value) => "'" + value.Replace("'", "''") + "'";

    /// <summary>A list literal of quoted strings, e.g. the file list of <c>read_parquet([...])</c>.</summary>
    public static string QuoteList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(QuoteLiteral)) + "]";

    /// <summary>
    /// A command with positional parameters. DuckDB.NET binds each value by the type DuckDB infers for its placeholder;
    /// values it would otherwise bind as text are given a DuckDB type here (decimal and float as DOUBLE). A string list
    /// binds as one <c>VARCHAR[]</c> value (e.g. <c>list_contains($1::VARCHAR[], coin)</c>), never as SQL text. Too few
    /// values fail when the statement runs ("Invalid number of parameters. Expected n, got m"); the count is not checked
    /// beforehand, which would cost a second prepare of every statement.
    /// </summary>
    internal DuckDBCommand Command(string sql, object?[] args)
    {
        var cmd = Inner.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
            cmd.Parameters.Add(new DuckDBParameter((object)(args[i] switch
            {
                null or DBNull => DBNull.Value,
                bool or int or long or double or string or byte[] or DateOnly or DateTime or DateTimeOffset => args[i],
                float f => (double)f,
                decimal m => (double)m,
                IReadOnlyList<string> list and System.Collections.ICollection => list,
                IReadOnlyList<string> list => list.ToArray(),
                _ => throw new DuckDbException(DuckDbException.Describe(sql, $"unsupported parameter type {args[i]!.GetType().Name} at position {i + 1}")),
            })!));
        return cmd;
    }

    /// <summary>The number of parameters of one statement (DuckDB's count, from a prepare), or -1 when it does not prepare alone
    /// (several statements, or an error that running it reports in full).</summary>
    internal int ParameterCount(string sql)
    {
        if (NativeMethods.PreparedStatements.DuckDBPrepare(Inner.NativeConnection, sql, out var statement) != DuckDBState.Success)
        {
            statement.Dispose();
            return -1;
        }
        using (statement) return (int)NativeMethods.PreparedStatements.DuckDBParams(statement);
    }

    public void Dispose()
    {
        Inner.Dispose();
        _owned?.Dispose();
    }
}
