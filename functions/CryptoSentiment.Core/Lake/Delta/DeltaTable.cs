using System.Diagnostics;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Delta;

/// <summary>
/// A Delta table in an <see cref="ILakeStore"/> at <see cref="TablePath"/> ("" = the store root). Holds the latest
/// snapshot this instance knows; safe to share between threads (each transaction is single-threaded).
/// With an <see cref="ICheckpointWriter"/>, every commit whose version is a positive multiple of
/// <see cref="CheckpointInterval"/> is followed by a checkpoint of the new snapshot (best effort: a failure is recorded in
/// <see cref="LastCheckpointError"/> and traced, never thrown — the commit already succeeded).
/// </summary>
public sealed class DeltaTable
{
    private readonly object _gate = new();
    private Snapshot? _snapshot;

    private Exception? _lastCheckpointError;
    private long _lastTipProbe;
    private long _tipSeenAt = -1; // Environment.TickCount64 when this instance last found its snapshot at the log's tip; -1: never
    private long _othersSeenAt = -1; // Environment.TickCount64 when this instance last read a commit of another instance; -1: never

    // The last commits this instance wrote or read (version → actions), contiguous up to _snapshot's version; guarded by _gate.
    private readonly SortedList<long, CommitEntry> _recent = new();
    private readonly SemaphoreSlim _commitGate = new(1, 1);

    /// <summary>How many of the latest commits an instance keeps in memory for <see cref="KnownCommitsAfter"/>.</summary>
    public const int RecentCommits = 64;

    /// <summary>
    /// How often <see cref="RefreshAsync"/>, finding no newer commit, checks <c>_last_checkpoint</c> for a newer checkpoint
    /// (commits it may have missed were cleaned up). Log cleanup only deletes commits older than its retention, which is
    /// meant in hours, so once a minute is plenty.
    /// </summary>
    public TimeSpan TipProbeInterval { get; set; } = TimeSpan.FromSeconds(60);

    private DeltaTable(ILakeStore store, string tablePath, ICheckpointReader? checkpointReader, ICheckpointWriter? checkpointWriter, int checkpointInterval)
    {
        Store = store;
        TablePath = tablePath;
        CheckpointReader = checkpointReader;
        CheckpointWriter = checkpointWriter;
        CheckpointInterval = checkpointInterval;
    }

    public ILakeStore Store { get; }
    public string TablePath { get; }
    public ICheckpointReader? CheckpointReader { get; }

    /// <summary>Writes checkpoints after commits (null: never).</summary>
    public ICheckpointWriter? CheckpointWriter { get; }

    /// <summary>A checkpoint follows each commit whose version is a positive multiple of this.</summary>
    public int CheckpointInterval { get; }

    /// <summary>The error of the most recent failed checkpoint attempt by this instance; reset by a successful one.</summary>
    public Exception? LastCheckpointError => Volatile.Read(ref _lastCheckpointError);

    /// <summary>True once the table has a version 0.</summary>
    public bool Exists => Volatile.Read(ref _snapshot) is not null;

    /// <summary>The latest snapshot known to this instance. Throws when the table does not exist yet.</summary>
    public Snapshot Snapshot => Volatile.Read(ref _snapshot)
        ?? throw new DeltaTableNotFoundException($"Delta table '{TablePath}' does not exist in {Store.Root}.");

    /// <summary>Opens the table and loads its latest snapshot when it exists (see <see cref="Exists"/>).</summary>
    public static Task<DeltaTable> OpenAsync(ILakeStore store, string tablePath, ICheckpointReader? checkpointReader = null, CancellationToken ct = default) =>
        OpenAsync(store, tablePath, checkpointReader, null, Checkpoints.DefaultInterval, ct);

