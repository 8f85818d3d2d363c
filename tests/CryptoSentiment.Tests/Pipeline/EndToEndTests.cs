using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

public class EndToEndTests
{
    [Fact]
    public async Task GeneratedStreamLandsInEveryTierWithExactCounts()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(11, Start).Generate(1500, 48);
        var x = stream.Expected;
        using var p = Open(t, IngestTime(stream));
        var batches = stream.ToBatches(EventStream.News, 100, 4).Concat(stream.ToBatches(EventStream.Prices, 400, 3)).ToList();
        Assert.True(batches.Select(b => b.PartitionId).Distinct().Count() >= 4);
        var totals = await IngestAllAsync(p, batches);
        var gold = await p.RefreshGoldAsync();
        var load = await p.LoadWarehouseAsync();

        // This run's tallies.
        var (news, prices) = (totals[0], totals[1]);
        Assert.Equal(x.NewsEvents, news.Bronze);
        Assert.Equal(x.DistinctArticles, news.Accepted);
        Assert.Equal(x.NewsDuplicates, news.Duplicates);
        Assert.Equal(x.PriceEvents, prices.Bronze);
        Assert.Equal(x.ValidPrices, prices.Accepted);
        Assert.Equal(0, prices.Duplicates);

        // What the lake holds.
        using var c = await ViewsAsync(p.Lake);
        Assert.Equal(x.NewsEvents, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
        Assert.Equal(x.PriceEvents, c.Scalar<long>("SELECT count(*) FROM bronze_prices"));
        Assert.Equal(x.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(x.ValidPrices, c.Scalar<long>("SELECT count(*) FROM silver_prices"));
        Assert.Equal(ToLong(x.NewsRejected),
            GroupCount(c, "SELECT reason, count(*) FROM silver_quarantine WHERE source_table = 'bronze/news' GROUP BY 1"));
        Assert.Equal(ToLong(x.PricesRejected),
            GroupCount(c, "SELECT reason, count(*) FROM silver_quarantine WHERE source_table = 'bronze/prices' GROUP BY 1"));
        // Each bronze event is at most once in silver (by lineage) and each article once per coin.
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (article_id, coin)) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("""
            SELECT count(*) FROM (SELECT partition_id, sequence_number FROM silver_news_sentiment
                                  INTERSECT SELECT partition_id, sequence_number FROM silver_quarantine WHERE source_table = 'bronze/news')
            """));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE published_at < $1 OR published_at >= $2", stream.Start, stream.End));

        // Gold covers the two days, and the warehouse mirrors gold.
        Assert.Equal(2, gold.TouchedDays.Count);
        Assert.True(c.Scalar<long>("SELECT count(*) FROM gold_coin_daily") > 0);
        Assert.True(c.Scalar<long>("SELECT count(*) FROM gold_coin_hourly") > 0);
        Assert.True(c.Scalar<long>("SELECT count(*) FROM gold_top_coin_daily") > 0);
        Assert.All(load.Rows.Values, n => Assert.True(n > 0));
        await AssertVerifiesAsync(p.Lake);
        await AssertWarehouseMirrorsLakeAsync(p.Lake, t.WarehouseFile);
    }

    /// <summary>Every warehouse table equals its lake source, row for row.</summary>
    internal static async Task AssertWarehouseMirrorsLakeAsync(Lakehouse lake, string warehouseFile)
    {
        using var w = DuckDbConnection.Open(warehouseFile, new Dictionary<string, string> { ["access_mode"] = "READ_ONLY" });
        await lake.CreateViewsAsync(w, LakeTables.All);
        var pairs = new (string Warehouse, string Lake)[]
        {
            // gold's columns the warehouse carries (not the lake-only §12 state: series_n, Wilder averages)
            ("SELECT * FROM COIN_DAILY", global::CryptoSentiment.Pipeline.Warehouse.WarehouseTable.CoinDaily.SourceSql),
            ("SELECT * FROM COIN_HOURLY", global::CryptoSentiment.Pipeline.Warehouse.WarehouseTable.CoinHourly.SourceSql),
            ("SELECT * FROM TOP_COIN_DAILY", "SELECT * FROM gold_top_coin_daily"),
            ("SELECT * FROM HEADLINES", """
                SELECT article_id, coin, published_at, title, source, url, label, polarity, confidence, context_summary, scorer, model
                FROM silver_news_sentiment
                """),
            ("SELECT * FROM SCORER_DAILY", global::CryptoSentiment.Pipeline.Warehouse.WarehouseTable.ScorerDaily.SourceSql),
            ("SELECT * FROM ALERTS", global::CryptoSentiment.Pipeline.Warehouse.WarehouseTable.Alerts.SourceSql),
        };
        foreach (var (wh, lk) in pairs)
        {
            var n = w.Scalar<long>($"SELECT count(*) FROM ({wh})");
            Assert.True(n > 0 || wh.EndsWith("ALERTS", StringComparison.Ordinal), $"{wh}: empty"); // a short stream may raise no alert
            Assert.Equal(w.Scalar<long>($"SELECT count(*) FROM ({lk})"), n);
            Assert.Equal(0, w.Scalar<long>($"SELECT count(*) FROM (({wh}) EXCEPT ALL ({lk}))"));
            Assert.Equal(0, w.Scalar<long>($"SELECT count(*) FROM (({lk}) EXCEPT ALL ({wh}))"));
        }
    }
}
