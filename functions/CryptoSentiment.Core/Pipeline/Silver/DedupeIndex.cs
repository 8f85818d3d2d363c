using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// The keys already in a silver table (article ids and canonical URLs, or coin+timestamp for prices),
/// loaded incrementally: only files of the snapshot not seen before are read, so other writers'
/// commits are picked up and a restart costs one scan.
/// </summary>
public sealed class DedupeIndex(string keyExpression)
{
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loadedFiles = new(StringComparer.Ordinal);

    public int Count => _keys.Count;

    public bool Contains(string key) => _keys.Contains(key);

    public bool Add(string key) => _keys.Add(key);

    public bool Remove(string key) => _keys.Remove(key);

    /// <summary>Reads the keys of files in <paramref name="snapshot"/> not loaded yet.</summary>
    public async Task CatchUpAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, CancellationToken ct)
    {
        var fresh = snapshot.FileStorePaths().Where(p => !_loadedFiles.Contains(p)).ToList();
        if (fresh.Count == 0) return;
        var locals = await store.MaterializeAllAsync(fresh, ct: ct);
        var list = string.Join(", ", locals.Select(DuckDbConnection.QuoteLiteral));
        using (var r = c.Query($"SELECT k FROM (SELECT {keyExpression} AS k FROM read_parquet([{list}], union_by_name = true)) WHERE k IS NOT NULL"))
            while (r.Read()) _keys.Add(r.GetString(0));
        _loadedFiles.UnionWith(fresh);
    }

    /// <summary>Marks files this process wrote itself (their keys were added as they were accepted).</summary>
    public void MarkLoaded(IEnumerable<string> storePaths) => _loadedFiles.UnionWith(storePaths);
}
