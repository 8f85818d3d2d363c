using CryptoSentiment.Events;
using CryptoSentiment.Generator;

namespace CryptoSentiment.Tests.Events;

public class GeneratorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SameSeedSameBytes()
    {
        var a = new SampleStreamGenerator(42, Start).Generate(2000, 48);
        var b = new SampleStreamGenerator(42, Start).Generate(2000, 48);
        var c = new SampleStreamGenerator(43, Start).Generate(2000, 48);
        Assert.Equal(a.News.Count, b.News.Count);
        Assert.True(a.News.Zip(b.News).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
        Assert.True(a.Prices.Zip(b.Prices).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
        Assert.Equal(a.Expected.DistinctArticles, b.Expected.DistinctArticles);
        Assert.False(a.News.Zip(c.News).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
    }

    [Fact]
    public void ReconcilesWithTheParserAndCoversEveryReasonCode()
    {
        var s = new SampleStreamGenerator(7, Start).Generate(5000, 72);
        var parser = new EventParser();
        var e = s.Expected;
        Assert.Equal(5000, s.News.Count);

        var newsReasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var ids = new HashSet<string>();
        int valid = 0;
        foreach (var body in s.News)
        {
            var r = parser.ParseNews(body, s.End);
            if (r.IsValid) { valid++; ids.Add(r.Value.ArticleId); Assert.True(r.Value.PublishedAt < s.End); }
            else newsReasons[r.Reason] = newsReasons.GetValueOrDefault(r.Reason) + 1;
        }
        Assert.Equal(e.ValidNews, valid);
        Assert.Equal(e.DistinctArticles, ids.Count);
        Assert.Equal(e.NewsRejected, newsReasons);
        Assert.Equal(e.NewsEvents, valid + newsReasons.Values.Sum());
        Assert.True(e.ExactDuplicates > 0 && e.NearDuplicates > 0 && e.NewsDuplicates >= e.ExactDuplicates + e.NearDuplicates);
        double share = newsReasons.Values.Sum() / (double)s.News.Count;
        Assert.InRange(share, 0.02, 0.05);

        var priceReasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var keys = new HashSet<(string, DateTimeOffset)>();
        foreach (var body in s.Prices)
        {
            var r = parser.ParsePrice(body, s.End);
            if (r.IsValid) Assert.True(keys.Add((r.Value.Coin, r.Value.Ts)));
            else priceReasons[r.Reason] = priceReasons.GetValueOrDefault(r.Reason) + 1;
        }
        Assert.Equal(e.ValidPrices, keys.Count);
        Assert.Equal(e.PricesRejected, priceReasons);
        Assert.Equal(15, keys.Select(k => k.Item1).Distinct().Count());
        Assert.True(keys.Count >= 15 * 72);

        var all = newsReasons.Keys.Concat(priceReasons.Keys).ToHashSet();
        foreach (var code in ReasonCodes.Fixed) Assert.Contains(code, all);
        foreach (var code in new[] { "missing_field:title", "missing_field:published_at", "bad_type:title", "bad_type:coins", "bad_type:url", "text_too_long", "too_large", "invalid_json", "not_an_object", "bad_timestamp", "future_timestamp" })
            Assert.Contains(code, newsReasons.Keys);
        foreach (var code in new[] { "missing_field:symbol", "missing_field:price_usd", "missing_field:ts", "bad_type:price_usd", "unknown_symbol", "bad_price", "too_large", "invalid_json", "not_an_object", "bad_timestamp", "future_timestamp" })
            Assert.Contains(code, priceReasons.Keys);
    }

    [Fact]
    public void NewsHasBurstsAndManyCoins()
    {
        var s = new SampleStreamGenerator(3, Start).Generate(3000, 48);
        var parser = new EventParser();
        var valid = s.News.Select(b => parser.ParseNews(b, s.End)).Where(r => r.IsValid).Select(r => r.Value!).ToList();
        var perHour = valid.GroupBy(a => a.PublishedAt.Ticks / TimeSpan.TicksPerHour).Select(g => g.Count()).ToList();
        Assert.True(perHour.Max() > 2.5 * perHour.Average());
        Assert.True(valid.SelectMany(a => a.Coins).Distinct().Count() >= 12);
        Assert.True(valid.Select(a => a.Source).Distinct().Count() >= 5);
        Assert.Contains(valid, a => a.Coins.Count == 0);
    }

    [Fact]
    public void BatchesHavePartitionsAndIncreasingSequenceNumbers()
    {
        var s = new SampleStreamGenerator(1, Start).Generate(1000, 24);
        var batches = s.ToBatches(EventStream.News, 64, 4).ToList();
        Assert.Equal(s.News.Count, batches.Sum(b => b.Events.Count));
        Assert.All(batches, b => Assert.True(b.Events.Count <= 64 && b.Events.All(e => e.PartitionId == b.PartitionId)));
        Assert.Equal(["0", "1", "2", "3"], batches.Select(b => b.PartitionId).Distinct().Order());
        foreach (var g in batches.GroupBy(b => b.PartitionId))
        {
            var seq = g.SelectMany(b => b.Events).ToList();
            Assert.Equal(Enumerable.Range(0, seq.Count).Select(i => (long)i), seq.Select(e => e.SequenceNumber));
            Assert.True(seq.Zip(seq.Skip(1)).All(p => p.Second.EnqueuedAt > p.First.EnqueuedAt));
        }
        var again = s.ToBatches(EventStream.News, 64, 4).ToList();
        Assert.Equal(batches.Select(b => (b.PartitionId, b.Events[0].SequenceNumber)), again.Select(b => (b.PartitionId, b.Events[0].SequenceNumber)));
    }
}
