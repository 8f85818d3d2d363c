namespace CryptoSentiment.DuckDb;

/// <summary>
/// One DuckDB connection (not thread-safe: one user at a time). SQL runs either as plain text
/// (<see cref="Execute"/>, several statements allowed) or as a prepared statement with positional
/// parameters <c>$1, $2, …</c> or <c>?</c> (<see cref="Query"/>, <see cref="ExecuteNonQuery"/>).
/// </summary>
public sealed class DuckDbConnection : IDisposable
{
    internal ConnectionHandle Handle { get; }
    private readonly DuckDbDatabase? _owned;

    internal DuckDbConnection(ConnectionHandle handle, DuckDbDatabase? owned) { Handle = handle; _owned = owned; }

    /// <summary>Opens a database and a connection that owns it (disposed together).</summary>
    public static DuckDbConnection Open(string? path = null, IReadOnlyDictionary<string, string>? config = null)
    {
        var db = DuckDbDatabase.Open(path, config);
        try
        {
            var c = db.Connect();
            return new DuckDbConnection(c.Handle, db);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Runs one or more statements, discarding results.</summary>
    public unsafe void Execute(string sql)
    {
        using var r = ResultHandle.Allocate();
        if (Native.Query(Handle.DangerousGetHandle(), sql, r.Ptr) != Native.Success)
            throw new DuckDbException(DuckDbException.Describe(sql, Native.Utf8(Native.ResultError(r.Ptr))));
    }

    /// <summary>Runs one statement with parameters; returns the number of rows changed.</summary>
    public long ExecuteNonQuery(string sql, params object?[] args)
    {
        using var stmt = Prepare(sql);
        return stmt.ExecuteNonQuery(args);
    }

    /// <summary>Runs one statement with parameters and returns its result, read chunk by chunk.</summary>
    public DuckDbResult Query(string sql, params object?[] args)
    {
        using var stmt = Prepare(sql);
        return stmt.Query(args);
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

    public DuckDbPreparedStatement Prepare(string sql)
    {
        var state = Native.Prepare(Handle.DangerousGetHandle(), sql, out var s);
        var handle = PreparedHandle.Wrap(s);
        if (state != Native.Success)
        {
            var msg = Native.Utf8(Native.PrepareError(s));
            handle.Dispose();
            throw new DuckDbException(DuckDbException.Describe(sql, msg));
        }
        return new DuckDbPreparedStatement(handle, sql);
    }

    /// <summary>A bulk appender into an existing table.</summary>
    public DuckDbAppender CreateAppender(string table, string? schema = null)
    {
        var state = Native.AppenderCreate(Handle.DangerousGetHandle(), schema, table, out var a);
        var handle = AppenderHandle.Wrap(a);
        if (state != Native.Success)
        {
            var msg = Native.Utf8(Native.AppenderError(a));
            handle.Dispose();
            throw new DuckDbException($"DuckDB: cannot create an appender for table '{table}': {msg}");
        }
        return new DuckDbAppender(handle, table);
    }

    /// <summary>Quotes an identifier for SQL text.</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>Quotes a string literal for SQL text (for places where DuckDB takes no parameter, e.g. file lists in DDL).</summary>
    public static string QuoteLiteral(string value) => "'" + value.Replace("'", "''") + "'";

    /// <summary>A list literal of quoted strings, e.g. the file list of <c>read_parquet([...])</c>.</summary>
    public static string QuoteList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(QuoteLiteral)) + "]";

    public void Dispose()
    {
        Handle.Dispose();
        _owned?.Dispose();
    }
}
