namespace CryptoSentiment.Lake.Stores;

/// <summary>Helpers over any <see cref="ILakeStore"/>.</summary>
public static class LakeStoreExtensions
{
    /// <summary>
    /// Local files for <paramref name="paths"/>, in the same order: the files themselves for a local store, else copies
    /// downloaded by <see cref="ILakeStore.MaterializeAsync"/>, up to <paramref name="parallelism"/> at a time.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MaterializeAllAsync(this ILakeStore store, IReadOnlyList<string> paths,
        int parallelism = 8, CancellationToken ct = default)
    {
        var locals = new string[paths.Count];
        var remote = new List<int>();
        for (var i = 0; i < paths.Count; i++)
        {
            if (store.LocalPath(paths[i]) is { } local) locals[i] = local;
            else remote.Add(i);
        }
        if (remote.Count > 0)
            await Parallel.ForEachAsync(remote, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct },
                async (i, token) => locals[i] = await store.MaterializeAsync(paths[i], token).ConfigureAwait(false)).ConfigureAwait(false);
        return locals;
    }
}
