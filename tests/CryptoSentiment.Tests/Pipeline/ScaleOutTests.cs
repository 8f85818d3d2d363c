using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Maintenance;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

/// <summary>
/// Several writers on one lake, interleaved deterministically (a writer is held at the moment it commits while another
/// commits): a partition's range committed twice lands once, silver commits of other partitions rebase unless they share a
/// dedupe key, and one instance runs batches of different partitions and a gold refresh side by side.
/// </summary>
public class ScaleOutTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A news event; every <c>invalidEvery</c>-th sequence number is not JSON (it goes to quarantine).</summary>
    private static RawEvent News(string partition, long seq, string id, int invalidEvery = 0) =>
        new(partition, seq, Now, invalidEvery > 0 && seq % invalidEvery == invalidEvery - 1
            ? Encoding.UTF8.GetBytes("{not json")
            : Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
            {
                id, title = $"Bitcoin headline {id}", url = $"https://news.example/{id}", source = "wire", published_at = "2026-03-10T08:00:00Z",
            })));

    private static EventBatch Batch(string partition, long from, long to, int invalidEvery = 0) =>
        new(EventStream.News, partition, Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => News(partition, i, $"{partition}-{i}", invalidEvery)).ToList());

    /// <summary>Every event landed once: bronze rows, quarantined events and silver articles, each counted and counted distinct.</summary>
    private static async Task AssertLandedOnceAsync(Lakehouse lake, long bronze, long quarantined, long articles)
    {
        using var c = await ViewsAsync(lake);
        Assert.Equal(bronze, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(bronze, c.Scalar<long>("SELECT count(DISTINCT (partition_id, sequence_number)) FROM bronze_news"));
        Assert.Equal(quarantined, c.Scalar<long>("SELECT count(*) FROM silver_quarantine"));
        Assert.Equal(quarantined, c.Scalar<long>("SELECT count(DISTINCT (partition_id, sequence_number)) FROM silver_quarantine"));
        Assert.Equal(articles, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment"));
        Assert.Equal(articles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
    }

    [Theory]
    [InlineData("bronze/news")]
    [InlineData("silver/quarantine")]
    [InlineData("silver/news_sentiment")]
    public async Task APartitionRangeCommittedByTwoInstancesAtOnceLandsOnce(string heldAt)
    {
        // Instance B holds a snapshot from before A committed 0..39 of partition "p", and is about to commit 0..59 to
        // heldAt (as when the partition's lease moves between instances). B must commit 40..59 only.
        using var t = new TempLake();
        using var b = GateStore.OpenPipeline(t, Now, out var gate);
        using var a = Open(t, Now);
        var atCommit = gate.Arm(path => path.StartsWith(heldAt + "/_delta_log/", StringComparison.Ordinal) && !path.EndsWith("00000000000000000000.json"));
        var ingestB = Task.Run(() => b.IngestAsync(Batch("p", 0, 59, invalidEvery: 10)));
        await atCommit.WaitAsync(TimeSpan.FromSeconds(30));
        var oa = await a.IngestAsync(Batch("p", 0, 39, invalidEvery: 10));
        gate.Release();
        var ob = await ingestB;

        await AssertLandedOnceAsync(a.Lake, bronze: 60, quarantined: 6, articles: 54);
        Assert.Equal(60, oa.Bronze + ob.Bronze);
        Assert.Equal(60, oa.SilverConsidered + ob.SilverConsidered);
        Assert.Equal(0, oa.Duplicates + ob.Duplicates);
        if (heldAt != "bronze/news") Assert.True(b.Silver.Redos >= 1, "the held silver/quarantine commit should have been redone");
        await AssertVerifiesAsync(a.Lake);
    }

    [Theory]
    [InlineData("bronze/news/")]
    [InlineData("silver/news_sentiment/")]
    public async Task ARedeliveryOnTheSameInstanceWaitsForTheDeliveryInFlightAndAddsNothing(string heldAt)
    {
        // One instance, two deliveries of partition "p" at once (a host retry while the first is still running): the first
        // decides 0..59 are new and is held while it writes its data file. The second must neither take the first's
        // in-flight dedupe claims for duplicates (it would commit 0..39 as done without their rows) nor land anything twice:
        // it waits for the first and then finds its range committed.
        using var t = new TempLake();
        using var p = GateStore.OpenPipeline(t, Now, out var gate);
        await p.IngestAsync(Batch("warm", 0, 4));
        var writing = gate.Arm(path => path.StartsWith(heldAt, StringComparison.Ordinal) && !path.Contains("/_delta_log/", StringComparison.Ordinal));
        var first = Task.Run(() => p.IngestAsync(Batch("p", 0, 59)));
        await writing.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Task.Run(() => p.IngestAsync(Batch("p", 0, 39)));
        var other = await p.IngestAsync(Batch("q", 0, 9)).WaitAsync(TimeSpan.FromSeconds(30)); // other partitions go on
        Assert.Equal(10, other.Accepted);
        await Task.Delay(200);
        Assert.False(second.IsCompleted);
        gate.Release();
        var (o1, o2) = (await first, await second);

        using var c = await ViewsAsync(p.Lake);
        Assert.Equal(75, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(75, c.Scalar<long>("SELECT count(DISTINCT (partition_id, sequence_number)) FROM bronze_news"));
        Assert.Equal(75, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment"));
        Assert.Equal(75, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal((60, 60, 0), (o1.Bronze, o1.Accepted, o1.Duplicates));
        Assert.Equal((0, 0, 0), (o2.Bronze, o2.Accepted, o2.Duplicates));
        await AssertVerifiesAsync(p.Lake);
    }

    [Fact]
    public async Task ACommitDecidedOnAnOlderSnapshotChecksTheCommitsThisInstanceObservedSince()
    {
        // Instance B decides 0..59 of partition "p" are new and is held writing its bronze file. Instance A commits 0..39 of
        // "p"; then B's batch of another partition "q" commits and so reads A's commit (its table now knows it). When B's
        // "p" commit goes on, A's commit is after the snapshot B decided on: B must commit 40..59 only.
        using var t = new TempLake();
        using var b = GateStore.OpenPipeline(t, Now, out var gate);
        using var a = Open(t, Now);
        await b.IngestAsync(Batch("warm", 0, 4));
        var writing = gate.Arm(path => path.StartsWith("bronze/news/", StringComparison.Ordinal) && !path.Contains("/_delta_log/", StringComparison.Ordinal));
        var held = Task.Run(() => b.IngestAsync(Batch("p", 0, 59)));
        await writing.WaitAsync(TimeSpan.FromSeconds(30));
        await a.IngestAsync(Batch("p", 0, 39));
        Assert.Equal(10, (await b.IngestAsync(Batch("q", 0, 9)).WaitAsync(TimeSpan.FromSeconds(30))).Accepted);
        gate.Release();
        var o = await held;

        using var c = await ViewsAsync(a.Lake);
        Assert.Equal(75, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(75, c.Scalar<long>("SELECT count(DISTINCT (partition_id, sequence_number)) FROM bronze_news"));
        Assert.Equal(75, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(20, o.Bronze);
        await AssertVerifiesAsync(a.Lake);
    }

    [Fact]
    public async Task SilverCommitsOfOtherPartitionsRebaseAndOnlyASharedKeyRedoes()
    {
        using var t = new TempLake();
        using var b = GateStore.OpenPipeline(t, Now, out var gate);
        using var a = Open(t, Now);
        var silverCommit = (string path) => path.StartsWith("silver/news_sentiment/_delta_log/", StringComparison.Ordinal) && !path.EndsWith("00000000000000000000.json");

        // 1. Disjoint keys on the same day: B's commit lands after A's without redoing anything.
        var held = gate.Arm(silverCommit);
        var ingestB = Task.Run(() => b.IngestAsync(Batch("q", 0, 9)));
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        await a.IngestAsync(Batch("r", 0, 9));
        gate.Release();
        Assert.Equal(10, (await ingestB).Accepted);
        Assert.Equal((1, 0), (b.Silver.Rebases, b.Silver.Redos));
        Assert.Equal(0, b.Silver.IndexFor(EventStream.News).FilesRead); // A's keys came with its commit (add tags), no file was read

        // 2. A's batch holds one of B's articles (the same id, another partition): a real conflict. B redoes and counts it a duplicate.
        held = gate.Arm(silverCommit);
        var shared = new EventBatch(EventStream.News, "q", Enumerable.Range(10, 5).Select(i => News("q", i, $"q-{i}")).ToList());
        ingestB = Task.Run(() => b.IngestAsync(shared));
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        var o = await a.IngestAsync(new EventBatch(EventStream.News, "r", [News("r", 10, "q-12"), News("r", 11, "r-11")]));
        Assert.Equal(2, o.Accepted);
        gate.Release();
        var ob = await ingestB;
        Assert.Equal((4, 1), (ob.Accepted, ob.Duplicates));
        Assert.Equal(1, b.Silver.Redos);
        Assert.Equal(0, b.Silver.IndexFor(EventStream.News).FilesRead);

        using var c = await ViewsAsync(a.Lake);
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(26, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        var reconcile = (await AssertVerifiesAsync(a.Lake)).Checks.Single(x => x.Name == "reconcile news");
        Assert.Contains("bronze 27 = silver 26 + quarantine 0 + duplicates 1", reconcile.Detail);
    }

    [Fact]
    public async Task OneInstanceRunsOtherPartitionsAndAGoldRefreshWhileABatchIsHeld()
    {
        using var t = new TempLake();
        using var p = GateStore.OpenPipeline(t, Now, out var gate);
        await p.IngestAsync(Batch("warm", 0, 4));
        var held = gate.Arm(path => path.StartsWith("bronze/news/_delta_log/", StringComparison.Ordinal));
        var slow = Task.Run(() => p.IngestAsync(Batch("p0", 0, 9)));
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, p.Lake.EnginesInUse);

        // Nothing waits for the held batch: another partition's batch, a gold refresh and a warehouse load complete meanwhile.
        var other = await p.IngestAsync(Batch("p1", 0, 9)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(10, other.Accepted);
        var gold = await p.RefreshGoldAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(new DateOnly(2026, 3, 10), gold.RecomputedDays);
        await p.LoadWarehouseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(slow.IsCompleted);

        gate.Release();
        Assert.Equal(10, (await slow).Accepted);
        Assert.Equal(0, p.Lake.EnginesInUse);
        Assert.Equal(25, await CountAsync(p.Lake, "SELECT count(*) FROM silver_news_sentiment"));
        await AssertVerifiesAsync(p.Lake);
    }

    /// <summary>Counts the commit reads and the puts of commits (won and lost) that reach the store.</summary>
    private sealed class CommitCountingStore(Lake.Stores.ILakeStore inner) : DelegatingStore(inner)
    {
        public int CommitReads, CommitReadsPastTip, PutsWon, PutsLost;

        private static bool IsCommit(string path) => path.Contains("/_delta_log/", StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal);

        public override async Task<byte[]?> ReadAsync(string path, CancellationToken ct = default)
        {
            var bytes = await Inner.ReadAsync(path, ct);
            if (IsCommit(path)) Interlocked.Increment(ref bytes is null ? ref CommitReadsPastTip : ref CommitReads);
            return bytes;
        }

        public override async Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
        {
            var won = await Inner.PutIfAbsentAsync(path, content, ct);
            if (IsCommit(path)) Interlocked.Increment(ref won ? ref PutsWon : ref PutsLost);
            return won;
        }

        public (int Reads, int PastTip, int Won, int Lost) Take()
        {
            var r = (CommitReads, CommitReadsPastTip, PutsWon, PutsLost);
            (CommitReads, CommitReadsPastTip, PutsWon, PutsLost) = (0, 0, 0, 0);
            return r;
        }
    }

    [Fact]
    public async Task AnInstanceAloneCommitsWithoutReadingTheLogAndOneSharingATableReadsItRightBeforeItsPut()
    {
        using var t = new TempLake();
        var store = new CommitCountingStore(new Lake.Stores.LocalLakeStore(t.LakeDir));
        using var a = new CryptoPipeline(t.Settings, new Lakehouse(store), clock: new FixedClock(Now));
        using var b = Open(t, Now);
        await a.IngestAsync(Batch("p", 0, 9, invalidEvery: 5)); // creates the tables and loads them
        store.Take();

        // 1. Alone at the tip: each batch is one put per table (bronze, quarantine, silver), no read of the log at all.
        for (var i = 1; i <= 3; i++) await a.IngestAsync(Batch("p", i * 10, i * 10 + 9, invalidEvery: 5));
        Assert.Equal((0, 0, 9, 0), store.Take());

        // 2. Another instance commits to the same tables: A's next puts lose, A reads each winner and commits after it (its
        //    snapshot was one commit behind: no read past the tip).
        await b.IngestAsync(Batch("q", 0, 9, invalidEvery: 5));
        await a.IngestAsync(Batch("p", 40, 49, invalidEvery: 5));
        Assert.Equal((3, 0, 3, 3), store.Take());
        Assert.Equal((1, 0), (a.Silver.Rebases, a.Silver.Redos)); // other keys: rebased, not redone
        Assert.True((await a.Lake.AppendTableAsync(LakeTables.BronzeNews)).Shared);

        // 3. The tables are shared now: A reads the log up to its tip right before each put, and loses none.
        await b.IngestAsync(Batch("q", 10, 19, invalidEvery: 5));
        await a.IngestAsync(Batch("p", 50, 59, invalidEvery: 5));
        Assert.Equal((3, 3, 3, 0), store.Take());

        // 4. A redelivery to A of a range B committed meanwhile (the partition's lease moved to B and back): A's read before
        //    each put finds B's txn, A appends nothing, loses no put and deletes the files it wrote for the range.
        await b.IngestAsync(Batch("p", 60, 69, invalidEvery: 5));
        var o = await a.IngestAsync(Batch("p", 60, 69, invalidEvery: 5));
        Assert.Equal((0, 0, 0), (o.Bronze, o.Accepted, o.Quarantined));
        Assert.Equal((3, 3, 0, 0), store.Take());
        foreach (var table in new[] { "bronze/news", "silver/news_sentiment", "silver/quarantine" })
        {
            var snapshot = (await a.Lake.SnapshotIfExistsAsync(LakeTables.All.Single(d => d.Path == table)))!;
            var files = Directory.GetFiles(Path.Combine(t.LakeDir, table), "*.parquet", SearchOption.AllDirectories)
                .Where(f => !f.Contains("_delta_log", StringComparison.Ordinal)).ToList();
            Assert.Equal(snapshot.Files.Count, files.Count); // no orphan left behind
        }
        store.Take();

        // 5. B stops: once A has read no commit of another instance for DeltaTable.SharedWindow, its batches are single puts
        //    again; and once A has not been at the tip for DeltaTable.TipProbeInterval, it reads the log before the batch (as
        //    both are minutes and seconds, the test shortens them on A's tables).
        var tables = new List<Lake.Delta.DeltaTable>();
        foreach (var def in new[] { LakeTables.BronzeNews, LakeTables.SilverNewsSentiment, LakeTables.SilverQuarantine })
            tables.Add(await a.Lake.AppendTableAsync(def));
        store.Take();
        tables.ForEach(x => x.SharedWindow = TimeSpan.FromMilliseconds(1));
        await Task.Delay(5);
        for (var i = 7; i <= 8; i++)
        {
            await a.IngestAsync(Batch("p", i * 10, i * 10 + 9, invalidEvery: 5));
            Assert.Equal((0, 0, 3, 0), store.Take());
        }
        tables.ForEach(x => x.TipProbeInterval = TimeSpan.Zero);
        await Task.Delay(5);
        await a.IngestAsync(Batch("p", 90, 99, invalidEvery: 5));
        Assert.Equal((0, 3, 3, 0), store.Take());

        await AssertLandedOnceAsync(a.Lake, bronze: 120, quarantined: 24, articles: 96);
        await AssertVerifiesAsync(a.Lake);
    }
}
