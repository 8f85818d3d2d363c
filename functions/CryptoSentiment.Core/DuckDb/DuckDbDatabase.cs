using System.Data.Common;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace CryptoSentiment.DuckDb;

/// <summary>
/// An open DuckDB database (in-memory when <c>path</c> is null or <c>:memory:</c>), through DuckDB.NET: a root
/// <see cref="DuckDBConnection"/> keeps it open; <see cref="Connect"/> adds connections to the same database
/// (<see cref="DuckDBConnection.Duplicate"/> in memory; a file is shared by path). The database closes with its last connection.
/// </summary>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DuckDBConnection _root;
    private readonly string _connectionString;
    private readonly bool _inMemory;
    public string Path { get; }

    private DuckDbDatabase(DuckDBConnection root, string connectionString, string path, bool inMemory)
    {
        _root = root; _connectionString = connectionString; Path = path; _inMemory = inMemory;
    }

    /// <summary>DuckDB's library version, e.g. <c>v1.5.6</c> (the libduckdb that DuckDB.NET.Bindings.Full ships).</summary>
    public static string LibraryVersion => NativeMethods.Startup.DuckDBLibraryVersion();

    /// <summary>Opens (creating if needed) a database file, or an in-memory database.</summary>
    /// <param name="config">DuckDB configuration options such as <c>threads</c>, <c>memory_limit</c>, <c>access_mode</c> (set at open).</param>
    public static DuckDbDatabase Open(string? path = null, IReadOnlyDictionary<string, string>? config = null)
    {
        var p = string.IsNullOrEmpty(path) ? ":memory:" : path;
        var cs = new DbConnectionStringBuilder { ["DataSource"] = p };
        foreach (var (k, v) in config ?? new Dictionary<string, string>()) cs[k] = v;
        var root = new DuckDBConnection(cs.ConnectionString);
        try { root.Open(); }
        catch (Exception e) when (DuckDbException.IsProviderError(e))
        {
            root.Dispose();
            throw new DuckDbException($"DuckDB: cannot open database '{p}': {e.Message}", e);
        }
        return new DuckDbDatabase(root, cs.ConnectionString, p, p == ":memory:");
    }

    /// <summary>A new connection; its session time zone is UTC.</summary>
    public DuckDbConnection Connect() => new(OpenConnection(), null);

    internal DuckDBConnection OpenConnection()
    {
        var c = _inMemory ? _root.Duplicate() : new DuckDBConnection(_connectionString);
        try
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SET TimeZone = 'UTC'";
            cmd.ExecuteNonQuery();
            return c;
        }
        catch (Exception e) when (DuckDbException.IsProviderError(e))
        {
            c.Dispose();
            throw new DuckDbException($"DuckDB: cannot connect to '{Path}': {e.Message}", e);
        }
    }

    public void Dispose() => _root.Dispose();
}
