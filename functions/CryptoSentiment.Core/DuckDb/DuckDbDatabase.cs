namespace CryptoSentiment.DuckDb;

/// <summary>An open DuckDB database (in-memory when <c>path</c> is null or <c>:memory:</c>).</summary>
public sealed class DuckDbDatabase : IDisposable
{
    internal DatabaseHandle Handle { get; }
    public string Path { get; }

    private DuckDbDatabase(DatabaseHandle handle, string path) { Handle = handle; Path = path; }

    /// <summary>DuckDB's library version, e.g. <c>v1.5.6</c>.</summary>
    public static string LibraryVersion => Native.Utf8(Native.LibraryVersion()) ?? "unknown";

    /// <summary>Opens (creating if needed) a database file, or an in-memory database.</summary>
    /// <param name="config">DuckDB configuration options such as <c>threads</c>, <c>memory_limit</c>, <c>access_mode</c>.</param>
    public static DuckDbDatabase Open(string? path = null, IReadOnlyDictionary<string, string>? config = null)
    {
        var p = string.IsNullOrEmpty(path) ? ":memory:" : path;
        nint cfg = 0;
        try
        {
            if (config is { Count: > 0 })
            {
                if (Native.CreateConfig(out cfg) != Native.Success) throw new DuckDbException("DuckDB: cannot create a configuration");
                foreach (var (k, v) in config)
                    if (Native.SetConfig(cfg, k, v) != Native.Success)
                        throw new DuckDbException($"DuckDB: invalid configuration option {k}={v}");
            }
            if (Native.OpenExt(p, out var db, cfg, out var err) != Native.Success)
            {
                var msg = Native.Utf8(err);
                if (err != 0) Native.Free(err);
                throw new DuckDbException($"DuckDB: cannot open database '{p}': {msg}");
            }
            return new DuckDbDatabase(DatabaseHandle.Wrap(db), p);
        }
        finally
        {
            if (cfg != 0) Native.DestroyConfig(ref cfg);
        }
    }

    /// <summary>A new connection; its session time zone is UTC.</summary>
    public DuckDbConnection Connect()
    {
        if (Native.Connect(Handle.DangerousGetHandle(), out var c) != Native.Success)
            throw new DuckDbException($"DuckDB: cannot connect to '{Path}'");
        var conn = new DuckDbConnection(ConnectionHandle.Wrap(c, Handle), null);
        conn.Execute("SET TimeZone = 'UTC'");
        return conn;
    }

    public void Dispose() => Handle.Dispose();
}
