using System.Globalization;
using System.Text.Json;
using CryptoSentiment.Api;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Api;

/// <summary>Every <c>/api/v1</c> route (ARCHITECTURE §11): shapes checked against SQL on the lake, errors, ETag and 304.</summary>
[Collection(ApiCollection.Name)]
public class LakeApiTests(ApiFixture f)
{
    private static readonly string[] HourlyFields =
        ["hour", "mentions", "score", "score_24h", "volatility_24h", "close_usd", "return_24h", "sma_24h", "ema_24h", "rsi_14h", "divergence"];

    private static void AssertUtc(JsonElement e)
    {
        var s = e.GetString()!;
        Assert.EndsWith("Z", s);
        Assert.True(Timestamps.TryParseUtc(s, out _), s);
    }

    private static IEnumerable<string> Names(JsonElement o) => o.EnumerateObject().Select(p => p.Name);

    [Fact]
    public async Task Coins_lists_the_latest_hour_of_every_coin()
    {
        var coins = (await f.OkAsync("/api/v1/coins")).EnumerateArray().ToList();
        using var c = await f.ViewsAsync();
        Assert.Equal(c.Scalar<long>("SELECT count(DISTINCT coin) FROM gold_coin_hourly"), coins.Count);
        Assert.Equal(coins.Select(x => x.GetProperty("coin").GetString()).Order(StringComparer.Ordinal), coins.Select(x => x.GetProperty("coin").GetString()));
        foreach (var row in coins)
        {
            Assert.Equal(["coin", "hour", "score_24h", "mentions_24h", "close_usd", "return_24h"], Names(row));
            AssertUtc(row.GetProperty("hour"));
        }
        var btc = coins.Single(x => x.GetProperty("coin").GetString() == "BTC");
        var last = c.Scalar<DateTimeOffset>("SELECT max(hour) FROM gold_coin_hourly WHERE coin = 'BTC'");
        Assert.Equal(last, btc.GetProperty("hour").GetDateTimeOffset());
        Assert.Equal(c.Scalar<long>("SELECT sum(mentions) FROM gold_coin_hourly WHERE coin = 'BTC' AND hour > $1::TIMESTAMPTZ - INTERVAL 24 HOUR", last),
            btc.GetProperty("mentions_24h").GetInt64());
        var score = c.Scalar<double?>("SELECT score_24h FROM gold_coin_hourly WHERE coin = 'BTC' AND hour = $1::TIMESTAMPTZ", last);
        if (score is { } s) Assert.Equal(s, btc.GetProperty("score_24h").GetDouble(), 12);
        else Assert.Equal(JsonValueKind.Null, btc.GetProperty("score_24h").ValueKind);
    }

