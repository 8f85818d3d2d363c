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
/// The lake as the pipeline sees it: one store, the contract tables (created on first use), and a
/// DuckDB engine for staging, parquet and SQL. One instance per process; steps take turns on the engine.
/// </summary>
public sealed class Lakehouse : IDisposable
{
    private readonly ConcurrentDictionary<string, DeltaTable> _tables = new();
    private readonly Lazy<DuckDbConnection> _engine;

    public ILakeStore Store { get; }

    /// <summary>Serialises use of <see cref="Engine"/> (a DuckDB connection is single-user).</summary>
    public SemaphoreSlim EngineLock { get; } = new(1, 1);

    public Lakehouse(ILakeStore store, int engineThreads = 1, string engineMemoryLimit = "768MB")
    {
        Store = store;
        _engine = new Lazy<DuckDbConnection>(() => DuckDbConnection.Open(null, new Dictionary<string, string>
        {
            ["threads"] = engineThreads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory_limit"] = engineMemoryLimit,
        }));
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

    /// <summary>The in-process DuckDB engine (in-memory, UTC). Hold <see cref="EngineLock"/> while using it.</summary>
    public DuckDbConnection Engine => _engine.Value;

    /// <summary>
    /// The table, created with its contract schema when absent, refreshed to its latest version, and upgraded in place when
    /// it still has the layout of an older version (ARCHITECTURE §9; see <see cref="LayoutUpgrade"/>). Writers use this;
    /// hold <see cref="EngineLock"/> (an upgrade rewrites files with <see cref="Engine"/>).
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
            await LayoutUpgrade.UpgradeAsync(Engine, table, def, UpgradeCounters(def), ct: ct);
        return table;
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
        if (_engine.IsValueCreated) _engine.Value.Dispose();
        EngineLock.Dispose();
    }
}
