using System.Net;
using System.Text.Json;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.Dashboard;

/// <summary>The JSON API behind the page, against the running <c>serve</c>, checked against SQL on the warehouse.</summary>
[Collection(DashboardCollection.Name)]
public class DashboardApiTests(DashboardFixture f, ITestOutputHelper output)
{
    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string pathAndQuery)
    {
        using var res = await f.Http.GetAsync(pathAndQuery);
        var text = await res.Content.ReadAsStringAsync();
        Assert.True(res.Content.Headers.ContentType?.MediaType == "application/json", $"{pathAndQuery}: {(int)res.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return (res.StatusCode, doc.RootElement.Clone());
    }

    private async Task<JsonElement> OkAsync(string pathAndQuery)
    {
        var (status, body) = await GetAsync(pathAndQuery);
        Assert.True(status == HttpStatusCode.OK, $"{pathAndQuery}: {(int)status} {body}\n{f.ServeOutput}");
        return body;
    }

    private long Scalar(string sql, params object?[] args)
    {
        using var c = f.OpenWarehouse();
        return c.Scalar<long>(sql, args);
    }

    [Fact]
    public async Task OverviewMatchesTheWarehouse()
    {
        var meta = await OkAsync("api/meta");
        using (var c = f.OpenWarehouse())
        {
            Assert.Equal(c.Scalar<DateOnly>("SELECT min(day) FROM COIN_DAILY").ToString("yyyy-MM-dd"), meta.GetProperty("firstDay").GetString());
            Assert.Equal(c.Scalar<DateOnly>("SELECT max(day) FROM COIN_DAILY").ToString("yyyy-MM-dd"), meta.GetProperty("lastDay").GetString());
            Assert.Equal(c.Scalar<long>("SELECT count(DISTINCT coin) FROM COIN_DAILY"), meta.GetProperty("coins").GetArrayLength());
        }

        var o = await OkAsync("api/overview");
        var d = o.GetProperty("distribution");
        Assert.Equal(Scalar("SELECT sum(mentions) FROM COIN_DAILY"), d.GetProperty("mentions").GetInt64());
        Assert.Equal(Scalar("SELECT sum(positive) FROM COIN_DAILY"), d.GetProperty("positive").GetInt64());
        Assert.Equal(Scalar("SELECT sum(negative) FROM COIN_DAILY"), d.GetProperty("negative").GetInt64());
        Assert.Equal(Scalar("SELECT sum(neutral) FROM COIN_DAILY"), d.GetProperty("neutral").GetInt64());
        Assert.Equal(Scalar("SELECT count(*) FROM COIN_DAILY"), o.GetProperty("trend").GetArrayLength());
        using (var c = f.OpenWarehouse())
        {
            using var top = c.Query("SELECT coin, day, mentions FROM TOP_COIN_DAILY ORDER BY day DESC LIMIT 1");
            Assert.True(top.Read());
            var card = o.GetProperty("topCoin");
            Assert.Equal(top.GetString(0), card.GetProperty("coin").GetString());
            Assert.Equal(top.GetDate(1).ToString("yyyy-MM-dd"), card.GetProperty("day").GetString());
            Assert.Equal(top.GetInt64(2), card.GetProperty("mentions").GetInt64());
        }
        var headlines = o.GetProperty("headlines").EnumerateArray().ToList();
        Assert.Equal(Math.Min(50, Scalar("SELECT count(*) FROM HEADLINES")), headlines.Count);
        var times = headlines.Select(h => h.GetProperty("published_at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.All(headlines, h => Assert.Contains(h.GetProperty("label").GetString(), new[] { "Positive", "Negative", "Neutral" }));
        Assert.Equal(5, (await OkAsync("api/overview?limit=5")).GetProperty("headlines").GetArrayLength());
    }

    [Fact]
    public async Task FiltersNarrowEveryViewToTheCoinsAndDays()
    {
        var last = (await OkAsync("api/meta")).GetProperty("lastDay").GetString()!;
        var o = await OkAsync("api/overview?coins=btc,%20ETH,BTC");
        Assert.Equal(["BTC", "ETH"], o.GetProperty("filter").GetProperty("coins").EnumerateArray().Select(e => e.GetString()));
        Assert.All(o.GetProperty("trend").EnumerateArray(), r => Assert.Contains(r.GetProperty("coin").GetString(), new[] { "BTC", "ETH" }));
        Assert.All(o.GetProperty("headlines").EnumerateArray(), r => Assert.Contains(r.GetProperty("coin").GetString(), new[] { "BTC", "ETH" }));
        Assert.Equal(Scalar("SELECT sum(mentions) FROM COIN_DAILY WHERE coin IN ('BTC', 'ETH')"), o.GetProperty("distribution").GetProperty("mentions").GetInt64());

        var day = await OkAsync($"api/overview?from={last}&to={last}&coins=BTC");
        Assert.Equal(1, day.GetProperty("distribution").GetProperty("days").GetInt64());
        Assert.Equal(Scalar("SELECT sum(mentions) FROM COIN_DAILY WHERE coin = 'BTC' AND day = $1", DateOnly.Parse(last)),
            day.GetProperty("distribution").GetProperty("mentions").GetInt64());

        var price = await OkAsync("api/sentiment-price?coins=BTC,SOL");
        Assert.Equal(Scalar("SELECT count(*) FROM COIN_HOURLY WHERE coin IN ('BTC', 'SOL')"), price.GetProperty("series").GetArrayLength());
        var flagged = price.GetProperty("summary").EnumerateArray().Sum(s => s.GetProperty("divergent_hours").GetInt64());
        Assert.Equal(Scalar("SELECT count(*) FROM COIN_HOURLY WHERE coin IN ('BTC', 'SOL') AND divergence"), flagged);
        Assert.Equal(flagged, price.GetProperty("series").EnumerateArray().Count(r => r.GetProperty("divergence").ValueKind == JsonValueKind.True));

        var vol = await OkAsync($"api/volatility?to={last}&coins=ETH");
        Assert.Equal(Scalar("SELECT count(volatility_24h) FROM COIN_HOURLY WHERE coin = 'ETH'"), vol.GetProperty("series").GetArrayLength());
        Assert.Equal(vol.GetProperty("series").GetArrayLength(), vol.GetProperty("daily").EnumerateArray().Sum(r => r.GetProperty("hours").GetInt64()));
        using var c = f.OpenWarehouse();
        Assert.Equal(c.Scalar<double>("SELECT avg(volatility_24h) FROM COIN_HOURLY WHERE coin = 'ETH'"),
            vol.GetProperty("summary")[0].GetProperty("avg_volatility").GetDouble(), 12);

        // Alerts & health: the coin's alerts plus scorer_drift (no coin) within the range, newest first; scorer rows of the range
        var health = await OkAsync($"api/health?to={last}&coins=ETH&limit=3");
        var eth = Scalar("SELECT count(*) FROM ALERTS WHERE coin = 'ETH' OR coin IS NULL");
        Assert.Equal(Math.Min(eth, 3), health.GetProperty("alerts").GetArrayLength());
        Assert.All(health.GetProperty("alerts").EnumerateArray(), a => Assert.True(a.GetProperty("coin").ValueKind == JsonValueKind.Null || a.GetProperty("coin").GetString() == "ETH"));
        Assert.Equal(eth, health.GetProperty("alertCounts").EnumerateArray().Sum(r => r.GetProperty("alerts").GetInt64()));
        Assert.Equal(Scalar("SELECT count(*) FROM SCORER_DAILY"), health.GetProperty("scorer").GetArrayLength());
        var all = await OkAsync("api/health");
        Assert.Equal(Scalar("SELECT count(*) FROM ALERTS"), all.GetProperty("alertCounts").EnumerateArray().Sum(r => r.GetProperty("alerts").GetInt64()));

        // Event lag, from the lake's bronze: the fixture ingested every event in one hour, an hour after the stream's end, each
        // enqueued from the end on (1 ms apart): every bronze event is in the window, news and prices, lag just under an hour.
        var lag = all.GetProperty("lag").EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, all.GetProperty("lagNote").ValueKind);
        long bronze;
        using (var views = await PipelineTestKit.ViewsAsync(new Lakehouse(new LocalLakeStore(f.Lake.LakeDir))))
            bronze = views.Scalar<long>("SELECT (SELECT count(*) FROM bronze_news) + (SELECT count(*) FROM bronze_prices)");
        Assert.Equal(bronze, lag.Sum(r => r.GetProperty("events").GetInt64()));
        Assert.Equal(["news", "prices"], lag.Select(r => r.GetProperty("stream").GetString()).Order());
        Assert.All(lag, r => Assert.InRange(r.GetProperty("lag_p95_s").GetDouble(), 3000, 3600));
        var narrow = await OkAsync("api/health?lagHours=1");
        Assert.Equal(lag.Count, narrow.GetProperty("lag").GetArrayLength());
    }

    [Theory]
    [InlineData("BTC'); DROP TABLE COIN_DAILY; --")]
    [InlineData("' OR '1'='1")]
    [InlineData("BTC\" OR 1=1 --")]
    [InlineData("*; SELECT * FROM HEADLINES")]
    public async Task InjectionLookingCoinsAreJustData(string evil)
    {
        var before = Scalar("SELECT count(*) FROM COIN_DAILY");
        var btc = await OkAsync("api/overview?coins=BTC");
        var both = await OkAsync("api/overview?coins=" + Uri.EscapeDataString("BTC," + evil));
        // The odd value is one more coin name that matches nothing: the result is BTC's alone.
        Assert.Equal(btc.GetProperty("distribution").GetRawText(), both.GetProperty("distribution").GetRawText());
        Assert.Equal(btc.GetProperty("trend").GetRawText(), both.GetProperty("trend").GetRawText());
        var alone = await OkAsync("api/overview?coins=" + Uri.EscapeDataString(evil));
        Assert.Equal(0, alone.GetProperty("distribution").GetProperty("mentions").GetInt64());
        Assert.Equal(0, alone.GetProperty("trend").GetArrayLength());
        Assert.Equal(0, (await OkAsync("api/sentiment-price?coins=" + Uri.EscapeDataString(evil))).GetProperty("series").GetArrayLength());
        Assert.Equal(0, (await OkAsync("api/volatility?coins=" + Uri.EscapeDataString(evil))).GetProperty("series").GetArrayLength());
        Assert.Equal(before, Scalar("SELECT count(*) FROM COIN_DAILY"));
    }

    [Theory]
    [InlineData("api/overview?from=2026-13-01", "Bad 'from' date '2026-13-01': expected a calendar day as YYYY-MM-DD")]
    [InlineData("api/overview?to=yesterday", "Bad 'to' date 'yesterday'")]
    [InlineData("api/sentiment-price?from=2026-02-30", "Bad 'from' date '2026-02-30'")]
    [InlineData("api/volatility?from=2026-03-01'%20OR%20'1'='1", "Bad 'from' date")]
    [InlineData("api/overview?from=2026-03-05&to=2026-03-01", "'from' (2026-03-05) is after 'to' (2026-03-01)")]
    [InlineData("api/overview?limit=abc", "Bad 'limit' 'abc'")]
    [InlineData("api/health?limit=0", "Bad 'limit' '0'")]
    [InlineData("api/health?from=someday", "Bad 'from' date 'someday'")]
    [InlineData("api/health?lagHours=0", "Bad 'lagHours' '0'")]
    [InlineData("api/health?lagHours=1000", "Bad 'lagHours' '1000'")]
    public async Task BadInputIsA400WithAClearMessage(string pathAndQuery, string expected)
    {
        var (status, body) = await GetAsync(pathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("error").GetString());
        output.WriteLine($"{pathAndQuery} → {body.GetProperty("error").GetString()}");
    }

    [Fact]
    public async Task UnknownEndpointIsA404NamingTheRealOnes()
    {
        var (status, body) = await GetAsync("api/nope");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("/api/overview", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task LoadInAnotherProcessSucceedsWhileTheDashboardIsBeingRead()
    {
        // serve opens the file READ_ONLY per request; a load (here: this test process) waits out those short locks.
        using var stop = new CancellationTokenSource();
        var statuses = new List<HttpStatusCode>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var res = await f.Http.GetAsync("api/overview?limit=5");
                lock (statuses) statuses.Add(res.StatusCode);
            }
        });
        using (var p = new CryptoPipeline(f.Lake.Settings))
            for (var i = 0; i < 3; i++)
            {
                var load = await p.LoadWarehouseAsync();
                Assert.All(load.Changed.Values, n => Assert.Equal(0, n)); // idempotent: nothing to change
                await Task.Delay(50);
            }
        await Task.Delay(200);
        stop.Cancel();
        await reader;
        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        output.WriteLine($"{statuses.Count} dashboard requests during 3 loads, all 200");
    }
}
