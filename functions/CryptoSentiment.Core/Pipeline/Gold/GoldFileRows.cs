using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>
/// The rows of the gold files a refresh reads again and again (the days before the first recomputed day, whose stored
/// indicator state the §12 pass continues from), kept in a table of the instance's engine database keyed by file path.
/// Delta data files never change under their path, so a cached file is current for as long as a snapshot lists it: a
/// refresh reads only the files it has not seen (typically the one day gold rewrote since), not 45 days of files again.
/// Files no longer live in the snapshot (a day gold rewrote, files compacted by maintain) are dropped, so the table holds
/// the look-back windows refreshes use (a few days of hourly rows, 45 days of daily rows), not the table's history.
/// </summary>
internal sealed class GoldFileRows(TableDef def)
{
    private readonly AsyncGate _gate = new();
    private readonly HashSet<string> _cached = new(StringComparer.Ordinal);
    private readonly string _table = "gold_file_rows_" + def.ViewName;

    /// <summary>Files whose rows were read from parquet so far (tests: a warm refresh reads only new files).</summary>
    public long FilesRead { get; private set; }

    /// <summary>Exclusive use of the cache until disposed: hold it until the relation has been read.</summary>
    public Task<IDisposable> LockAsync(CancellationToken ct) => _gate.EnterAsync(ct);

    /// <summary>A relation (SQL) with the table's columns over the rows of <paramref name="storePaths"/>, reading only uncached files.</summary>
    public async Task<string> RelationAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, IReadOnlyList<string> storePaths, CancellationToken ct)
    {
        if (storePaths.Count == 0) return LakeViews.SelectSql(def, [], snapshot);
        c.Execute($"CREATE TABLE IF NOT EXISTS {_table} (file VARCHAR, {def.DuckDbColumnList()})");
        var missing = storePaths.Where(p => !_cached.Contains(p)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var locals = await store.MaterializeAllAsync(missing, ct: ct);
            for (var i = 0; i < missing.Count; i++)
            {
                // One statement (all rows or none), recorded as cached only once it succeeded.
                c.Execute($"INSERT INTO {_table} SELECT {DuckDbConnection.QuoteLiteral(missing[i])}, * FROM ({LakeViews.SelectSql(def, [locals[i]], snapshot)})");
                _cached.Add(missing[i]);
                FilesRead++;
            }
        }
        var needed = storePaths.ToHashSet(StringComparer.Ordinal);
        var live = snapshot.FileStorePaths().ToHashSet(StringComparer.Ordinal);
        var stale = _cached.Where(p => !live.Contains(p)).ToList();
        if (stale.Count > 0)
        {
            c.Execute($"DELETE FROM {_table} WHERE list_contains({DuckDbConnection.QuoteList(stale)}, file)");
            _cached.ExceptWith(stale);
        }
        return $"SELECT * EXCLUDE (file) FROM {_table} WHERE list_contains({DuckDbConnection.QuoteList(needed)}, file)";
    }
}
