namespace CryptoSentiment.DuckDb;

/// <summary>A statement run with positional parameters (1-based in SQL, 0-based in <c>args</c>). A <c>string[]</c> (any
/// <c>IReadOnlyList&lt;string&gt;</c>) binds as one <c>VARCHAR[]</c> value, e.g. <c>WHERE list_contains($1::VARCHAR[], coin)</c>.</summary>
public sealed class DuckDbPreparedStatement : IDisposable
{
    private readonly DuckDbConnection _connection;
    private readonly string _sql;

    internal DuckDbPreparedStatement(DuckDbConnection connection, string sql, int parameterCount)
    {
        _connection = connection;
        _sql = sql;
        ParameterCount = parameterCount;
    }

    /// <summary>DuckDB's parameter count, or -1 for several statements.</summary>
    public int ParameterCount { get; }

    public DuckDbResult Query(params object?[] args) => _connection.Query(_sql, args);

    public long ExecuteNonQuery(params object?[] args) => _connection.ExecuteNonQuery(_sql, args);

    public void Dispose() { }
}
