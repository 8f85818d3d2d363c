using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Enrich;

internal static class EnrichTestKit
{
    public static readonly DateTimeOffset Day = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Now = Day.AddDays(3);

    public static CryptoPipeline Open(TempLake t, ISentimentScorer scorer, Func<Configuration.Settings, Configuration.Settings>? adjust = null) =>
        new((adjust ?? (s => s))(t.Settings), scorer, new FixedClock(Now));

    /// <summary>One news event in the §3 format.</summary>
    public static byte[] News(string title, string source, DateTimeOffset published, string? url = null, params string[] coins) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["title"] = title, ["source"] = source, ["url"] = url, ["published_at"] = published.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["coins"] = coins.Length == 0 ? null : coins,
        });

    public static EventBatch Batch(string partition, long firstSequence, params byte[][] bodies) =>
        new(EventStream.News, partition, bodies.Select((b, i) => new RawEvent(partition, firstSequence + i, Now, b)).ToList());

    public static List<SentimentRequest> Requests(string prefix, IEnumerable<string> texts) =>
        texts.Select((x, i) => new SentimentRequest($"{prefix}{i}", x)).ToList();

    /// <summary>Rows of <c>cache/sentiment</c> (0 when the table was never created).</summary>
    public static async Task<long> CacheRowsAsync(Lakehouse lake) =>
        await lake.SnapshotIfExistsAsync(LakeTables.CacheSentiment) is null ? 0 : await PipelineTestKit.CountAsync(lake, "SELECT count(*) FROM cache_sentiment");
}
