using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Snowflake;
using CryptoSentiment.Tests.Enrich;
using CryptoSentiment.Tests.Pipeline;
using CryptoSentiment.Tests.Snowflake;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Warehouse;

/// <summary>Small lakes and hand-made batches for the incremental-load tests (here and in the Blob maintenance tests).</summary>
internal static class IncrementalKit
{
    /// <summary>Prices are kept for these coins only: the lakes stay small (news still mentions every coin).</summary>
    public static readonly string[] PriceCoins = ["BTC", "ETH", "SOL"];

    public static GeneratedStream Stream(int seed, int days, int news) => new SampleStreamGenerator(seed, Start).Generate(news, days * 24);

    /// <summary>The stream's news in batches of <paramref name="newsBatch"/> and its valid prices of <see cref="PriceCoins"/> in batches of <paramref name="priceBatch"/>.</summary>
    public static List<EventBatch> Batches(GeneratedStream s, int newsBatch, int priceBatch)
    {
        var prices = s.Prices.Where(KeepPrice).ToList();
        return s.ToBatches(EventStream.News, newsBatch, 2)
            .Concat(EventBatcher.ToBatches(prices, EventStream.Prices, priceBatch, 2, s.End)).ToList();
    }

    private static bool KeepPrice(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("symbol", out var s)
                && s.ValueKind == JsonValueKind.String && PriceCoins.Contains(s.GetString()!.ToUpperInvariant());
        }
        catch (JsonException) { return false; }
    }

    private static readonly string[] Titles =
    [
        "Bitcoin surges to a record as ETF inflows accelerate",
        "Ethereum slumps after a major exchange hack",
        "Solana network upgrade ships on schedule",
        "Bitcoin miners report strong quarterly profits",
        "Ethereum developers delay the next hard fork",
        "Regulators approve new crypto custody rules",
    ];

    private static readonly string[][] Coins = [["BTC"], ["ETH", "SOL"], ["SOL"], ["BTC", "ETH"], ["ETH"], []];

    /// <summary>
    /// One news batch from a partition no generated batch uses, every article published on <paramref name="day"/> (UTC),
    /// with explicit ids (so nothing dedupes against the generated stream) and 1–2 coins each (no coin: <c>MARKET</c>).
    /// </summary>
    public static EventBatch NewsOnDay(DateOnly day, string partition, int articles, string tag, DateTimeOffset enqueued, long firstSequence = 0)
    {
        var events = new List<RawEvent>();
        for (var i = 0; i < articles; i++)
        {
            var published = new DateTimeOffset(day.ToDateTime(new TimeOnly(8 + i % 12, 7 * i % 60, 13), DateTimeKind.Utc));
            var body = new Dictionary<string, object>
            {
                ["id"] = $"{tag}-{i}",
                ["title"] = $"{Titles[i % Titles.Length]} ({tag} #{i})",
                ["source"] = "Incremental Wire",
                ["published_at"] = published.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
            if (Coins[i % Coins.Length].Length > 0) body["coins"] = Coins[i % Coins.Length];
            events.Add(new RawEvent(partition, firstSequence + i, enqueued.AddMilliseconds(i), JsonSerializer.SerializeToUtf8Bytes(body)));
        }
        return new EventBatch(EventStream.News, partition, events);
    }

    public static async Task IngestAsync(CryptoPipeline p, EventBatch batch)
    {
        var o = await p.IngestAsync(batch);
        Assert.True(o.Reconciles, $"batch {batch.PartitionId} does not reconcile: {o}");
    }

    public static string DayList(IEnumerable<DateOnly> days) =>
        string.Join(", ", days.Order().Select(d => "DATE '" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'"));

    /// <summary>Rows of the lake source of <paramref name="t"/> on <paramref name="days"/> (its <c>day</c> partition).</summary>
    public static async Task<long> LakeRowsOnDaysAsync(Lakehouse lake, WarehouseTable t, IEnumerable<DateOnly> days)
    {
        var list = days.ToList();
        if (list.Count == 0) return 0;
        return await CountAsync(lake, $"SELECT count(*) FROM {t.LakeSource.ViewName} WHERE day IN ({DayList(list)})");
    }

    /// <summary>Every warehouse table's rows (sorted, as text) and the LOAD_STATE watermarks (without loaded_at).</summary>
    public static (Dictionary<string, List<string>> Tables, List<string> State) ReadWarehouse(string file)
    {
        using var c = WarehouseFile.OpenReadOnly(file);
        var state = new List<string>();
        using (var r = c.Query("SELECT source, table_id, version FROM LOAD_STATE ORDER BY source"))
            while (r.Read()) state.Add($"{r.GetString(0)}|{r.GetString(1)}|{r.GetInt64(2)}");
        return (SnowflakeTestKit.Snapshot(c), state);
    }

    /// <summary>The watermark version per lake source recorded in the warehouse file.</summary>
    public static Dictionary<string, long> Watermarks(string file)
    {
        using var c = WarehouseFile.OpenReadOnly(file);
        return DuckDbWarehouse.ReadWatermarks(c).ToDictionary(kv => kv.Key, kv => kv.Value.Version);
    }

    /// <summary>
    /// The warehouse file equals a fresh warehouse loaded from the same lake with <c>full = true</c>: every table row for row,
    /// and the same watermarks (each the lake table's current version).
    /// </summary>
    public static async Task AssertEqualsFullReloadAsync(Lakehouse lake, string warehouseFile, string scratchDir, string because)
    {
        var fresh = Path.Combine(scratchDir, $"full-{Guid.NewGuid():N}.duckdb");
        using (var w = new DuckDbWarehouse(fresh))
        {
            var o = await w.LoadAsync(lake, true);
            Assert.All(o.Modes.Values, m => Assert.Equal("full (requested)", m));
            Assert.All(o.Sent, kv => Assert.Equal(o.Rows[kv.Key], kv.Value));
        }
        var expected = ReadWarehouse(fresh);
        var actual = ReadWarehouse(warehouseFile);
        foreach (var t in WarehouseTable.All)
        {
            var want = expected.Tables[t.Name];
            var got = actual.Tables[t.Name];
            Assert.True(want.Count > 0, $"{because}: {t.Name} is empty in the full reload");
            var missing = want.Except(got).Take(3).ToList();
            var extra = got.Except(want).Take(3).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0 && want.Count == got.Count,
                $"{because}: {t.Name} differs from a full reload ({got.Count} rows, full reload {want.Count}); " +
                $"missing e.g. [{string.Join(" ; ", missing)}], extra e.g. [{string.Join(" ; ", extra)}]");
            Assert.Equal(want, got);
        }
        Assert.Equal(expected.State, actual.State);
        foreach (var t in WarehouseTable.All)
            Assert.Contains($"{t.LakeSource.Path}|", string.Join("\n", actual.State));
    }
}

/// <summary>
/// Incremental warehouse loads (ARCHITECTURE §9): the watermark in LOAD_STATE, only the changed days sent, full loads when the
/// log cannot tell what changed — and, whatever the path, the same warehouse as a full reload.
/// </summary>
public class IncrementalLoadTests
{
    private const int Days = 10;

    /// <summary>The day the late news lands on: near the end, so the gold look-back windows it dirties stay inside the lake.</summary>
    private static readonly DateOnly LateDay = DateOnly.FromDateTime(Start.UtcDateTime).AddDays(Days - 3);

    private static async Task<(GeneratedStream Stream, DateTimeOffset Now)> BuildAsync(CryptoPipeline p, int seed, int news = 300, int newsBatch = 25, int priceBatch = 150)
    {
        var stream = IncrementalKit.Stream(seed, Days, news);
        await IngestAllAsync(p, IncrementalKit.Batches(stream, newsBatch, priceBatch));
        Assert.NotEmpty((await p.RefreshGoldAsync()).RecomputedDays);
        Assert.Equal(Now, IngestTime(stream));
        return (stream, IngestTime(stream));
    }

    /// <summary>The ingest time of <see cref="BuildAsync"/>'s stream (<see cref="IngestTime"/>: an hour after its end).</summary>
    private static readonly DateTimeOffset Now = Start.AddHours(Days * 24 + 1);

    /// <summary>Rows of each warehouse table whose day is in <paramref name="days"/>.</summary>
    private static long WarehouseRowsOnDays(string file, IReadOnlyCollection<DateOnly> days)
    {
        if (days.Count == 0) return 0;
        using var c = WarehouseFile.OpenReadOnly(file);
        return WarehouseTable.All.Sum(t => c.Scalar<long>($"SELECT count(*) FROM {t.Name} AS t WHERE {t.DayExpression} IN ({IncrementalKit.DayList(days)})"));
    }

    private static void AssertFirstLoadIsFull(LoadOutcome first)
    {
        foreach (var t in WarehouseTable.All)
        {
            Assert.Equal("full (first load)", first.Modes[t.Name]);
            Assert.True(first.Rows[t.Name] > 0, $"{t.Name} is empty after the first load");
            Assert.Equal(first.Rows[t.Name], first.Sent[t.Name]);
        }
    }

    /// <summary>
    /// What a load after <paramref name="gold"/> (and silver changes on <paramref name="silverDays"/>) must send per table: the
    /// whole changed days of gold (refresh rewrites a day's file) and, for HEADLINES, the whole rewritten days, or only the
    /// <paramref name="appendedHeadlines"/> rows silver appended when its commits since the last load only added files.
    /// </summary>
    private static async Task<Dictionary<string, (long Rows, IReadOnlyList<DateOnly> Days)>> ExpectedSentAsync(Lakehouse lake, GoldOutcome gold,
        IReadOnlyCollection<DateOnly> silverDays, long? appendedHeadlines = null)
    {
        var expected = new Dictionary<string, (long, IReadOnlyList<DateOnly>)>();
        foreach (var t in WarehouseTable.All)
        {
            IReadOnlyList<DateOnly> days = t == WarehouseTable.Headlines ? silverDays.Order().ToList() : gold.ReplacedDays[t.LakeSource.Path];
            var rows = t == WarehouseTable.Headlines && appendedHeadlines is { } n ? n : await IncrementalKit.LakeRowsOnDaysAsync(lake, t, days);
            expected[t.Name] = (rows, days);
        }
        return expected;
    }

    private static Task<long> SilverRowsOnAsync(Lakehouse lake, DateOnly day) =>
        CountAsync(lake, $"SELECT count(*) FROM silver_news_sentiment WHERE day = {IncrementalKit.DayList([day])}");

    private static void AssertSentExactly(LoadOutcome load, Dictionary<string, (long Rows, IReadOnlyList<DateOnly> Days)> expected)
    {
        foreach (var (table, (rows, days)) in expected)
        {
            Assert.Equal(days.Count == 0 ? "unchanged" : $"incremental: {days.Count} day(s)", load.Modes[table]);
            Assert.True(rows == load.Sent[table], $"{table}: sent {load.Sent[table]} rows, the {days.Count} changed day(s) hold {rows}");
        }
    }

    [Fact]
    public async Task A_late_batch_on_one_day_sends_only_that_day_and_the_gold_days_it_changed()
    {
        using var t = new TempLake();
        const int seed = 71;
        using var p = Open(t, Now);
        var (_, now) = await BuildAsync(p, seed);

        var first = await p.LoadWarehouseAsync();
        AssertFirstLoadIsFull(first);
        var lakeDays = await CountAsync(p.Lake, "SELECT count(DISTINCT day) FROM silver_news_sentiment");
        Assert.Equal(Days, lakeDays);

        // One small late batch from a new partition, every article on LateDay.
        var dayRowsBefore = await CountAsync(p.Lake, $"SELECT count(*) FROM silver_news_sentiment WHERE day = {IncrementalKit.DayList([LateDay])}");
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-1", 6, "late", now));
        var dayRows = await CountAsync(p.Lake, $"SELECT count(*) FROM silver_news_sentiment WHERE day = {IncrementalKit.DayList([LateDay])}");
        Assert.True(dayRows > dayRowsBefore, "the late batch added silver rows on its day");
        var gold = await p.RefreshGoldAsync();
        Assert.Equal([LateDay], gold.TouchedDays);
        Assert.Contains(LateDay, gold.ReplacedDays[LakeTables.GoldCoinDaily.Path]);
        // Silver only appended on LateDay since the last load: HEADLINES gets the new rows, not the whole day again.
        var expected = await ExpectedSentAsync(p.Lake, gold, [LateDay], appendedHeadlines: dayRows - dayRowsBefore);

        var second = await p.LoadWarehouseAsync();

        AssertSentExactly(second, expected);
        Assert.Equal(dayRows - dayRowsBefore, second.Sent["HEADLINES"]);
        Assert.Equal(dayRows - dayRowsBefore, second.Changed["HEADLINES"]);   // inserted, and nothing of the day pruned
        // Proportional to what changed: at most twice the warehouse rows of the days the load touched, and far less than everything.
        var touched = expected.Values.SelectMany(e => e.Days).ToHashSet();
        var touchedRows = WarehouseRowsOnDays(t.WarehouseFile, touched);
        var sent = second.Sent.Values.Sum();
        Assert.True(sent <= 2 * touchedRows, $"sent {sent} rows; the {touched.Count} touched day(s) hold {touchedRows} warehouse rows");
        Assert.True(2 * sent < second.Rows.Values.Sum(), $"sent {sent} of {second.Rows.Values.Sum()} warehouse rows: not incremental");
        Assert.Equal(first.Rows["HEADLINES"] + (dayRows - dayRowsBefore), second.Rows["HEADLINES"]);

        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after the incremental load");
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(p.Lake, t.WarehouseFile);
    }

    [Fact]
    public async Task A_load_with_nothing_new_sends_nothing_and_changes_nothing()
    {
        using var t = new TempLake();
        const int seed = 72;
        using var p = Open(t, Now);
        var (_, now) = await BuildAsync(p, seed, news: 200);
        AssertFirstLoadIsFull(await p.LoadWarehouseAsync());
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-1", 4, "late", now));
        await p.RefreshGoldAsync();
        Assert.Equal("incremental: 1 day(s)", (await p.LoadWarehouseAsync()).Modes["HEADLINES"]);
        var before = IncrementalKit.ReadWarehouse(t.WarehouseFile);

        Assert.Same(GoldOutcome.Nothing, await p.RefreshGoldAsync());
        using var restarted = Open(t, now);
        foreach (var q in new[] { p, restarted })   // the same process, and a restarted one (nothing cached)
        {
            var again = await q.LoadWarehouseAsync();
            foreach (var table in WarehouseTable.All)
            {
                Assert.Equal("unchanged", again.Modes[table.Name]);
                Assert.Equal(0, again.Sent[table.Name]);
                Assert.Equal(0, again.Changed[table.Name]);
                Assert.True(again.Rows[table.Name] > 0);
            }
            var after = IncrementalKit.ReadWarehouse(t.WarehouseFile);
            Assert.Equal(before.State, after.State);
            foreach (var table in WarehouseTable.All) Assert.Equal(before.Tables[table.Name], after.Tables[table.Name]);
        }
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after loads with nothing new");
    }

    [Fact]
    public async Task After_maintain_the_next_load_resends_nothing_and_loses_nothing()
    {
        using var t = new TempLake();
        const int seed = 73;
        // A clock fixed in the past for ingest: maintenance must still judge retention by wall-clock time (file and commit times).
        using var p = Open(t, Now);
        var (_, now) = await BuildAsync(p, seed, news: 300, newsBatch: 8, priceBatch: 60);   // many small files
        AssertFirstLoadIsFull(await p.LoadWarehouseAsync());
        var filesBefore = (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!.Files.Count;
        Assert.True(filesBefore > 2 * Days, $"{filesBefore} silver files: the lake should start with many small files");

        var report = await p.MaintainAsync(new MaintenanceOptions { Retention = TimeSpan.Zero });

        var silver = report.Single(m => m.Table == LakeTables.SilverNewsSentiment.Path);
        Assert.True(silver.Optimize.FilesRemoved > Days && silver.LiveFilesAfter < filesBefore / 2,
            $"silver: {silver.Optimize.FilesRemoved} files compacted, {silver.LiveFilesBefore} → {silver.LiveFilesAfter} live files");
        Assert.Contains(report, m => m.LogCleanup.CommitsDeleted > 0);
        Assert.All(report.Where(m => m.Skipped is null), m => Assert.True(m.MaxFilesPerPartition <= 2, $"{m.Table}: {m.MaxFilesPerPartition} files in a partition"));

        Assert.Empty((await p.RefreshGoldAsync()).RecomputedDays);
        var load = await p.LoadWarehouseAsync();
        foreach (var table in WarehouseTable.All)
        {
            Assert.Equal("unchanged", load.Modes[table.Name]);
            Assert.Equal(0, load.Sent[table.Name]);
            Assert.Equal(0, load.Changed[table.Name]);
        }
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after maintain");
        await AssertVerifiesAsync(p.Lake);

        // Later changes still load incrementally on top of the compacted, cleaned-up log.
        var lateRows = await SilverRowsOnAsync(p.Lake, LateDay);
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-1", 5, "late", now));
        var gold = await p.RefreshGoldAsync();
        var expected = await ExpectedSentAsync(p.Lake, gold, [LateDay], await SilverRowsOnAsync(p.Lake, LateDay) - lateRows);
        AssertSentExactly(await p.LoadWarehouseAsync(), expected);
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after maintain and a late batch");
        await AssertVerifiesAsync(p.Lake);
    }

    [Fact]
    public async Task A_day_appended_and_then_compacted_before_the_load_is_sent_whole_and_loses_nothing()
    {
        using var t = new TempLake();
        const int seed = 77;
        using var p = Open(t, Now);
        var (_, now) = await BuildAsync(p, seed, news: 300, newsBatch: 8, priceBatch: 60);   // many small files per day
        AssertFirstLoadIsFull(await p.LoadWarehouseAsync());

        // Two appends on LateDay, then maintain compacts every day before the next load: the appended files are gone from
        // the snapshot (their rows moved to compacted files), so LateDay must be sent whole.
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-1", 5, "late-a", now));
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-2", 4, "late-b", now));
        var report = await p.MaintainAsync(new MaintenanceOptions());   // default retention: the log since the watermark stays
        Assert.True(report.Single(m => m.Table == LakeTables.SilverNewsSentiment.Path).Optimize.FilesRemoved > 0, "maintain compacted nothing");
        var gold = await p.RefreshGoldAsync();
        var expected = await ExpectedSentAsync(p.Lake, gold, [LateDay]);   // whole days, HEADLINES included

        AssertSentExactly(await p.LoadWarehouseAsync(), expected);
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after appends, compaction and an incremental load");

        // Past the compaction, an append sends only its rows again.
        var before = await SilverRowsOnAsync(p.Lake, LateDay);
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-3", 3, "late-c", now));
        var appended = await SilverRowsOnAsync(p.Lake, LateDay) - before;
        Assert.True(appended > 0);
        gold = await p.RefreshGoldAsync();
        AssertSentExactly(await p.LoadWarehouseAsync(), await ExpectedSentAsync(p.Lake, gold, [LateDay], appended));
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after a later append");
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(p.Lake, t.WarehouseFile);
    }

    [Fact]
    public async Task Reenriched_headlines_reach_the_warehouse_and_only_their_days_are_sent()
    {
        using var t = new TempLake();
        const int seed = 74;
        var stream = IncrementalKit.Stream(seed, 8, 240);
        var now = IngestTime(stream);
        var scorer = new FakeLlmScorer();
        using var p = new CryptoPipeline(t.Settings, scorer, new FixedClock(now));
        var batches = IncrementalKit.Batches(stream, 10, 200);
        var news = batches.Where(b => b.Stream == EventStream.News).ToList();
        // The LLM is down for a stretch of the news (a few consecutive batches: a few days), healthy otherwise.
        var down = Enumerable.Range(news.Count / 2, 4).ToHashSet();
        for (var i = 0; i < news.Count; i++)
        {
            scorer.Mode = down.Contains(i) ? FakeMode.Down : FakeMode.Healthy;
            await IncrementalKit.IngestAsync(p, news[i]);
        }
        scorer.Mode = FakeMode.Healthy;
        foreach (var b in batches.Where(b => b.Stream == EventStream.Prices)) await IncrementalKit.IngestAsync(p, b);
        await p.RefreshGoldAsync();
        AssertFirstLoadIsFull(await p.LoadWarehouseAsync());

        var fallback = new Dictionary<string, (string Title, DateOnly Day)>();
        using (var c = await ViewsAsync(p.Lake))
        using (var r = c.Query("SELECT article_id || '/' || coin, title, day FROM silver_news_sentiment WHERE scorer = 'fallback'"))
            while (r.Read()) fallback[r.GetString(0)] = (r.GetString(1), r.GetDate(2));
        var fallbackDays = fallback.Values.Select(v => v.Day).ToHashSet();
        var allDays = await CountAsync(p.Lake, "SELECT count(DISTINCT day) FROM silver_news_sentiment");
        Assert.True(fallback.Count >= 10, $"{fallback.Count} fallback rows");
        Assert.True(fallbackDays.Count < allDays, $"fallback rows on {fallbackDays.Count} of {allDays} days: the test needs untouched days");
        using (var w = WarehouseFile.OpenReadOnly(t.WarehouseFile))
            Assert.Equal(fallback.Count, w.Scalar<long>("SELECT count(*) FROM HEADLINES WHERE scorer = 'fallback'"));

        var re = await p.ReenrichAsync();
        Assert.True(re.Changed && re.ReplacedRows == fallback.Count, $"reenrich replaced {re.ReplacedRows} of {fallback.Count} fallback rows");
        var gold = await p.RefreshGoldAsync();
        var expectedHeadlines = await IncrementalKit.LakeRowsOnDaysAsync(p.Lake, WarehouseTable.Headlines, fallbackDays);
        var expected = await ExpectedSentAsync(p.Lake, gold, fallbackDays);

        var load = await p.LoadWarehouseAsync();

        Assert.Equal($"incremental: {fallbackDays.Count} day(s)", load.Modes["HEADLINES"]);
        Assert.Equal(expectedHeadlines, load.Sent["HEADLINES"]);
        Assert.True(load.Sent["HEADLINES"] < load.Rows["HEADLINES"], "HEADLINES re-sent everything");
        Assert.Equal(fallback.Count, load.Changed["HEADLINES"]);   // only the re-scored rows changed
        AssertSentExactly(load, expected);
        using (var w = WarehouseFile.OpenReadOnly(t.WarehouseFile))
        {
            Assert.Equal(0, w.Scalar<long>("SELECT count(*) FROM HEADLINES WHERE scorer = 'fallback'"));
            foreach (var (key, (title, _)) in fallback)
            {
                var (label, confidence) = FakeLlmScorer.Answer(title);
                var slash = key.IndexOf('/');
                using var r = w.Query("SELECT scorer, label, polarity, confidence, model FROM HEADLINES WHERE article_id = ? AND coin = ?", key[..slash], key[(slash + 1)..]);
                Assert.True(r.Read(), $"{key} is missing from HEADLINES");
                Assert.Equal(("llm", label.ToString(), (int)label, "fake-gpt"), (r.GetString(0), r.GetString(1), (int)r.GetInt64(2), r.GetString(4)));
                Assert.Equal(confidence, r.GetDouble(3), 9);
            }
        }
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after re-enrichment");
    }

    [Fact]
    public async Task When_log_cleanup_removed_the_commits_after_the_watermark_the_load_is_full()
    {
        using var t = new TempLake();
        const int seed = 75;
        using var p = Open(t, Now);
        var (_, now) = await BuildAsync(p, seed, news: 200, newsBatch: 20, priceBatch: 120);
        AssertFirstLoadIsFull(await p.LoadWarehouseAsync());
        var marks = IncrementalKit.Watermarks(t.WarehouseFile);

        // Changes the warehouse has not seen: two commits per table after the watermark, so the first of them is older than
        // the checkpoint maintenance writes, and log cleanup (retention 0) deletes it.
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-1", 4, "late-a", now));
        await p.RefreshGoldAsync();
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay.AddDays(-1), "late-1", 4, "late-b", now, firstSequence: 4));
        await p.RefreshGoldAsync();
        await p.MaintainAsync(new MaintenanceOptions { Retention = TimeSpan.Zero });

        foreach (var table in WarehouseTable.All)
        {
            var source = table.LakeSource.Path;
            var snapshot = (await p.Lake.SnapshotIfExistsAsync(table.LakeSource))!;
            Assert.True(snapshot.Version > marks[source] + 1, $"{source}: v{snapshot.Version}, watermark v{marks[source]}");
            Assert.True(await DeltaLog.ReadCommitAsync(p.Lake.Store, source, marks[source] + 1) is null,
                $"{source}: commit {marks[source] + 1} after the watermark should have been cleaned up");
        }

        var load = await p.LoadWarehouseAsync();

        foreach (var table in WarehouseTable.All)
        {
            Assert.StartsWith("full (", load.Modes[table.Name]);
            Assert.Contains("log cleanup", load.Modes[table.Name]);
            Assert.Equal(load.Rows[table.Name], load.Sent[table.Name]);
        }
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "after a full load forced by log cleanup");
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(p.Lake, t.WarehouseFile);
        // The watermark is back on the log: the next load has nothing to send.
        var again = await p.LoadWarehouseAsync();
        Assert.All(again.Modes.Values, m => Assert.Equal("unchanged", m));
        Assert.All(again.Sent.Values, n => Assert.Equal(0, n));
    }

    // ------------------------------------------------------------------ Snowflake (loopback SQL API server)

    private const string Account = "myorg-acct1";
    private const string User = "loader_svc";

    private static SnowflakeOptions Options(SqlApiServer server, string pem) => new()
    {
        Account = Account, User = User, PrivateKeyPem = new SecretText(pem), BaseUrl = server.BaseUrl,
        Role = "CRYPTO_SENTIMENT_LOADER", Warehouse = "CRYPTO_SENTIMENT_WH", Database = "CRYPTO_SENTIMENT", Schema = "GOLD",
        RequestTimeout = TimeSpan.FromSeconds(5), RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        PollInterval = TimeSpan.FromMilliseconds(5), PollMaxInterval = TimeSpan.FromMilliseconds(20), MaxRowsPerRequest = 1000,
    };

    private static async Task<LoadOutcome> SnowflakeLoadAsync(SqlApiServer server, string pem, Lakehouse lake)
    {
        using var client = new SnowflakeSqlClient(Options(server, pem));
        using var wh = new SnowflakeWarehouse(client);
        return await wh.LoadAsync(lake);
    }

    /// <summary>
    /// Rows bound in the <c>INSERT INTO &lt;T&gt;_STAGE</c> requests: (bindings − 2) / (2 + columns) per request, where the
    /// columns are the warehouse table's (<paramref name="columns"/>) and the 2 the request's own (load_id, chunk).
    /// </summary>
    private static long StagedRows(IEnumerable<RecordedRequest> requests, WarehouseTable t, int columns)
    {
        long rows = 0;
        foreach (var r in requests.Where(r => r.Method == "POST" && !r.Deduplicated && r.Statement!.Contains($"INSERT INTO {t.StageTable} (")).DistinctBy(r => r.RequestId))
        {
            var m = Regex.Match(r.Statement!, $@"INSERT INTO {t.StageTable} \(([^)]*)\)");
            Assert.True(m.Success, r.Statement);
            Assert.Equal(2 + columns, m.Groups[1].Value.Split(',').Length);   // load_id, chunk + the table's columns
            Assert.Equal(0, (r.Bindings.Count - 2) % (2 + columns));
            rows += (r.Bindings.Count - 2) / (2 + columns);
        }
        return rows;
    }

    private static Dictionary<string, int> WarehouseColumns(string file)
    {
        using var c = WarehouseFile.OpenReadOnly(file);
        return WarehouseTable.All.ToDictionary(t => t.Name,
            t => (int)c.Scalar<long>("SELECT count(*) FROM information_schema.columns WHERE table_name = ?", t.Name));
    }

    [Fact]
    public async Task Snowflake_incremental_load_stages_only_the_changed_days_and_matches_the_DuckDB_warehouse()
    {
        using var t = new TempLake();
        const int seed = 76;
        using var p = Open(t, Now);
        var (_, now) = await BuildAsync(p, seed, news: 200);
        using var key = RSA.Create(2048);
        var pem = key.ExportPkcs8PrivateKeyPem();
        using var pub = RSA.Create();
        pub.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        await using var server = await SqlApiServer.StartAsync(pub, Account, User);

        var first = await SnowflakeLoadAsync(server, pem, p.Lake);
        AssertFirstLoadIsFull(first);
        AssertFirstLoadIsFull(await p.LoadWarehouseAsync());   // the DuckDB twin
        var columns = WarehouseColumns(t.WarehouseFile);
        foreach (var table in WarehouseTable.All) Assert.Equal(first.Rows[table.Name], StagedRows(server.Requests, table, columns[table.Name]));
        SnowflakeTestKit.AssertMatchesDuckDbWarehouse(server.Db, t.WarehouseFile);

        var lateRows = await SilverRowsOnAsync(p.Lake, LateDay);
        await IncrementalKit.IngestAsync(p, IncrementalKit.NewsOnDay(LateDay, "late-1", 6, "late", now));
        var gold = await p.RefreshGoldAsync();
        var expected = await ExpectedSentAsync(p.Lake, gold, [LateDay], await SilverRowsOnAsync(p.Lake, LateDay) - lateRows);
        var seen = server.Requests.Count;

        var second = await SnowflakeLoadAsync(server, pem, p.Lake);

        var requests = server.Requests.Skip(seen).ToList();
        AssertSentExactly(second, expected);
        foreach (var table in WarehouseTable.All)
            Assert.True(expected[table.Name].Rows == StagedRows(requests, table, columns[table.Name]),
                $"{table.Name}: {StagedRows(requests, table, columns[table.Name])} rows staged, the changed day(s) hold {expected[table.Name].Rows}");
        Assert.True(expected["HEADLINES"].Rows > 0);
        var merge = Assert.Single(requests, r => r.Method == "POST" && r.Statement!.Contains("MERGE INTO LOAD_STATE"));
        var sql = Regex.Replace(Regex.Replace(merge.Statement!, "--[^\n]*", ""), @"\s+", " ");   // comments out, whitespace folded
        Assert.DoesNotContain("1 = 1", sql);   // no unscoped (full) prune
        foreach (var table in WarehouseTable.All)
        {
            var days = expected[table.Name].Days;
            if (days.Count == 0)
            {
                Assert.DoesNotContain($"MERGE INTO {table.Name} ", sql);
                Assert.DoesNotContain($"DELETE FROM {table.Name} ", sql);
                continue;
            }
            // Both statements are scoped to the days sent: a range on the time column (block skipping), then the day list.
            var scope = $"{table.DayExpression} IN ({IncrementalKit.DayList(days)})";
            Assert.Matches($@"MERGE INTO {table.Name} AS t USING .* ON .* AND t\.(day BETWEEN|published_at >=) [^;]* AND {Regex.Escape(scope)} WHEN MATCHED", sql);
            if (table == WarehouseTable.Headlines)   // silver only appended: the new rows are merged and nothing is pruned
                Assert.Contains($"DELETE FROM {table.Name} AS t WHERE 1 = 0 AND NOT EXISTS", sql);
            else
                Assert.Matches($@"DELETE FROM {table.Name} AS t WHERE t\.(day BETWEEN|published_at >=) [^;]* AND {Regex.Escape(scope)} AND NOT EXISTS", sql);
        }
        Assert.Contains($"CAST(t.published_at AS DATE) IN ({IncrementalKit.DayList([LateDay])})", sql);
        Assert.Equal(0, SnowflakeTestKit.StagedRows(server.Db));

        AssertSentExactly(await p.LoadWarehouseAsync(), expected);   // the DuckDB twin, incremental too
        SnowflakeTestKit.AssertMatchesDuckDbWarehouse(server.Db, t.WarehouseFile);
        await IncrementalKit.AssertEqualsFullReloadAsync(p.Lake, t.WarehouseFile, t.Root, "DuckDB twin after the incremental load");

        // And nothing new: nothing staged.
        seen = server.Requests.Count;
        var third = await SnowflakeLoadAsync(server, pem, p.Lake);
        Assert.All(third.Sent.Values, n => Assert.Equal(0, n));
        Assert.DoesNotContain(server.Requests.Skip(seen), r => r.Method == "POST" && r.Statement!.Contains("_STAGE (load_id"));
    }
}
