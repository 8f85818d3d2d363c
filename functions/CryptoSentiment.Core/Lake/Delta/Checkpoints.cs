using System.Globalization;
using System.Text.Json;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Delta;

/// <summary>
/// Writes a classic single-part checkpoint of <paramref name="snapshot"/>:
/// <c>{table}/_delta_log/{version:D20}.checkpoint.parquet</c>, then <c>_last_checkpoint</c> (see <see cref="Checkpoints"/>).
/// Implementations own the parquet encoding only; what goes in is <see cref="Checkpoints.Actions"/>.
/// </summary>
public interface ICheckpointWriter
{
    Task WriteAsync(ILakeStore store, string tablePath, Snapshot snapshot, CancellationToken ct);
}

/// <summary>
/// What a checkpoint holds and how it is published (Delta PROTOCOL "Checkpoints"): one row per action —
/// protocol, metaData, the latest txn per appId, every live add and the unexpired remove tombstones —
/// with <c>dataChange = false</c> like Spark's checkpoints. The parquet file is uploaded first and
/// <c>_last_checkpoint</c> second, so the pointer never names a missing file.
/// </summary>
public static class Checkpoints
{
    /// <summary>A checkpoint is written after every commit whose version is a multiple of this (Spark's default).</summary>
    public const int DefaultInterval = 10;

    /// <summary><c>delta.deletedFileRetentionDuration</c> default: one week.</summary>
    public static readonly TimeSpan DefaultTombstoneRetention = TimeSpan.FromDays(7);

    /// <summary>Table property naming how long remove tombstones are kept.</summary>
    public const string TombstoneRetentionProperty = "delta.deletedFileRetentionDuration";

    /// <summary>The tombstone retention of the table: <see cref="TombstoneRetentionProperty"/> (e.g. <c>interval 1 week</c>) or the default.</summary>
    public static TimeSpan TombstoneRetention(MetadataAction metadata) =>
        metadata.Configuration.GetValueOrDefault(TombstoneRetentionProperty) is { } text && TryParseInterval(text, out var span)
            ? span
            : DefaultTombstoneRetention;

    /// <summary>
    /// Parses a Spark calendar interval such as <c>interval 1 week</c>, <c>interval 2 days 12 hours</c> or <c>168 hours</c>
    /// (weeks, days, hours, minutes, seconds, milliseconds, microseconds; singular or plural).
    /// </summary>
    public static bool TryParseInterval(string text, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        var parts = text.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var i = parts.Length > 0 && parts[0].Equals("interval", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        if ((parts.Length - i) == 0 || (parts.Length - i) % 2 != 0) return false;
        for (; i < parts.Length; i += 2)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return false;
            var unit = parts[i + 1].ToLowerInvariant().TrimEnd('s');
            TimeSpan one;
            switch (unit)
            {
                case "week": one = TimeSpan.FromDays(7); break;
                case "day": one = TimeSpan.FromDays(1); break;
                case "hour": one = TimeSpan.FromHours(1); break;
                case "minute": one = TimeSpan.FromMinutes(1); break;
                case "second": one = TimeSpan.FromSeconds(1); break;
                case "millisecond": one = TimeSpan.FromMilliseconds(1); break;
                case "microsecond": one = TimeSpan.FromMicroseconds(1); break;
                default: return false;
            }
            span += one * n;
        }
        return span >= TimeSpan.Zero;
    }

    /// <summary>
    /// The rows of a checkpoint of <paramref name="snapshot"/>, in a stable order: protocol, metaData, txns (by appId),
    /// adds (by path), then tombstones (by path) whose <c>deletionTimestamp</c> is within the retention before
    /// <paramref name="now"/> (a tombstone without a timestamp counts as expired).
    /// </summary>
    public static IReadOnlyList<DeltaAction> Actions(Snapshot snapshot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var minDeletion = (now - TombstoneRetention(snapshot.Metadata)).ToUnixTimeMilliseconds();
        var list = new List<DeltaAction>(2 + snapshot.TxnActions.Count + snapshot.Files.Count + snapshot.Tombstones.Count)
        {
            snapshot.Protocol,
            snapshot.Metadata,
        };
        foreach (var (_, t) in snapshot.TxnActions.OrderBy(kv => kv.Key, StringComparer.Ordinal)) list.Add(t);
        foreach (var (_, a) in snapshot.Files.OrderBy(kv => kv.Key, StringComparer.Ordinal)) list.Add(a with { DataChange = false });
        foreach (var (_, r) in snapshot.Tombstones.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (r.DeletionTimestamp is { } ts && ts > minDeletion) list.Add(r with { DataChange = false });
        return list;
    }

    /// <summary>Store path of the single-part checkpoint of <paramref name="version"/>.</summary>
    public static string CheckpointPath(string tablePath, long version) => DeltaPaths.CheckpointPaths(tablePath, version, null)[0];

    /// <summary>
    /// Uploads <paramref name="localParquet"/> as the checkpoint of <paramref name="version"/>, then points
    /// <c>_last_checkpoint</c> at it unless that already names a newer checkpoint (a slower concurrent writer never moves it back).
    /// </summary>
    public static async Task<LastCheckpoint> PublishAsync(ILakeStore store, string tablePath, long version, string localParquet,
        IReadOnlyList<DeltaAction> actions, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.PutFileAsync(CheckpointPath(tablePath, version), localParquet, ct).ConfigureAwait(false);
        var pointer = new LastCheckpoint
        {
            Version = version,
            Size = actions.Count,
            SizeInBytes = new FileInfo(localParquet).Length,
            NumOfAddFiles = actions.Count(a => a.Add is not null),
        };
        var current = await DeltaLog.ReadLastCheckpointAsync(store, tablePath, ct).ConfigureAwait(false);
        if (current is null || current.Version <= version)
            await store.PutAsync(DeltaPaths.LastCheckpointPath(tablePath), JsonSerializer.SerializeToUtf8Bytes(pointer, DeltaJson.Context.LastCheckpoint), ct)
                .ConfigureAwait(false);
        return pointer;
    }
}
