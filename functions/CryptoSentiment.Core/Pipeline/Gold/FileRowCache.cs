using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>
/// The rows of data files a gold refresh reads again and again, kept in a table of the instance's engine database keyed by
/// file path. Delta data files never change under their path, so a cached file is current for as long as a snapshot lists
/// it: a refresh reads from storage only the files it has not seen — the batch files silver appended since the last
/// refresh, the one day gold rewrote — not every file of its look-back again.
/// <list type="bullet">
/// <item>gold look-backs (the days before the first recomputed day: corr_7d's hourly rows, the §12 indicators' carried-over
/// state): every column; files no longer live in the snapshot (a day gold rewrote, files compacted by maintain) are dropped,
/// so the table holds the look-back windows refreshes use, not the table's history.</item>
/// <item>silver inputs (<paramref name="columns"/>: only what the gold SQL reads; <paramref name="keepOnlyRequested"/>): the
/// files of the days a refresh recomputes; files of days it no longer asks for are dropped, so the cache follows the
/// recomputed days as they move on (the silver files of a day are re-read by every refresh of that day otherwise: one
/// more file per batch, so a day's k-th refresh would read k files).</item>
/// </list>
/// </summary>
/// <param name="def">The lake table the files belong to.</param>
/// <param name="columns">The columns kept (null: all of <paramref name="def"/>'s columns, in order).</param>
/// <param name="keepOnlyRequested">Drop every cached file the current request does not list (else only files the snapshot no longer holds).</param>
internal sealed class FileRowCache(TableDef def, IReadOnlyList<string>? columns = null, bool keepOnlyRequested = false)
{
    private readonly AsyncGate _gate = new();
    private readonly HashSet<string> _cached = new(StringComparer.Ordinal);
    private readonly string _table = "file_rows_" + def.ViewName + (columns is null ? "" : "_projected");
    private readonly IReadOnlyList<ColumnDef> _columns = columns is null ? def.Columns
        : columns.Select(name => def.Column(name) ?? throw new ArgumentException($"{def.Path} has no column {name}", nameof(columns))).ToList();

    /// <summary>Files whose rows were read from storage so far (tests and the bench: a warm refresh reads only new files).</summary>
    public long FilesRead { get; private set; }

    /// <summary>Exclusive use of the cache until disposed: hold it until the relation has been read.</summary>
    public Task<IDisposable> LockAsync(CancellationToken ct) => _gate.EnterAsync(ct);

    /// <summary>
    /// A relation (SQL) with the cached columns over the rows of <paramref name="storePaths"/> (files of
    /// <paramref name="snapshot"/>), reading only uncached files — all of them in one statement. Valid while the lock is held.
    /// </summary>
    public async Task<string> RelationAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, IReadOnlyList<string> storePaths, CancellationToken ct)
    {
        var select = string.Join(", ", _columns.Select(col => DuckDbConnection.QuoteIdentifier(col.Name)));
        if (storePaths.Count == 0) return $"SELECT {select} FROM ({LakeViews.SelectSql(def, [], snapshot)})";
        c.Execute($"CREATE TABLE IF NOT EXISTS {_table} (file VARCHAR, {string.Join(", ", _columns.Select(col => $"{DuckDbConnection.QuoteIdentifier(col.Name)} {col.DuckDbType}"))})");
        var needed = storePaths.ToHashSet(StringComparer.Ordinal);
        var stale = keepOnlyRequested ? _cached.Where(p => !needed.Contains(p)).ToList() : NotLive(snapshot);
        if (stale.Count > 0)
        {
            c.Execute($"DELETE FROM {_table} WHERE list_contains({DuckDbConnection.QuoteList(stale)}, file)");
            _cached.ExceptWith(stale);
        }
        var missing = needed.Where(p => !_cached.Contains(p)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var locals = await store.MaterializeAllAsync(missing, ct: ct);
            var byLocal = string.Join(", ", missing.Select((p, i) => $"({DuckDbConnection.QuoteLiteral(locals[i])}, {DuckDbConnection.QuoteLiteral(p)})"));
            // One statement (all rows or none), recorded as cached only once it succeeded.
            c.Execute($"INSERT INTO {_table} SELECT m.file, {string.Join(", ", _columns.Select(col => "s." + DuckDbConnection.QuoteIdentifier(col.Name)))} " +
                      $"FROM ({LakeViews.SelectSql(def, locals, snapshot, fileNameAs: "__local_file")}) s " +
                      $"JOIN (VALUES {byLocal}) AS m(local_file, file) ON m.local_file = s.__local_file");
            _cached.UnionWith(missing);
            FilesRead += missing.Count;
        }
        // keepOnlyRequested: the table holds exactly the requested files now
        return keepOnlyRequested ? $"SELECT {select} FROM {_table}"
            : $"SELECT {select} FROM {_table} WHERE list_contains({DuckDbConnection.QuoteList(needed)}, file)";
    }

    private List<string> NotLive(Snapshot snapshot)
    {
        if (_cached.Count == 0) return [];
        var live = snapshot.FileStorePaths().ToHashSet(StringComparer.Ordinal);
        return _cached.Where(p => !live.Contains(p)).ToList();
    }
}
