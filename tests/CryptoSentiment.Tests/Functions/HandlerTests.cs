using System.Text.Json;
using CryptoSentiment.Configuration;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Producers;
using CryptoSentiment.Tests.Enrich;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Functions;

/// <summary>The handler app started in-process through its own builder on a free port, driven with recorded host payloads.</summary>
public class HandlerTests
{
    private static Lakehouse OpenLake(TempLake t) => new(new LocalLakeStore(t.LakeDir));

    [Fact]
    public async Task Readiness_and_unknown_function()
    {
        using var t = new TempLake();
        await using var host = await HandlerHost.StartAsync(t.Settings);
        var ready = await host.Http.GetAsync("/");
        Assert.Equal(200, (int)ready.StatusCode);
        var unknown = await host.PostAsync("NoSuchFunction", TestFiles.ReadPayload("Timer.json"));
        Assert.Equal(404, unknown.Status);
        Assert.Contains(unknown.Logs, l => l.Contains("no such function") && l.Contains("NewsIngest"));
    }

    [Fact]
    public async Task Both_value_shapes_land_the_same_rows_and_redelivery_adds_nothing()
    {
        var states = new List<LakeState>();
        foreach (var shape in new[] { "string", "array" })
        {
            using var t = new TempLake();
            await using var host = await HandlerHost.StartAsync(t.Settings);
            var news = await host.PostAsync("NewsIngest", TestFiles.ReadPayload($"NewsIngest.{shape}.json"));
            Assert.True(news.Status == 200, news.ToString());
            Assert.Equal(6, news.Int("received"));
            Assert.Equal(6, news.Int("bronze"));
            Assert.Equal(3, news.Int("accepted"));
            Assert.Equal(2, news.Int("quarantined"));
            Assert.Equal(1, news.Int("duplicates"));
            Assert.Equal(1, news.ReturnValue.GetProperty("reasons").GetProperty("invalid_json").GetInt32());
            Assert.Equal(1, news.ReturnValue.GetProperty("reasons").GetProperty("missing_field:title").GetInt32());
            Assert.Contains(news.Logs, l => l.Contains("partition 3 seq 100..105") && l.Contains("2 quarantined"));

            var prices = await host.PostAsync("PricesIngest", TestFiles.ReadPayload($"PricesIngest.{shape}.json"));
            Assert.True(prices.Status == 200, prices.ToString());
            Assert.Equal(2, prices.Int("accepted"));
            Assert.Equal(2, prices.Int("quarantined"));

            using var lake = OpenLake(t);
            var before = await PipelineTestKit.StateAsync(lake);
            Assert.Equal(6, before.Rows["bronze/news"]);
            Assert.Equal(4, before.Rows["bronze/prices"]);
            Assert.Equal(2, before.Rows["silver/prices"]);
            Assert.Equal(4, before.Rows["silver/quarantine"]);
            Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
            Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM silver_news_sentiment WHERE partition_id = '3' AND sequence_number IN (100, 101, 105)"));

            // The host redelivers a batch after a failure or on another instance: nothing changes, not even a Delta version.
            foreach (var again in new[] { "string", "array" })
            {
                var n2 = await host.PostAsync("NewsIngest", TestFiles.ReadPayload($"NewsIngest.{again}.json"));
                Assert.Equal(200, n2.Status);
                Assert.Equal(0, n2.Int("bronze"));
                Assert.Contains(n2.Logs, l => l.Contains("already committed"));
                Assert.Equal(200, (await host.PostAsync("PricesIngest", TestFiles.ReadPayload($"PricesIngest.{again}.json"))).Status);
            }
            var after = await PipelineTestKit.StateAsync(lake);
            Assert.Equal(before.Rows, after.Rows);
            Assert.Equal(before.Versions, after.Versions);
            await PipelineTestKit.AssertVerifiesAsync(lake);
            states.Add(after);
        }
        Assert.Equal(states[0].Rows, states[1].Rows);
    }