    /// <summary>
    /// Opens the table (see <see cref="OpenAsync(ILakeStore, string, ICheckpointReader?, CancellationToken)"/>); commits made through
    /// it are followed by a checkpoint written with <paramref name="checkpointWriter"/> every <paramref name="checkpointInterval"/> versions.
    /// </summary>
    public static async Task<DeltaTable> OpenAsync(ILakeStore store, string tablePath, ICheckpointReader? checkpointReader,
        ICheckpointWriter? checkpointWriter, int checkpointInterval = Checkpoints.DefaultInterval, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(checkpointInterval, 1);
        if (tablePath.Length > 0) LakePath.Validate(tablePath);
        var table = new DeltaTable(store, tablePath, checkpointReader, checkpointWriter, checkpointInterval);
        await table.RefreshAsync(ct).ConfigureAwait(false);
        return table;
    }

    /// <summary>Brings <see cref="Snapshot"/> up to the latest version (incrementally when already loaded). Returns null when the table does not exist.</summary>
    public async Task<Snapshot?> RefreshAsync(CancellationToken ct = default)
    {
        var current = Volatile.Read(ref _snapshot);
        if (current is not null)
        {
            var (updated, _) = await ReadToTipAsync(current, ct).ConfigureAwait(false);
            if (updated.Version == current.Version && Environment.TickCount64 - Volatile.Read(ref _lastTipProbe) > TipProbeInterval.TotalMilliseconds)
            {
                // No commit after ours. Normally that means we are at the tip; but when this instance has not looked for a while,
                // log cleanup may have deleted the commits after ours (it keeps a checkpoint at or after them): look for it.
                Volatile.Write(ref _lastTipProbe, Environment.TickCount64);
                if (await DeltaLog.ReadLastCheckpointAsync(Store, TablePath, ct).ConfigureAwait(false) is { } last && last.Version > current.Version)
                    updated = await Snapshot.LoadAsync(Store, TablePath, null, CheckpointReader, ct).ConfigureAwait(false);
            }
            Observe(updated);
            return Volatile.Read(ref _snapshot);
        }
        try
        {
            Volatile.Write(ref _lastTipProbe, Environment.TickCount64);
            Observe(await Snapshot.LoadAsync(Store, TablePath, null, CheckpointReader, ct).ConfigureAwait(false));
            TipSeen();
            return Volatile.Read(ref _snapshot);
        }
        catch (DeltaTableNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when this instance found its snapshot at the log's tip (a refresh read past the last commit, or a put of the next
    /// version succeeded) within <see cref="TipProbeInterval"/>. Then a writer may commit on its
    /// snapshot without reading the log first: a newer commit makes its put lose, and the transaction reads it then. Log cleanup
    /// cannot have deleted such a commit meanwhile, as it deletes only commits older than its retention (hours, not seconds).
    /// </summary>
    public bool TipSeenLately => Within(ref _tipSeenAt, TipProbeInterval);

    /// <summary>Records that this instance's snapshot is (or was just now) the log's tip.</summary>
    internal void TipSeen() => Volatile.Write(ref _tipSeenAt, Environment.TickCount64);

    /// <summary>
    /// True when this instance read a commit of another instance to this table (a refresh that found some, or a lost put)
    /// within <see cref="SharedWindow"/>. A transaction on a shared table reads the log up to its tip right before its put,
    /// rather than lose the put to the others' commits: a lost put costs the store more than the read past the tip (Azurite:
    /// 1.6 ms of its CPU against 1.2 ms), and the winner is read either way. Alone, it puts at once.
    /// </summary>
    public bool Shared => Within(ref _othersSeenAt, SharedWindow);

    /// <summary>How long a table stays <see cref="Shared"/> after the last commit of another instance was read (default 10 s).</summary>
    public TimeSpan SharedWindow { get; set; } = TimeSpan.FromSeconds(10);

    internal void OthersCommitted() => Volatile.Write(ref _othersSeenAt, Environment.TickCount64);

    /// <summary>True when <paramref name="seenAt"/> (an <see cref="Environment.TickCount64"/>, -1: never) is within <paramref name="window"/> of now.</summary>
    private static bool Within(ref long seenAt, TimeSpan window)
    {
        var seen = Volatile.Read(ref seenAt);
        return seen >= 0 && Environment.TickCount64 - seen <= window.TotalMilliseconds;
    }

    /// <summary>
    /// Reads the commits after <paramref name="from"/> up to the first version that does not exist, keeps them (see
    /// <see cref="KnownCommitsAfter"/>) and records that this instance saw the tip, and other instances' commits when it read any.
    /// </summary>
    internal async Task<(Snapshot Tip, IReadOnlyList<CommitEntry> Commits)> ReadToTipAsync(Snapshot from, CancellationToken ct)
    {
        var (tip, commits) = await from.UpdateWithCommitsAsync(ct).ConfigureAwait(false);
        Remember(commits);
        TipSeen();
        if (commits.Count > 0) OthersCommitted();
        return (tip, commits);
    }

    /// <summary>
    /// Creates version 0 (commitInfo CREATE TABLE, protocol 1/2, metaData) unless the table exists. When two creators race,
    /// one wins and the other just loads the table. Returns true when this call created it.
    /// </summary>
    public async Task<bool> CreateIfAbsentAsync(DeltaSchema schema, IReadOnlyList<string>? partitionColumns = null,
        IReadOnlyDictionary<string, string>? configuration = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (Exists) return false;
        partitionColumns ??= [];
        foreach (var c in partitionColumns)
            if (schema[c] is null) throw new ArgumentException($"Partition column '{c}' is not in the schema.", nameof(partitionColumns));

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var schemaString = schema.ToJson();
        var actions = new List<DeltaAction>
        {
            new CommitInfoAction
            {
                Timestamp = now,
                Operation = "CREATE TABLE",
                OperationParameters = new()
                {
                    ["partitionBy"] = System.Text.Json.JsonSerializer.Serialize(partitionColumns.ToArray(), DeltaJson.Context.StringArray),
                },
                EngineInfo = Transaction.EngineInfo,
                IsBlindAppend = true,
            },
            new ProtocolAction { MinReaderVersion = 1, MinWriterVersion = 2 },
            new MetadataAction
            {
                Id = Guid.NewGuid().ToString(),
                Format = new FormatSpec(),
                SchemaString = schemaString,
                PartitionColumns = partitionColumns.ToList(),
                Configuration = configuration?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value) ?? new(),
                CreatedTime = now,
            },
        };
        var created = await Store.PutIfAbsentAsync(DeltaPaths.CommitPath(TablePath, 0), DeltaAction.SerializeCommit(actions), ct).ConfigureAwait(false);
        await RefreshAsync(ct).ConfigureAwait(false);
        if (!Exists) throw new InvalidOperationException($"Delta table '{TablePath}' could not be created or loaded.");
        return created;
    }

    /// <summary>Starts a transaction on the current <see cref="Snapshot"/>.</summary>
    public Transaction BeginTransaction() => new(this, Snapshot);

    /// <summary>
    /// Starts a transaction on <paramref name="read"/>, a snapshot of this table: the one the caller decided its actions on
    /// (what to append, what was already there). Its commit checks every commit after it — also one this instance observed
    /// meanwhile, which a transaction begun later on the then current snapshot would take as already checked.
    /// </summary>
    public Transaction BeginTransaction(Snapshot read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (!string.Equals(read.TablePath, TablePath, StringComparison.Ordinal))
            throw new ArgumentException($"The snapshot is of '{read.TablePath}', not '{TablePath}'.", nameof(read));
        return new(this, read);
    }

    /// <summary>
    /// Called by <see cref="Transaction"/> after it committed <paramref name="committed"/>: writes a checkpoint when due.
    /// Never throws (cancellation included): the commit is durable whatever happens here.
    /// </summary>
    internal async Task AfterCommitAsync(Snapshot committed, CancellationToken ct)
    {
        if (CheckpointWriter is not { } writer || committed.Version <= 0 || committed.Version % CheckpointInterval != 0) return;
        try
        {
            await writer.WriteAsync(Store, TablePath, committed, ct).ConfigureAwait(false);
            Volatile.Write(ref _lastCheckpointError, null);
            // The checkpoint dropped the expired tombstones; so does the state this long-lived instance holds (it would
            // otherwise keep one per file ever removed since it started).
            var expiredBefore = (DateTimeOffset.UtcNow - Checkpoints.TombstoneRetention(committed.Metadata)).ToUnixTimeMilliseconds();
            ForgetTombstones(committed.Tombstones.Where(kv => (kv.Value.DeletionTimestamp ?? 0) <= expiredBefore).Select(kv => kv.Key).ToList());
        }
        catch (Exception e)
        {
            Volatile.Write(ref _lastCheckpointError, e);
            Trace.TraceWarning($"Delta table '{TablePath}': checkpoint of version {committed.Version} failed (the commit stands): {e.Message}");
        }
    }

    /// <summary>
    /// Writes a checkpoint of <paramref name="snapshot"/> now (maintenance: after vacuum, so that log cleanup can drop the
    /// commits before it). Requires a <see cref="CheckpointWriter"/>.
    /// </summary>
    public async Task WriteCheckpointAsync(Snapshot snapshot, CancellationToken ct = default)
    {
        var writer = CheckpointWriter ?? throw new InvalidOperationException($"Delta table '{TablePath}' was opened without a checkpoint writer.");
        await writer.WriteAsync(Store, TablePath, snapshot, ct).ConfigureAwait(false);
    }

    /// <summary>Drops the tombstones of files vacuum has deleted from the state this instance holds (its later checkpoints stay small).</summary>
    public void ForgetTombstones(IReadOnlyCollection<string> paths)
    {
        if (paths.Count == 0) return;
        lock (_gate)
        {
            if (_snapshot is not null) Volatile.Write(ref _snapshot, _snapshot.WithoutTombstones(paths));
        }
    }

    /// <summary>
    /// The commits after <paramref name="version"/> up to the latest snapshot this instance knows, from memory, with that
    /// snapshot; null when some of them are not in memory (then only the store can tell). Empty when
    /// <paramref name="version"/> is the latest known.
    /// </summary>
    internal (Snapshot Tip, IReadOnlyList<CommitEntry> Commits)? KnownCommitsAfter(long version)
    {
        lock (_gate)
        {
            if (_snapshot is null || _snapshot.Version < version) return null;
            var commits = new List<CommitEntry>((int)(_snapshot.Version - version));
            for (var v = version + 1; v <= _snapshot.Version; v++)
            {
                if (!_recent.TryGetValue(v, out var c)) return null;
                commits.Add(c);
            }
            return (_snapshot, commits);
        }
    }

    /// <summary>
    /// This instance's turn to write the table's next commit, until disposed. Transactions of one instance (e.g. its Event
    /// Hubs partitions) take turns at the put and rebase in memory onto each other's commits instead of racing for the same
    /// version and re-reading the winner from the store; writers in other instances still race, as the protocol allows.
    /// A turn is waited for at most <see cref="CommitTurnWait"/>: a put that hangs (a storage timeout) never holds up the
    /// other partitions' commits — past that they race as they would without turns.
    /// </summary>
    internal async Task<IDisposable> EnterCommitAsync(CancellationToken ct) =>
        await _commitGate.WaitAsync(CommitTurnWait, ct).ConfigureAwait(false) ? new Releaser(_commitGate) : NoTurn.Instance;

    /// <summary>How long a transaction waits for its instance's turn to commit before racing anyway (default 250 ms).</summary>
    public TimeSpan CommitTurnWait { get; set; } = TimeSpan.FromMilliseconds(250);

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    private sealed class NoTurn : IDisposable
    {
        public static readonly NoTurn Instance = new();

        public void Dispose() { }
    }

    /// <summary>Keeps <paramref name="commits"/> (read from the store or written by this instance) for <see cref="KnownCommitsAfter"/>.</summary>
    internal void Remember(IEnumerable<CommitEntry> commits)
    {
        lock (_gate)
        {
            foreach (var c in commits) _recent[c.Version] = c;
            while (_recent.Count > RecentCommits) _recent.RemoveAt(0);
        }
    }

    /// <summary>Adopts <paramref name="snapshot"/> when it is newer than the current one.</summary>
    internal void Observe(Snapshot snapshot)
    {
        lock (_gate)
        {
            if (_snapshot is null || snapshot.Version > _snapshot.Version) Volatile.Write(ref _snapshot, snapshot);
        }
    }
}
