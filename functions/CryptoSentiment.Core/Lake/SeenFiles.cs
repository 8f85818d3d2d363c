using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// The data files of one table (or partition) that an incremental reader (the dedupe index, the sentiment cache) has
/// already read: each catch-up reads only the files a newer snapshot added — other writers' commits and compacted files
/// included — as local paths for DuckDB. Files no longer live are forgotten, so the set follows the live files.
/// </summary>
public sealed class SeenFiles
{
    private HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The snapshot's files not seen yet: their store paths and local copies (downloaded in parallel when remote).</summary>
    public Task<(IReadOnlyList<string> StorePaths, IReadOnlyList<string> LocalFiles)> UnseenAsync(
        ILakeStore store, Snapshot snapshot, CancellationToken ct) => UnseenAsync(store, snapshot.FileStorePaths(), ct);

    /// <summary>The files of <paramref name="live"/> (store paths of the live files in scope) not seen yet.</summary>
    public async Task<(IReadOnlyList<string> StorePaths, IReadOnlyList<string> LocalFiles)> UnseenAsync(
        ILakeStore store, IReadOnlyList<string> live, CancellationToken ct)
    {
        var fresh = Unseen(live);
        return fresh.Count == 0 ? ([], []) : (fresh, await store.MaterializeAllAsync(fresh, ct: ct));
    }

    /// <summary>The files of <paramref name="live"/> not seen yet (nothing is downloaded); forgets seen files no longer live.</summary>
    public IReadOnlyList<string> Unseen(IReadOnlyList<string> live)
    {
        var fresh = live.Where(p => !_seen.Contains(p)).ToList();
        if (_seen.Count > live.Count - fresh.Count) _seen = live.Where(_seen.Contains).ToHashSet(StringComparer.Ordinal); // removed files
        return fresh;
    }

    /// <summary>Marks files as read (after reading them, or for files this process wrote itself).</summary>
    public void MarkSeen(IEnumerable<string> storePaths) => _seen.UnionWith(storePaths);

    /// <summary>Marks the files of freshly committed <c>add</c> actions of the table at <paramref name="tablePath"/> as read.</summary>
    public void MarkSeen(string tablePath, IEnumerable<AddAction> adds) => MarkSeen(adds.Select(add => DeltaPaths.StorePath(tablePath, add)));
}
