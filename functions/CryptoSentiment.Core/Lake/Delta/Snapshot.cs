using System.Collections.Immutable;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Delta;

/// <summary>One commit as read from the log.</summary>
public sealed record CommitEntry(long Version, IReadOnlyList<DeltaAction> Actions);

/// <summary>
/// Immutable state of a Delta table at one version: protocol, metadata, live data files (keyed by decoded
/// table-relative path; a <c>remove</c> cancels an <c>add</c>, a later <c>add</c> of the same path replaces it)
/// the latest <c>txn</c> per appId, and the <c>remove</c> tombstones seen since the state was loaded (a checkpoint only
/// carries unexpired ones; a later <c>add</c> of the same path cancels a tombstone).
/// </summary>
public sealed class Snapshot
{
    private readonly ImmutableDictionary<string, AddAction> _files;
    private readonly ImmutableDictionary<string, TxnAction> _txns;
    private readonly ImmutableDictionary<string, RemoveAction> _tombstones;
    private IReadOnlyDictionary<string, long>? _txnVersions;
    private DeltaSchema? _schema;

    private Snapshot(ILakeStore store, string tablePath, ICheckpointReader? checkpointReader, long version,
        ProtocolAction protocol, MetadataAction metadata, ImmutableDictionary<string, AddAction> files,
        ImmutableDictionary<string, TxnAction> txns, ImmutableDictionary<string, RemoveAction> tombstones)
    {
        Store = store;
        TablePath = tablePath;
        CheckpointReader = checkpointReader;
        Version = version;
        Protocol = protocol;
        Metadata = metadata;
        _files = files;
        _txns = txns;
        _tombstones = tombstones;
    }

    public ILakeStore Store { get; }
    public string TablePath { get; }
    public ICheckpointReader? CheckpointReader { get; }
    public long Version { get; }
    public ProtocolAction Protocol { get; }
    public MetadataAction Metadata { get; }
    public DeltaSchema Schema => _schema ??= DeltaSchema.Parse(Metadata.SchemaString);
    public IReadOnlyList<string> PartitionColumns => Metadata.PartitionColumns;

    /// <summary>Live data files keyed by decoded table-relative path.</summary>
    public IReadOnlyDictionary<string, AddAction> Files => _files;

    /// <summary>Latest txn version per appId.</summary>
    public IReadOnlyDictionary<string, long> Txns => _txnVersions ??= _txns.ToImmutableDictionary(kv => kv.Key, kv => kv.Value.Version, StringComparer.Ordinal);

    /// <summary>Latest <c>txn</c> action per appId (version and lastUpdated), e.g. for a checkpoint.</summary>
    public IReadOnlyDictionary<string, TxnAction> TxnActions => _txns;

    /// <summary>
    /// <c>remove</c> tombstones keyed by decoded table-relative path: files removed by the commits replayed into this
    /// snapshot plus those carried by the checkpoint it started from. Not filtered by retention (see <see cref="Checkpoints"/>).
    /// </summary>
    public IReadOnlyDictionary<string, RemoveAction> Tombstones => _tombstones;

    /// <summary>Latest committed txn version of <paramref name="appId"/>, or null when it never committed.</summary>
    public long? TxnVersion(string appId) => _txns.TryGetValue(appId, out var v) ? v.Version : null;

    /// <summary>Store path (relative to the store root) of a data file.</summary>
    public string StorePath(AddAction add) => DeltaPaths.StorePath(TablePath, add);

    /// <summary>Store paths of every live data file, sorted.</summary>
    public IReadOnlyList<string> FileStorePaths() =>
        _files.Keys.Order(StringComparer.Ordinal).Select(p => DeltaPaths.Join(TablePath, p)).ToList();

    /// <summary>Live files matching the given partition values (all must match; null matches a null/empty value).</summary>
    public IEnumerable<AddAction> FilesInPartition(IReadOnlyDictionary<string, string?> partition) =>
        _files.Values.Where(a => partition.All(kv =>
            string.IsNullOrEmpty(kv.Value)
                ? string.IsNullOrEmpty(a.PartitionValues.GetValueOrDefault(kv.Key))
                : a.PartitionValues.GetValueOrDefault(kv.Key) == kv.Value));

