using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Functions;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Alerts;
using CryptoSentiment.Tests.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CryptoSentiment.Tests.Alerts;

/// <summary>A loopback webhook receiver (Kestrel on 127.0.0.1:0) recording every POSTed JSON body; can answer 503 for a while.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<JsonElement> Received { get; } = new();
    public int Requests;
    public volatile bool Failing;
    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext ctx) =>
        {
            Interlocked.Increment(ref receiver.Requests);
            if (receiver.Failing) return Results.StatusCode(503);
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            receiver.Received.Enqueue(doc.RootElement.Clone());
            return Results.NoContent();
        });
        await app.StartAsync();
        receiver.Url = FunctionsApp.Urls(app).Single().TrimEnd('/') + "/hook";
        return receiver;
    }

    public List<string> Ids => Received.Select(e => e.GetProperty("alert_id").GetString()!).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// ALERT_WEBHOOK_URL (ARCHITECTURE §10): each new gold/alerts row is POSTed exactly once — across redeliveries, reloads,
/// a restart and a second instance — with the §10 columns; an unreachable or failing hook never fails the refresh, and
/// what failed is retried by a later refresh.
/// </summary>
public sealed class WebhookTests(CalmLakeFixture calm) : IClassFixture<CalmLakeFixture>
{
    private static readonly WebhookPolicy Fast = new(2, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));

    private CryptoPipeline Open(TempLake t, string url) =>
        new(t.Settings with { AlertWebhookUrl = url }, Lakehouse.Open(t.Settings), clock: new FixedClock(calm.Now), webhookPolicy: Fast);

    [Fact]
    public async Task EachAlertIsPostedOnce_AcrossRedeliveriesReloadsRestartsAndASecondInstance()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        using var t = new TempLake();
        calm.CopyTo(t);
        var swing = CalmLakeFixture.Start.AddDays(8).AddHours(12);
        var injected = AlertKit.Batches(AlertKit.NegativeSwing("SOL", "Solana", swing, 3, 25), "swing", calm.Now);

        List<AlertRow> all;
        using (var p = Open(t, hook.Url))
        {
            var first = await p.RefreshGoldAsync(); // gold is current: the pass posts every alert the lake holds
            all = await AlertKit.AlertsAsync(p.Lake);
            Assert.NotEmpty(all);
            Assert.Equal(new NotifyOutcome(all.Count, 0, 0), first.Notified);
            Assert.Equal(all.Select(a => a.AlertId).Order(), hook.Ids.Order());

            // the payload: the §10 columns, hour in UTC ISO-8601
            var sample = hook.Received.First(e => e.GetProperty("kind").GetString() == "volume_spike");
            Assert.Equal(["alert_id", "kind", "coin", "hour", "value", "baseline", "zscore", "severity", "message"],
                sample.EnumerateObject().Select(o => o.Name));
            var row = all.Single(a => a.AlertId == sample.GetProperty("alert_id").GetString());
            Assert.Equal(row.Hour, DateTimeOffset.Parse(sample.GetProperty("hour").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.EndsWith("Z", sample.GetProperty("hour").GetString());
            Assert.Equal(row.ZScore, sample.GetProperty("zscore").GetDouble());
            Assert.Equal(row.Message, sample.GetProperty("message").GetString());

            // a redelivery of the calm stream's batches lands nothing and posts nothing
            foreach (var b in calm.Stream.ToBatches(EventStream.News, 200, 2).Take(3)) await p.IngestAsync(b);
            Assert.Equal(new NotifyOutcome(0, 0, 0), (await p.RefreshGoldAsync()).Notified);
        }
        Assert.Equal(all.Count, hook.Ids.Count);

        // a restart (new instances of the pipeline and the lake) with the swing: only the new alert is posted, once,
        // although two instances refresh and notify side by side
        using (var p1 = Open(t, hook.Url))
        using (var p2 = Open(t, hook.Url))
        {
            foreach (var b in injected) await p1.IngestAsync(b);
            var outcomes = await Task.WhenAll(p1.RefreshGoldAsync(), p2.RefreshGoldAsync());
            var after = await AlertKit.AlertsAsync(p1.Lake);
            var added = after.Select(a => a.AlertId).Except(all.Select(a => a.AlertId)).ToList();
            Assert.Contains(after, a => a.Kind == "sentiment_shift" && added.Contains(a.AlertId));
            Assert.Equal(added.Count, outcomes.Sum(o => o.Notified!.Sent));
            Assert.Equal(hook.Ids.Count, hook.Ids.Distinct().Count());
            // the alerts the recomputed days still hold keep their ids and are not posted again
            Assert.Equal(after.Select(a => a.AlertId).Union(all.Select(a => a.AlertId)).Order(), hook.Ids.Order());
        }

        // a reload: the same days recomputed from scratch (the gold tables dropped and rebuilt) give the same ids: nothing new
        var posted = hook.Ids.Count;
        foreach (var gold in new[] { "gold/alerts", "gold/coin_hourly", "gold/coin_daily", "gold/top_coin_daily", "gold/scorer_daily" })
            Directory.Delete(Path.Combine(t.LakeDir, gold), recursive: true);
        using (var p = Open(t, hook.Url))
        {
            var o = await p.RefreshGoldAsync();
            var rebuilt = await AlertKit.AlertsAsync(p.Lake);
            Assert.Equal(new NotifyOutcome(0, 0, rebuilt.Count), o.Notified); // every alert of the rebuilt table considered, none new
            Assert.Subset(hook.Ids.ToHashSet(), rebuilt.Select(a => a.AlertId).ToHashSet());
            Assert.Equal(posted, hook.Ids.Count);
            await PipelineTestKit.AssertVerifiesAsync(p.Lake);
        }
    }

    [Fact]
    public async Task AFailingOrUnreachableHook_NeverFailsTheRefresh_AndALaterRefreshSendsWhatFailed()
    {
        // unreachable: a port nothing listens on
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; l.Stop(); }
        using var t = new TempLake();
        calm.CopyTo(t);
        int alerts;
        using (var p = Open(t, $"http://127.0.0.1:{port}/hook"))
        {
            var o = await p.RefreshGoldAsync();
            alerts = (await AlertKit.AlertsAsync(p.Lake)).Count;
            Assert.Equal(new NotifyOutcome(0, alerts, 0), o.Notified);
            await PipelineTestKit.AssertVerifiesAsync(p.Lake);
        }

        // a hook answering 503, retried with backoff in the pass, then healthy: every alert arrives once
        await using var hook = await WebhookReceiver.StartAsync();
        hook.Failing = true;
        using (var p = Open(t, hook.Url))
        {
            var o = await p.RefreshGoldAsync();
            Assert.Equal(new NotifyOutcome(0, alerts, 0), o.Notified);
            Assert.Equal(alerts * Fast.Attempts, hook.Requests); // each alert tried Attempts times
            hook.Failing = false;
            o = await p.RefreshGoldAsync();
            Assert.Equal(new NotifyOutcome(alerts, 0, 0), o.Notified);
            Assert.Equal(alerts, hook.Ids.Distinct().Count());
            Assert.Equal(alerts, hook.Ids.Count);
            Assert.Equal(new NotifyOutcome(0, 0, 0), (await p.RefreshGoldAsync()).Notified);
        }
    }
}
