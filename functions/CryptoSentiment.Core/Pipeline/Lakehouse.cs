using System.Collections.Concurrent;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Pipeline.Silver;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Lake.Stores.Blob;

namespace CryptoSentiment.Pipeline;

/// <summary>
/// The lake as the pipeline sees it: one store, the contract tables (created on first use), and a DuckDB engine for
/// staging, parquet and SQL: one in-memory database (one memory limit) whose connections are lent out, so work on
/// different partitions, a gold refresh and a warehouse load run side by side (a connection is single-user; its temp
/// tables are its own). One instance per process.
/// </summary>
public sealed class Lakehouse : IDisposable
{
    private readonly ConcurrentDictionary<string, DeltaTable> _tables = new();
    private readonly Lazy<DuckDbDatabase> _database;
    private readonly ConcurrentBag<DuckDbConnection> _idle = new();
    private int _leased;
    private volatile bool _disposed;

    public ILakeStore Store { get; }

    public Lakehouse(ILakeStore store, int engineThreads = 1, string engineMemoryLimit = "768MB")
    {
        Store = store;
        _database = new Lazy<DuckDbDatabase>(() => DuckDbDatabase.Open(null, new Dictionary<string, string>
        {
            ["threads"] = engineThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory_limit"] = engineMemoryLimit,
        }));
    }

    /// <summary>Connections lent out right now (tests look at it).</summary>
    public int EnginesInUse => Volatile.Read(ref _leased);

