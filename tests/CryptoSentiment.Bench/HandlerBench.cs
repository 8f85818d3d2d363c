using System.Diagnostics;
using System.Net.Http.Headers;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Functions;
using CryptoSentiment.Functions.Host;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Bench;

/// <summary>
/// Bench phase <c>handler</c>: the Functions custom handler started in-process on a free port, fed host-shaped
/// NewsIngest payloads of 256 events (the host.json maxEventBatchSize) over HTTP on a local lake; the same batches
/// through <see cref="CryptoPipeline.IngestAsync"/> directly give the handler's overhead.
/// </summary>
internal static class HandlerBench
{
    public const int BatchSize = 256;

    /// <param name="lake">Where the two lakes live (a Blob container URL with its auth, e.g. Azurite), or null for a temp folder.</param>
    public static async Task<Dictionary<string, double>> RunAsync(int newsEvents, CancellationToken ct, Settings? lake = null)
    {
        var dir = Directory.CreateTempSubdirectory("cs-bench-handler-");
        Settings Lake(string name) => lake is null ? new Settings { LakeUri = Path.Combine(dir.FullName, name) } : lake with { LakeUri = lake.LakeUri.TrimEnd('/') + "/" + name };
        try
        {
            var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-30), TimeSpan.Zero);
            var stream = new SampleStreamGenerator(11, start).Generate(newsEvents, 30 * 24);
            var batches = stream.ToBatches(EventStream.News, BatchSize, 4).ToList();
            var warmup = batches[0] with { PartitionId = "warmup", Events = batches[0].Events.Select(e => e with { PartitionId = "warmup" }).ToList() };
            var events = batches.Sum(b => b.Events.Count);

            // Direct: the pipeline call the handler makes, without HTTP and payload mapping.
            double directSeconds;
            using (var pipeline = new CryptoPipeline(Lake("direct"), engineThreads: 1))
            {
                await pipeline.IngestAsync(warmup, ct);
                var sw = Stopwatch.StartNew();
                foreach (var b in batches) await pipeline.IngestAsync(b, ct);
                directSeconds = sw.Elapsed.TotalSeconds;
            }

            // Through the handler: POST /NewsIngest with the host's double-encoded payload.
            var payloads = batches.Select(b => HostPayloadWriter.EventHubBatch(b, "news")).ToList();
            var options = new FunctionsAppOptions { Port = 0, Settings = Lake("handler"), AppRoot = AppContext.BaseDirectory };
            await using var app = FunctionsApp.Build(options);
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(FunctionsApp.Urls(app).Single()), Timeout = TimeSpan.FromMinutes(5) };
            await PostAsync(http, HostPayloadWriter.EventHubBatch(warmup, "news"), ct);
            var latencies = new List<double>();
            var total = Stopwatch.StartNew();
            for (int i = 0; i < payloads.Count; i++)
            {
                var sw = Stopwatch.StartNew();
                await PostAsync(http, payloads[i], ct);
                if (batches[i].Events.Count == BatchSize) latencies.Add(sw.Elapsed.TotalMilliseconds);
            }
            var handlerSeconds = total.Elapsed.TotalSeconds;
            await app.StopAsync(ct);
            latencies.Sort();
            return new()
            {
                ["events"] = events,
                ["batches"] = batches.Count,
                ["payload_kib"] = payloads.Average(p => p.Length) / 1024.0,
                ["latency_p50_ms"] = Percentile(latencies, 0.50),
                ["latency_p95_ms"] = Percentile(latencies, 0.95),
                ["handler_events_per_s"] = events / handlerSeconds,
                ["direct_events_per_s"] = events / directSeconds,
            };
        }
        finally { dir.Delete(true); }
    }

    private static async Task PostAsync(HttpClient http, byte[] payload, CancellationToken ct)
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("/NewsIngest", content, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST /NewsIngest: HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