    [Fact]
    public async Task Coin_series_has_the_hourly_shape_and_the_hours_window()
    {
        var o = await f.OkAsync("/api/v1/coins/btc");
        Assert.Equal(["coin", "hourly"], Names(o));
        Assert.Equal("BTC", o.GetProperty("coin").GetString());
        var hourly = o.GetProperty("hourly").EnumerateArray().ToList();
        Assert.InRange(hourly.Count, 1, 24);
        foreach (var h in hourly)
        {
            Assert.Equal(HourlyFields, Names(h));
            AssertUtc(h.GetProperty("hour"));
            foreach (var n in LakeApi.IndicatorColumns) Assert.Contains(h.GetProperty(n).ValueKind, new[] { JsonValueKind.Null, JsonValueKind.Number });
        }
        var hours = hourly.Select(h => h.GetProperty("hour").GetDateTimeOffset()).ToList();
        Assert.Equal(hours.Order(), hours);
        Assert.True(hours[^1] - hours[0] < TimeSpan.FromHours(24));

        using var c = await f.ViewsAsync();
        var last = c.Scalar<DateTimeOffset>("SELECT max(hour) FROM gold_coin_hourly WHERE coin = 'BTC'");
        Assert.Equal(last, hours[^1]);
        var week = (await f.OkAsync("/api/v1/coins/BTC?hours=168")).GetProperty("hourly");
        Assert.Equal(c.Scalar<long>("SELECT count(*) FROM gold_coin_hourly WHERE coin = 'BTC' AND hour > $1::TIMESTAMPTZ - INTERVAL 168 HOUR", last), week.GetArrayLength());
        Assert.Equal(1, (await f.OkAsync("/api/v1/coins/BTC?hours=1")).GetProperty("hourly").GetArrayLength());
        Assert.Equal(c.Scalar<long>("SELECT count(*) FROM gold_coin_hourly WHERE coin = 'BTC'"),
            (await f.OkAsync("/api/v1/coins/BTC?hours=720")).GetProperty("hourly").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/coins/BTC-X", 400, "coin")]
    [InlineData("/api/v1/coins/%24BTC", 400, "coin")]
    [InlineData("/api/v1/coins/BTC?hours=0", 400, "hours")]
    [InlineData("/api/v1/coins/BTC?hours=721", 400, "hours")]
    [InlineData("/api/v1/coins/BTC?hours=abc", 400, "hours")]
    [InlineData("/api/v1/coins/ZZZ", 404, "Unknown coin 'ZZZ'")]
    [InlineData("/api/v1/top?day=2026-13-01", 400, "day")]
    [InlineData("/api/v1/top?day=yesterday", 400, "day")]
    [InlineData("/api/v1/top?day=1999-01-01", 404, "1999-01-01")]
    [InlineData("/api/v1/headlines?limit=0", 400, "limit")]
    [InlineData("/api/v1/headlines?limit=201", 400, "limit")]
    [InlineData("/api/v1/headlines?before=last-week", 400, "before")]
    [InlineData("/api/v1/headlines?coin=B%20TC", 400, "coin")]
    [InlineData("/api/v1/headlines?coin=ZZZ", 404, "Unknown coin 'ZZZ'")]
    [InlineData("/api/v1/alerts?since=soon", 400, "since")]
    [InlineData("/api/v1/alerts?limit=0", 400, "limit")]
    [InlineData("/api/v1/alerts?limit=1001", 400, "limit")]
    [InlineData("/api/v1/nope", 404, "No API route")]
    [InlineData("/api/v1/coins/BTC/extra", 404, "No API route")]
    [InlineData("/api/v2/coins", 404, "No API route")]
    public async Task Errors_are_problem_documents(string pathAndQuery, int status, string detail)
    {
        Assert.Contains(detail, await f.ProblemAsync(pathAndQuery, status));
        // The same again (a cached problem for data-dependent 404s): the same answer.
        Assert.Contains(detail, await f.ProblemAsync(pathAndQuery, status));
    }

    [Fact]
    public async Task Alerts_are_gold_alerts_newest_first_with_since_limit_and_etag()
    {
        using var c = await f.ViewsAsync();
        var expected = new List<(string Id, DateTimeOffset Hour)>();
        using (var r = c.Query("SELECT alert_id, hour FROM gold_alerts ORDER BY hour DESC, kind, coin NULLS FIRST, alert_id"))
            while (r.Read()) expected.Add((r.GetString(0), r.GetDateTimeOffset(1)));
        Assert.True(expected.Count >= 3, "the fixture's stream raises alerts (divergence runs)");

        var all = await f.OkAsync("/api/v1/alerts");
        Assert.Equal(expected.Select(e => e.Id), all.EnumerateArray().Select(a => a.GetProperty("alert_id").GetString()));
        Assert.Equal(["alert_id", "kind", "coin", "hour", "value", "baseline", "zscore", "severity", "message"], Names(all[0]));
        Assert.EndsWith("Z", all[0].GetProperty("hour").GetString());

        // since: the alerts whose first hour is at or after it (inclusive), still newest first
        var cut = expected[expected.Count / 2].Hour;
        var since = await f.OkAsync("/api/v1/alerts?since=" + Uri.EscapeDataString(cut.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        Assert.Equal(expected.Where(e => e.Hour >= cut).Select(e => e.Id), since.EnumerateArray().Select(a => a.GetProperty("alert_id").GetString()));
        Assert.Empty((await f.OkAsync("/api/v1/alerts?since=2099-01-01T00:00:00Z")).EnumerateArray());
        Assert.Equal(expected.Take(2).Select(e => e.Id), (await f.OkAsync("/api/v1/alerts?limit=2")).EnumerateArray().Select(a => a.GetProperty("alert_id").GetString()));

        // the same caching and ETag conventions as the other routes
        var first = await f.GetAsync("/api/v1/alerts");
        Assert.Equal(LakeApi.DataCacheControl, first.Headers["Cache-Control"]);
        Assert.Equal(304, (await f.GetAsync("/api/v1/alerts", first.ETag)).Status);
    }

    [Fact]
    public async Task Only_GET_and_HEAD_are_served()
    {
        var post = await f.Api.HandleAsync(ApiRequest.Parse("POST", "/api/v1/coins"));
        Assert.Equal(405, post.Status);
        Assert.Equal("application/problem+json", post.ContentType);
        Assert.Equal("GET, HEAD", post.Headers["Allow"]);
        var head = await f.Api.HandleAsync(ApiRequest.Parse("HEAD", "/api/v1/coins"));
        Assert.Equal(200, head.Status);
        Assert.Empty(head.Body);
        Assert.Equal((await f.GetAsync("/api/v1/coins")).ETag, head.ETag);
    }

    [Fact]
    public async Task Top_defaults_to_the_latest_day_and_takes_a_day()
    {
        var top = await f.OkAsync("/api/v1/top");
        Assert.Equal(["day", "coin", "weighted_score", "mentions"], Names(top));
        using var c = await f.ViewsAsync();
        using (var r = c.Query("SELECT day, coin, mentions FROM gold_top_coin_daily ORDER BY day DESC LIMIT 1"))
        {
            Assert.True(r.Read());
            Assert.Equal(r.GetDate(0).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), top.GetProperty("day").GetString());
            Assert.Equal(r.GetString(1), top.GetProperty("coin").GetString());
            Assert.Equal(r.GetInt64(2), top.GetProperty("mentions").GetInt64());
        }
        var first = c.Scalar<DateOnly>("SELECT min(day) FROM gold_top_coin_daily").ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var day = await f.OkAsync("/api/v1/top?day=" + first);
        Assert.Equal(first, day.GetProperty("day").GetString());
        Assert.Equal(c.Scalar<string>("SELECT coin FROM gold_top_coin_daily WHERE day = $1::DATE", first), day.GetProperty("coin").GetString());
    }

    [Fact]
    public async Task Headlines_are_newest_first_with_limit_coin_and_before()
    {
        var all = (await f.OkAsync("/api/v1/headlines")).EnumerateArray().ToList();
        Assert.Equal(LakeApi.DefaultLimit, all.Count);
        foreach (var h in all)
        {
            Assert.Equal(["article_id", "coin", "published_at", "title", "source", "url", "label", "confidence", "context_summary", "scorer"], Names(h));
            AssertUtc(h.GetProperty("published_at"));
            Assert.Contains(h.GetProperty("label").GetString(), new[] { "Positive", "Negative", "Neutral" });
        }
        var times = all.Select(h => h.GetProperty("published_at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);

        // The newest 200 are exactly what a full scan gives (the API reads the newest day partitions first).
        using var c = await f.ViewsAsync();
        var expected = new List<string>();
        using (var r = c.Query("SELECT article_id || '/' || coin FROM silver_news_sentiment ORDER BY published_at DESC, article_id, coin LIMIT 200"))
            while (r.Read()) expected.Add(r.GetString(0));
        var max = (await f.OkAsync("/api/v1/headlines?limit=200")).EnumerateArray()
            .Select(h => h.GetProperty("article_id").GetString() + "/" + h.GetProperty("coin").GetString()).ToList();
        Assert.Equal(expected, max);

        Assert.Equal(5, (await f.OkAsync("/api/v1/headlines?limit=5")).GetArrayLength());
        var eth = (await f.OkAsync("/api/v1/headlines?coin=eth&limit=20")).EnumerateArray().ToList();
        Assert.NotEmpty(eth);
        Assert.All(eth, h => Assert.Equal("ETH", h.GetProperty("coin").GetString()));

        // Paging: before = the last published_at of a page gives strictly older rows.
        var cut = all[^1].GetProperty("published_at").GetString()!;
        var older = (await f.OkAsync("/api/v1/headlines?limit=10&before=" + Uri.EscapeDataString(cut))).EnumerateArray().ToList();
        Assert.NotEmpty(older);
        Assert.All(older, h => Assert.True(h.GetProperty("published_at").GetDateTimeOffset() < DateTimeOffset.Parse(cut, CultureInfo.InvariantCulture)));
        var expectedOlder = new List<string>();
        using (var r = c.Query("SELECT article_id FROM silver_news_sentiment WHERE published_at < $1::TIMESTAMPTZ ORDER BY published_at DESC, article_id, coin LIMIT 10", cut))
            while (r.Read()) expectedOlder.Add(r.GetString(0));
        Assert.Equal(expectedOlder, older.Select(h => h.GetProperty("article_id").GetString()));
        // Before the first headline: an empty page, not an error.
        Assert.Equal(0, (await f.OkAsync("/api/v1/headlines?before=2000-01-01T00:00:00Z")).GetArrayLength());
    }

    [Fact]
    public async Task OpenApi_document_describes_every_route()
    {
        var doc = await f.OkAsync("/api/v1/openapi.json");
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        Assert.Equal(["/api/v1/coins", "/api/v1/coins/{coin}", "/api/v1/top", "/api/v1/headlines", "/api/v1/alerts", "/api/v1/openapi.json"],
            Names(doc.GetProperty("paths")));
        var coin = doc.GetProperty("paths").GetProperty("/api/v1/coins/{coin}").GetProperty("get");
        var hours = coin.GetProperty("parameters").EnumerateArray().First(p => p.TryGetProperty("name", out var n) && n.GetString() == "hours");
        Assert.Equal(720, hours.GetProperty("schema").GetProperty("maximum").GetInt32());
        var hour = doc.GetProperty("components").GetProperty("schemas").GetProperty("CoinHour").GetProperty("properties");
        Assert.Equal(HourlyFields, Names(hour));
        // Every $ref resolves.
        foreach (var r in Refs(doc))
        {
            var node = doc;
            foreach (var part in r.TrimStart('#', '/').Split('/')) node = node.GetProperty(part);
        }
        var again = await f.GetAsync("/api/v1/openapi.json");
        Assert.Equal(304, (await f.GetAsync("/api/v1/openapi.json", again.ETag)).Status);
    }

    private static IEnumerable<string> Refs(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => p.Name == "$ref" ? [p.Value.GetString()!] : Refs(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Refs),
        _ => [],
    };

    [Fact]
    public async Task ETag_gives_304_and_an_unchanged_lake_is_not_scanned_again()
    {
        var first = await f.GetAsync("/api/v1/coins/ETH?hours=48");
        Assert.Equal(200, first.Status);
        Assert.Matches("^\"[0-9a-f]{20}\"$", first.ETag);
        Assert.Equal(LakeApi.DataCacheControl, first.Headers["Cache-Control"]);
        var scans = f.Api.Scans;
        var second = await f.GetAsync("/api/v1/coins/ETH?hours=48");
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(first.ETag, second.ETag);
        var notModified = await f.GetAsync("/api/v1/coins/ETH?hours=48", first.ETag);
        Assert.Equal(304, notModified.Status);
        Assert.Empty(notModified.Body);
        Assert.Equal(first.ETag, notModified.ETag);
        Assert.Equal(304, (await f.GetAsync("/api/v1/coins/ETH?hours=48", $"\"nope\", W/{first.ETag}")).Status);
        Assert.Equal(200, (await f.GetAsync("/api/v1/coins/ETH?hours=48", "\"nope\"")).Status);
        Assert.Equal(scans, f.Api.Scans);
        // Another request has another ETag.
        Assert.NotEqual(first.ETag, (await f.GetAsync("/api/v1/coins/ETH?hours=47")).ETag);
    }

    [Fact]
    public async Task A_new_table_version_changes_the_ETag_and_the_answer()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(5, PipelineTestKit.Start).Generate(300, 48);
        var batches = stream.ToBatches(EventStream.News, 100, 1).Concat(stream.ToBatches(EventStream.Prices, 1000, 1)).ToList();
        using var p = PipelineTestKit.Open(t, PipelineTestKit.IngestTime(stream));
        using var lake = new Lakehouse(new LocalLakeStore(t.LakeDir));
        var api = new LakeApi(lake);
        // Before any table exists: empty answers, not errors.
        Assert.Equal("[]", (await api.HandleAsync(ApiRequest.Get("/api/v1/coins"))).BodyText);
        Assert.Equal(404, (await api.HandleAsync(ApiRequest.Get("/api/v1/top"))).Status);

        await PipelineTestKit.IngestAllAsync(p, batches.Take(2));
        await p.RefreshGoldAsync();
        var before = await api.HandleAsync(ApiRequest.Get("/api/v1/coins"));
        var headlinesBefore = await api.HandleAsync(ApiRequest.Get("/api/v1/headlines?limit=200"));
        var scans = api.Scans;
        Assert.Equal(304, (await api.HandleAsync(ApiRequest.Get("/api/v1/coins", before.ETag))).Status);
        Assert.Equal(scans, api.Scans);

        await PipelineTestKit.IngestAllAsync(p, batches.Skip(2));
        await p.RefreshGoldAsync();
        var after = await api.HandleAsync(ApiRequest.Get("/api/v1/coins", before.ETag));
        Assert.Equal(200, after.Status);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.NotEqual(before.BodyText, after.BodyText);
        Assert.Equal(scans + 1, api.Scans);
        Assert.NotEqual(headlinesBefore.ETag, (await api.HandleAsync(ApiRequest.Get("/api/v1/headlines?limit=200"))).ETag);
    }

    [Fact]
    public async Task Requests_run_side_by_side_on_the_engine_pool()
    {
        var paths = new[] { "/api/v1/coins", "/api/v1/coins/BTC?hours=100", "/api/v1/top", "/api/v1/headlines?limit=33", "/api/v1/coins/SOL?hours=5" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => f.GetAsync(paths[i % paths.Length]))));
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Equal(0, f.Lakehouse.EnginesInUse);
    }
}