    [Fact]
    public async Task Binary_events_keep_their_bytes_and_poison_is_quarantined_with_200()
    {
        using var t = new TempLake();
        // An app whose NewsIngest trigger says dataType binary (the handler reads the function.json files of its app root).
        var root = Path.Combine(t.Root, "app");
        Directory.CreateDirectory(Path.Combine(root, "NewsIngest"));
        var fj = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "NewsIngest", "function.json")).Replace("\"dataType\": \"string\"", "\"dataType\": \"binary\"");
        Assert.Contains("binary", fj);
        File.WriteAllText(Path.Combine(root, "NewsIngest", "function.json"), fj);
        await using var host = await HandlerHost.StartAsync(t.Settings, appRoot: root);
        var r = await host.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.binary.json"));
        Assert.True(r.Status == 200, r.ToString());
        Assert.Equal(1, r.Int("accepted"));
        Assert.Equal(1, r.Int("quarantined"));

        using var lake = OpenLake(t);
        using var c = await PipelineTestKit.ViewsAsync(lake);
        var raw = Convert.ToBase64String([0xff, 0xfe, 0x00, 0x01, 0x80]);
        Assert.Equal(raw, c.Scalar<string>("SELECT body FROM bronze_news WHERE sequence_number = 41 AND body_encoding = 'base64'"));
        Assert.Equal("invalid_json", c.Scalar<string>("SELECT reason FROM silver_quarantine WHERE sequence_number = 41"));
        Assert.Equal(raw, c.Scalar<string>("SELECT body FROM silver_quarantine WHERE sequence_number = 41"));
        Assert.Equal("bin-1", c.Scalar<string>("SELECT article_id FROM silver_news_sentiment WHERE sequence_number = 40 LIMIT 1"));
    }

    [Fact]
    public async Task Bad_requests_get_400_and_storage_failures_500()
    {
        using var t = new TempLake();
        await using (var host = await HandlerHost.StartAsync(t.Settings))
        {
            var notJson = await host.PostAsync("NewsIngest", "{\"Data\": [");
            Assert.Equal(400, notJson.Status);
            Assert.Contains(notJson.Logs, l => l.Contains("not JSON"));
            var noPartition = await host.PostAsync("NewsIngest", """{"Data":{"events":"[\"{}\"]"},"Metadata":{"SequenceNumberArray":"[1]"}}""");
            Assert.Equal(400, noPartition.Status);
            Assert.Contains(noPartition.Logs, l => l.Contains("PartitionId is missing"));
            Assert.False(noPartition.ReturnValue.GetProperty("transient").GetBoolean());
        }

        // A lake that cannot be written (LAKE_URI is a file): a storage failure, so 500 and the host retries the batch.
        var file = Path.Combine(t.Root, "not-a-folder");
        File.WriteAllText(file, "x");
        await using (var host = await HandlerHost.StartAsync(t.Settings with { LakeUri = file }))
        {
            var r = await host.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.string.json"));
            Assert.True(r.Status == 500, r.ToString());
            Assert.True(r.ReturnValue.GetProperty("transient").GetBoolean(), r.ToString());
            Assert.Contains(r.Logs, l => l.Contains("transient failure"));
        }
    }

    [Fact]
    public async Task Reenrich_replaces_fallback_rows_once_the_llm_answers()
    {
        using var t = new TempLake();
        var llm = new FakeLlmScorer { Mode = FakeMode.Throws };
        await using var host = await HandlerHost.StartAsync(t.Settings with { SentimentScorer = "llm" }, pipeline: s => new CryptoPipeline(s, llm));

        // The scorer call fails outright: a transient failure, so 500 and the host retries the batch; nothing committed.
        var failed = await host.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.string.json"));
        Assert.True(failed.Status == 500, failed.ToString());
        Assert.True(failed.ReturnValue.GetProperty("transient").GetBoolean());

        // The LLM's circuit is open: rows are scored offline and marked fallback; the batch lands (200).
        llm.Mode = FakeMode.Down;
        var ingest = await host.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.string.json"));
        Assert.True(ingest.Status == 200, ingest.ToString());
        Assert.Equal(3, ingest.Int("accepted"));
        using var lake = OpenLake(t);
        Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM silver_news_sentiment WHERE scorer = 'fallback'"));

        var stillDown = await host.PostAsync("Reenrich", TestFiles.ReadPayload("Timer.json"));
        Assert.True(stillDown.Status == 200, stillDown.ToString());
        Assert.Contains(stillDown.Logs, l => l.Contains("still falls back"));

        llm.Mode = FakeMode.Healthy;
        var healed = await host.PostAsync("Reenrich", TestFiles.ReadPayload("Timer.json"));
        Assert.True(healed.Status == 200, healed.ToString());
        Assert.Equal(3, healed.Int("rescoredArticles"));
        Assert.True(healed.ReturnValue.GetProperty("gold").GetProperty("recomputedDays").GetInt32() > 0);
        Assert.Equal(0, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM silver_news_sentiment WHERE scorer = 'fallback'"));
        Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM silver_news_sentiment WHERE scorer = 'llm'"));
        Assert.True(File.Exists(t.WarehouseFile));

        var again = await host.PostAsync("Reenrich", TestFiles.ReadPayload("Timer.json"));
        Assert.Contains(again.Logs, l => l.Contains("no fallback rows"));
        await PipelineTestKit.AssertVerifiesAsync(lake);
    }

    [Fact]
    public async Task GoldRefresh_recomputes_gold_and_loads_the_warehouse()
    {
        using var t = new TempLake();
        await using var host = await HandlerHost.StartAsync(t.Settings);
        Assert.Equal(200, (await host.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.string.json"))).Status);
        Assert.Equal(200, (await host.PostAsync("PricesIngest", TestFiles.ReadPayload("PricesIngest.string.json"))).Status);
        var gold = await host.PostAsync("GoldRefresh", TestFiles.ReadPayload("Timer.json"));
        Assert.True(gold.Status == 200, gold.ToString());
        Assert.True(gold.Int("recomputedDays") > 0);
        Assert.True(File.Exists(t.WarehouseFile));
        using var lake = OpenLake(t);
        Assert.Equal(1, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM gold_coin_daily WHERE coin = 'BTC' AND day = DATE '2025-11-21'"));
        using (var wh = CryptoSentiment.DuckDb.DuckDbConnection.Open(t.WarehouseFile))
            Assert.True(wh.Scalar<long>("SELECT count(*) FROM COIN_DAILY") > 0);
        var again = await host.PostAsync("GoldRefresh", TestFiles.ReadPayload("Timer.json"));
        Assert.Equal(0, again.Int("recomputedDays"));
        Assert.Contains(again.Logs, l => l.Contains("gold is current"));
    }

    [Fact]
    public async Task Maintenance_compacts_every_table_and_reports_what_it_did()
    {
        using var t = new TempLake();
        await using var host = await HandlerHost.StartAsync(t.Settings with { MaintenanceRetentionHours = 0 });
        var titles = new[] { "Bitcoin climbs", "Ether slips", "Solana rallies", "XRP steadies", "Cardano gains", "Dogecoin jumps" };
        for (var i = 0; i < titles.Length; i++)
        {
            var body = JsonSerializer.Serialize(new { id = $"m{i}", title = titles[i], source = "wire", published_at = DateTime.UtcNow.AddHours(-1).ToString("O") });
            Assert.Equal(200, (await host.PostAsync("NewsIngest", TestFiles.EventHubPayload([body], "0", i))).Status);
        }
        var run = await host.PostAsync("Maintenance", TestFiles.ReadPayload("Timer.json"));
        Assert.True(run.Status == 200, run.ToString());
        Assert.Equal(0, run.ReturnValue.GetProperty("retentionHours").GetDouble());
        var silver = run.ReturnValue.GetProperty("silver/news_sentiment");
        Assert.Equal(6, silver.GetProperty("liveFilesBefore").GetInt32());
        Assert.Equal(1, silver.GetProperty("liveFilesAfter").GetInt32());
        Assert.Equal(6, silver.GetProperty("filesVacuumed").GetInt32());
        Assert.Contains(run.Logs, l => l.StartsWith("Maintenance: bronze/news:", StringComparison.Ordinal) && l.Contains("6 → 1 live files"));
        using var lake = OpenLake(t);
        Assert.Equal(6, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM silver_news_sentiment"));
        await PipelineTestKit.AssertVerifiesAsync(lake);
    }

    [Fact]
    public async Task Poll_functions_emit_events_once_and_the_events_ingest()
    {
        await using var feeds = await LoopbackServer.StartAsync(new()
        {
            ["/rss"] = Canned.File("application/rss+xml", "rss.xml"),
            ["/atom"] = Canned.File("application/atom+xml", "atom.xml"),
            ["/broken"] = Canned.Text("text/plain", "upstream exploded", 500),
            ["/prices"] = Canned.File("application/json", "coingecko.json"),
        });
        using var t = new TempLake();
        var settings = t.Settings with { NewsFeeds = [feeds.Url("/rss"), feeds.Url("/broken"), feeds.Url("/atom")], PriceApiUrl = feeds.Url("/prices") };
        await using var host = await HandlerHost.StartAsync(settings);

        var news = await host.PostAsync("NewsPoll", TestFiles.ReadPayload("Timer.json"));
        Assert.True(news.Status == 200, news.ToString());
        var newsEvents = news.Output("news");
        Assert.Equal(5, newsEvents.Count);
        Assert.Equal(1, news.Int("failedSources"));
        Assert.Contains(news.Logs, l => l.Contains("/broken") && l.Contains("HTTP 500"));
        var prices = await host.PostAsync("PricePoll", TestFiles.ReadPayload("Timer.json"));
        Assert.True(prices.Status == 200, prices.ToString());
        var priceEvents = prices.Output("prices");
        Assert.Equal(7, priceEvents.Count);

        // Polled again: nothing new.
        Assert.Empty((await host.PostAsync("NewsPoll", TestFiles.ReadPayload("Timer.json"))).Output("news"));
        Assert.Empty((await host.PostAsync("PricePoll", TestFiles.ReadPayload("Timer.json"))).Output("prices"));

        // What the host would deliver from the hubs: every produced event is valid news / a valid price.
        var n = await host.PostAsync("NewsIngest", TestFiles.EventHubPayload(newsEvents, "0", 0));
        Assert.True(n.Status == 200, n.ToString());
        Assert.Equal(5, n.Int("accepted"));
        var p = await host.PostAsync("PricesIngest", TestFiles.EventHubPayload(priceEvents, "0", 0));
        Assert.Equal(7, p.Int("accepted"));
        using var lake = OpenLake(t);
        Assert.Equal(0, await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM silver_quarantine"));
        using var c = await PipelineTestKit.ViewsAsync(lake);
        Assert.Equal(["AVAX", "BNB", "BTC", "ETH", "MATIC", "SHIB", "SOL"],
            PipelineTestKit.GroupCount(c, "SELECT coin, count(*) FROM silver_prices GROUP BY 1").Keys.Order(StringComparer.Ordinal));
        Assert.NotNull(await lake.Store.ReadAsync(ProducerState.Prefix + "news.json"));
    }
}
