using System.Text;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

public class PipelineFuzzTests
{
    private enum Kind { Valid, RandomBytes, Truncated, Huge, WrongType, BadDate, FutureDate, NaN, NegativePrice, InvalidUtf8, NulText }

    [Fact]
    public async Task HostileBatchesNeverThrowAndEveryEventIsKeptAndAccountedFor()
    {
        using var t = new TempLake();
        var rng = new Random(20260301);
        var seed = new SampleStreamGenerator(3, Start).Generate(600, 24);
        var now = IngestTime(seed);
        var news = seed.News.Where(b => b.Length < 4096 && new EventParser().ParseNews(b, now).IsValid).ToList();
        var prices = seed.Prices.Where(b => new EventParser().ParsePrice(b, now).IsValid).ToList();

        var newsBodies = new List<(byte[] Body, Kind Kind)>();
        var priceBodies = new List<(byte[] Body, Kind Kind)>();
        for (var i = 0; i < 1800; i++) newsBodies.Add(Mutate(rng, news[rng.Next(news.Count)], isNews: true, i));
        for (var i = 0; i < 1500; i++) priceBodies.Add(Mutate(rng, prices[rng.Next(prices.Count)], isNews: false, i));
        Assert.All(Enum.GetValues<Kind>().Except([Kind.NegativePrice]), k => Assert.Contains(newsBodies, x => x.Kind == k));
        Assert.Contains(priceBodies, x => x.Kind == Kind.NegativePrice);

        var batches = EventBatcher.ToBatches(newsBodies.Select(x => x.Body), EventStream.News, 97, 3, now)
            .Concat(EventBatcher.ToBatches(priceBodies.Select(x => x.Body), EventStream.Prices, 211, 2, now)).ToList();
        using var p = Open(t, now);
        var totals = await IngestAllAsync(p, batches); // no exception for any input
        await p.RefreshGoldAsync();

        using var c = await ViewsAsync(p.Lake);
        var parser = new EventParser();
        foreach (var (stream, bodies, total) in new[] { (EventStream.News, newsBodies, totals[0]), (EventStream.Prices, priceBodies, totals[1]) })
        {
            var source = stream == EventStream.News ? "bronze/news" : "bronze/prices";
            var bronze = ReadBodies(c, $"SELECT partition_id, sequence_number, body, body_encoding FROM {source.Replace('/', '_')}");
            var quarantine = ReadBodies(c, $"SELECT partition_id, sequence_number, body, body_encoding, reason FROM silver_quarantine WHERE source_table = '{source}'");
            var events = batches.Where(b => b.Stream == stream).SelectMany(b => b.Events).ToList();
            Assert.Equal(bodies.Count, events.Count);
            Assert.Equal(events.Count, bronze.Count);
            Assert.Equal(events.Count, total.Bronze);
            var expectedRejects = 0;
            foreach (var e in events)
            {
                var key = (e.PartitionId, e.SequenceNumber);
                // Bronze keeps the exact bytes (invalid UTF-8 as base64).
                Assert.True(bronze.TryGetValue(key, out var b), $"{source} lost {key}");
                Assert.Equal(e.Body.ToArray(), b.Bytes);
                Assert.Equal(System.Text.Unicode.Utf8.IsValid(e.Body.Span) ? "utf8" : "base64", b.Encoding);
                var reason = stream == EventStream.News ? parser.ParseNews(e.Body.Span, now).Reason : parser.ParsePrice(e.Body.Span, now).Reason;
                if (reason is null) { Assert.False(quarantine.ContainsKey(key)); continue; }
                expectedRejects++;
                Assert.True(quarantine.TryGetValue(key, out var q), $"{source} {key} ({reason}) is not in quarantine");
                Assert.True(ReasonCodes.IsKnown(q.Reason), q.Reason);
                Assert.Equal(reason, q.Reason);
                Assert.Equal(e.Body.ToArray(), q.Bytes);
            }
            Assert.Equal(expectedRejects, quarantine.Count);
            Assert.Equal(expectedRejects, total.Quarantined);
            Assert.True(total.Reconciles);
            Assert.Equal(total.Bronze, total.Accepted + total.Quarantined + total.Duplicates);

            // The intended fault of each kind is what quarantine says.
            // EventBatcher enqueues input event i at now + i ms.
            var byKind = events.Select(e => (Reason: quarantine.GetValueOrDefault((e.PartitionId, e.SequenceNumber)).Reason,
                bodies[(int)(e.EnqueuedAt - now).TotalMilliseconds].Kind)).ToList();
            Assert.All(events, e => Assert.Equal(bodies[(int)(e.EnqueuedAt - now).TotalMilliseconds].Body, e.Body.ToArray()));
            Assert.All(byKind.Where(x => x.Kind == Kind.Huge), x => Assert.Equal(ReasonCodes.TooLarge, x.Reason));
            Assert.All(byKind.Where(x => x.Kind is Kind.InvalidUtf8 or Kind.NaN or Kind.Truncated), x => Assert.Equal(ReasonCodes.InvalidJson, x.Reason));
            Assert.All(byKind.Where(x => x.Kind == Kind.FutureDate), x => Assert.Equal(ReasonCodes.FutureTimestamp, x.Reason));
            Assert.All(byKind.Where(x => x.Kind == Kind.BadDate), x => Assert.Equal(ReasonCodes.BadTimestamp, x.Reason));
            Assert.All(byKind.Where(x => x.Kind == Kind.WrongType), x => Assert.StartsWith(ReasonCodes.BadTypePrefix, x.Reason));
            Assert.All(byKind.Where(x => x.Kind == Kind.NegativePrice), x => Assert.Equal(ReasonCodes.BadPrice, x.Reason));
            Assert.All(byKind.Where(x => x.Kind == Kind.RandomBytes), x => Assert.NotNull(x.Reason));
        }
        Assert.True(c.Scalar<long>("SELECT count(*) FROM bronze_news WHERE body_encoding = 'base64'") > 0);
        await AssertVerifiesAsync(p.Lake);
    }

