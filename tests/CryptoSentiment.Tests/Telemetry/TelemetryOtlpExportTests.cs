using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CryptoSentiment.Telemetry;
using CryptoSentiment.Testing.Otlp;
using CryptoSentiment.Tests.Functions;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Telemetry.PipelineTelemetry;

namespace CryptoSentiment.Tests.Telemetry;

/// <summary>
/// The Functions handler (in-process, through <c>FunctionsApp.Build</c>) exports the §10 metrics and the batch spans over
/// OTLP/HTTP protobuf to a loopback receiver; an exporter with nobody listening neither fails nor slows a batch.
/// </summary>
public class TelemetryOtlpExportTests
{
    [Fact]
    public async Task Telemetry_the_handler_exports_the_named_metrics_and_batch_spans_to_an_otlp_receiver()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var t = new TempLake();
        var telemetry = new TelemetrySettings { ServiceName = "handler-under-test", OtlpEndpoint = receiver.Endpoint, MetricIntervalMs = 60_000 };
        await using (var host = await HandlerHost.StartAsync(t.Settings, telemetry: telemetry))
        {
            var news = await host.PostAsync("NewsIngest", TestFiles.ReadPayload("NewsIngest.string.json"));
            Assert.True(news.Status == 200, news.ToString());
            Assert.Equal(2, news.Int("quarantined"));
            var prices = await host.PostAsync("PricesIngest", TestFiles.ReadPayload("PricesIngest.string.json"));
            Assert.True(prices.Status == 200, prices.ToString());
            Assert.Equal(2, prices.Int("quarantined"));
            var gold = await host.PostAsync("GoldRefresh", TestFiles.ReadPayload("Timer.json"));
            Assert.True(gold.Status == 200, gold.ToString());
        } // stopping the handler flushes: the metric interval (60 s) never elapsed, so what arrives came with the shutdown flush

        Assert.Equal(0, receiver.Rejected);
        var metrics = receiver.Metrics.Where(m => m.Scope == PipelineTelemetry.Name).ToList();
        var names = metrics.Select(m => m.Name).ToHashSet();
        foreach (var name in new[] { Instruments.Events, Instruments.Quarantine, Instruments.BatchDuration, Instruments.EventLag, Instruments.Headlines,
                     Instruments.WarehouseRows })
            Assert.Contains(name, names);

        OtlpPoint Point(string metric, params (string Key, string Value)[] where) => metrics.Where(m => m.Name == metric)
            .SelectMany(m => m.Points).FirstOrDefault(p => where.All(w => p.Attributes.GetValueOrDefault(w.Key) == w.Value)) ?? new OtlpPoint(new Dictionary<string, string>(), 0, 0);
        // Other tests' handlers may run in this process meanwhile (the Meter is process-wide): at least this test's counts.
        Assert.True(Point(Instruments.Events, ("stream", "news"), ("outcome", "accepted")).Value >= 3);
        Assert.True(Point(Instruments.Events, ("stream", "news"), ("outcome", "quarantined")).Value >= 2);
        Assert.True(Point(Instruments.Events, ("stream", "prices"), ("outcome", "quarantined")).Value >= 2);
        Assert.True(Point(Instruments.Quarantine, ("reason", "invalid_json")).Value >= 1);
        Assert.True(Point(Instruments.Quarantine, ("reason", "missing_field:title")).Value >= 1);
        Assert.True(Point(Instruments.Headlines, ("scorer", "offline")).Value >= 3);
        Assert.Equal("sum", metrics.First(m => m.Name == Instruments.Events).Kind);
        var duration = metrics.First(m => m.Name == Instruments.BatchDuration);
        Assert.Equal(("histogram", "s"), (duration.Kind, duration.Unit));
        Assert.True(Point(Instruments.BatchDuration, ("function", "NewsIngest")).Count >= 1);
        Assert.True(Point(Instruments.BatchDuration, ("function", "GoldRefresh")).Count >= 1, string.Join("; ", metrics.Where(m => m.Name == Instruments.BatchDuration).SelectMany(m => m.Points).Select(p => string.Join(",", p.Attributes) + "=" + p.Count)));
        var lag = metrics.First(m => m.Name == Instruments.EventLag);
        Assert.Equal(("histogram", "s"), (lag.Kind, lag.Unit));
        Assert.True(lag.Points.Sum(p => (long)p.Count) >= 10); // 6 news + 4 price events

