using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Producers;
using CryptoSentiment.Tests.Functions;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Producers;

/// <summary>The NewsPoll/PricePoll producers against loopback servers serving recorded (and broken) feeds.</summary>
public class ProducerTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly EventParser Parser = new(CoinCatalog.Default);

    private static JsonElement Json(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Rss_items_are_read_with_text_links_and_dates()
    {
        var feed = FeedParser.Parse(File.ReadAllBytes(TestFiles.Feed("rss.xml")), new Uri("https://news.example.org/rss"));
        Assert.Equal("Recorded Crypto Desk", feed.Title);
        Assert.Equal(3, feed.Items.Count); // the entry without a title is dropped
        var a = feed.Items[0];
        Assert.Equal("Bitcoin climbs above $98,000 as ETF demand & futures open interest rise", a.Title);
        Assert.Equal("https://news.example.org/markets/bitcoin-98k?utm_source=rss&utm_medium=feed", a.Link);
        Assert.Equal("desk-1001", a.Id);
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 9, 30, 0, TimeSpan.Zero), a.Published);
        Assert.Equal("Spot bitcoin ETFs drew heavy inflows again.", a.Summary);
        Assert.Equal("https://news.example.org/tech/eth-fees-low", feed.Items[1].Link); // relative link resolved
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 9, 15, 0, TimeSpan.Zero), feed.Items[1].Published); // -0500
        Assert.Equal("https://news.example.org/policy/listing-rules", feed.Items[2].Link); // permalink guid
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 8, 0, 0, TimeSpan.Zero), feed.Items[2].Published); // dc:date
        Assert.Equal("Policy makers met on Friday.", feed.Items[2].Summary); // content:encoded
    }

    [Fact]
    public void Atom_entries_are_read()
    {
        var feed = FeedParser.Parse(File.ReadAllBytes(TestFiles.Feed("atom.xml")));
        Assert.Equal("Recorded Chain Journal", feed.Title);
        Assert.Equal(2, feed.Items.Count);
        Assert.Equal("Solana validators ship a client upgrade", feed.Items[0].Title);
        Assert.Equal("https://journal.example.net/solana/validators-upgrade", feed.Items[0].Link);
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 8, 45, 0, TimeSpan.Zero), feed.Items[0].Published); // published wins over updated
        Assert.Null(feed.Items[1].Link);
        Assert.Equal("urn:uuid:7f9a2c1e-0000-4000-8000-000000000012", feed.Items[1].Id);
        Assert.Equal("Traders rotated out of DOGE .", feed.Items[1].Summary);
    }

    [Theory]
    [InlineData("Fri, 21 Nov 2025 09:30:00 GMT", "2025-11-21T09:30:00Z")]
    [InlineData("21 Nov 2025 09:30 +0100", "2025-11-21T08:30:00Z")]
    [InlineData("Fri, 21 Nov 25 09:30:00 PST", "2025-11-21T17:30:00Z")]
    [InlineData("Friday, 21 November 2025 09:30:05 UT", "2025-11-21T09:30:05Z")]
    [InlineData("2025-11-21T09:30:00+02:00", "2025-11-21T07:30:00Z")]
    [InlineData("yesterday", null)]
    [InlineData("Fri, 31 Nov 2025 09:30:00 GMT", null)]
    [InlineData("Fri, 21 Nov 2025 09:30:00 XYZ", null)]
    public void Feed_dates(string text, string? expected)
    {
        var d = FeedParser.ParseDate(text);
        Assert.Equal(expected, d is null ? null : Timestamps.Format(d.Value));
    }

    [Theory]
    [InlineData("invalid.xml", "not well-formed XML")]
    [InlineData("page.html", "not well-formed XML")] // an HTML page with a DOCTYPE: DTDs are refused
    [InlineData("sitemap.xml", "not an RSS or Atom feed (root element <urlset>)")]
    [InlineData("entities.xml", "not well-formed XML")] // entity expansion is refused
    [InlineData("coingecko.json", "not well-formed XML")]
    public void Broken_feeds_are_format_errors(string file, string message)
    {
        var e = Assert.Throws<FeedFormatException>(() => FeedParser.Parse(File.ReadAllBytes(TestFiles.Feed(file))));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task News_poll_sends_each_article_once_and_skips_broken_feeds()
    {
        var huge = new StringBuilder("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>")
            .Append("<item><title>Cardano upgrade lands with a very long write-up</title><link>https://huge.example/ada</link>")
            .Append("<pubDate>Fri, 21 Nov 2025 11:00:00 GMT</pubDate><description>").Append('x', 2_000_000).Append("</description></item>")
            .Append("<item><title>").Append(string.Concat(Enumerable.Repeat("Very long title ", 400))).Append("</title><link>https://huge.example/long</link></item>")
            .Append("<item><title>Litecoin holds steady</title><link>https://huge.example/ltc</link></item>")
            .Append("</channel></rss>").ToString();
        await using var server = await LoopbackServer.StartAsync(new()
        {
            ["/rss"] = Canned.File("application/rss+xml", "rss.xml"),
            ["/atom"] = Canned.File("application/atom+xml", "atom.xml"),
            ["/invalid"] = Canned.File("application/xml", "invalid.xml"),
            ["/page"] = Canned.File("text/html", "page.html"),
            ["/500"] = Canned.Text("text/plain", "boom", 500),
            ["/json"] = Canned.File("application/json", "coingecko.json"),
            ["/huge"] = Canned.Text("application/rss+xml", huge),
        });
        using var t = new TempLake();
        var store = new LocalLakeStore(t.LakeDir);
        using var http = new ProducerHttp();
        var producer = new NewsProducer(http, store, new FixedClock(Now));
        var feeds = new[] { "/rss", "/invalid", "/page", "/500", "/json", "/atom", "/huge", "/missing" }.Select(server.Url).Append("not a url").ToList();

        var run = await producer.PollAsync(feeds);
        Assert.Equal(6, run.FailedSources);
        foreach (var (path, why) in new[] { ("/invalid", "not well-formed XML"), ("/page", "text/html"), ("/500", "HTTP 500"), ("/json", "application/json"), ("/missing", "HTTP 404") })
            Assert.Contains(run.Logs, l => l.Contains(server.Url(path)) && l.Contains(why));
        Assert.Contains(run.Logs, l => l.Contains("not a url") && l.Contains("not an absolute http(s) URL"));
        Assert.Contains(run.Logs, l => l.Contains("title of 6,399 characters"));
        Assert.Equal(3 + 2 + 2, run.Events.Count);

        var articles = run.Events.Select(e => Parser.ParseNews(Encoding.UTF8.GetBytes(e), Now)).ToList();
        Assert.All(articles, a => Assert.True(a.IsValid, a.Reason));
        Assert.Equal("Recorded Crypto Desk", articles[0].Value!.Source);
        Assert.Equal(["BTC"], articles[0].Value!.Coins);
        var ada = articles.Single(a => a.Value!.Title.StartsWith("Cardano")).Value!;
        Assert.True(ada.Summary!.Length <= 1_001);
        Assert.All(run.Events, e => Assert.True(Encoding.UTF8.GetByteCount(e) < 16_384));
        var ltc = articles.Single(a => a.Value!.Title.StartsWith("Litecoin")).Value!;
        Assert.Equal(Now, ltc.PublishedAt); // no date in the feed: fetch time
        var doge = Json(run.Events.Single(e => e.Contains("Dogecoin")));
        Assert.Equal("urn:uuid:7f9a2c1e-0000-4000-8000-000000000012", doge.GetProperty("id").GetString()); // no link: the entry id
        Assert.False(Json(run.Events[0]).TryGetProperty("id", out _)); // with a link the pipeline derives the id from the URL

        var again = await producer.PollAsync(feeds);
        Assert.Empty(again.Events);
        Assert.Contains(again.Logs, l => l.Contains(server.Url("/rss")) && l.Contains("3 already sent"));

        // A new entry in a feed: only that one goes out.
        server.Set("/atom", Canned.Text("application/atom+xml", File.ReadAllText(TestFiles.Feed("atom.xml")).Replace("</feed>",
            "<entry><title>Polkadot parachain auction opens</title><link href=\"https://journal.example.net/dot\"/><updated>2025-11-21T11:30:00Z</updated></entry></feed>")));
        var third = await producer.PollAsync(feeds);
        Assert.Equal("Polkadot parachain auction opens", Assert.Single(third.Events.Select(e => Json(e).GetProperty("title").GetString())));
    }

    [Fact]
    public async Task State_is_bounded_and_survives_corruption_and_size_limits_hold()
    {
        await using var server = await LoopbackServer.StartAsync(new()
        {
            ["/rss"] = Canned.File("application/rss+xml", "rss.xml"),
            ["/atom"] = Canned.File("application/atom+xml", "atom.xml"),
            ["/big"] = Canned.Text("application/rss+xml", "<rss version=\"2.0\"><channel>" + new string(' ', 200_000) + "</channel></rss>"),
        });
        using var t = new TempLake();
        var store = new LocalLakeStore(t.LakeDir);
        using var http = new ProducerHttp(new ProducerOptions { StateCapacity = 3, MaxResponseBytes = 64 * 1024 });
        var producer = new NewsProducer(http, store, new FixedClock(Now));
        var run = await producer.PollAsync([server.Url("/rss"), server.Url("/atom"), server.Url("/big")]);
        Assert.Equal(5, run.Events.Count);
        Assert.Contains(run.Logs, l => l.Contains(server.Url("/big")) && l.Contains("65,536-byte limit"));
        var state = await ProducerState.LoadAsync(store, NewsProducer.StateName, 3, default);
        Assert.Equal(3, state.Count);
        using (var doc = JsonDocument.Parse((await store.ReadAsync("_state/producers/news.json"))!))
            Assert.Equal(3, doc.RootElement.GetProperty("entries").EnumerateObject().Count());

        await store.PutAsync("_state/producers/news.json", "{not json"u8.ToArray());
        var afterCorruption = await producer.PollAsync([server.Url("/rss")]);
        Assert.Contains(afterCorruption.Logs, l => l.Contains("unreadable") && l.Contains("starting empty"));
        Assert.Equal(3, afterCorruption.Events.Count); // sent again: silver dedupes them by article id
        Assert.Null((await ProducerState.LoadAsync(store, NewsProducer.StateName, 3, default)).LoadProblem);
    }

    [Fact]
    public async Task Price_poll_maps_coingecko_ids_and_sends_each_quote_once()
    {
        await using var server = await LoopbackServer.StartAsync(new()
        {
            ["/simple/price"] = Canned.File("application/json", "coingecko.json"),
            ["/500"] = Canned.Text("application/json", "{\"error\":\"rate limited\"}", 500),
            ["/html"] = Canned.Text("text/html", "<html><body>maintenance</body></html>"),
            ["/array"] = Canned.Text("application/json", "[1,2,3]"),
        });
        using var t = new TempLake();
        var store = new LocalLakeStore(t.LakeDir);
        using var http = new ProducerHttp();
        var producer = new PriceProducer(http, store, CoinCatalog.Default, new FixedClock(Now));

        var run = await producer.PollAsync(server.Url("/simple/price"));
        var ticks = run.Events.Select(e => Parser.ParsePrice(Encoding.UTF8.GetBytes(e), Now)).ToList();
        Assert.All(ticks, p => Assert.True(p.IsValid, p.Reason));
        Assert.Equal(["AVAX", "BNB", "BTC", "ETH", "MATIC", "SHIB", "SOL"], ticks.Select(p => p.Value!.Coin).Order(StringComparer.Ordinal));
        var btc = ticks.Single(p => p.Value!.Coin == "BTC").Value!;
        Assert.Equal(97123.45, btc.PriceUsd);
        Assert.Equal(12_000_000_000d, btc.VolumeUsd);
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 10, 5, 0, TimeSpan.Zero), btc.Ts);
        Assert.Equal(8.42e-6, ticks.Single(p => p.Value!.Coin == "SHIB").Value!.PriceUsd, 12);
        Assert.Contains(run.Logs, l => l.Contains("not in the coin catalog") && l.Contains("the-open-network") && l.Contains("bitcoin-cash"));
        Assert.Contains(run.Logs, l => l.Contains("'cardano'") && l.Contains("no numeric"));

        Assert.Empty((await producer.PollAsync(server.Url("/simple/price"))).Events);
        server.Set("/simple/price", Canned.Text("application/json", """{"bitcoin":{"usd":97500.5,"last_updated_at":1763719800},"ethereum":{"usd":3012.8,"last_updated_at":1763719490}}"""));
        var next = await producer.PollAsync(server.Url("/simple/price"));
        Assert.Equal("BTC", Json(Assert.Single(next.Events)).GetProperty("symbol").GetString());

        foreach (var (path, why) in new[] { ("/500", "HTTP 500"), ("/html", "not JSON"), ("/array", "expected a JSON object") })
        {
            var broken = await producer.PollAsync(server.Url(path));
            Assert.Empty(broken.Events);
            Assert.Equal(1, broken.FailedSources);
            Assert.Contains(broken.Logs, l => l.Contains(why));
        }
        Assert.Contains("PRICE_API_URL is not set", (await producer.PollAsync(null)).Logs[0]);
    }

    [Theory]
    [InlineData("bitcoin", "BTC")]
    [InlineData("ethereum", "ETH")]
    [InlineData("shiba-inu", "SHIB")]
    [InlineData("avalanche-2", "AVAX")]
    [InlineData("binancecoin", "BNB")]
    [InlineData("matic-network", "MATIC")]
    [InlineData("polygon-ecosystem-token", "MATIC")]
    [InlineData("ripple", "XRP")]
    [InlineData("tron", "TRX")]
    [InlineData("bitcoin-cash", null)]
    [InlineData("ethereum-classic", null)]
    [InlineData("the-open-network", null)]
    public void CoinGecko_ids_map_through_catalog_names(string id, string? ticker)
    {
        var ok = PriceProducer.TryResolveCoinId(CoinCatalog.Default, id, out var t);
        Assert.Equal(ticker, ok ? t : null);
    }
}
