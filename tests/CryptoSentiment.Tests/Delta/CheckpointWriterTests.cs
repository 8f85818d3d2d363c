using System.Text.Json;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Tests.Delta;

public class CheckpointWriterTests
{
    private const string TablePath = "gold/coin_day";

    private static readonly DeltaSchema Schema = DeltaSchema.Of(
        ("coin", "string", true), ("day", "date", true), ("value", "double", true), ("n", "long", false));

    private static readonly string?[] Coins = ["BTC", "ETH", "a b/c=d%", null];

    private static string ReferenceCheckpoint =>
        Path.Combine(TestData.DeltaRoot, "simple_table_with_checkpoint", "_delta_log", "00000000000000000010.checkpoint.parquet");

    /// <summary>Records which checkpoint files a load read.</summary>
    private sealed class CountingReader : ICheckpointReader
    {
        public List<string> Read { get; } = new();

        IEnumerable<DeltaAction> ICheckpointReader.Read(string localParquetPath)
        {
            Read.Add(Path.GetFileName(localParquetPath));
            return DuckDbCheckpointReader.Instance.Read(localParquetPath);
        }
    }

    private sealed class FailingWriter : ICheckpointWriter
    {
        public int Calls;

        public Task WriteAsync(ILakeStore store, string tablePath, Snapshot snapshot, CancellationToken ct)
        {
            Calls++;
            throw new InvalidOperationException("disk full");
        }
    }

    private static AddAction NewFile(string? coin, int day, int i, bool tags = false)
    {
        var loc = DeltaPaths.NewDataFile([("coin", coin), ("day", $"2026-11-{day:D2}")]);
        var stats = new FileStats
        {
            NumRecords = i + 1,
            MinValues = new() { ["value"] = i * 0.5, ["n"] = i },
            MaxValues = new() { ["value"] = i * 1.5, ["n"] = i * 3 },
            NullCount = new() { ["value"] = 0, ["n"] = 0 },
        };
        var add = AddAction.Create(loc, 1000 + i, stats, modificationTime: 1_700_000_000_000 + i);
        return tags ? add with { Tags = new() { ["INSERTION_TIME"] = $"{i}", ["empty"] = null } } : add;
    }

    /// <summary>Version 0 (create) + 25 commits: appends over 4 coins × 5 days, a partition replaced every 4th commit, txns of 4 apps.</summary>
    private static async Task<DeltaTable> Build25Async(ILakeStore store, ICheckpointWriter? writer = null)
    {
        var table = await DeltaTable.OpenAsync(store, TablePath, DuckDbCheckpointReader.Instance, writer ?? DuckDbCheckpointWriter.Instance);
        Assert.True(await table.CreateIfAbsentAsync(Schema, ["coin", "day"],
            new Dictionary<string, string> { ["delta.appendOnly"] = "false", ["custom.note"] = "checkpoint \"test\"" }));
        for (var i = 1; i <= 25; i++)
        {
            var tx = table.BeginTransaction();
            if (i % 4 == 0)
            {
                var coin = Coins[i % Coins.Length];
                var day = 1 + i % 5;
                tx.ReplacePartition(new Dictionary<string, string?> { ["coin"] = coin, ["day"] = $"2026-11-{day:D2}" })
                  .Add(NewFile(coin, day, i))
                  .SetTxn("gold/watermark", i)
                  .CommitInfo("WRITE", new Dictionary<string, string> { ["mode"] = "Overwrite" });
            }
            else
            {
                tx.Add(NewFile(Coins[i % Coins.Length], 1 + i % 5, i, tags: i % 3 == 0))
                  .Add(NewFile(Coins[(i + 1) % Coins.Length], 1 + (i + 2) % 5, 100 + i))
                  .SetTxn($"bronze/p{i % 3}", i * 10);
            }
            var r = await tx.CommitAsync();
            Assert.Equal((CommitOutcome.Committed, (long)i), (r.Outcome, r.Version));
            Assert.Null(table.LastCheckpointError);
        }
        return table;
    }

