using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Telemetry;

namespace CryptoSentiment.Lake.Delta;

public enum CommitOutcome
{
    /// <summary>The commit was written at <see cref="CommitResult.Version"/>.</summary>
    Committed,

    /// <summary>A txn (appId, version) of this transaction was already committed at ≥ that version; nothing was written.</summary>
    TxnAlreadyCommitted,
}

/// <summary>Result of <see cref="Transaction.CommitAsync"/>. For <see cref="CommitOutcome.TxnAlreadyCommitted"/>,
/// <see cref="Version"/> is the table version at which that was detected.</summary>
public sealed record CommitResult(CommitOutcome Outcome, long Version, int Attempts)
{
    public bool Committed => Outcome == CommitOutcome.Committed;
}

public enum ConflictKind
{
    /// <summary>A file this transaction removes was removed by a concurrent commit (or is no longer live).</summary>
    ConcurrentDeleteDelete,

    /// <summary>A concurrent commit added a file matching a guard (e.g. into a partition this transaction replaces).</summary>
    ConcurrentAppend,

    /// <summary>A concurrent commit changed metaData or protocol.</summary>
    MetadataChanged,

    /// <summary>
    /// A concurrent commit recorded a <c>txn</c> of one of this transaction's appIds below this transaction's version (another
    /// writer committed part of the same range, e.g. when an Event Hubs partition's lease moved): re-read, skip what is
    /// committed, commit the rest.
    /// </summary>
    ConcurrentTxn,

    /// <summary>Retries exhausted.</summary>
    TooManyRetries,
}

/// <summary>The transaction cannot be committed on top of what concurrent writers committed; re-read and redo the work.</summary>
public sealed class DeltaConflictException(ConflictKind kind, string message) : Exception(message)
{
    public ConflictKind Kind { get; } = kind;
}

/// <summary>
/// A set of actions committed atomically as the next version (optimistic concurrency): the commit file is created with
/// put-if-absent; when another writer won that version, the new commits are read, checked for conflicts and the
/// commit is retried at the next version (bounded, with jittered backoff). Single use.
/// </summary>
public sealed class Transaction
{
    public const string EngineInfo = "CryptoSentiment.Lake.Delta/1.0";