    private static Dictionary<(string, long), (byte[] Bytes, string Encoding, string Reason)> ReadBodies(CryptoSentiment.DuckDb.DuckDbConnection c, string sql)
    {
        var d = new Dictionary<(string, long), (byte[], string, string)>();
        using var r = c.Query(sql);
        while (r.Read())
        {
            var enc = r.GetString(3);
            var bytes = enc == "base64" ? Convert.FromBase64String(r.GetString(2)) : r.GetBytesSpan(2).ToArray();
            Assert.True(d.TryAdd((r.GetString(0), r.GetInt64(1)), (bytes, enc, r.ColumnCount > 4 ? r.GetString(4) : "")), "duplicate row");
        }
        return d;
    }

    private static (byte[], Kind) Mutate(Random rng, byte[] valid, bool isNews, int i)
    {
        var s = Encoding.UTF8.GetString(valid);
        var timeField = isNews ? "published_at" : "ts";
        var kind = i switch
        {
            0 or 1 or 2 => Kind.Huge, // three bodies over 1 MiB per stream keep the test fast
            _ => (Kind)rng.Next(Enum.GetValues<Kind>().Length),
        };
        if (kind == Kind.Huge && i > 2) kind = Kind.Valid;
        if (!isNews && kind == Kind.NulText) kind = Kind.Valid;
        if (isNews && kind == Kind.NegativePrice) kind = Kind.Valid;
        switch (kind)
        {
            case Kind.Valid: return (valid, kind);
            case Kind.RandomBytes:
                var junk = new byte[rng.Next(1, 300)];
                rng.NextBytes(junk);
                return (junk, kind);
            case Kind.Truncated: return (valid[..rng.Next(1, valid.Length - 1)], kind);
            case Kind.Huge:
                var pad = new string('x', EventParser.MaxBodyBytes + rng.Next(1, 5000));
                return (Encoding.UTF8.GetBytes(s[..^1] + ",\"pad\":\"" + pad + "\"}"), kind);
            case Kind.WrongType:
                var field = isNews ? new[] { "title", "published_at" }[rng.Next(2)] : new[] { "symbol", "price_usd", "ts" }[rng.Next(3)];
                var value = field == "price_usd" ? "\"12.5\"" : new[] { "42", "[1,2]", "{\"a\":1}", "true" }[rng.Next(4)];
                return (Encoding.UTF8.GetBytes(ReplaceValue(s, field, value)), kind);
            case Kind.BadDate:
                return (Encoding.UTF8.GetBytes(ReplaceValue(s, timeField, new[] { "\"2026-13-45T99:00:00Z\"", "\"yesterday\"", "\"\"", "\"2026-02-30\"" }[rng.Next(4)])), kind);
            case Kind.FutureDate:
                return (Encoding.UTF8.GetBytes(ReplaceValue(s, timeField,
                    "\"" + new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero).AddDays(rng.Next(1, 9000)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "\"")), kind);
            case Kind.NaN:
                return (Encoding.UTF8.GetBytes(isNews ? s[..^1] + ",\"score\":NaN}"
                    : ReplaceValue(s, "price_usd", new[] { "NaN", "Infinity", "-Infinity" }[rng.Next(3)])), kind);
            case Kind.NegativePrice:
                return (Encoding.UTF8.GetBytes(ReplaceValue(s, "price_usd", new[] { "-1", "-0.0001", "0", "1e400" }[rng.Next(4)])), kind);
            case Kind.InvalidUtf8:
                var at = rng.Next(1, valid.Length - 1);
                byte[] bad = rng.Next(3) switch { 0 => [0xFF], 1 => [0xC3, 0x28], _ => [0xED, 0xA0, 0x80] };
                return ([.. valid[..at], .. bad, .. valid[at..]], kind);
            case Kind.NulText:
                return (Encoding.UTF8.GetBytes(s[..^1] + ",\"note\":\"raw \0 NUL\"}"), kind); // valid UTF-8, invalid JSON (raw control char)
            default: throw new InvalidOperationException();
        }
    }

    /// <summary>Replaces the value (a string or a number) of a top-level field of a generated body.</summary>
    private static string ReplaceValue(string json, string field, string newValue)
    {
        var i = json.IndexOf("\"" + field + "\":", StringComparison.Ordinal);
        Assert.True(i >= 0, json);
        var start = i + field.Length + 3;
        var end = json[start] == '"' ? json.IndexOf('"', start + 1) + 1 : json.IndexOfAny([',', '}'], start);
        return json[..start] + newValue + json[end..];
    }
}
