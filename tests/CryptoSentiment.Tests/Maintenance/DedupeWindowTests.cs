using System.Text;
using System.Text.Json;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Silver;
using CryptoSentiment.Tests.Enrich;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Maintenance;

/// <summary>
/// Dedupe state bounded by a window (ARCHITECTURE §9, DEDUPE_WINDOW_DAYS): keys are loaded per day partition on demand,
/// so a process reads the days around its events, not the table's history.
/// </summary>
public class DedupeWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 20, 0, 0, 0, TimeSpan.Zero);

    private static RawEvent News(string partition, long seq, string id, string title, string url, string publishedAt) =>
        new(partition, seq, Now, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id, ["title"] = title, ["url"] = url, ["source"] = "wire", ["published_at"] = publishedAt, ["coins"] = new[] { "BTC" },
        })));

    private static long HeadlineDays(string warehouse, string id)
    {
        using var w = DuckDbConnection.Open(warehouse);
        return w.Scalar<long>($"SELECT count(DISTINCT CAST(published_at AS DATE)) FROM HEADLINES WHERE article_id = '{id}'");
    }

    private static CryptoPipeline OpenWithWindow(TempLake t, int window) =>
        new(t.Settings with { DedupeWindowDays = window }, clock: new FixedClock(Now));

    [Theory]
    [InlineData(7, 2)]   // default: the id 9 days later is a new article
    [InlineData(10, 3)]  // a wider window catches it too
    public async Task AnArticleAgainAcrossADayBoundaryOrWithinTheWindowIsADuplicate(int window, int duplicates)
    {
        using var t = new TempLake();
        using (var first = OpenWithWindow(t, window))
            Assert.Equal(1, (await first.IngestAsync(new EventBatch(EventStream.News, "p", [
                News("p", 0, "a1", "Bitcoin ETF approved by regulator", "https://news.example/a1", "2026-03-05T23:59:00Z")]))).Accepted);

        // A new process: its keys come from the lake's day partitions, loaded on demand.
        using var p = OpenWithWindow(t, window);
        var o = await p.IngestAsync(new EventBatch(EventStream.News, "p", [
            News("p", 1, "a1", "Bitcoin ETF approved by regulator (update)", "https://news.example/a1-update", "2026-03-06T00:01:00Z"), // next day, same id
            News("p", 2, "b2", "Regulator approves first bitcoin ETF", "https://news.example/a1", "2026-03-11T10:00:00Z"),         // 6 days on, same URL
            News("p", 3, "a1", "Bitcoin ETF approved by regulator", "https://news.example/a1-again", "2026-03-14T10:00:00Z"),      // 9 days on, same id
        ]));
        Assert.Equal(duplicates, o.Duplicates);
        Assert.Equal(3 - duplicates, o.Accepted);
        Assert.True(o.Reconciles);
        var days = await CountAsync(p.Lake, "SELECT count(DISTINCT day) FROM silver_news_sentiment WHERE article_id = 'a1'");
        Assert.Equal(duplicates == 2 ? 2 : 1, days);
        // verify holds the window: no id repeats within it (the repeat 9 days later is outside a 7-day window).
        Assert.True((await LakeVerifier.VerifyAsync(p.Lake, default, window)).Ok);
        if (duplicates == 2)
        {
            Assert.False((await LakeVerifier.VerifyAsync(p.Lake, default, 10)).Ok); // the same lake breaks a 10-day promise

            // The warehouse mirrors silver: the two articles with that id are two headlines, one per day, through full and
            // incremental loads alike.
            await p.RefreshGoldAsync();
            var first = await p.LoadWarehouseAsync();
            Assert.Equal(2, HeadlineDays(t.WarehouseFile, "a1"));
            var reload = await p.LoadWarehouseAsync(null, null, default, full: true);
            Assert.Equal(0, reload.Changed["HEADLINES"]);
            Assert.Equal(first.Rows["HEADLINES"], reload.Rows["HEADLINES"]);
            Assert.Equal(2, HeadlineDays(t.WarehouseFile, "a1"));
        }
    }

    [Fact]
    public async Task ALateDuplicateIsCaughtByReadingOnlyTheDaysAroundIt()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(51, Start).Generate(900, 30 * 24);
        var now = IngestTime(stream);
        using (var builder = Open(t, now)) await IngestAllAsync(builder, stream.ToBatches(EventStream.News, 30, 2));
        using var reader = Lakehouse.Open(t.Settings);
        using var c = await ViewsAsync(reader);
        var (id, day) = (c.Scalar<string>("SELECT article_id FROM silver_news_sentiment WHERE day = DATE '2026-03-03' ORDER BY article_id LIMIT 1")!,
            new DateOnly(2026, 3, 3));
        var silver = (await reader.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        var window = Enumerable.Range(-7, 15).Select(k => day.AddDays(k)).ToHashSet();
        var filesInWindow = silver.FilesOnDays("day", window).Count();
        Assert.True(silver.Files.Count > 2 * filesInWindow, "the lake should hold far more than the window");

        // The same event, redelivered weeks later under another partition: a duplicate, found by loading ±7 days only.
        var body = stream.News.First(b => Encoding.UTF8.GetString(b).Contains($"\"{id}\""));
        using var cold = Open(t, now);
        var o = await cold.IngestAsync(new EventBatch(EventStream.News, "late", [new RawEvent("late", 0, now, body)]));
        Assert.Equal((0, 1), (o.Accepted, o.Duplicates));
        var index = cold.Silver.IndexFor(EventStream.News);
        // Every file in the window was written by a silver commit: its keys come from its add, nothing is downloaded or read.
        Assert.Equal((filesInWindow, 0L), (index.FilesFromTags, index.FilesRead));
        Assert.True(index.DaysLoaded <= 15);
    }

    [Fact]
    public async Task DaysNotUsedForAWhileAreEvicted()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(52, Start).Generate(300, 20 * 24);
        using (var builder = Open(t, IngestTime(stream))) await IngestAllAsync(builder, stream.ToBatches(EventStream.News, 50, 1));
        using var lake = Lakehouse.Open(t.Settings);
        var silver = (await lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        var index = new DedupeIndex("article_id", "day", maxDays: 5);
        using var c = DuckDbConnection.Open();
        foreach (var day in silver.PartitionDays("day"))
        {
            await index.LoadAsync(c, lake.Store, silver, new HashSet<DateOnly> { day, day.AddDays(1) }, default);
            Assert.True(index.DaysLoaded <= 5, $"{index.DaysLoaded} days held");
        }
        // What is held is the recent days, complete: every article id of the last day is known.
        var last = silver.PartitionDays("day").Max;
        var files = silver.FilesOnDays("day", new HashSet<DateOnly> { last }).Select(a => Path.Combine(t.LakeDir, silver.StorePath(a))).ToList();
        using var r = c.Query($"SELECT DISTINCT article_id FROM read_parquet({DuckDbConnection.QuoteList(files)})");
        var n = 0;
        while (r.Read()) { Assert.True(index.Contains(last, r.GetString(0))); n++; }
        Assert.True(n > 0);
    }

    [Fact]
    public async Task AfterMaintainGoldAndReenrichmentReadOnlyWhatTheyNeed()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(53, Start).Generate(600, 30 * 24);
        var now = IngestTime(stream);
        var scorer = new FakeLlmScorer();
        using var p = new CryptoPipeline(t.Settings, scorer, new FixedClock(now));
        await IngestAllAsync(p, stream.ToBatches(EventStream.News, 60, 2).Concat(stream.ToBatches(EventStream.Prices, 600, 2)));
        await p.RefreshGoldAsync();
        await p.MaintainAsync(MaintenanceTests.RetainNothing);
        var silverFiles = (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!.Files.Count
                          + (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverPrices))!.Files.Count;

        // One batch on the last day: gold recomputes that day from the 8 days it looks at, not from 30.
        var o = await p.IngestAsync(new EventBatch(EventStream.News, "probe", [
            News("probe", 0, "probe-1", "Ethereum upgrade ships on time", "https://news.example/probe-1", stream.End.AddHours(-2).ToString("O"))]));
        Assert.Equal(1, o.Accepted);
        var gold = await p.RefreshGoldAsync();
        Assert.Equal([DateOnly.FromDateTime(stream.End.AddHours(-2).UtcDateTime)], gold.RecomputedDays);
        Assert.InRange(gold.SilverFilesRead, 1, 2 * 8 + 1);
        Assert.True(silverFiles > 2 * gold.SilverFilesRead, $"gold read {gold.SilverFilesRead} of {silverFiles} silver files");

        // Nothing to re-score: file statistics prove no file holds a fallback row, so none is read.
        scorer.Reset();
        var reenrich = await p.ReenrichAsync();
        Assert.Equal((0, 0), (reenrich.FallbackRows, reenrich.FilesScanned));
        Assert.Equal(0, scorer.CallCount);
    }
}
