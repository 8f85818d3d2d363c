using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
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
    private readonly SeenFiles _files = new();

    public int Count => _keys.Count;

    public bool Contains(string key) => _keys.Contains(key);

    public bool Add(string key) => _keys.Add(key);

    public bool Remove(string key) => _keys.Remove(key);

    /// <summary>Reads the keys of files in <paramref name="snapshot"/> not loaded yet.</summary>
    public async Task CatchUpAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, CancellationToken ct)
    {
        var (fresh, locals) = await _files.UnseenAsync(store, snapshot, ct);
        if (fresh.Count == 0) return;
        using (var r = c.Query($"SELECT k FROM (SELECT {keyExpression} AS k FROM read_parquet({DuckDbConnection.QuoteList(locals)}, union_by_name = true)) WHERE k IS NOT NULL"))
            while (r.Read()) _keys.Add(r.GetString(0));
        _files.MarkSeen(fresh);
    }

    /// <summary>Marks files this process wrote itself (their keys were added as they were accepted).</summary>
    public void MarkLoaded(string tablePath, IEnumerable<AddAction> adds) => _files.MarkSeen(tablePath, adds);
}
