using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Alerts;

/// <summary>One alert row of gold/alerts.</summary>
internal sealed record AlertRow(string AlertId, string Kind, string? Coin, DateTimeOffset Hour, DateOnly Day, double? Value, double? Baseline,
    double? ZScore, string Severity, string Message);

/// <summary>
/// A calm generated stream of <see cref="Days"/> days (seeded generator: headline templates of fixed sentiment over 15 coins, news
/// bursts, prices every hour), ingested and refreshed once into a template lake; each test copies the template.
/// </summary>
public sealed class CalmLakeFixture : IDisposable
{
    public const int Days = 10;
    public static readonly DateTimeOffset Start = PipelineTestKit.Start;

    private readonly string _root = Directory.CreateTempSubdirectory("cs-alerts-").FullName;

    public GeneratedStream Stream { get; }
    public string TemplateLake => Path.Combine(_root, "lake");
    public DateTimeOffset Now => PipelineTestKit.IngestTime(Stream);

    public CalmLakeFixture()
    {
        Stream = new SampleStreamGenerator(20261205, Start).Generate(Days * 24 * 20, Days * 24);
        using var p = new CryptoPipeline(new Configuration.Settings { LakeUri = TemplateLake, Warehouse = "duckdb:" + Path.Combine(_root, "w.duckdb") },
            clock: new FixedClock(Now));
        var batches = Stream.ToBatches(EventStream.News, 200, 2).Concat(Stream.ToBatches(EventStream.Prices, 400, 2)).ToList();
        PipelineTestKit.IngestAllAsync(p, batches).GetAwaiter().GetResult();
        p.RefreshGoldAsync().GetAwaiter().GetResult();
    }

    /// <summary>A copy of the template lake under <paramref name="t"/>'s lake folder.</summary>
    internal void CopyTo(TempLake t) => Copy(TemplateLake, t.LakeDir);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) Copy(d, Path.Combine(to, Path.GetFileName(d)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}

internal static class AlertKit
{
    public static async Task<List<AlertRow>> AlertsAsync(Lakehouse lake)
    {
        using var c = await PipelineTestKit.ViewsAsync(lake);
        return Alerts(c);
    }

    public static List<AlertRow> Alerts(DuckDbConnection c)
    {
        var list = new List<AlertRow>();
        using var r = c.Query("SELECT alert_id, kind, coin, hour, day, value, baseline, zscore, severity, message FROM gold_alerts ORDER BY hour, kind, coin");
        while (r.Read())
            list.Add(new AlertRow(r.GetString(0), r.GetString(1), r.IsNull(2) ? null : r.GetString(2), r.GetDateTimeOffset(3), r.GetDate(4),
                D(r, 5), D(r, 6), D(r, 7), r.GetString(8), r.GetString(9)));
        return list;
    }

    private static double? D(DuckDbResult r, int i) => r.IsNull(i) ? null : r.GetDouble(i);

    /// <summary>
    /// News events for <paramref name="coin"/>: <paramref name="perHour"/> negative headlines in each of <paramref name="hours"/>
    /// hours from <paramref name="from"/> (distinct titles, so none is a duplicate).
    /// </summary>
    public static List<byte[]> NegativeSwing(string coin, string name, DateTimeOffset from, int hours, int perHour)
    {
        string[] templates =
        [
            "{name} plunges {n}% as liquidations top $900 million", "Exchange hack drains {n} {ticker}, investors rattled",
            "{ticker} crashes {n}% in worst day since last year", "Regulators sue issuer over {name} token sales",
        ];
        var list = new List<byte[]>();
        var k = 0;
        for (var h = 0; h < hours; h++)
            for (var i = 0; i < perHour; i++, k++)
            {
                var title = templates[k % templates.Length].Replace("{name}", name).Replace("{ticker}", coin)
                    .Replace("{n}", (11 + k).ToString(CultureInfo.InvariantCulture));
                var at = from.AddHours(h).AddSeconds(i * 3600 / perHour);
                list.Add(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["id"] = $"swing-{coin}-{k}", ["title"] = title, ["source"] = "Swing Wire", ["published_at"] = Timestamps.Format(at),
                    ["coins"] = new[] { coin },
                })));
            }
        return list;
    }

    /// <summary>Batches of <paramref name="bodies"/> on a partition of their own (sequence numbers from 0).</summary>
    public static List<EventBatch> Batches(IReadOnlyList<byte[]> bodies, string partition, DateTimeOffset enqueued) =>
        bodies.Chunk(100).Select((chunk, b) => new EventBatch(EventStream.News, partition,
            chunk.Select((body, i) => new RawEvent(partition, b * 100L + i, enqueued.AddMilliseconds(b * 100 + i), body)).ToList())).ToList();
}
