using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Delta;

/// <summary>
/// Reads a checkpoint parquet file (one part) into actions. Each row of a checkpoint has one non-null column among
/// txn/add/remove/metaData/protocol (and others, ignored); the implementation maps it to a <see cref="DeltaAction"/>,
/// e.g. by rendering each row as JSON and calling <see cref="DeltaAction.FromJson"/> (note add.partitionValues is a
/// MAP column and add.stats a string; stats_parsed may be ignored).
/// </summary>
public interface ICheckpointReader
{
    IEnumerable<DeltaAction> Read(string localParquetPath);
}

/// <summary>The table has no <c>_delta_log</c> commits.</summary>
public sealed class DeltaTableNotFoundException(string message) : Exception(message);

/// <summary>What a listing of <c>_delta_log/</c> holds.</summary>
public sealed class LogListing
{
    /// <summary>Commit versions present (<c>NNN.json</c>), ascending.</summary>
    public SortedSet<long> Commits { get; } = new();

    /// <summary>Checkpoints by version: (part number, part count) → store path.</summary>
    public SortedDictionary<long, Dictionary<(int Part, int Parts), string>> Checkpoints { get; } = new();

    public long? LatestCommit => Commits.Count == 0 ? null : Commits.Max;

    /// <summary>Store paths of a complete checkpoint at <paramref name="version"/> (all parts present), else null.</summary>
    public IReadOnlyList<string>? CompleteCheckpoint(long version, int? partsHint = null)
    {
        if (!Checkpoints.TryGetValue(version, out var files)) return null;
        foreach (var parts in files.Keys.Select(k => k.Parts).Distinct().OrderByDescending(p => p == (partsHint ?? 1)))
        {
            var set = Enumerable.Range(1, parts).Select(i => files.GetValueOrDefault((i, parts))).ToList();
            if (set.All(p => p is not null)) return set!;
        }
        return null;
    }

    /// <summary>Latest version ≤ <paramref name="maxVersion"/> having a complete checkpoint.</summary>
    public long? LatestCompleteCheckpoint(long maxVersion) =>
        Checkpoints.Keys.Where(v => v <= maxVersion && CompleteCheckpoint(v) is not null).Select(v => (long?)v).LastOrDefault();
}

/// <summary>Low-level access to a table's <c>_delta_log</c> through an <see cref="ILakeStore"/>.</summary>
public static partial class DeltaLog
{
    [GeneratedRegex(@"^(\d{20})\.json$")]
    private static partial Regex CommitName();

    [GeneratedRegex(@"^(\d{20})\.checkpoint(?:\.(\d{10})\.(\d{10}))?\.parquet$")]
    private static partial Regex CheckpointName();

    /// <summary>Lists commits and checkpoints directly in <c>{table}/_delta_log/</c> (sub-folders such as <c>.tmp/</c> ignored).</summary>
    public static async Task<LogListing> ListAsync(ILakeStore store, string tablePath, CancellationToken ct = default)
    {
        var prefix = DeltaPaths.LogPrefix(tablePath);
        var listing = new LogListing();
        await foreach (var e in store.ListAsync(prefix, ct).ConfigureAwait(false))
        {
            var name = e.Path[prefix.Length..];
            if (name.Contains('/')) continue;
            var m = CommitName().Match(name);
            if (m.Success)
            {
                listing.Commits.Add(long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
                continue;
            }
            m = CheckpointName().Match(name);
            if (m.Success)
            {
                var v = long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
                var part = m.Groups[2].Success ? int.Parse(m.Groups[2].ValueSpan, CultureInfo.InvariantCulture) : 1;
                var parts = m.Groups[3].Success ? int.Parse(m.Groups[3].ValueSpan, CultureInfo.InvariantCulture) : 1;
                if (!listing.Checkpoints.TryGetValue(v, out var files)) listing.Checkpoints[v] = files = new();
                files[(part, parts)] = e.Path;
            }
        }
        return listing;
    }

    /// <summary>The actions of commit <paramref name="version"/>, or null when that commit does not exist.</summary>
    public static async Task<List<DeltaAction>?> ReadCommitAsync(ILakeStore store, string tablePath, long version, CancellationToken ct = default)
    {
        var bytes = await store.ReadAsync(DeltaPaths.CommitPath(tablePath, version), ct).ConfigureAwait(false);
        if (bytes is null) return null;
        try
        {
            return DeltaAction.ParseCommit(bytes);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Commit {version} of table '{tablePath}' is not valid Delta JSON: {ex.Message}", ex);
        }
    }

    /// <summary><c>_last_checkpoint</c>, or null when absent or unreadable (it is only a hint).</summary>
    public static async Task<LastCheckpoint?> ReadLastCheckpointAsync(ILakeStore store, string tablePath, CancellationToken ct = default)
    {
        var bytes = await store.ReadAsync(DeltaPaths.LastCheckpointPath(tablePath), ct).ConfigureAwait(false);
        if (bytes is null) return null;
        try
        {
            return JsonSerializer.Deserialize(bytes, DeltaJson.Context.LastCheckpoint);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