    private readonly DeltaTable _table;
    private readonly Snapshot _read;
    private readonly List<AddAction> _adds = new();
    private readonly List<RemoveAction> _removes = new();
    private readonly Dictionary<string, long> _txns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);
    private MetadataAction? _metadata;
    private readonly List<Func<AddAction, bool>> _concurrentAddGuards = new();
    private Func<IReadOnlyList<AddAction>, CancellationToken, Task<bool>>? _concurrentAddCheck;
    private string _operation = "WRITE";
    private Dictionary<string, string?>? _parameters;
    private Dictionary<string, string?>? _metrics;
    private bool _used;

    internal Transaction(DeltaTable table, Snapshot read)
    {
        _table = table;
        _read = read;
    }

    /// <summary>The snapshot this transaction was started from.</summary>
    public Snapshot ReadSnapshot => _read;
    public long ReadVersion => _read.Version;

    /// <summary>Maximum number of put attempts (default 100).</summary>
    public int MaxAttempts { get; set; } = 100;

    public IReadOnlyList<AddAction> Adds => _adds;
    public IReadOnlyList<RemoveAction> Removes => _removes;

    public Transaction Add(AddAction add)
    {
        ArgumentNullException.ThrowIfNull(add);
        var cols = (_metadata ?? _read.Metadata).PartitionColumns;
        if (add.PartitionValues.Count != cols.Count || !cols.All(add.PartitionValues.ContainsKey))
            throw new ArgumentException($"add '{add.Path}' must have partition values for exactly [{string.Join(", ", cols)}] (set a new layout with SetMetadata first).", nameof(add));
        LakePath.Validate(DeltaPaths.DecodeActionPath(add.Path));
        _adds.Add(add);
        return this;
    }

    public Transaction Remove(RemoveAction remove)
    {
        ArgumentNullException.ThrowIfNull(remove);
        _removes.Add(remove);
        return this;
    }

    /// <summary>Removes a live file (as found in <see cref="ReadSnapshot"/>); <paramref name="dataChange"/> false when its rows live on in an added file (compaction).</summary>
    public Transaction Remove(AddAction liveFile, bool dataChange = true) => Remove(liveFile.ToRemove(dataChange: dataChange));

    /// <summary>
    /// Replaces the table's metaData (schema, partition columns) in this commit. Such a commit conflicts with any concurrent
    /// commit that adds or removes files: those were written for the old layout and would be left behind by it.
    /// </summary>
    public Transaction SetMetadata(MetadataAction metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (_adds.Count > 0) throw new InvalidOperationException("Set the new metadata before adding files for it.");
        _metadata = metadata;
        return this;
    }

    /// <summary>
    /// Adds <paramref name="delta"/> to the counter kept as the <c>txn</c> version of <paramref name="appId"/> (0 when absent),
    /// computed on the snapshot the commit finally lands on, so concurrent increments are never lost. Counters take no part
    /// in the idempotency check of <see cref="SetTxn"/>. Used for tallies that must outlive log cleanup (e.g. duplicates).
    /// </summary>
    public Transaction AddToCounter(string appId, long delta)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentOutOfRangeException.ThrowIfNegative(delta);
        if (_txns.ContainsKey(appId)) throw new ArgumentException($"'{appId}' is an idempotency txn of this transaction, not a counter.", nameof(appId));
        _counters[appId] = _counters.GetValueOrDefault(appId) + delta;
        return this;
    }

    /// <summary>
    /// Removes every live file of a partition (e.g. to replace a gold day with remove + add in one commit) and makes the
    /// commit fail with <see cref="ConflictKind.ConcurrentAppend"/> if a concurrent writer adds a file to that partition.
    /// </summary>
    public Transaction ReplacePartition(IReadOnlyDictionary<string, string?> partition)
    {
        foreach (var f in _read.FilesInPartition(partition).ToList()) Remove(f);
        var copy = partition.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return FailOnConcurrentAdd(a => copy.All(kv => string.IsNullOrEmpty(kv.Value)
            ? string.IsNullOrEmpty(a.PartitionValues.GetValueOrDefault(kv.Key))
            : a.PartitionValues.GetValueOrDefault(kv.Key) == kv.Value));
    }

    /// <summary>
    /// Fail (instead of retrying) when a concurrent commit adds a file matching <paramref name="guard"/> with <c>dataChange</c>
    /// true. Files added by compaction (<c>dataChange = false</c>) hold rows the table already had and never match.
    /// </summary>
    public Transaction FailOnConcurrentAdd(Func<AddAction, bool> guard)
    {
        _concurrentAddGuards.Add(guard);
        return this;
    }

    /// <summary>
    /// Asks <paramref name="conflicts"/>, after losing a version to concurrent commits, whether the files they added with
    /// <c>dataChange = true</c> conflict with this transaction (e.g. hold the same dedupe keys, as Delta's conflict checker reads
    /// the winning commits' files for appends). False: the commit is rebased onto them and retried; true:
    /// <see cref="ConflictKind.ConcurrentAppend"/>.
    /// </summary>
    public Transaction CheckConcurrentAdds(Func<IReadOnlyList<AddAction>, CancellationToken, Task<bool>> conflicts)
    {
        ArgumentNullException.ThrowIfNull(conflicts);
        _concurrentAddCheck = conflicts;
        return this;
    }

    /// <summary>Records the idempotency watermark <c>txn(appId, version)</c>; the commit is skipped when the table already has ≥ version.</summary>
    public Transaction SetTxn(string appId, long version)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        if (_counters.ContainsKey(appId)) throw new ArgumentException($"'{appId}' is a counter of this transaction.", nameof(appId));
        _txns[appId] = version;
        return this;
    }

    /// <summary>Sets the commitInfo operation, parameters and metrics (metrics written as strings, like Spark).</summary>
    public Transaction CommitInfo(string operation, IReadOnlyDictionary<string, string>? parameters = null, IReadOnlyDictionary<string, long>? metrics = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        _operation = operation;
        _parameters = parameters?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);
        _metrics = metrics?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return this;
    }

    /// <summary>True when every txn of this transaction is already committed at ≥ its version in <paramref name="snapshot"/>.</summary>
    private string? AlreadyCommittedTxn(Snapshot snapshot) =>
        _txns.Where(kv => snapshot.TxnVersion(kv.Key) is { } have && have >= kv.Value).Select(kv => kv.Key).FirstOrDefault();

    /// <summary>Writes the commit; see <see cref="Transaction"/>. Returns the committed version or <see cref="CommitOutcome.TxnAlreadyCommitted"/>.</summary>
    public async Task<CommitResult> CommitAsync(CancellationToken ct = default)
    {
        if (_used) throw new InvalidOperationException("A transaction can be committed only once.");
        _used = true;
        _read.EnsureWritable();
        if (_removes.Any(r => r.DataChange) &&
            string.Equals(_read.Metadata.Configuration.GetValueOrDefault("delta.appendOnly"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Table '{_read.TablePath}' is append-only (delta.appendOnly); removes are not allowed.");

        var removed = new HashSet<string>(_removes.Select(r => DeltaPaths.DecodeActionPath(r.Path)), StringComparer.Ordinal);
        CheckRemovesLive(_read, removed);
        if (AlreadyCommittedTxn(_read) is not null) return new CommitResult(CommitOutcome.TxnAlreadyCommitted, _read.Version, 0);

        var snapshot = _read;
        var store = _table.Store;
        CommitResult? result = null;
        Snapshot? committed = null;
        using (await _table.EnterCommitAsync(ct).ConfigureAwait(false))
        {
            for (var attempt = 1; attempt <= MaxAttempts && result is null; attempt++)
            {
                ct.ThrowIfCancellationRequested();
                // Commits this instance already knows past the snapshot (its own, or read by another of its transactions):
                // the same conflict check, without losing a put to them and reading them from the store again.
                if (_table.KnownCommitsAfter(snapshot.Version) is { Commits.Count: > 0 } known)
                {
                    if (await RebaseAsync(known.Tip, known.Commits, attempt, ct).ConfigureAwait(false) is { } done) return done;
                    snapshot = known.Tip;
                }
                if (attempt == 1 && _table.Shared)
                {
                    // Other instances commit to this table too: read what they committed since, right before the put.
                    var (tip, since) = await _table.ReadToTipAsync(snapshot, ct).ConfigureAwait(false);
                    if (since.Count > 0)
                    {
                        if (await RebaseAsync(tip, since, attempt, ct).ConfigureAwait(false) is { } landed) return landed;
                        snapshot = tip;
                    }
                }
                var version = snapshot.Version + 1;
                var actions = BuildActions(snapshot);
                if (await store.PutIfAbsentAsync(DeltaPaths.CommitPath(_table.TablePath, version), DeltaAction.SerializeCommit(actions), ct).ConfigureAwait(false))
                {
                    committed = snapshot.Apply(version, actions);
                    _table.Remember([new CommitEntry(version, actions)]);
                    _table.Observe(committed);
                    _table.TipSeen(); // the version after the snapshot's was free: the snapshot was the tip
                    result = new CommitResult(CommitOutcome.Committed, version, attempt);
                    break;
                }

                // Lost the race for this version to another instance: read what the winner(s) committed and decide.
                PipelineTelemetry.RecordCommitConflict(_table.TablePath);
                _table.OthersCommitted();
                // The first time, only the commit that won this version (the put found it): whether more followed, the next put
                // finds out. One winner is the rule here, as a table other instances write is read up to its tip before the
                // put (see DeltaTable.Shared): this saves the read past the tip (a 404) per race. Lost again, or the winner
                // gone (log cleanup between), the log is read up to its tip, so a writer far behind never pays a put per commit.
                var winner = attempt == 1 ? await DeltaLog.ReadCommitAsync(store, _table.TablePath, version, ct).ConfigureAwait(false) : null;
                var (newer, commits) = winner is not null
                    ? (snapshot.Apply(version, winner), [new CommitEntry(version, winner)])
                    : await snapshot.UpdateWithCommitsAsync(ct).ConfigureAwait(false);
                _table.Remember(commits);
                if (await RebaseAsync(newer, commits, attempt, ct).ConfigureAwait(false) is { } already) return already;
                snapshot = newer;
                // The winners' commits are read already: retry at once, and back off (jittered) only when the table stays that busy.
                if (attempt > 2) await Task.Delay(Random.Shared.Next(0, 1 + Math.Min(20, attempt * 2)), ct).ConfigureAwait(false);
            }
        }
        if (result is null || committed is null)
            throw new DeltaConflictException(ConflictKind.TooManyRetries, $"Gave up committing to '{_table.TablePath}' after {MaxAttempts} attempts.");
        await _table.AfterCommitAsync(committed, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Checks the commits concurrent writers made since the snapshot this transaction would commit on (<paramref name="commits"/>,
    /// leading to <paramref name="newer"/>): returns a result when one of them already committed this transaction's txn,
    /// throws <see cref="DeltaConflictException"/> on a real conflict, else null (rebase onto <paramref name="newer"/>).
    /// </summary>
    private async Task<CommitResult?> RebaseAsync(Snapshot newer, IReadOnlyList<CommitEntry> commits, int attempt, CancellationToken ct)
    {
        _table.Observe(newer); // whatever this transaction concludes, that is what the log holds: a redo starts from it
        var removed = new HashSet<string>(_removes.Select(r => DeltaPaths.DecodeActionPath(r.Path)), StringComparer.Ordinal);
        var concurrentAdds = new List<AddAction>();
        foreach (var c in commits)
        {
            foreach (var a in c.Actions)
            {
                if (a.Txn is { } t && _txns.TryGetValue(t.AppId, out var mine))
                {
                    if (t.Version >= mine) return new CommitResult(CommitOutcome.TxnAlreadyCommitted, newer.Version, attempt);
                    throw new DeltaConflictException(ConflictKind.ConcurrentTxn,
                        $"Commit {c.Version} of '{_table.TablePath}' committed '{t.AppId}' up to {t.Version}, below this commit's {mine}: re-read and commit the rest.");
                }
                if (a.Add is { DataChange: true } added) concurrentAdds.Add(added);
                if (a.MetaData is not null || a.Protocol is not null)
                    throw new DeltaConflictException(ConflictKind.MetadataChanged, $"Commit {c.Version} changed the table metadata/protocol.");
                if (_metadata is not null && (a.Add is not null || a.Remove is not null))
                    throw new DeltaConflictException(ConflictKind.ConcurrentAppend,
                        $"Commit {c.Version} changed the files of '{_table.TablePath}' while this commit changes its layout.");
                if (a.Remove is { } r && removed.Contains(DeltaPaths.DecodeActionPath(r.Path)))
                    throw new DeltaConflictException(ConflictKind.ConcurrentDeleteDelete, $"Commit {c.Version} already removed '{r.Path}'.");
                if (a.Add is { DataChange: true } add && _concurrentAddGuards.Any(g => g(add)))
                    throw new DeltaConflictException(ConflictKind.ConcurrentAppend, $"Commit {c.Version} added '{add.Path}' into data this transaction replaces.");
            }
        }
        CheckRemovesLive(newer, removed);
        if (_concurrentAddCheck is not null && concurrentAdds.Count > 0 && await _concurrentAddCheck(concurrentAdds, ct).ConfigureAwait(false))
            throw new DeltaConflictException(ConflictKind.ConcurrentAppend,
                $"Commits {commits[0].Version}..{commits[^1].Version} of '{_table.TablePath}' added rows that conflict with this commit's.");
        return null;
    }

    private static void CheckRemovesLive(Snapshot snapshot, HashSet<string> removed)
    {
        foreach (var path in removed)
            if (!snapshot.Files.ContainsKey(path))
                throw new DeltaConflictException(ConflictKind.ConcurrentDeleteDelete, $"File '{path}' is not live at version {snapshot.Version}.");
    }

    private List<DeltaAction> BuildActions(Snapshot current)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var list = new List<DeltaAction>(3 + _adds.Count + _removes.Count + _txns.Count + _counters.Count)
        {
            new CommitInfoAction
            {
                Timestamp = now,
                Operation = _operation,
                OperationParameters = _parameters ?? new(),
                OperationMetrics = _metrics,
                EngineInfo = EngineInfo,
                ReadVersion = _read.Version,
                IsBlindAppend = _removes.Count == 0 && _metadata is null,
            },
        };
        if (_metadata is not null) list.Add(_metadata);
        foreach (var (appId, v) in _txns) list.Add(new TxnAction { AppId = appId, Version = v, LastUpdated = now });
        foreach (var (appId, delta) in _counters)
            list.Add(new TxnAction { AppId = appId, Version = (current.TxnVersion(appId) ?? 0) + delta, LastUpdated = now });
        foreach (var r in _removes) list.Add(r);
        foreach (var a in _adds) list.Add(a);
        return list;
    }
}