        // The news batch (partition 3, seq 100..105): a run span with bronze and silver under it, enrich and commit under silver.
        var spans = receiver.Spans.Where(s => s.Scope == PipelineTelemetry.Name).ToList();
        var run = spans.FirstOrDefault(s => s.Name == "NewsIngest" && s.Attributes.GetValueOrDefault("cryptosentiment.partition") == "3"
                                   && s.Attributes.GetValueOrDefault("cryptosentiment.sequence.first") == "100");
        Assert.True(run is not null, $"{receiver.Spans.Count} spans: " + string.Join("; ", receiver.Spans.Select(s => s.Scope + "/" + s.Name + " " + string.Join(",", s.Attributes))));
        Assert.Equal("105", run.Attributes["cryptosentiment.sequence.last"]);
        Assert.Equal("2", run.Attributes["cryptosentiment.quarantined"]);
        Assert.Equal(["bronze", "silver"], spans.Where(s => s.ParentSpanId == run.SpanId).Select(s => s.Name).Order().ToList());
        var silver = spans.Single(s => s.ParentSpanId == run.SpanId && s.Name == "silver");
        Assert.Equal(run.TraceId, silver.TraceId);
        Assert.Equal(["commit", "enrich"], spans.Where(s => s.ParentSpanId == silver.SpanId).Select(s => s.Name).Order().ToList());
        var refresh = spans.First(s => s.Name == "GoldRefresh");
        Assert.Equal(["gold", "load"], spans.Where(s => s.ParentSpanId == refresh.SpanId).Select(s => s.Name).Order().ToList());
    }

    [Fact]
    public async Task Telemetry_an_otlp_endpoint_with_nobody_listening_neither_fails_nor_slows_a_batch()
    {
        using var t = new TempLake();
        // A port that was free a moment ago: connections are refused. Metrics every 100 ms: exports keep failing throughout.
        var dead = new Uri($"http://127.0.0.1:{FreePort()}/");
        var telemetry = new TelemetrySettings { OtlpEndpoint = dead, MetricIntervalMs = 100, ExportTimeoutMs = 2_000 };
        var host = await HandlerHost.StartAsync(t.Settings, telemetry: telemetry);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            foreach (var shape in new[] { "string", "array" })
            {
                var started = Stopwatch.StartNew();
                var news = await host.PostAsync("NewsIngest", TestFiles.ReadPayload($"NewsIngest.{shape}.json"));
                Assert.True(news.Status == 200, news.ToString());
                // Generous for a loaded CI machine: a batch here takes well under a second; exports run on the providers' threads.
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"a batch took {started.Elapsed} with a dead exporter");
            }
            var prices = await host.PostAsync("PricesIngest", TestFiles.ReadPayload("PricesIngest.string.json"));
            Assert.True(prices.Status == 200, prices.ToString());
            Assert.Equal(2, prices.Int("accepted"));
            await Task.Delay(300); // a few failed metric exports on the reader's thread
        }
        finally
        {
            var stopping = Stopwatch.StartNew();
            await host.DisposeAsync();
            // The shutdown flush is bounded by the export timeout per provider, whatever the endpoint does.
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"shutdown took {stopping.Elapsed} with a dead exporter");
        }
        using var lake = new CryptoSentiment.Pipeline.Lakehouse(new CryptoSentiment.Lake.Stores.LocalLakeStore(t.LakeDir));
        Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
