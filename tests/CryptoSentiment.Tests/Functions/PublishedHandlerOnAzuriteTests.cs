using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Blob;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Functions;

/// <summary>
/// The published handler with its lake in real Azurite (the Blob SDK store, SharedKey): recorded host payloads land
/// in bronze/silver/gold in the container, verify passes on the container, and redelivering the payloads adds nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class PublishedHandlerOnAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Published_handler_writes_the_lake_in_Azurite_and_redelivery_adds_nothing()
    {
        var app = PublishedApp.Ensure();
        var container = AzuriteFixture.NewContainer();
        using var t = new TempLake();
        await using var handler = await HandlerProcess.StartAsync(Path.Combine(app, "CryptoSentiment.Functions"), new()
        {
            ["LAKE_URI"] = azurite.Server.ContainerUrl(container),
            ["LAKE_AUTH"] = "sharedkey",
            ["LAKE_ACCOUNT_KEY"] = azurite.Server.AccountKey,
            ["WAREHOUSE"] = "duckdb:" + t.WarehouseFile,
        });

        var news = await handler.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.string.json"));
        Assert.True(news.Status == 200, news + handler.Output);
        Assert.Equal(3, news.Int("accepted"));
        var prices = await handler.PostAsync("PricesIngest", TestFiles.ReadPayload("PricesIngest.array.json"));
        Assert.True(prices.Status == 200, prices + handler.Output);
        var gold = await handler.PostAsync("GoldRefresh", TestFiles.ReadPayload("Timer.json"));
        Assert.True(gold.Status == 200, gold + handler.Output);

        using var lake = new Lakehouse(azurite.NewStore(container: container));
        var first = await PipelineTestKit.StateAsync(lake);
        Assert.Equal(6, first.Rows["bronze/news"]);
        Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(2, first.Rows["silver/prices"]);
        Assert.True(first.Rows["gold/coin_daily"] > 0);
        Assert.DoesNotContain(azurite.Server.AccountKey, handler.Output);      // and never reaches the handler's logs

        foreach (var (fn, payload) in new[] { ("NewsIngest", "NewsIngest.string.json"), ("PricesIngest", "PricesIngest.array.json") })
        {
            var again = await handler.PostAsync(fn, TestFiles.ReadPayload(payload));
            Assert.True(again.Status == 200, again + handler.Output);
            Assert.Equal(0, again.Int("bronze"));
        }
        using var reread = new Lakehouse(azurite.NewStore(container: container));
        var second = await PipelineTestKit.StateAsync(reread);
        Assert.Equal(first.Rows, second.Rows);
        Assert.Equal(first.Versions, second.Versions);
        await PipelineTestKit.AssertVerifiesAsync(reread);
    }
}
