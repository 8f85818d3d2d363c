using System.Text;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;

namespace CryptoSentiment.Tests.Events;

/// <summary>Seeded fuzzing: the parser never throws, and every rejection carries a contract reason code.</summary>
public class ParserFuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] Values =
    [
        "\"Bitcoin rallies\"", "\"\"", "\"   \"", "42", "-1", "0", "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "null", "true", "[]", "{}",
        "[\"BTC\",\"eth\"]", "[1,2]", "\"BTC\"", "\"PEPE\"", "\"2026-11-21T10:04:00Z\"", "\"2026-11-21T10:04:00+02:00\"", "\"2026-13-01T00:00:00Z\"",
        "\"2030-01-01T00:00:00Z\"", "\"21/11/2026\"", "\"\\u00\"", "\"\\ud800\"", "97123.45", "\"97123.45\"", "1.5e10", "\"\\u0000\"", "{\"a\":[[[[1]]]]}",
    ];

    private static readonly string[] Keys = ["title", "published_at", "id", "url", "source", "coins", "summary", "symbol", "price_usd", "ts", "volume_usd", "other"];

    [Fact]
    public void ParserNeverThrowsAndAlwaysGivesAKnownReason()
    {
        var rng = new Random(20261121);
        var parser = new EventParser();
        var valid = new SampleStreamGenerator(5, Now.AddDays(-2)).Generate(300, 24);
        var seeds = valid.News.Concat(valid.Prices).Where(b => b.Length < 10_000).ToArray();
        var huge = Encoding.UTF8.GetBytes("{\"title\":\"" + new string('x', EventParser.MaxBodyBytes + 1) + "\",\"published_at\":\"2026-11-21T10:04:00Z\"}");
        int cases = 0, rejected = 0;
        for (int i = 0; i < 24_000; i++)
        {
            byte[] body = (i % 8) switch
            {
                0 => RandomBytes(rng, rng.Next(0, 200)),
                1 => Truncate(rng, seeds[rng.Next(seeds.Length)]),
                2 => Mutate(rng, seeds[rng.Next(seeds.Length)]),
                3 => Encoding.UTF8.GetBytes(RandomObject(rng)),
                4 => InvalidUtf8(rng, seeds[rng.Next(seeds.Length)]),
                5 => i % 1000 == 5 ? huge : Encoding.UTF8.GetBytes(RandomObject(rng)),
                6 => Encoding.UTF8.GetBytes(RandomObject(rng).Replace("{", "[").Replace("}", "]")),
                _ => seeds[rng.Next(seeds.Length)],
            };
            var news = parser.ParseNews(body, Now);
            var price = parser.ParsePrice(body, Now);
            cases++;
            foreach (var reason in new[] { news.IsValid ? null : news.Reason, price.IsValid ? null : price.Reason })
            {
                if (reason is null) continue;
                rejected++;
                Assert.True(ReasonCodes.IsKnown(reason), reason);
            }
            if (news.IsValid)
            {
                Assert.InRange(news.Value.Title.Length, 1, EventParser.MaxTitleLength);
                Assert.Equal(TimeSpan.Zero, news.Value.PublishedAt.Offset);
                Assert.True(news.Value.PublishedAt - Now <= EventParser.MaxClockSkew);
            }
            if (price.IsValid)
                Assert.True(price.Value.PriceUsd > 0 && double.IsFinite(price.Value.PriceUsd));
        }
        Assert.True(cases >= 20_000);
        Assert.True(rejected > cases);
    }

    private static byte[] RandomBytes(Random rng, int n) { var b = new byte[n]; rng.NextBytes(b); return b; }

    private static byte[] Truncate(Random rng, byte[] b) => b[..rng.Next(0, b.Length)];

    private static byte[] Mutate(Random rng, byte[] b)
    {
        var c = (byte[])b.Clone();
        for (int k = rng.Next(1, 4); k > 0 && c.Length > 0; k--) c[rng.Next(c.Length)] = (byte)"{}[]\",:0-e.\\ a\u007f"[rng.Next(15)];
        return c;
    }

    private static byte[] InvalidUtf8(Random rng, byte[] b)
    {
        var c = b.ToList();
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xC0, 0xAF]];
        c.InsertRange(rng.Next(c.Count + 1), bad[rng.Next(bad.Length)]);
        return [.. c];
    }

    private static string RandomObject(Random rng)
    {
        var sb = new StringBuilder("{");
        int n = rng.Next(0, 7);
        for (int k = 0; k < n; k++)
        {
            if (k > 0) sb.Append(',');
            sb.Append('"').Append(Keys[rng.Next(Keys.Length)]).Append("\":");
            sb.Append(rng.Next(20) == 0 ? "\"" + new string('y', rng.Next(900, 1200)) + "\"" : Values[rng.Next(Values.Length)]);
        }
        return sb.Append('}').ToString();
    }
}
