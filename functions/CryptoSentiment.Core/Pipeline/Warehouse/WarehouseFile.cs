using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Pipeline.Warehouse;

/// <summary>The warehouse file is busy: another process holds a conflicting DuckDB lock on it for longer than we wait.</summary>
public sealed class WarehouseBusyException(string path, TimeSpan waited, Exception inner)
    : Exception($"Warehouse '{path}' is locked by another process (a `load`, or a long-running `query`/`serve` request); gave up after {waited.TotalSeconds:0.#} s: {inner.Message}", inner)
{
    public string Path { get; } = path;
}

/// <summary>
/// Opens the embedded warehouse file. DuckDB locks the file per process: one writer (<c>load</c>) excludes readers
/// (<c>serve</c>, <c>query</c>) and the other way round. Readers therefore open the file per request, READ_ONLY, and
/// close it at once; both sides retry a lock conflict for a short while instead of failing.
/// </summary>
public static class WarehouseFile
{
    /// <summary>How long an open waits for a conflicting lock to go away by default.</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(10);

    public static DuckDbConnection OpenReadOnly(string path, TimeSpan? lockWait = null) =>
        Open(path, readOnly: true, lockWait ?? DefaultLockWait);

    public static DuckDbConnection OpenReadWrite(string path, TimeSpan? lockWait = null) =>
        Open(path, readOnly: false, lockWait ?? DefaultLockWait);

    private static DuckDbConnection Open(string path, bool readOnly, TimeSpan lockWait)
    {
        if (readOnly && !File.Exists(path)) throw new FileNotFoundException($"Warehouse file '{path}' not found", path);
        var config = readOnly ? new Dictionary<string, string> { ["access_mode"] = "READ_ONLY" } : null;
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try { return DuckDbConnection.Open(path, config); }
            catch (DuckDbException e) when (IsLockConflict(e))
            {
                var waited = DateTime.UtcNow - started;
                if (waited >= lockWait) throw new WarehouseBusyException(path, waited, e);
                Thread.Sleep(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
        }
    }

    private static bool IsLockConflict(DuckDbException e) =>
        e.Message.Contains("Could not set lock", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("Conflicting lock", StringComparison.OrdinalIgnoreCase);
}
