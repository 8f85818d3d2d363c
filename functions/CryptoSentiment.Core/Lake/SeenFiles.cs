using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// The data files of one table that an incremental reader (the dedupe index, the sentiment cache) has already read:
/// each catch-up reads only the files a newer snapshot added — other writers' commits included — as local paths for DuckDB.
/// </summary>
public sealed class SeenFiles
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The snapshot's files not seen yet: their store paths and local copies (downloaded in parallel when remote).</summary>
    public async Task<(IReadOnlyList<string> StorePaths, IReadOnlyList<string> LocalFiles)> UnseenAsync(
        ILakeStore store, Snapshot snapshot, CancellationToken ct)
    {
        var fresh = snapshot.FileStorePaths().Where(p => !_seen.Contains(p)).ToList();
        return fresh.Count == 0 ? ([], []) : (fresh, await store.MaterializeAllAsync(fresh, ct: ct));
    }

    /// <summary>Marks files as read (after reading them, or for files this process wrote itself).</summary>
    public void MarkSeen(IEnumerable<string> storePaths) => _seen.UnionWith(storePaths);

    /// <summary>Marks the files of freshly committed <c>add</c> actions of the table at <paramref name="tablePath"/> as read.</summary>
    public void MarkSeen(string tablePath, IEnumerable<AddAction> adds) => MarkSeen(adds.Select(add => DeltaPaths.StorePath(tablePath, add)));
}
