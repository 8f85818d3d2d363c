using Xunit.Abstractions;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Tests.Delta;

public class WriterTests(ITestOutputHelper output)
{
    private static readonly DeltaSchema NewsSchema = DeltaSchema.Of(
        ("body", "string", true), ("partition_id", "string", false), ("sequence_number", "long", false),
        ("enqueued_at", "timestamp", true), ("ingested_at", "timestamp", true), ("ingest_date", "date", true));

    private static AddAction NewFile(string? day = null, long size = 100)
    {
        var loc = day is null ? DeltaPaths.NewDataFile() : DeltaPaths.NewDataFile([("ingest_date", day)]);
        return AddAction.Create(loc, size, new FileStats { NumRecords = 1 });
    }

    private static async Task<DeltaTable> NewTable(LocalLakeStore store, string path = "bronze/news", params string[] partitionBy)
    {
        var t = await DeltaTable.OpenAsync(store, path);
        Assert.True(await t.CreateIfAbsentAsync(NewsSchema, partitionBy));
        return t;
    }

    [Fact]
    public async Task Create_writes_protocol_and_metadata_and_second_creator_just_loads()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            var t = await DeltaTable.OpenAsync(store, "bronze/news");
            var created = await t.CreateIfAbsentAsync(NewsSchema, ["ingest_date"]);
            return (created, t);
        })));
        Assert.Equal(1, results.Count(r => r.created));
        var ids = results.Select(r => r.t.Snapshot.Metadata.Id).Distinct().ToList();
        Assert.Single(ids);

        var s = await Snapshot.LoadAsync(store, "bronze/news");
        Assert.Equal(0, s.Version);
        Assert.Equal((1, 2), (s.Protocol.MinReaderVersion, s.Protocol.MinWriterVersion));
        Assert.Equal(NewsSchema, s.Schema);
        Assert.Equal(["ingest_date"], s.PartitionColumns);
        Assert.Equal("parquet", s.Metadata.Format.Provider);
        Assert.Empty(s.Files);

        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "bronze", "news", "_delta_log", "00000000000000000000.json"));
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("{\"commitInfo\":", lines[0]);
        Assert.Equal("{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}", lines[1]);
        Assert.StartsWith("{\"metaData\":", lines[2]);
        Assert.False(await results[0].t.CreateIfAbsentAsync(NewsSchema, ["ingest_date"]));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            var t2 = await DeltaTable.OpenAsync(store, "other");
            await t2.CreateIfAbsentAsync(NewsSchema, ["nope"]);
        });
    }

    [Fact]
    public async Task Commit_adds_file_and_txn_and_commit_info()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await NewTable(store, "bronze/news", "ingest_date");
        var add = NewFile("2026-11-21");
        Assert.StartsWith("ingest_date=2026-11-21/part-00000-", add.Path);
        var tx = table.BeginTransaction().Add(add).SetTxn("bronze/news/0", 41)
            .CommitInfo("WRITE", new Dictionary<string, string> { ["mode"] = "Append" }, new Dictionary<string, long> { ["numOutputRows"] = 7 });
        var r = await tx.CommitAsync();
        Assert.Equal((CommitOutcome.Committed, 1L, 1), (r.Outcome, r.Version, r.Attempts));
        Assert.Equal(1, table.Snapshot.Version);
        Assert.Equal(41, table.Snapshot.TxnVersion("bronze/news/0"));
        Assert.Null(table.Snapshot.TxnVersion("bronze/news/1"));
        Assert.Equal($"bronze/news/{add.Path}", table.Snapshot.StorePath(add));

        var actions = (await DeltaLog.ReadCommitAsync(store, "bronze/news", 1))!;
        var ci = actions[0].CommitInfo!;
        Assert.Equal(("WRITE", "Append", "7", 0L, true), (ci.Operation, ci.OperationParameters!["mode"], ci.OperationMetrics!["numOutputRows"], ci.ReadVersion!.Value, ci.IsBlindAppend!.Value));
        Assert.Equal(((DeltaAction)add).ToJson(), actions.Single(a => a.Add is not null).ToJson());
        Assert.Equal(41, actions.Single(a => a.Txn is not null).Txn!.Version);

        var reloaded = await Snapshot.LoadAsync(store, "bronze/news");
        Assert.Equal(table.Snapshot.Files.Keys, reloaded.Files.Keys);
        await Assert.ThrowsAsync<InvalidOperationException>(() => tx.CommitAsync());
        Assert.Throws<ArgumentException>(() => table.BeginTransaction().Add(NewFile()));   // missing partition value
    }

    [Fact]
    public async Task Txn_already_committed_is_reported_and_writes_nothing()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await NewTable(store);
        Assert.True((await table.BeginTransaction().Add(NewFile()).SetTxn("news/p0", 10).CommitAsync()).Committed);

        // same watermark, and an older one: skipped
        foreach (var v in new long[] { 10, 5 })
        {
            var r = await table.BeginTransaction().Add(NewFile()).SetTxn("news/p0", v).CommitAsync();
            Assert.Equal(CommitOutcome.TxnAlreadyCommitted, r.Outcome);
            Assert.Equal(1, r.Version);
        }

        // a stale writer that has not seen the commit yet loses the race and then detects it
        var stale = await DeltaTable.OpenAsync(store, "bronze/news");
        var staleTx = stale.BeginTransaction().Add(NewFile()).SetTxn("news/p1", 3);
        Assert.True((await table.BeginTransaction().Add(NewFile()).SetTxn("news/p1", 3).CommitAsync()).Committed);
        var staleResult = await staleTx.CommitAsync();
        Assert.Equal((CommitOutcome.TxnAlreadyCommitted, 2L), (staleResult.Outcome, staleResult.Version));

        var listing = await DeltaLog.ListAsync(store, "bronze/news");
        Assert.Equal([0L, 1, 2], listing.Commits);
        var s = await Snapshot.LoadAsync(store, "bronze/news");
        Assert.Equal(2, s.Files.Count);

        // a newer watermark commits
        Assert.True((await table.BeginTransaction().Add(NewFile()).SetTxn("news/p0", 11).CommitAsync()).Committed);
        Assert.Equal(11, table.Snapshot.TxnVersion("news/p0"));
    }

    [Fact]
    public async Task Remove_and_add_in_one_commit_replaces_a_partition()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await NewTable(store, "gold/coin_daily", "ingest_date");
        var day1a = NewFile("2026-11-20");
        var day1b = NewFile("2026-11-20");
        var day2 = NewFile("2026-11-21");
        await table.BeginTransaction().Add(day1a).Add(day1b).Add(day2).CommitAsync();

        var replacement = NewFile("2026-11-20");
        var tx = table.BeginTransaction().ReplacePartition(new Dictionary<string, string?> { ["ingest_date"] = "2026-11-20" }).Add(replacement)
            .CommitInfo("WRITE", new Dictionary<string, string> { ["mode"] = "Overwrite" });
        Assert.Equal(2, tx.Removes.Count);
        var r = await tx.CommitAsync();
        Assert.Equal(2, r.Version);

        string Key(AddAction a) => DeltaPaths.DecodeActionPath(a.Path);
        var s = await Snapshot.LoadAsync(store, "gold/coin_daily");
        Assert.Equal(new[] { Key(day2), Key(replacement) }.Order(), s.Files.Keys.Order());
        Assert.Equal(s.Files.Keys.Order(), table.Snapshot.Files.Keys.Order());
        var removes = (await DeltaLog.ReadCommitAsync(store, "gold/coin_daily", 2))!.Where(a => a.Remove is not null).Select(a => a.Remove!).ToList();
        Assert.Equal(new[] { day1a.Path, day1b.Path }.Order(), removes.Select(x => x.Path).Order());
        Assert.All(removes, x => Assert.Equal("2026-11-20", x.PartitionValues!["ingest_date"]));
        Assert.False(removes[0].DeletionTimestamp is null);

        // a stale writer replacing the same day conflicts (the files it removes are gone)
        var stale = await DeltaTable.OpenAsync(store, "gold/coin_daily", null);
        var staleSnapshot = await Snapshot.LoadAsync(store, "gold/coin_daily", 1);
        Assert.Equal(2, stale.Snapshot.Version);
        var other = await DeltaTable.OpenAsync(store, "gold/coin_daily");
        var t1 = other.BeginTransaction().ReplacePartition(new Dictionary<string, string?> { ["ingest_date"] = "2026-11-21" }).Add(NewFile("2026-11-21"));
        var t2 = stale.BeginTransaction().ReplacePartition(new Dictionary<string, string?> { ["ingest_date"] = "2026-11-21" }).Add(NewFile("2026-11-21"));
        Assert.True((await t1.CommitAsync()).Committed);
        var ex = await Assert.ThrowsAsync<DeltaConflictException>(() => t2.CommitAsync());
        Assert.Equal(ConflictKind.ConcurrentDeleteDelete, ex.Kind);
        Assert.Equal(3, staleSnapshot.Files.Count);

        // a concurrent append into a partition being replaced conflicts; into another partition it retries
        var a = await DeltaTable.OpenAsync(store, "gold/coin_daily");
        var b = await DeltaTable.OpenAsync(store, "gold/coin_daily");
        var replaceTx = a.BeginTransaction().ReplacePartition(new Dictionary<string, string?> { ["ingest_date"] = "2026-11-22" }).Add(NewFile("2026-11-22"));
        Assert.True((await b.BeginTransaction().Add(NewFile("2026-11-23")).CommitAsync()).Committed);
        var replaced = await replaceTx.CommitAsync();
        Assert.Equal((5L, 2), (replaced.Version, replaced.Attempts));
        var replaceTx2 = a.BeginTransaction().ReplacePartition(new Dictionary<string, string?> { ["ingest_date"] = "2026-11-22" }).Add(NewFile("2026-11-22"));
        Assert.True((await b.BeginTransaction().Add(NewFile("2026-11-22")).CommitAsync()).Committed);
        Assert.Equal(ConflictKind.ConcurrentAppend, (await Assert.ThrowsAsync<DeltaConflictException>(() => replaceTx2.CommitAsync())).Kind);
    }

    [Fact]
    public async Task Two_racing_writers_lose_nothing()
    {
        const int perWriter = 200;
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await NewTable(store, "bronze/prices");

        async Task<(List<string> files, int retries)> Writer(string appId)
        {
            var table = await DeltaTable.OpenAsync(store, "bronze/prices");
            var files = new List<string>();
            var retries = 0;
            for (var i = 0; i < perWriter; i++)
            {
                var add = NewFile();
                var r = await table.BeginTransaction().Add(add).SetTxn(appId, i)
                    .CommitInfo("WRITE", metrics: new Dictionary<string, long> { ["numFiles"] = 1 }).CommitAsync();
                Assert.True(r.Committed);
                retries += r.Attempts - 1;
                files.Add(DeltaPaths.DecodeActionPath(add.Path));
            }
            return (files, retries);
        }

        var results = await Task.WhenAll(Task.Run(() => Writer("bronze/prices/0")), Task.Run(() => Writer("bronze/prices/1")));

        output.WriteLine($"retries: {results[0].retries} + {results[1].retries}");
        var s = await Snapshot.LoadAsync(store, "bronze/prices");
        Assert.Equal(2 * perWriter, s.Version);
        Assert.Equal(2 * perWriter, s.Files.Count);
        Assert.Equal(results.SelectMany(r => r.files).Order(), s.Files.Keys.Order());
        Assert.Equal(perWriter - 1, s.TxnVersion("bronze/prices/0"));
        Assert.Equal(perWriter - 1, s.TxnVersion("bronze/prices/1"));

        var listing = await DeltaLog.ListAsync(store, "bronze/prices");
        Assert.Equal(Enumerable.Range(0, 2 * perWriter + 1).Select(i => (long)i), listing.Commits);
        for (var v = 1; v <= 2 * perWriter; v++)
        {
            var actions = (await DeltaLog.ReadCommitAsync(store, "bronze/prices", v))!;
            Assert.Equal(3, actions.Count); // commitInfo, txn, add
            Assert.Single(actions, a => a.Add is not null);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(tmp.Path, "bronze", "prices", "_delta_log"), ".lake-tmp-*"));
    }

    /// <summary>Counts the commit-file reads and the put-if-absent attempts that lost.</summary>
    private sealed class CountingStore(ILakeStore inner) : DelegatingStore(inner)
    {
        public int CommitReads;
        public int LostPuts;

        public override Task<byte[]?> ReadAsync(string path, CancellationToken ct = default)
        {
            if (path.Contains("/_delta_log/", StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal)) Interlocked.Increment(ref CommitReads);
            return base.ReadAsync(path, ct);
        }

        public override async Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
        {
            var ok = await base.PutIfAbsentAsync(path, content, ct);
            if (!ok) Interlocked.Increment(ref LostPuts);
            return ok;
        }
    }

    [Fact]
    public async Task Transactions_of_one_instance_rebase_onto_each_others_commits_in_memory()
    {
        using var tmp = new TempDir();
        var store = new CountingStore(new LocalLakeStore(tmp.Path));
        var table = await DeltaTable.OpenAsync(store, "bronze/news");
        await table.CreateIfAbsentAsync(NewsSchema, ["ingest_date"]);
        var v0 = table.Snapshot.Version;
        var (reads, lost) = (store.CommitReads, store.LostPuts);

        // Two partitions of one instance start from the same snapshot and commit one after the other.
        var p0 = table.BeginTransaction().Add(NewFile("2026-03-01")).SetTxn("bronze/news/p0", 9);
        var p1 = table.BeginTransaction().Add(NewFile("2026-03-01")).SetTxn("bronze/news/p1", 9);
        Assert.Equal((CommitOutcome.Committed, v0 + 1, 1), Outcome(await p0.CommitAsync()));
        Assert.Equal((CommitOutcome.Committed, v0 + 2, 1), Outcome(await p1.CommitAsync())); // rebased in memory: no put lost
        Assert.Equal((reads, lost), (store.CommitReads, store.LostPuts));                     // and nothing read back

        // The same check as after a lost put: a redelivery committed meanwhile by this instance is recognised ...
        var again = table.BeginTransaction().Add(NewFile("2026-03-01")).SetTxn("bronze/news/p2", 4);
        var redelivery = table.BeginTransaction().Add(NewFile("2026-03-01")).SetTxn("bronze/news/p2", 4);
        Assert.True((await again.CommitAsync()).Committed);
        Assert.Equal(CommitOutcome.TxnAlreadyCommitted, (await redelivery.CommitAsync()).Outcome);
        // ... and a file added into a partition another transaction replaces is a conflict.
        var replace = table.BeginTransaction().ReplacePartition(new Dictionary<string, string?> { ["ingest_date"] = "2026-03-02" }).Add(NewFile("2026-03-02"));
        Assert.True((await table.BeginTransaction().Add(NewFile("2026-03-02")).CommitAsync()).Committed);
        Assert.Equal(ConflictKind.ConcurrentAppend, (await Assert.ThrowsAsync<DeltaConflictException>(() => replace.CommitAsync())).Kind);
        Assert.Equal((reads, lost), (store.CommitReads, store.LostPuts));

        // Another instance's commits are still found the protocol's way: a lost put, the winner read from the store.
        var other = await DeltaTable.OpenAsync(store, "bronze/news");
        Assert.True((await other.BeginTransaction().Add(NewFile("2026-03-03")).CommitAsync()).Committed);
        var r = await table.BeginTransaction().Add(NewFile("2026-03-03")).CommitAsync();
        Assert.Equal((CommitOutcome.Committed, 2), (r.Outcome, r.Attempts));
        Assert.Equal(lost + 1, store.LostPuts);
        var s = await Snapshot.LoadAsync(store, "bronze/news");
        Assert.Equal(v0 + 6, s.Version);
        Assert.Equal(6, s.Files.Count);
    }

    [Fact]
    public async Task Partitions_of_one_instance_racing_on_one_table_lose_no_put()
    {
        using var tmp = new TempDir();
        var store = new CountingStore(new LocalLakeStore(tmp.Path));
        var table = await DeltaTable.OpenAsync(store, "bronze/prices");
        await table.CreateIfAbsentAsync(NewsSchema, []);
        table.CommitTurnWait = TimeSpan.FromSeconds(30); // a slow machine's put must not end a turn early here
        var lost = store.LostPuts;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
                Assert.True((await table.BeginTransaction().Add(NewFile()).SetTxn($"bronze/prices/{p}", i).CommitAsync()).Committed);
        })));
        Assert.Equal(lost, store.LostPuts); // they took turns
        var s = await Snapshot.LoadAsync(store, "bronze/prices");
        Assert.Equal(100, s.Files.Count);
        Assert.All(Enumerable.Range(0, 4), p => Assert.Equal(24, s.TxnVersion($"bronze/prices/{p}")));
    }

    [Fact]
    public async Task A_lost_put_reads_only_its_winner_a_writer_far_behind_reads_up_to_the_tip_and_a_shared_table_is_read_before_the_put()
    {
        using var tmp = new TempDir();
        var store = new CountingStore(new LocalLakeStore(tmp.Path));
        var mine = await DeltaTable.OpenAsync(store, "bronze/news");
        await mine.CreateIfAbsentAsync(NewsSchema, ["ingest_date"]);
        var other = await DeltaTable.OpenAsync(store, "bronze/news");
        var v0 = mine.Snapshot.Version;

        // One winner (the rule between two instances with fresh snapshots): one lost put, the winner read, no read past the tip.
        Assert.True((await other.BeginTransaction().Add(NewFile("2026-03-01")).SetTxn("bronze/news/p1", 1).CommitAsync()).Committed);
        var (reads, lost) = (store.CommitReads, store.LostPuts);
        var r = await mine.BeginTransaction().Add(NewFile("2026-03-01")).SetTxn("bronze/news/p0", 1).CommitAsync();
        Assert.Equal((CommitOutcome.Committed, v0 + 2, 2), Outcome(r));
        Assert.Equal((reads + 1, lost + 1), (store.CommitReads, store.LostPuts));

        // Far behind (five commits since its snapshot) on a table it takes for its own (no commit of another writer read
        // lately): the first lost put reads the winner, the second reads up to the tip (the other four and the read past the
        // tip), and the third put lands.
        Assert.True(mine.Shared); // it just read another writer's commit
        mine.SharedWindow = TimeSpan.Zero;
        await Task.Delay(5);
        Assert.False(mine.Shared);
        await other.RefreshAsync();
        for (var i = 2; i <= 6; i++)
            Assert.True((await other.BeginTransaction().Add(NewFile("2026-03-02")).SetTxn("bronze/news/p1", i).CommitAsync()).Committed);
        (reads, lost) = (store.CommitReads, store.LostPuts);
        r = await mine.BeginTransaction().Add(NewFile("2026-03-02")).SetTxn("bronze/news/p0", 2).CommitAsync();
        Assert.Equal((CommitOutcome.Committed, v0 + 8, 3), Outcome(r));
        Assert.Equal((reads + 1 + 5, lost + 2), (store.CommitReads, store.LostPuts));

        // Shared (another writer's commit read within SharedWindow): the log is read up to its tip right before the put, which
        // then lands at once: three commits and the read past the tip, no lost put.
        mine.SharedWindow = TimeSpan.FromMinutes(1);
        Assert.True(mine.Shared);
        for (var i = 7; i <= 9; i++)
            Assert.True((await other.BeginTransaction().Add(NewFile("2026-03-02")).SetTxn("bronze/news/p1", i).CommitAsync()).Committed);
        (reads, lost) = (store.CommitReads, store.LostPuts);
        r = await mine.BeginTransaction().Add(NewFile("2026-03-02")).SetTxn("bronze/news/p0", 3).CommitAsync();
        Assert.Equal((CommitOutcome.Committed, v0 + 12, 1), Outcome(r));
        Assert.Equal((reads + 3 + 1, lost), (store.CommitReads, store.LostPuts));

        // And the winner's txn still counts: a redelivery of what the other writer committed is recognised, not appended twice.
        await other.RefreshAsync();
        Assert.True((await other.BeginTransaction().Add(NewFile("2026-03-03")).SetTxn("bronze/news/p2", 10).CommitAsync()).Committed);
        var redelivered = await mine.BeginTransaction().Add(NewFile("2026-03-03")).SetTxn("bronze/news/p2", 10).CommitAsync();
        Assert.Equal(CommitOutcome.TxnAlreadyCommitted, redelivered.Outcome);
        var s = await Snapshot.LoadAsync(store, "bronze/news");
        Assert.Equal(v0 + 13, s.Version);
        Assert.Equal(13, s.Files.Count);
        Assert.Equal(3, s.TxnVersion("bronze/news/p0"));
        Assert.Equal(9, s.TxnVersion("bronze/news/p1"));
        Assert.Equal(10, s.TxnVersion("bronze/news/p2"));
    }

    private static (CommitOutcome, long, int) Outcome(CommitResult r) => (r.Outcome, r.Version, r.Attempts);

    [Fact]
    public async Task Racing_writers_with_duplicate_batches_commit_each_watermark_once()
    {
        // two replicas of the same ingester: each batch (txn version) must land exactly once
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await NewTable(store, "bronze/news");
        async Task<int> Replica()
        {
            var table = await DeltaTable.OpenAsync(store, "bronze/news");
            var committed = 0;
            for (var batch = 0; batch < 50; batch++)
            {
                await table.RefreshAsync();
                var r = await table.BeginTransaction().Add(NewFile()).SetTxn("news/p0", batch).CommitAsync();
                if (r.Committed) committed++;
            }
            return committed;
        }
        var counts = await Task.WhenAll(Task.Run(Replica), Task.Run(Replica));
        Assert.Equal(50, counts.Sum());
        var s = await Snapshot.LoadAsync(store, "bronze/news");
        Assert.Equal(50, s.Version);
        Assert.Equal(50, s.Files.Count);
        Assert.Equal(49, s.TxnVersion("news/p0"));
    }

    [Fact]
    public async Task Metadata_change_by_a_concurrent_writer_conflicts()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await NewTable(store);
        var tx = table.BeginTransaction().Add(NewFile());
        var meta = table.Snapshot.Metadata with { Configuration = new() { ["x"] = "y" } };
        Assert.True(await store.PutIfAbsentAsync(DeltaPaths.CommitPath("bronze/news", 1), DeltaAction.SerializeCommit([meta])));
        Assert.Equal(ConflictKind.MetadataChanged, (await Assert.ThrowsAsync<DeltaConflictException>(() => tx.CommitAsync())).Kind);
        Assert.Equal("y", (await table.RefreshAsync())!.Metadata.Configuration["x"]);
    }

    [Fact]
    public async Task Append_only_tables_reject_removes()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        var table = await DeltaTable.OpenAsync(store, "t");
        await table.CreateIfAbsentAsync(NewsSchema, configuration: new Dictionary<string, string> { ["delta.appendOnly"] = "true" });
        var f = NewFile();
        await table.BeginTransaction().Add(f).CommitAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => table.BeginTransaction().Remove(f).CommitAsync());
    }
}
