using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Replay;
using CryptoSentiment.Tests.Events;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

public class IdempotencyTests
{
    [Fact]
    public async Task SameBatchesAgainAndReslicedAddNothingAnywhere()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(5, Start).Generate(400, 24);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 50, 3).Concat(stream.ToBatches(EventStream.Prices, 200, 2)).ToList();
        using (var p = Open(t, now))
        {
            await IngestAllAsync(p, batches);
            await p.RefreshGoldAsync();
            await p.LoadWarehouseAsync();
        }
        using var again = Open(t, now.AddMinutes(5)); // a restarted process: nothing cached
        var before = await StateAsync(again.Lake);

        foreach (var replay in new[] { batches, Reslice(batches, 37), Reslice(batches, 1000) })
        {
            var totals = await IngestAllAsync(again, replay);
            Assert.All(totals, s => Assert.Equal((0, 0, 0, 0, 0), (s.Bronze, s.Considered, s.Accepted, s.Quarantined, s.Duplicates)));
            Assert.Empty((await again.RefreshGoldAsync()).RecomputedDays);
            var load = await again.LoadWarehouseAsync();
            Assert.All(load.Changed, kv => Assert.Equal(0, kv.Value));
            var after = await StateAsync(again.Lake);
            Assert.Equal(before.Rows, after.Rows);
            Assert.Equal(before.Versions, after.Versions);
        }
        await AssertVerifiesAsync(again.Lake);
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(again.Lake, t.WarehouseFile);
    }

    /// <summary>The real news CSV and two coins' hourly prices, replayed like the CLI does (prefixed partitions), twice.</summary>
    [Fact]
    public async Task RealFilesReplayTwiceAddsNothingAndEveryNewsEventIsAccountedFor()
    {
        var newsFile = EventsTestData.Path_("replay", "cryptonews_2021-10_2022-03.csv");
        var priceFiles = new[] { "BTCUSDT_1h.csv", "ETHUSDT_1h.csv" }.Select(f => EventsTestData.Path_("prices", f)).ToList();
        Assert.True(File.Exists(newsFile) && priceFiles.All(File.Exists), "shared data files are missing");
        using var t = new TempLake();

        List<EventBatch> Replay(DateTimeOffset now)
        {
            const int size = 256, parts = 4;
            var list = Prefixed(EventBatcher.ToBatches(ReplaySource.Read(newsFile), EventStream.News, size, parts, now), ReplayPrefix(newsFile, parts));
            foreach (var f in priceFiles)
                list.AddRange(Prefixed(EventBatcher.ToBatches(ReplaySource.Read(f), EventStream.Prices, size, parts, now), ReplayPrefix(f, parts)));
            return list;
        }

        StreamTotals news;
        LakeState first;
        using (var p = new CryptoPipeline(t.Settings))
        {
            var totals = await IngestAllAsync(p, Replay(DateTimeOffset.UtcNow));
            news = totals[0];
            await p.RefreshGoldAsync();
            await p.LoadWarehouseAsync();
            first = await StateAsync(p.Lake);
        }
        Assert.Equal(3526, news.Bronze);
        Assert.Equal(13, news.Quarantined);
        Assert.True(news.Duplicates > 0, "the file holds re-posted articles");
        Assert.Equal(2 * 7296, first.Rows["bronze/prices"]);
        Assert.Equal(2 * 7296, first.Rows["silver/prices"]);

        using (var p = new CryptoPipeline(t.Settings))
        {
            var totals = await IngestAllAsync(p, Replay(DateTimeOffset.UtcNow.AddMinutes(1)));
            Assert.All(totals, s => Assert.Equal((0, 0), (s.Bronze, s.Considered)));
            Assert.Empty((await p.RefreshGoldAsync()).RecomputedDays);
            Assert.All((await p.LoadWarehouseAsync()).Changed, kv => Assert.Equal(0, kv.Value));
            var second = await StateAsync(p.Lake);
            Assert.Equal(first.Rows, second.Rows);
            Assert.Equal(first.Versions, second.Versions);

            // bronze = distinct silver articles + quarantine + duplicates, and every bronze news event is exactly one of them.
            using var c = await ViewsAsync(p.Lake);
            var silverArticles = c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment");
            var quarantined = c.Scalar<long>("SELECT count(*) FROM silver_quarantine WHERE source_table = 'bronze/news'");
            Assert.Equal(3526, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
            Assert.Equal(news.Accepted, silverArticles);
            Assert.Equal(3526, silverArticles + quarantined + news.Duplicates);
            Assert.Equal(silverArticles + quarantined, c.Scalar<long>("""
                SELECT count(*) FROM bronze_news b
                WHERE EXISTS (SELECT 1 FROM silver_news_sentiment s WHERE s.partition_id = b.partition_id AND s.sequence_number = b.sequence_number)
                   OR EXISTS (SELECT 1 FROM silver_quarantine q WHERE q.partition_id = b.partition_id AND q.sequence_number = b.sequence_number)
                """));
            var report = await AssertVerifiesAsync(p.Lake);
            Assert.Contains(report.Checks, ch => ch.Name == "reconcile news" && ch.Ok);
        }
    }

    /// <summary>Same as the CLI's replay: a distinct partition-id prefix per source file.</summary>
    private static List<EventBatch> Prefixed(IEnumerable<EventBatch> batches, string prefix) =>
        batches.Select(b => new EventBatch(b.Stream, prefix + b.PartitionId,
            b.Events.Select(e => e with { PartitionId = prefix + b.PartitionId }).ToList())).ToList();

    private static string ReplayPrefix(string path, int partitions) => ReplaySource.StreamPrefix(path, partitions);
}
