using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Replay;

namespace CryptoSentiment.Tests.Events;

public class ReplayTests
{
    private static readonly DateTimeOffset Ingest = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NewsCsvFromSharedData()
    {
        var path = EventsTestData.Path_("replay", "cryptonews_2021-10_2022-03.csv");
        Assert.Equal(ReplayFormat.NewsCsv, ReplaySource.Detect(path));
        var bodies = ReplaySource.Read(path).ToList();
        // data/README says 3,525 articles; the file holds 3,526 data rows (an independent CSV parser agrees).
        Assert.Equal(3526, bodies.Count);
        var parser = new EventParser();
        var results = bodies.Select(b => parser.ParseNews(b, Ingest)).ToList();
        var rejected = results.Where(r => !r.IsValid).GroupBy(r => r.Reason!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["missing_field:title"] = 13 }, rejected);
        var first = results[0].Value!;
        Assert.Equal("Analysts debate Bitcoin’s next step after today’s $45.5K retest", first.Title);
        Assert.Equal(new DateTimeOffset(2022, 3, 31, 23, 48, 0, TimeSpan.Zero), first.PublishedAt);
        Assert.Equal("CoinTelegraph", first.Source);
        Assert.Equal(["BTC"], first.Coins);
        Assert.StartsWith("u:", first.ArticleId);
        var quoted = results.Select(r => r.Value).First(a => a?.Title.StartsWith("Canadian Oil Company", StringComparison.Ordinal) == true)!;
        Assert.Equal("Bengal Energy plans to mine bitcoin utilizing energy released from \"stranded\" gas wells.", quoted.Summary);
        var last = results[^1].Value!;
        Assert.Equal(new DateTimeOffset(2021, 10, 12, 20, 0, 0, TimeSpan.Zero), last.PublishedAt);
        Assert.InRange(results.Count(r => r.IsValid && r.Value.Coins.Count > 0), 1400, 3513); // many articles are about NFTs, DeFi or regulation, naming no coin
    }

    [Fact]
    public void NewsCsvQuotedFieldsAndBadRows()
    {
        var csv = "date;sentiment;source;subject;text;title;url\r\n"
            + "5-3-2022 04:24;{'class': 'neutral'};Src;bitcoin;\"Line one;\nline \"\"two\"\"\";\"Title; with \"\"quotes\"\"\";https://a.com/x\n"
            + "yesterday;x;Src;nft;text;Fine title;https://a.com/y\n"
            + "\n"
            + "1-1-2022 00:00;x;Src\n";
        var bodies = NewsCsvReader.Read(new StringReader(csv)).ToList();
        Assert.Equal(3, bodies.Count);
        var parser = new EventParser();
        var a = parser.ParseNews(bodies[0], Ingest).Value!;
        Assert.Equal("Title; with \"quotes\"", a.Title);
        Assert.Equal("Line one;\nline \"two\"", a.Summary);
        Assert.Equal(new DateTimeOffset(2022, 3, 5, 4, 24, 0, TimeSpan.Zero), a.PublishedAt);
        using var doc = JsonDocument.Parse(bodies[0]);
        Assert.False(doc.RootElement.TryGetProperty("coins", out _));
        Assert.False(doc.RootElement.TryGetProperty("id", out _));
        Assert.Equal(ReasonCodes.BadTimestamp, parser.ParseNews(bodies[1], Ingest).Reason);
        Assert.Equal("missing_field:title", parser.ParseNews(bodies[2], Ingest).Reason);
    }

    [Fact]
    public void BinanceCsvFromSharedData()
    {
        var dir = EventsTestData.Path_("prices");
        var btc = Path.Combine(dir, "BTCUSDT_1h.csv");
        Assert.Equal(ReplayFormat.BinanceCsv, ReplaySource.Detect(btc));
        Assert.Equal("BTC", BinanceCsvReader.SymbolOf(btc));
        var parser = new EventParser();
        // First row: open 2021-10-01 00:00+03:00, close_time 00:59:59.999+03:00, close 43729.27, volume 7930.712.
        var first = parser.ParsePrice(BinanceCsvReader.Read(btc).First(), Ingest).Value!;
        Assert.Equal("BTC", first.Coin);
        Assert.Equal(new DateTimeOffset(2021, 9, 30, 22, 0, 0, TimeSpan.Zero), first.Ts);
        Assert.Equal(43729.27, first.PriceUsd);
        Assert.Equal(7930.712 * 43729.27, first.VolumeUsd!.Value, 1e-3);
        Assert.Equal("binance", first.Source);

        var all = BinanceCsvReader.ReadDirectory(dir).Select(b => parser.ParsePrice(b, Ingest)).ToList();
        Assert.All(all, r => Assert.True(r.IsValid, r.Reason));
        var byCoin = all.GroupBy(r => r.Value!.Coin).ToDictionary(g => g.Key, g => g.Select(r => r.Value!.Ts).ToList());
        Assert.Equal(11, byCoin.Count);
        foreach (var (coin, ts) in byCoin)
        {
            Assert.Equal(ts.Count, ts.Distinct().Count());
            Assert.All(ts, t => Assert.Equal(0, t.Ticks % TimeSpan.TicksPerHour)); // hourly, no DST gaps or overlaps
        }
    }

    [Fact]
    public void NdjsonKeepsBrokenLines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"events-{Guid.NewGuid():N}.ndjson");
        try
        {
            byte[] bad = [.. "{\"title\":\"\xC3"u8, 0xC3, 0x28, .. "\"}"u8];
            using (var f = File.Create(path))
            {
                f.Write("{\"title\":\"a\",\"published_at\":\"2025-01-01T00:00:00Z\"}\r\n"u8);
                f.Write("\n   \n"u8);
                f.Write("{\"title\":\"broken\n"u8);
                f.Write(bad);
                f.Write("\n"u8);
                f.Write(Encoding.UTF8.GetBytes("{\"title\":\"" + new string('x', 200_000) + "\",\"published_at\":\"2025-01-01T00:00:00Z\"}"));
            }
            Assert.Equal(ReplayFormat.Ndjson, ReplaySource.Detect(path));
            var lines = ReplaySource.Read(path).ToList();
            Assert.Equal(4, lines.Count);
            var parser = new EventParser();
            Assert.True(parser.ParseNews(lines[0], Ingest).IsValid);
            Assert.Equal(ReasonCodes.InvalidJson, parser.ParseNews(lines[1], Ingest).Reason);
            Assert.Equal(bad, lines[2]);
            Assert.Equal(ReasonCodes.InvalidJson, parser.ParseNews(lines[2], Ingest).Reason);
            Assert.Equal(ReasonCodes.TextTooLong, parser.ParseNews(lines[3], Ingest).Reason);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void DetectRejectsUnknownLayouts()
    {
        var path = Path.Combine(Path.GetTempPath(), $"other-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "a,b,c\n1,2,3\n");
            Assert.Throws<NotSupportedException>(() => ReplaySource.Detect(path));
            Assert.Throws<NotSupportedException>(() => ReplaySource.Detect(Path.ChangeExtension(path, ".txt")));
        }
        finally { File.Delete(path); }
    }
}