    /// <summary>
    /// A connection of the lake's DuckDB engine (in-memory, UTC session) for one piece of work: dispose the lease to give it
    /// back. Each caller has its own, so callers never wait on each other for the engine.
    /// </summary>
    public EngineLease RentEngine()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var c = _idle.TryTake(out var idle) ? idle : _database.Value.Connect();
        Interlocked.Increment(ref _leased);
        return new EngineLease(this, c);
    }

    private void Return(DuckDbConnection c)
    {
        Interlocked.Decrement(ref _leased);
        if (_disposed) c.Dispose();
        else _idle.Add(c);
    }

    /// <summary>A lent engine connection (<see cref="RentEngine"/>); disposing it returns the connection.</summary>
    public sealed class EngineLease : IDisposable
    {
        private readonly Lakehouse _owner;
        private DuckDbConnection? _c;

        internal EngineLease(Lakehouse owner, DuckDbConnection c) { _owner = owner; _c = c; }

        public DuckDbConnection Connection => _c ?? throw new ObjectDisposedException(nameof(EngineLease));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _c, null) is { } c) _owner.Return(c);
        }
    }

    /// <summary>
    /// Opens the lake named by <see cref="Settings.LakeUri"/>: a local folder, or a Blob container URL
    /// (<c>https://&lt;acct&gt;.blob.core.windows.net/&lt;container&gt;[/prefix]</c>, Azurite <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1/&lt;container&gt;</c>)
    /// authenticated by <c>LAKE_AUTH</c> (see <see cref="BlobLakeStore.FromSettings"/>); the container is created on first write.
    /// </summary>
    public static Lakehouse Open(Settings settings, int engineThreads = 1) => new(OpenStore(settings), engineThreads);

    /// <summary>The store named by <see cref="Settings.LakeUri"/>.</summary>
    public static ILakeStore OpenStore(Settings settings) =>
        BlobLakeAddress.IsBlobUri(settings.LakeUri)
            ? BlobLakeStore.FromSettings(settings)
            : new LocalLakeStore(Path.GetFullPath(settings.LakeUri));

    /// <summary>
    /// The table, created with its contract schema when absent, refreshed to its latest version, and upgraded in place when
    /// it still has the layout of an older version (ARCHITECTURE §9; see <see cref="LayoutUpgrade"/>). Writers use this.
    /// </summary>
    public async Task<DeltaTable> TableAsync(TableDef def, CancellationToken ct = default)
    {
        if (!_tables.TryGetValue(def.Path, out var table))
        {
            table = await OpenTableAsync(def, ct);
            if (!table.Exists) await table.CreateIfAbsentAsync(def.DeltaSchema, def.PartitionColumns, ct: ct);
            table = _tables.GetOrAdd(def.Path, table);
        }
        var snapshot = await table.RefreshAsync(ct);
        if (snapshot is not null && !LayoutUpgrade.IsCurrent(def, snapshot))
        {
            using var engine = RentEngine();
            await LayoutUpgrade.UpgradeAsync(engine.Connection, table, def, UpgradeCounters(def), ct: ct);
        }
        return table;
    }

    /// <summary>
    /// The table for an append of the ingest path (bronze, silver, quarantine, scorer agreement): as <see cref="TableAsync"/>,
    /// but without reading the log first when this instance found the table at its tip within
    /// <see cref="DeltaTable.TipProbeInterval"/> (its last commit, or its last refresh) and <paramref name="fresh"/> is false.
    /// The append's commit then puts the next version at once: a commit made meanwhile by another instance makes the put lose,
    /// and the transaction reads it and checks it (txn, dedupe keys, metadata) as it would have on a refreshed snapshot. One
    /// instance writing alone thus saves one read per table and batch (a read past the tip, answered 404). Pass
    /// <paramref name="fresh"/> true to read the log anyway (a redo after a conflict).
    /// </summary>
    public async Task<DeltaTable> AppendTableAsync(TableDef def, bool fresh = false, CancellationToken ct = default)
    {
        if (!fresh && _tables.TryGetValue(def.Path, out var table) && table.Exists && table.TipSeenLately
            && LayoutUpgrade.IsCurrent(def, table.Snapshot))
            return table;
        return await TableAsync(def, ct);
    }

    /// <summary>The table when it exists (refreshed, never created nor upgraded), else null: for maintenance.</summary>
    public async Task<DeltaTable?> ExistingTableAsync(TableDef def, CancellationToken ct = default)
    {
        if (await SnapshotIfExistsAsync(def, ct) is null) return null;
        return _tables[def.Path];
    }

    /// <summary>What a layout upgrade of <paramref name="def"/> carries over from the old log: the silver duplicate tallies.</summary>
    public Func<Snapshot, CancellationToken, Task<IReadOnlyDictionary<string, long>>>? UpgradeCounters(TableDef def) =>
        def.Path == LakeTables.SilverNewsSentiment.Path || def.Path == LakeTables.SilverPrices.Path
            ? (snapshot, ct) => DuplicateTally.FromLegacyLogAsync(Store, def, snapshot, ct)
            : null;

    /// <summary>The latest snapshot of a table, or null when it has never been created (read-only use).</summary>
    public async Task<Snapshot?> SnapshotIfExistsAsync(TableDef def, CancellationToken ct = default)
    {
        if (_tables.TryGetValue(def.Path, out var known)) return await known.RefreshAsync(ct);
        var table = await OpenTableAsync(def, ct);
        return table.Exists ? _tables.GetOrAdd(def.Path, table).Snapshot : null;
    }

    /// <summary>Opens a table that reads checkpoints and writes one every <see cref="Checkpoints.DefaultInterval"/> commits.</summary>
    private Task<DeltaTable> OpenTableAsync(TableDef def, CancellationToken ct) =>
        DeltaTable.OpenAsync(Store, def.Path, DuckDbCheckpointReader.Instance, DuckDbCheckpointWriter.Instance, Checkpoints.DefaultInterval, ct);

    /// <summary>Creates the <c>&lt;tier&gt;_&lt;table&gt;</c> views on <paramref name="c"/> over the committed files of every table.</summary>
    public async Task CreateViewsAsync(DuckDbConnection c, IEnumerable<TableDef>? tables = null, CancellationToken ct = default)
    {
        foreach (var def in tables ?? LakeTables.All)
            await LakeViews.CreateAsync(c, Store, def, await SnapshotIfExistsAsync(def, ct), ct);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var c)) c.Dispose();
        if (_database.IsValueCreated) _database.Value.Dispose();
    }
}