    /// <summary>The value of partition column <paramref name="column"/> of a file as a date, or null when absent or not a date.</summary>
    public static DateOnly? PartitionDay(IReadOnlyDictionary<string, string?>? partitionValues, string column) =>
        partitionValues is not null && partitionValues.TryGetValue(column, out var v)
        && DateOnly.TryParseExact(v, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
            ? d : null;

    /// <summary>Live files whose date partition <paramref name="column"/> is one of <paramref name="days"/> (partition pruning).</summary>
    public IEnumerable<AddAction> FilesOnDays(string column, IReadOnlySet<DateOnly> days) =>
        _files.Values.Where(a => PartitionDay(a.PartitionValues, column) is { } d && days.Contains(d));

    /// <summary>The distinct values of date partition <paramref name="column"/> among live files.</summary>
    public SortedSet<DateOnly> PartitionDays(string column)
    {
        var days = new SortedSet<DateOnly>();
        foreach (var a in _files.Values)
            if (PartitionDay(a.PartitionValues, column) is { } d) days.Add(d);
        return days;
    }

    /// <summary>
    /// This state without the tombstones of <paramref name="paths"/> (decoded table-relative paths): after vacuum has deleted
    /// those files, their tombstones protect nothing, and a checkpoint written from the result stays small.
    /// </summary>
    public Snapshot WithoutTombstones(IEnumerable<string> paths)
    {
        var tombstones = _tombstones.RemoveRange(paths);
        return ReferenceEquals(tombstones, _tombstones) ? this
            : new Snapshot(Store, TablePath, CheckpointReader, Version, Protocol, Metadata, _files, _txns, tombstones);
    }

    /// <summary>
    /// Loads the table state at <paramref name="version"/> (latest when null): lists <c>_delta_log/</c>, starts from the
    /// newest complete checkpoint ≤ version (preferring the one named by <c>_last_checkpoint</c>) read through
    /// <paramref name="checkpointReader"/>, then replays the JSON commits after it. Without a checkpoint reader the
    /// JSON commits are replayed from version 0 when they are all still present; otherwise <see cref="NotSupportedException"/>.
    /// </summary>
    public static async Task<Snapshot> LoadAsync(ILakeStore store, string tablePath, long? version = null,
        ICheckpointReader? checkpointReader = null, CancellationToken ct = default)
    {
        if (tablePath.Length > 0) LakePath.Validate(tablePath);
        var listing = await DeltaLog.ListAsync(store, tablePath, ct).ConfigureAwait(false);
        long? latest = listing.LatestCommit;
        if (listing.Checkpoints.Count > 0 && (latest is null || listing.Checkpoints.Keys.Max() > latest)) latest = listing.Checkpoints.Keys.Max();
        if (latest is null) throw new DeltaTableNotFoundException($"No Delta log at '{DeltaPaths.LogPrefix(tablePath)}' in {store.Root}.");
        var target = version ?? latest.Value;
        if (target < 0 || target > latest) throw new ArgumentOutOfRangeException(nameof(version), $"Version {target} does not exist (latest {latest}).");

        long? cp = null;
        IReadOnlyList<string>? cpFiles = null;
        var last = await DeltaLog.ReadLastCheckpointAsync(store, tablePath, ct).ConfigureAwait(false);
        if (last is not null && last.Version <= target && listing.CompleteCheckpoint(last.Version, last.Parts) is { } hinted)
        {
            cp = last.Version;
            cpFiles = hinted;
        }
        var newest = listing.LatestCompleteCheckpoint(target);
        if (newest is not null && (cp is null || newest > cp))
        {
            cp = newest;
            cpFiles = listing.CompleteCheckpoint(newest.Value);
        }

        var state = new Builder();
        long start = 0;
        if (cp is not null)
        {
            if (checkpointReader is not null)
            {
                foreach (var file in cpFiles!)
                {
                    var local = await store.MaterializeAsync(file, ct).ConfigureAwait(false);
                    foreach (var a in checkpointReader.Read(local)) state.Apply(a, fromCheckpoint: true);
                }
                start = cp.Value + 1;
            }
            else if (!Enumerable.Range(0, (int)Math.Min(cp.Value + 1, int.MaxValue)).All(v => listing.Commits.Contains(v)))
            {
                throw new NotSupportedException(
                    $"Table '{tablePath}' needs checkpoint {cp} but no ICheckpointReader was given and earlier commits were cleaned up.");
            }
        }

        for (var v = start; v <= target; v++)
        {
            var actions = await DeltaLog.ReadCommitAsync(store, tablePath, v, ct).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Delta log of '{tablePath}' is missing commit {v}.");
            foreach (var a in actions) state.Apply(a, fromCheckpoint: false);
        }
        return state.Build(store, tablePath, checkpointReader, target);
    }

    /// <summary>Incremental refresh: reads only commits newer than <see cref="Version"/>. Returns this instance when there are none.</summary>
    public async Task<Snapshot> UpdateAsync(CancellationToken ct = default) =>
        (await UpdateWithCommitsAsync(ct).ConfigureAwait(false)).Snapshot;

    /// <summary>Like <see cref="UpdateAsync"/>, also returning the commits that were applied (ascending).</summary>
    public async Task<(Snapshot Snapshot, IReadOnlyList<CommitEntry> Commits)> UpdateWithCommitsAsync(CancellationToken ct = default)
    {
        var commits = new List<CommitEntry>();
        for (var v = Version + 1; ; v++)
        {
            var actions = await DeltaLog.ReadCommitAsync(Store, TablePath, v, ct).ConfigureAwait(false);
            if (actions is null) break;
            commits.Add(new CommitEntry(v, actions));
        }
        if (commits.Count == 0) return (this, commits);
        var snap = this;
        foreach (var c in commits) snap = snap.Apply(c.Version, c.Actions);
        return (snap, commits);
    }

    /// <summary>The snapshot after applying commit <paramref name="version"/> (must be <see cref="Version"/> + 1).</summary>
    public Snapshot Apply(long version, IEnumerable<DeltaAction> actions)
    {
        if (version != Version + 1) throw new ArgumentException($"Cannot apply commit {version} on snapshot {Version}.", nameof(version));
        var b = new Builder(this);
        foreach (var a in actions) b.Apply(a, fromCheckpoint: false);
        return b.Build(Store, TablePath, CheckpointReader, version);
    }

    /// <summary>Throws <see cref="NotSupportedException"/> when the table needs reader features this library lacks.</summary>
    public void EnsureReadable()
    {
        if (Protocol.MinReaderVersion > 3) throw new NotSupportedException($"Reader version {Protocol.MinReaderVersion} not supported.");
        var unsupported = (Protocol.ReaderFeatures ?? []).Except(["timestampNtz", "typeWidening", "vacuumProtocolCheck"]).ToList();
        if (Protocol.MinReaderVersion == 3 && unsupported.Count > 0)
            throw new NotSupportedException($"Reader features not supported: {string.Join(", ", unsupported)}.");
    }

    /// <summary>Throws <see cref="NotSupportedException"/> when this library cannot write the table correctly.</summary>
    public void EnsureWritable()
    {
        var w = Protocol.MinWriterVersion;
        var unsupported = (Protocol.WriterFeatures ?? []).Except(["appendOnly", "invariants"]).ToList();
        if (w > 2 && !(w == 7 && unsupported.Count == 0))
            throw new NotSupportedException($"Writer version {w} (features: {string.Join(", ", Protocol.WriterFeatures ?? [])}) not supported.");
    }

    private sealed class Builder
    {
        private readonly ImmutableDictionary<string, AddAction>.Builder _files;
        private readonly ImmutableDictionary<string, TxnAction>.Builder _txns;
        private readonly ImmutableDictionary<string, RemoveAction>.Builder _tombstones;
        private ProtocolAction? _protocol;
        private MetadataAction? _metadata;

        public Builder()
        {
            _files = ImmutableDictionary.CreateBuilder<string, AddAction>(StringComparer.Ordinal);
            _txns = ImmutableDictionary.CreateBuilder<string, TxnAction>(StringComparer.Ordinal);
            _tombstones = ImmutableDictionary.CreateBuilder<string, RemoveAction>(StringComparer.Ordinal);
        }

        public Builder(Snapshot s)
        {
            _files = s._files.ToBuilder();
            _txns = s._txns.ToBuilder();
            _tombstones = s._tombstones.ToBuilder();
            _protocol = s.Protocol;
            _metadata = s.Metadata;
        }

        public void Apply(DeltaAction a, bool fromCheckpoint)
        {
            if (a.Protocol is { } p) _protocol = p;
            if (a.MetaData is { } m) _metadata = m;
            if (a.Add is { } add)
            {
                var path = DeltaPaths.DecodeActionPath(add.Path);
                _files[path] = add;
                _tombstones.Remove(path);
            }
            if (a.Remove is { } rm)
            {
                var path = DeltaPaths.DecodeActionPath(rm.Path);
                // In a checkpoint, removes are tombstones only; the adds are already reconciled.
                if (!fromCheckpoint) _files.Remove(path);
                _tombstones[path] = rm;
            }
            if (a.Txn is { } t) _txns[t.AppId] = t;
        }

        public Snapshot Build(ILakeStore store, string tablePath, ICheckpointReader? reader, long version)
        {
            if (_protocol is null) throw new InvalidDataException($"Delta table '{tablePath}' has no protocol action at version {version}.");
            if (_metadata is null) throw new InvalidDataException($"Delta table '{tablePath}' has no metaData action at version {version}.");
            var s = new Snapshot(store, tablePath, reader, version, _protocol, _metadata, _files.ToImmutable(), _txns.ToImmutable(), _tombstones.ToImmutable());
            s.EnsureReadable();
            return s;
        }
    }
}
