using System.Text;
using CryptoSentiment.Events;

namespace CryptoSentiment.Tests.Events;

public class EventParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly EventParser P = new();

    private static NewsParseResult News(string json) => P.ParseNews(Encoding.UTF8.GetBytes(json), Now);
    private static PriceParseResult Price(string json) => P.ParsePrice(Encoding.UTF8.GetBytes(json), Now);

    [Theory]
    [InlineData("", "invalid_json")]
    [InlineData("   ", "invalid_json")]
    [InlineData("{\"title\":\"x\",", "invalid_json")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\"} trailing", "invalid_json")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"n\":NaN}", "invalid_json")]
    [InlineData("{'title':'x'}", "invalid_json")]
    [InlineData("[1,2]", "not_an_object")]
    [InlineData("\"text\"", "not_an_object")]
    [InlineData("42", "not_an_object")]
    [InlineData("null", "not_an_object")]
    [InlineData("[1,", "invalid_json")]
    [InlineData("{\"published_at\":\"2026-11-21T10:04:00Z\"}", "missing_field:title")]
    [InlineData("{\"title\":\"  \\t \",\"published_at\":\"2026-11-21T10:04:00Z\"}", "missing_field:title")]
    [InlineData("{\"title\":null,\"published_at\":\"2026-11-21T10:04:00Z\"}", "missing_field:title")]
    [InlineData("{\"title\":\"x\"}", "missing_field:published_at")]
    [InlineData("{\"title\":7,\"published_at\":\"2026-11-21T10:04:00Z\"}", "bad_type:title")]
    [InlineData("{\"title\":\"x\",\"published_at\":1763719440}", "bad_type:published_at")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"coins\":\"BTC\"}", "bad_type:coins")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"coins\":[\"BTC\",1]}", "bad_type:coins")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"url\":5}", "bad_type:url")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"id\":5}", "bad_type:id")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"source\":true}", "bad_type:source")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"summary\":{}}", "bad_type:summary")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"21/11/2026 10:04\"}", "bad_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-02-30T10:04:00Z\"}", "bad_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21\"}", "bad_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T25:00:00Z\"}", "bad_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00+15:00\"}", "bad_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"\"}", "bad_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T12:10:01Z\"}", "future_timestamp")]
    [InlineData("{\"title\":\"x\",\"published_at\":\"2026-11-21T14:10:01+02:00\"}", "future_timestamp")]
    public void NewsReasonCodes(string json, string reason) => Assert.Equal(reason, News(json).Reason);

    [Fact]
    public void TitleLengthLimits()
    {
        Assert.Equal(ReasonCodes.TextTooLong, News($"{{\"title\":\"{new string('a', 1001)}\",\"published_at\":\"2026-11-21T10:04:00Z\"}}").Reason);
        var ok = News($"{{\"title\":\"  {new string('a', 1000)}  \",\"published_at\":\"2026-11-21T10:04:00Z\"}}");
        Assert.True(ok.IsValid);
        Assert.Equal(1000, ok.Value.Title.Length);
    }

    [Fact]
    public void TooLargeAndInvalidUtf8()
    {
        var big = Encoding.UTF8.GetBytes($"{{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\",\"summary\":\"{new string('s', EventParser.MaxBodyBytes)}\"}}");
        Assert.Equal(ReasonCodes.TooLarge, P.ParseNews(big, Now).Reason);
        Assert.Equal(ReasonCodes.TooLarge, P.ParsePrice(big, Now).Reason);
        byte[] bad = [.. "{\"title\":\""u8, 0xC3, 0x28, .. "\",\"published_at\":\"2026-11-21T10:04:00Z\"}"u8];
        Assert.Equal(ReasonCodes.InvalidJson, P.ParseNews(bad, Now).Reason);
        Assert.Equal(ReasonCodes.InvalidJson, P.ParsePrice(bad, Now).Reason);
        var exact = new byte[EventParser.MaxBodyBytes];
        Assert.NotEqual(ReasonCodes.TooLarge, P.ParseNews(exact, Now).Reason);
    }

    [Theory]
    [InlineData("{\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\"}", "missing_field:symbol")]
    [InlineData("{\"symbol\":\"\",\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\"}", "missing_field:symbol")]
    [InlineData("{\"symbol\":\"BTC\",\"ts\":\"2026-11-21T10:00:00Z\"}", "missing_field:price_usd")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1}", "missing_field:ts")]
    [InlineData("{\"symbol\":1,\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\"}", "bad_type:symbol")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":\"97000\",\"ts\":\"2026-11-21T10:00:00Z\"}", "bad_type:price_usd")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":\"NaN\",\"ts\":\"2026-11-21T10:00:00Z\"}", "bad_type:price_usd")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":123}", "bad_type:ts")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\",\"volume_usd\":\"1\"}", "bad_type:volume_usd")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\",\"source\":[]}", "bad_type:source")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":0,\"ts\":\"2026-11-21T10:00:00Z\"}", "bad_price")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":-3.5,\"ts\":\"2026-11-21T10:00:00Z\"}", "bad_price")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1e999,\"ts\":\"2026-11-21T10:00:00Z\"}", "bad_price")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\",\"volume_usd\":-1}", "bad_price")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":NaN,\"ts\":\"2026-11-21T10:00:00Z\"}", "invalid_json")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":Infinity,\"ts\":\"2026-11-21T10:00:00Z\"}", "invalid_json")]
    [InlineData("{\"symbol\":\"PEPE\",\"price_usd\":1,\"ts\":\"2026-11-21T10:00:00Z\"}", "unknown_symbol")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":\"noon\"}", "bad_timestamp")]
    [InlineData("{\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":\"2027-01-01T00:00:00Z\"}", "future_timestamp")]
    [InlineData("[]", "not_an_object")]
    [InlineData("{", "invalid_json")]
    public void PriceReasonCodes(string json, string reason) => Assert.Equal(reason, Price(json).Reason);

    [Fact]
    public void ParsesAValidPrice()
    {
        var r = Price("{\"symbol\":\"$btc\",\"price_usd\":97123.45,\"ts\":\"2026-11-21T12:05:00+01:00\",\"volume_usd\":1.2e10,\"source\":\" ex \"}");
        Assert.True(r.IsValid);
        Assert.Equal(new PriceTick("BTC", new DateTimeOffset(2026, 11, 21, 11, 5, 0, TimeSpan.Zero), 97123.45, 1.2e10, "ex"), r.Value);
        Assert.Equal(TimeSpan.Zero, r.Value.Ts.Offset);
        var noVolume = Price("{\"symbol\":\"ETH\",\"price_usd\":3000,\"ts\":\"2026-11-21T12:10:00Z\",\"volume_usd\":null}");
        Assert.Null(noVolume.Value!.VolumeUsd);
        Assert.Equal("unknown", noVolume.Value.Source);
    }

    [Theory]
    [InlineData("2026-11-21T10:04:00Z", "2026-11-21T10:04:00")]
    [InlineData("2026-11-21T10:04:00", "2026-11-21T10:04:00")]
    [InlineData("2026-11-21 10:04", "2026-11-21T10:04:00")]
    [InlineData("2026-11-21T12:04:00+02:00", "2026-11-21T10:04:00")]
    [InlineData("2026-11-21T05:04:00-0500", "2026-11-21T10:04:00")]
    [InlineData("2026-11-21T15:34:00+05:30", "2026-11-21T10:04:00")]
    [InlineData("2026-11-22T01:04:00+15", null)]
    [InlineData("2026-11-21T10:04:00.123Z", "2026-11-21T10:04:00.123")]
    [InlineData("2026-11-21T10:04:00.1234567891+00:00", "2026-11-21T10:04:00.1234567")]
    [InlineData("2026-11-21t10:04:00z", "2026-11-21T10:04:00")]
    [InlineData("2026-11-21T00:30:00+03:00", "2026-11-20T21:30:00")]
    [InlineData("2026-11-21T10:04:00.Z", null)]
    [InlineData("Sat, 21 Nov 2026 10:04:00 GMT", null)]
    [InlineData("2026-11-21T10:04:00+02:", null)]
    public void NormalisesTimestampsToUtc(string text, string? expectedUtc)
    {
        var r = News($"{{\"title\":\"x\",\"published_at\":\"{text}\"}}");
        if (expectedUtc is null) { Assert.Equal(ReasonCodes.BadTimestamp, r.Reason); return; }
        Assert.True(r.IsValid, r.Reason);
        Assert.Equal(TimeSpan.Zero, r.Value.PublishedAt.Offset);
        Assert.Equal(DateTime.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), r.Value.PublishedAt.DateTime);
    }

    [Fact]
    public void EscapedTimestampIsParsed()
    {
        var r = News("{\"title\":\"x\",\"published_at\":\"2026-11-21T12:04:00\\u002B02:00\"}");
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 4, 0, TimeSpan.Zero), r.Value!.PublishedAt);
    }

    [Fact]
    public void ParsesAFullNewsEvent()
    {
        var r = News("""{"id":" a1 ","title":"  Bitcoin rallies  ","url":"https://x.com/a","source":"Wire","published_at":"2026-11-21T10:04:00Z","coins":["eth","$SOL","PEPE","ETH"],"summary":"Dogecoin too","extra":{"nested":[1,2]}}""");
        Assert.True(r.IsValid, r.Reason);
        var a = r.Value;
        Assert.Equal("a1", a.ArticleId);
        Assert.Equal("Bitcoin rallies", a.Title);
        Assert.Equal("Wire", a.Source);
        Assert.Equal(["ETH", "SOL"], a.Coins);
        Assert.Equal("Dogecoin too", a.Summary);
        Assert.Equal("https://x.com/a", a.CanonicalUrl);
    }

    [Fact]
    public void CoinsFallBackToTheText()
    {
        Assert.Equal(["BTC", "DOGE"], News("""{"title":"Bitcoin's week","published_at":"2026-11-21T10:04:00Z","summary":"Also $DOGE and bitcoin"}""").Value!.Coins);
        Assert.Equal(["BTC"], News("""{"title":"Bitcoin's week","published_at":"2026-11-21T10:04:00Z","coins":["PEPE"]}""").Value!.Coins);
        Assert.Empty(News("""{"title":"Click the link","published_at":"2026-11-21T10:04:00Z"}""").Value!.Coins);
        var d = News("""{"title":"x","published_at":"2026-11-21T10:04:00Z","url":null,"id":null,"source":null,"coins":null,"summary":null}""");
        Assert.True(d.IsValid);
        Assert.Equal("unknown", d.Value.Source);
        Assert.StartsWith("t:", d.Value.ArticleId);
    }

    [Theory]
    [InlineData("https://WWW.Example.COM/News/Item/?utm_source=tw&b=2&a=1&fbclid=x&gclid=y&ref=home#frag", "https://example.com/News/Item?a=1&b=2")]
    [InlineData("HTTP://example.com:80/", "http://example.com")]
    [InlineData("https://example.com:443/a//?", "https://example.com/a")]
    [InlineData("https://example.com:8443/a?z=1&UTM_medium=x&&y", "https://example.com:8443/a?y&z=1")]
    [InlineData("https://cointelegraph.com/news/abc", "https://cointelegraph.com/news/abc")]
    [InlineData("example.com/news", null)]
    [InlineData("not a url", null)]
    [InlineData("https://", null)]
    public void CanonicalisesUrls(string url, string? expected) => Assert.Equal(expected, EventParser.CanonicalizeUrl(url));

    [Fact]
    public void DerivesIds()
    {
        var a = News("""{"title":"Bitcoin up","url":"https://www.site.com/a/?utm_source=x","published_at":"2026-11-21T10:04:00Z"}""").Value!;
        var b = News("""{"title":"Other title","url":"https://site.com/a#x","published_at":"2026-11-21T11:04:00Z","source":"S"}""").Value!;
        Assert.Equal(a.ArticleId, b.ArticleId);
        Assert.Matches("^u:[0-9a-f]{32}$", a.ArticleId);
        Assert.Equal("u:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("https://site.com/a"u8))[..32], a.ArticleId);

        var t1 = News("""{"title":"Bitcoin UP!","source":"Wire","published_at":"2026-11-21T10:04:00Z"}""").Value!;
        var t2 = News("""{"title":"bitcoin   up","source":"wire","published_at":"2026-11-21T10:05:00Z"}""").Value!;
        var t3 = News("""{"title":"bitcoin up","source":"Other","published_at":"2026-11-21T10:05:00Z"}""").Value!;
        Assert.Equal(t1.ArticleId, t2.ArticleId);
        Assert.NotEqual(t1.ArticleId, t3.ArticleId);
        Assert.Matches("^t:[0-9a-f]{32}$", t1.ArticleId);
        Assert.Equal("t:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("wire\nbitcoin up"u8))[..32], t1.ArticleId);
        Assert.StartsWith("t:", News("""{"title":"x","url":"nope","published_at":"2026-11-21T10:04:00Z"}""").Value!.ArticleId);
    }

    [Theory]
    [InlineData("Bitcoin’s  Rally — Over?", "bitcoins rally over")]
    [InlineData("  ETH-USD: $3,000!! ", "eth usd 3000")]
    [InlineData("Ünïcode\tTITLE\n", "ünïcode title")]
    [InlineData("", "")]
    public void NormalisesTitles(string title, string expected) => Assert.Equal(expected, EventParser.NormaliseTitle(title));

    [Fact]
    public void BomIsAccepted()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. "{\"title\":\"x\",\"published_at\":\"2026-11-21T10:04:00Z\"}"u8];
        Assert.True(P.ParseNews(body, Now).IsValid);
    }

    [Fact]
    public void ReasonCodeListIsTheContract()
    {
        Assert.Equal(["invalid_json", "not_an_object", "bad_timestamp", "future_timestamp", "text_too_long", "unknown_symbol", "bad_price", "too_large"], ReasonCodes.Fixed);
        Assert.True(ReasonCodes.IsKnown("missing_field:title"));
        Assert.False(ReasonCodes.IsKnown("missing_field:"));
        Assert.False(ReasonCodes.IsKnown("oops"));
    }
}
