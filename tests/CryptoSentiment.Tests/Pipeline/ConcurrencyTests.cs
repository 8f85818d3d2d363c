using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

public class ConcurrencyTests
{
    [Fact]
    public async Task TwoInstancesOnDifferentPartitionsLoseNothing()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(21, Start).Generate(800, 24);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 40, 4).Concat(stream.ToBatches(EventStream.Prices, 150, 4)).ToList();
        using var a = Open(t, now);
        using var b = Open(t, now);
        async Task Run(CryptoSentiment.Pipeline.CryptoPipeline p, Func<string, bool> mine)
        {
            await Task.Yield();
            foreach (var batch in batches.Where(x => mine(x.PartitionId))) Assert.True((await p.IngestAsync(batch)).Reconciles);
        }
        await Task.WhenAll(Task.Run(() => Run(a, id => id is "0" or "1")), Task.Run(() => Run(b, id => id is "2" or "3")));
        await a.RefreshGoldAsync();

        var x = stream.Expected;
        using var c = await ViewsAsync(a.Lake);
        Assert.Equal(x.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(x.PriceEvents, c.Scalar<long>("SELECT count(*) FROM bronze_prices"));
        Assert.Equal(x.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (article_id, coin)) FROM silver_news_sentiment"));
        Assert.Equal(x.ValidPrices, c.Scalar<long>("SELECT count(*) FROM silver_prices"));
        Assert.Equal(x.NewsRejected.Values.Sum() + x.PricesRejected.Values.Sum(), c.Scalar<long>("SELECT count(*) FROM silver_quarantine"));
        await AssertVerifiesAsync(a.Lake);
    }

    [Fact]
    public async Task SameBatchDeliveredToTwoInstancesAtOnceLandsOnce()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(22, Start).Generate(300, 12);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 60, 1).Concat(stream.ToBatches(EventStream.Prices, 200, 1)).ToList();
        using var a = Open(t, now);
        using var b = Open(t, now);
        foreach (var batch in batches)
        {
            var outcomes = await Task.WhenAll(Task.Run(() => a.IngestAsync(batch)), Task.Run(() => b.IngestAsync(batch)));
            Assert.Equal(batch.Events.Count, outcomes.Sum(o => o.Bronze));
            Assert.Equal(batch.Events.Count, outcomes.Sum(o => o.SilverConsidered));
        }
        var x = stream.Expected;
        using var c = await ViewsAsync(b.Lake);
        Assert.Equal(x.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (partition_id, sequence_number)) FROM bronze_news"));
        Assert.Equal(x.PriceEvents, c.Scalar<long>("SELECT count(*) FROM bronze_prices"));
        Assert.Equal(x.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (article_id, coin)) FROM silver_news_sentiment"));
        Assert.Equal(x.ValidPrices, c.Scalar<long>("SELECT count(*) FROM silver_prices"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (source_table, partition_id, sequence_number)) FROM silver_quarantine"));
        await AssertVerifiesAsync(a.Lake);
    }
}
