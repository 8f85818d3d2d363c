using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CryptoSentiment.Api;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Functions;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Bench;

/// <summary>
/// Bench phase <c>api</c> (ARCHITECTURE §8): the demo lake (the <c>demo</c> command's stream: 5,000 news over 14 days, seed 42)
/// in a temp folder, then 1,000 mixed <c>/api/v1</c> requests — coins, coin series (24 h / 7 d / 30 d), top (latest and per
/// day), headlines (plain, per coin, paged), openapi.json, a tenth revalidated with If-None-Match (304) and a few errors —
/// through the Functions handler over HTTP exactly as the host sends them (<c>POST /{Function}</c>, httpTrigger payload), warm
/// (every distinct request answered once before), on the one core the phase is pinned to. Also the same requests straight
/// into <see cref="LakeApi"/> (no HTTP), and the first (cold, scanning) answer of each distinct request.
/// </summary>
internal static class ApiBench
{
    public const int Requests = 1000;

    public static async Task<Dictionary<string, double>> RunAsync(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("cs-bench-api-");
        try
        {
            var settings = new Settings { LakeUri = Path.Combine(dir.FullName, "lake"), Warehouse = "duckdb:" + Path.Combine(dir.FullName, "wh.duckdb") };
            var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-14), TimeSpan.Zero);
            var stream = new SampleStreamGenerator(42, start).Generate(5000, 14 * 24);
            using (var pipeline = new CryptoPipeline(settings, engineThreads: 1))
            {
                foreach (var b in stream.ToBatches(EventStream.News, 500, 4).Concat(stream.ToBatches(EventStream.Prices, 2000, 2)))
                    await pipeline.IngestAsync(b, ct);
                await pipeline.RefreshGoldAsync(ct);
            }

            await using var app = FunctionsApp.Build(new FunctionsAppOptions { Port = 0, Settings = settings, AppRoot = AppContext.BaseDirectory });
            await app.StartAsync(ct);
            using var http = new HttpClient { BaseAddress = new Uri(FunctionsApp.Urls(app).Single()), Timeout = TimeSpan.FromMinutes(1) };
            using var lake = Lakehouse.Open(settings);
            var api = new LakeApi(lake);

            // The distinct requests: built from the lake's own coins and days.
            var coins = JsonDocument.Parse((await api.HandleAsync(ApiRequest.Get("/api/v1/coins"), ct)).Body).RootElement
                .EnumerateArray().Select(e => e.GetProperty("coin").GetString()!).ToList();
            var days = Enumerable.Range(0, 14).Select(i => DateOnly.FromDateTime(start.UtcDateTime).AddDays(i).ToString("yyyy-MM-dd")).ToList();
            var mid = start.AddDays(7).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
            var distinct = new List<string> { "/api/v1/coins", "/api/v1/top", "/api/v1/headlines", "/api/v1/openapi.json", "/api/v1/coins/ZZZ", "/api/v1/coins/BTC?hours=0" };
            foreach (var c in coins.Take(8))
            {
                distinct.AddRange([$"/api/v1/coins/{c}", $"/api/v1/coins/{c}?hours=168", $"/api/v1/coins/{c}?hours=720", $"/api/v1/headlines?coin={c}&limit=20"]);
            }
            distinct.AddRange(days.Select(d => $"/api/v1/top?day={d}"));
            distinct.AddRange([$"/api/v1/headlines?limit=200", $"/api/v1/headlines?limit=100&before={mid}"]);

            // Cold: the first answer of each distinct request (scans the snapshot), through the handler.
            var cold = new List<double>();
            var etags = new Dictionary<string, string?>();
            foreach (var path in distinct)
            {
                var sw = Stopwatch.StartNew();
                etags[path] = await CallAsync(http, path, null, ct);
                cold.Add(sw.Elapsed.TotalMilliseconds);
                await api.HandleAsync(ApiRequest.Get(path), ct); // warms the in-process instance too
            }

            var rng = new Random(7);
            var mix = Enumerable.Range(0, Requests).Select(_ =>
            {
                var p = distinct[rng.Next(distinct.Count)];
                return (Path: p, IfNoneMatch: rng.Next(10) == 0 ? etags[p] : null);
            }).ToList();

            var viaHandler = new List<double>(Requests);
            var notModified = 0;
            foreach (var (path, inm) in mix)
            {
                var sw = Stopwatch.StartNew();
                var tag = await CallAsync(http, path, inm, ct);
                viaHandler.Add(sw.Elapsed.TotalMilliseconds);
                if (inm is not null && tag == "304") notModified++;
            }
            var inProcess = new List<double>(Requests);
            var scansBefore = api.Scans;
            foreach (var (path, inm) in mix)
            {
                var sw = Stopwatch.StartNew();
                await api.HandleAsync(ApiRequest.Get(path, inm), ct);
                inProcess.Add(sw.Elapsed.TotalMilliseconds);
            }
            var rescans = api.Scans - scansBefore;
            await app.StopAsync(ct);
            return new()
            {
                ["requests"] = Requests,
                ["distinct_requests"] = distinct.Count,
                ["api_p50_ms"] = Percentile(viaHandler, 0.50),
                ["api_p95_ms"] = Percentile(viaHandler, 0.95),
                ["api_max_ms"] = viaHandler.Max(),
                ["api_core_p50_ms"] = Percentile(inProcess, 0.50),
                ["api_core_p95_ms"] = Percentile(inProcess, 0.95),
                ["api_cold_p50_ms"] = Percentile(cold, 0.50),
                ["api_cold_p95_ms"] = Percentile(cold, 0.95),
                ["not_modified"] = notModified,
                ["warm_rescans"] = rescans,
                ["peak_mib"] = BenchCommand.PeakMiB(),
            };
        }
        finally { dir.Delete(true); }
    }

    /// <summary>One request the way the Functions host sends it; returns the answer's ETag, or "304" for a 304.</summary>
    private static async Task<string?> CallAsync(HttpClient http, string pathAndQuery, string? ifNoneMatch, CancellationToken ct)
    {
        var function = FunctionFor(pathAndQuery);
        var headers = new Dictionary<string, string[]> { ["Accept"] = ["application/json"] };
        if (ifNoneMatch is not null) headers["If-None-Match"] = [ifNoneMatch];
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Data"] = new Dictionary<string, object>
            {
                ["req"] = new Dictionary<string, object>
                {
                    ["Url"] = "https://bench.example.net" + pathAndQuery,
                    ["Method"] = "GET",
                    ["Query"] = ApiRequest.Parse("GET", pathAndQuery).Query,
                    ["Headers"] = headers,
                    ["Params"] = new Dictionary<string, string>(),
                },
            },
            ["Metadata"] = new Dictionary<string, object> { ["sys"] = new Dictionary<string, string> { ["MethodName"] = function } },
        });
        using var content = new StringContent(payload, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("/" + function, content, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{function} {pathAndQuery}: HTTP {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        var res = JsonDocument.Parse(body).RootElement.GetProperty("Outputs").GetProperty("res");
        if (res.GetProperty("statusCode").GetInt32() == 304) return "304";
        return res.GetProperty("headers").TryGetProperty("ETag", out var e) ? e.GetString() : null;
    }

    private static string FunctionFor(string pathAndQuery) => pathAndQuery.Split('?')[0]["/api/v1/".Length..].Split('/') switch
    {
        ["coins"] => "ApiCoins",
        ["coins", _] => "ApiCoin",
        ["top"] => "ApiTop",
        ["headlines"] => "ApiHeadlines",
        ["alerts"] => "ApiAlerts",
        _ => "ApiOpenApi",
    };

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
