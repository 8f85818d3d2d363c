using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CryptoSentiment.Testing.Otlp;

/// <summary>
/// A loopback OTLP/HTTP receiver (Kestrel on 127.0.0.1, a free port): accepts <c>POST /v1/metrics</c> and
/// <c>POST /v1/traces</c> with <c>application/x-protobuf</c>, decodes them (<see cref="OtlpDecoder"/>) and keeps what came,
/// so tests can check what an exporter sent. Anything else gets 404 (wrong path) or 415 (wrong content type).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<OtlpMetric> _metrics = [];
    private readonly List<OtlpSpan> _spans = [];
    private int _requests, _rejected;

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base endpoint, e.g. <c>http://127.0.0.1:PORT/</c> (what <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> would say).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Export requests accepted.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests refused (not protobuf, or not a known path).</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Every metric of every export so far (a cumulative metric appears once per export).</summary>
    public IReadOnlyList<OtlpMetric> Metrics { get { lock (_metrics) return _metrics.ToList(); } }

    public IReadOnlyList<OtlpSpan> Spans { get { lock (_spans) return _spans.ToList(); } }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value;
        if (!HttpMethods.IsPost(ctx.Request.Method) || path is not ("/v1/metrics" or "/v1/traces"))
        {
            Interlocked.Increment(ref _rejected);
            ctx.Response.StatusCode = 404;
            return;
        }
        if (!string.Equals(ctx.Request.ContentType?.Split(';')[0].Trim(), "application/x-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _rejected);
            ctx.Response.StatusCode = 415;
            return;
        }
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body, ctx.RequestAborted);
        if (path == "/v1/metrics")
        {
            var metrics = OtlpDecoder.Metrics(body.GetBuffer().AsSpan(0, (int)body.Length));
            lock (_metrics) _metrics.AddRange(metrics);
        }
        else
        {
            var spans = OtlpDecoder.Spans(body.GetBuffer().AsSpan(0, (int)body.Length));
            lock (_spans) _spans.AddRange(spans);
        }
        Interlocked.Increment(ref _requests);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/x-protobuf"; // an empty Export*ServiceResponse: full success
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