    private static void AssertMap(IReadOnlyDictionary<string, string?>? expected, IReadOnlyDictionary<string, string?>? actual, string what)
    {
        Assert.True((expected is null) == (actual is null), $"{what}: one map is null");
        if (expected is null) return;
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual!.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    /// <summary>Every field of the table state that matters (dataChange is commit-level and is false in checkpoints, like Spark's).</summary>
    private static void AssertSameState(Snapshot expected, Snapshot actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal((expected.Protocol.MinReaderVersion, expected.Protocol.MinWriterVersion), (actual.Protocol.MinReaderVersion, actual.Protocol.MinWriterVersion));
        Assert.Equal(expected.Protocol.ReaderFeatures, actual.Protocol.ReaderFeatures);
        Assert.Equal(expected.Protocol.WriterFeatures, actual.Protocol.WriterFeatures);

        var (em, am) = (expected.Metadata, actual.Metadata);
        Assert.Equal((em.Id, em.Name, em.Description, em.SchemaString, em.CreatedTime), (am.Id, am.Name, am.Description, am.SchemaString, am.CreatedTime));
        Assert.Equal(em.Format.Provider, am.Format.Provider);
        AssertMap(em.Format.Options, am.Format.Options, "format.options");
        Assert.Equal(em.PartitionColumns, am.PartitionColumns);
        AssertMap(em.Configuration, am.Configuration, "configuration");
        Assert.Equal(expected.Schema, actual.Schema);

        Assert.Equal(expected.Files.Keys.Order(StringComparer.Ordinal), actual.Files.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, e) in expected.Files)
        {
            var a = actual.Files[key];
            Assert.Equal((e.Path, e.Size, e.ModificationTime, e.Stats), (a.Path, a.Size, a.ModificationTime, a.Stats));
            AssertMap(e.PartitionValues, a.PartitionValues, $"{key} partitionValues");
            AssertMap(e.Tags, a.Tags, $"{key} tags");
        }

        Assert.Equal(expected.Txns.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.Txns.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        foreach (var (appId, e) in expected.TxnActions)
            Assert.Equal((e.AppId, e.Version, e.LastUpdated), (actual.TxnActions[appId].AppId, actual.TxnActions[appId].Version, actual.TxnActions[appId].LastUpdated));

        Assert.Equal(expected.Tombstones.Keys.Order(StringComparer.Ordinal), actual.Tombstones.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, e) in expected.Tombstones)
        {
            var a = actual.Tombstones[key];
            Assert.Equal((e.Path, e.DeletionTimestamp, e.ExtendedFileMetadata, e.Size), (a.Path, a.DeletionTimestamp, a.ExtendedFileMetadata, a.Size));
            AssertMap(e.PartitionValues, a.PartitionValues, $"{key} tombstone partitionValues");
        }
    }

    private static List<(string Name, string Type)> Describe(DuckDbConnection c, string parquet)
    {
        using var r = c.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))", parquet);
        var list = new List<(string, string)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    /// <summary>
    /// The parquet physical schema, depth-first, without the root: name, type, repetition, converted type, children.
    /// DuckDB annotates signed integers with INT_32/INT_64 where Spark leaves them bare: the same type, so normalized away.
    /// </summary>
    private static List<string> ParquetSchema(DuckDbConnection c, string parquet)
    {
        using var r = c.Query("""
            SELECT concat_ws('|', name, coalesce(type, ''), coalesce(repetition_type, ''),
                             CASE WHEN converted_type IN ('INT_32', 'INT_64') THEN '' ELSE coalesce(converted_type, '') END, coalesce(num_children, 0))
            FROM parquet_schema($1)
            """, parquet);
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list.Skip(1).ToList();
    }

    [Fact]
    public async Task Checkpoints_are_written_at_10_and_20_and_last_checkpoint_names_20()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await Build25Async(store);

        var listing = await DeltaLog.ListAsync(store, TablePath);
        Assert.Equal([10L, 20L], listing.Checkpoints.Keys);
        Assert.Equal(Enumerable.Range(0, 26).Select(v => (long)v), listing.Commits);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "gold", "coin_day", "_delta_log", "00000000000000000020.checkpoint.parquet")));

        var raw = await store.ReadAsync(DeltaPaths.LastCheckpointPath(TablePath));
        using var doc = JsonDocument.Parse(raw!);
        Assert.Equal(20, doc.RootElement.GetProperty("version").GetInt64());
        var last = (await DeltaLog.ReadLastCheckpointAsync(store, TablePath))!;
        var at20 = await Snapshot.LoadAsync(store, TablePath, 20);
        var cp20 = store.LocalPath(Checkpoints.CheckpointPath(TablePath, 20))!;
        using var c = DuckDbConnection.Open();
        Assert.Equal(c.Scalar<long>("SELECT count(*) FROM read_parquet($1)", cp20), last.Size);
        Assert.Equal(2 + at20.Txns.Count + at20.Files.Count + at20.Tombstones.Count, last.Size);
        Assert.Equal(at20.Files.Count, last.NumOfAddFiles);
        Assert.Equal(new FileInfo(cp20).Length, last.SizeInBytes);
        Assert.Null(last.Parts);
        Assert.NotEmpty(at20.Tombstones);   // removes from ReplacePartition are carried as tombstones
        Assert.Null(table.LastCheckpointError);
    }

    [Fact]
    public async Task Loading_through_a_checkpoint_equals_replaying_every_json_commit()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await Build25Async(store);

        foreach (var (version, checkpoint) in new (long?, string?)[]
                 {
                     (null, "00000000000000000020.checkpoint.parquet"), (25, "00000000000000000020.checkpoint.parquet"),
                     (20, "00000000000000000020.checkpoint.parquet"), (15, "00000000000000000010.checkpoint.parquet"),
                     (10, "00000000000000000010.checkpoint.parquet"), (9, null),
                 })
        {
            var reader = new CountingReader();
            var viaCheckpoint = await Snapshot.LoadAsync(store, TablePath, version, reader);
            var viaJson = await Snapshot.LoadAsync(store, TablePath, version);   // no reader: replays 0..version
            Assert.Equal(checkpoint is null ? [] : [checkpoint], reader.Read);
            AssertSameState(viaJson, viaCheckpoint);
        }
        AssertSameState(table.Snapshot, await Snapshot.LoadAsync(store, TablePath, null, DuckDbCheckpointReader.Instance));

        // the partition values that need escaping, and the null one, survive the MAP round trip
        var latest = await Snapshot.LoadAsync(store, TablePath, null, DuckDbCheckpointReader.Instance);
        Assert.Contains(latest.Files.Values, f => f.PartitionValues["coin"] == "a b/c=d%");
        Assert.Contains(latest.Files.Values, f => f.PartitionValues.TryGetValue("coin", out var v) && v is null);
        Assert.Contains(latest.Files.Values, f => f.Tags is { } t && t.ContainsKey("empty") && t["empty"] is null);
        Assert.Equal(4, latest.Txns.Count);
        Assert.Equal(24, latest.TxnVersion("gold/watermark"));
        Assert.Equal(250, latest.TxnVersion("bronze/p1"));
    }

    [Fact]
    public async Task Checkpoint_parquet_has_the_spark_column_types()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await Build25Async(store);
        var ours = store.LocalPath(Checkpoints.CheckpointPath(TablePath, 20))!;
        using var c = DuckDbConnection.Open();

        var spark = Describe(c, ReferenceCheckpoint).Where(col => col.Name != "cdc").ToList();
        Assert.Equal(["txn", "add", "remove", "metaData", "protocol"], spark.Select(col => col.Name));
        Assert.Equal(spark, Describe(c, ours));

        // physical parquet schema too (MAP key_value groups, LIST, INT32 protocol versions, UTF8 strings)
        var sparkPhysical = ParquetSchema(c, ReferenceCheckpoint);
        sparkPhysical = sparkPhysical.Take(sparkPhysical.FindIndex(s => s.StartsWith("cdc|", StringComparison.Ordinal))).ToList();
        Assert.Equal(sparkPhysical, ParquetSchema(c, ours));

        // one action per row
        Assert.Equal(0, c.Scalar<long>("""
            SELECT count(*) FROM read_parquet($1)
            WHERE (txn IS NOT NULL)::INT + (add IS NOT NULL)::INT + (remove IS NOT NULL)::INT + ("metaData" IS NOT NULL)::INT + (protocol IS NOT NULL)::INT <> 1
            """, ours));
        Assert.Equal(1, c.Scalar<long>("SELECT count(*) FROM read_parquet($1) WHERE protocol IS NOT NULL", ours));
        Assert.Equal(1, c.Scalar<long>("SELECT count(*) FROM read_parquet($1) WHERE \"metaData\" IS NOT NULL", ours));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM read_parquet($1) WHERE add.dataChange OR remove.dataChange", ours));
        Assert.Equal("BTC", c.Scalar<string>("SELECT add.partitionValues['coin'] FROM read_parquet($1) WHERE add.partitionValues['coin'] = 'BTC' LIMIT 1", ours));
        Assert.Equal(["coin", "day"], c.Scalar<string>("SELECT array_to_string(\"metaData\".partitionColumns, ',') FROM read_parquet($1) WHERE \"metaData\" IS NOT NULL", ours)!.Split(','));
    }

    [Fact]
    public async Task A_checkpoint_alone_carries_the_state_once_earlier_commits_are_deleted()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await Build25Async(store);
        var expected25 = await Snapshot.LoadAsync(store, TablePath);
        var expected20 = await Snapshot.LoadAsync(store, TablePath, 20);
        for (var v = 0; v <= 20; v++) await store.DeleteAsync(DeltaPaths.CommitPath(TablePath, v));

        AssertSameState(expected25, await Snapshot.LoadAsync(store, TablePath, null, DuckDbCheckpointReader.Instance));
        AssertSameState(expected20, await Snapshot.LoadAsync(store, TablePath, 20, DuckDbCheckpointReader.Instance));
        await Assert.ThrowsAsync<NotSupportedException>(() => Snapshot.LoadAsync(store, TablePath));

        // a fresh table instance opened from the checkpoint keeps committing (and checkpoints again at 30)
        var reopened = await DeltaTable.OpenAsync(store, TablePath, DuckDbCheckpointReader.Instance, DuckDbCheckpointWriter.Instance);
        AssertSameState(table.Snapshot, reopened.Snapshot);
        for (var i = 26; i <= 30; i++)
            Assert.True((await reopened.BeginTransaction().Add(NewFile("BTC", 3, i)).SetTxn("bronze/p0", i * 10).CommitAsync()).Committed);
        Assert.Equal(30, (await DeltaLog.ReadLastCheckpointAsync(store, TablePath))!.Version);
        var reader = new CountingReader();
        AssertSameState(reopened.Snapshot, await Snapshot.LoadAsync(store, TablePath, null, reader));
        Assert.Equal(["00000000000000000030.checkpoint.parquet"], reader.Read);
    }

    [Fact]
    public async Task Expired_tombstones_are_left_out_and_retention_follows_the_table_property()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await Build25Async(store);
        var s = table.Snapshot;
        Assert.NotEmpty(s.Tombstones);
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(s.Tombstones.Count, Checkpoints.Actions(s, now).Count(a => a.Remove is not null));
        Assert.DoesNotContain(Checkpoints.Actions(s, now.AddDays(8)), a => a.Remove is not null);
        var actions = Checkpoints.Actions(s, now);
        Assert.Equal(["protocol", "metaData"], actions.Take(2).Select(a => a.Protocol is not null ? "protocol" : a.MetaData is not null ? "metaData" : "?"));
        Assert.All(actions.Where(a => a.Add is not null), a => Assert.False(a.Add!.DataChange));

        Assert.Equal(TimeSpan.FromDays(7), Checkpoints.TombstoneRetention(s.Metadata));
        Assert.Equal(TimeSpan.FromHours(36), Checkpoints.TombstoneRetention(
            s.Metadata with { Configuration = new() { [Checkpoints.TombstoneRetentionProperty] = "interval 1 day 12 hours" } }));
        Assert.Equal(TimeSpan.FromDays(7), Checkpoints.TombstoneRetention(
            s.Metadata with { Configuration = new() { [Checkpoints.TombstoneRetentionProperty] = "forever" } }));
        Assert.True(Checkpoints.TryParseInterval("interval 2 weeks", out var two) && two == TimeSpan.FromDays(14));
        Assert.False(Checkpoints.TryParseInterval("interval", out _));
    }

    [Fact]
    public async Task A_failing_checkpoint_never_fails_the_commit()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var failing = new FailingWriter();
        var table = await DeltaTable.OpenAsync(store, TablePath, DuckDbCheckpointReader.Instance, failing, checkpointInterval: 3);
        await table.CreateIfAbsentAsync(Schema, ["coin", "day"]);
        for (var i = 1; i <= 7; i++)
        {
            var r = await table.BeginTransaction().Add(NewFile("ETH", 1, i)).CommitAsync();
            Assert.Equal((CommitOutcome.Committed, (long)i), (r.Outcome, r.Version));
        }
        Assert.Equal(2, failing.Calls);   // versions 3 and 6
        Assert.IsType<InvalidOperationException>(table.LastCheckpointError);
        Assert.Empty((await DeltaLog.ListAsync(store, TablePath)).Checkpoints);
        Assert.Equal(7, (await Snapshot.LoadAsync(store, TablePath, null, DuckDbCheckpointReader.Instance)).Files.Count);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DeltaTable.OpenAsync(store, TablePath, null, failing, 0));
    }

    [Fact]
    public async Task Pipeline_ingesting_more_than_10_batches_checkpoints_bronze_and_verifies()
    {
        using var tmp = new TempDir();
        var settings = new Settings { LakeUri = Path.Combine(tmp.Path, "lake"), Warehouse = "duckdb:" + Path.Combine(tmp.Path, "wh.duckdb") };
        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-3), TimeSpan.Zero);
        var stream = new SampleStreamGenerator(7, start).Generate(600, 48);
        var batches = stream.ToBatches(EventStream.News, 40, 1).ToList();
        Assert.True(batches.Count > 12, $"{batches.Count} batches");

        Snapshot bronze;
        using (var pipeline = new CryptoPipeline(settings))
        {
            foreach (var b in batches) await pipeline.IngestAsync(b);
            await pipeline.RefreshGoldAsync();
            var table = await pipeline.Lake.TableAsync(LakeTables.BronzeNews);
            Assert.Null(table.LastCheckpointError);
            bronze = table.Snapshot;
            Assert.True(bronze.Version >= 10, $"bronze at v{bronze.Version}");

            var listing = await DeltaLog.ListAsync(pipeline.Lake.Store, LakeTables.BronzeNews.Path);
            Assert.Contains(10L, listing.Checkpoints.Keys);
            var last = await DeltaLog.ReadLastCheckpointAsync(pipeline.Lake.Store, LakeTables.BronzeNews.Path);
            Assert.Equal(listing.Checkpoints.Keys.Max(), last!.Version);

            var report = await LakeVerifier.VerifyAsync(pipeline.Lake);
            Assert.True(report.Ok, string.Join("\n", report.Checks.Where(ch => !ch.Ok).Select(ch => $"{ch.Name}: {ch.Detail}")));
        }

        // a fresh process reads the tables through their checkpoints and still verifies
        using var fresh = new Lakehouse(new LocalLakeStore(settings.LakeUri));
        var reloaded = (await fresh.SnapshotIfExistsAsync(LakeTables.BronzeNews))!;
        AssertSameState(bronze, reloaded);
        var again = await LakeVerifier.VerifyAsync(fresh);
        Assert.True(again.Ok, string.Join("\n", again.Checks.Where(ch => !ch.Ok).Select(ch => $"{ch.Name}: {ch.Detail}")));
    }
}
