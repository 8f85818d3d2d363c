using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CryptoSentiment.Configuration;
using CryptoSentiment.Functions;
using CryptoSentiment.Producers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CryptoSentiment.Tests.Functions;

/// <summary>A canned HTTP answer of the loopback server.</summary>
internal sealed record Canned(int Status, string ContentType, byte[] Body)
{
    public static Canned Text(string contentType, string body, int status = 200) => new(status, contentType, Encoding.UTF8.GetBytes(body));
    public static Canned File(string contentType, string name) => new(200, contentType, System.IO.File.ReadAllBytes(TestFiles.Feed(name)));
}

/// <summary>Kestrel on 127.0.0.1:0 answering GET paths with canned responses (recorded feeds, price API, broken servers).</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, Canned> _routes;

    private LoopbackServer(WebApplication app, Dictionary<string, Canned> routes) { _app = app; _routes = routes; }

    public string BaseUrl { get; private set; } = "";
    public string Url(string path) => BaseUrl + path;
    public void Set(string path, Canned answer) { lock (_routes) _routes[path] = answer; }

    public static async Task<LoopbackServer> StartAsync(Dictionary<string, Canned> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new LoopbackServer(app, new Dictionary<string, Canned>(routes));
        app.Run(async ctx =>
        {
            Canned? c;
            lock (server._routes) server._routes.TryGetValue(ctx.Request.Path.Value ?? "", out c);
            c ??= Canned.Text("text/plain", "not found", 404);
            ctx.Response.StatusCode = c.Status;
            ctx.Response.ContentType = c.ContentType;
            await ctx.Response.Body.WriteAsync(c.Body);
        });
        await app.StartAsync();
        server.BaseUrl = FunctionsApp.Urls(app).Single().TrimEnd('/');
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The handler app started in-process on a free port through its own builder (<see cref="FunctionsApp.Build"/>).</summary>
internal sealed class HandlerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HandlerHost(WebApplication app, HttpClient http) { _app = app; Http = http; }

    public HttpClient Http { get; }

    public static async Task<HandlerHost> StartAsync(Settings settings, string? appRoot = null, ProducerOptions? producers = null,
        Func<Settings, CryptoSentiment.Pipeline.CryptoPipeline>? pipeline = null, CryptoSentiment.Telemetry.TelemetrySettings? telemetry = null)
    {
        var app = FunctionsApp.Build(new FunctionsAppOptions
        {
            Port = 0, Settings = settings, AppRoot = appRoot ?? AppContext.BaseDirectory, Producers = producers, PipelineFactory = pipeline,
            Telemetry = telemetry,
        });
        await app.StartAsync();
        var http = new HttpClient { BaseAddress = new Uri(FunctionsApp.Urls(app).Single()), Timeout = TimeSpan.FromSeconds(60) };
        return new HandlerHost(app, http);
    }

    public Task<Invocation> PostAsync(string function, string json) => Invocation.PostAsync(Http, function, json);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One POST /{Function} and its parsed answer.</summary>
internal sealed record Invocation(int Status, System.Text.Json.JsonElement Body, string Raw)
{
    public static async Task<Invocation> PostAsync(HttpClient http, string function, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + function) { Content = content };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        using var doc = System.Text.Json.JsonDocument.Parse(raw);
        return new Invocation((int)response.StatusCode, doc.RootElement.Clone(), raw);
    }

    public IEnumerable<string> Logs => Body.GetProperty("Logs").EnumerateArray().Select(e => e.GetString()!);
    public System.Text.Json.JsonElement ReturnValue => Body.GetProperty("ReturnValue");
    public int Int(string name) => ReturnValue.GetProperty(name).GetInt32();
    public List<string> Output(string binding) => Body.GetProperty("Outputs").GetProperty(binding).EnumerateArray().Select(e => e.GetString()!).ToList();
    public override string ToString() => $"HTTP {Status}: {Raw}";
}

internal static class TestFiles
{
    public static string Payload(string name) => Path.Combine(AppContext.BaseDirectory, "Functions", "payloads", name);
    public static string ReadPayload(string name) => File.ReadAllText(Payload(name));
    public static string Feed(string name) => Path.Combine(AppContext.BaseDirectory, "Producers", "feeds", name);

    /// <summary>A host-shaped eventHubTrigger payload (string-encoded arrays, as the host sends) for the given bodies.</summary>
    public static string EventHubPayload(IReadOnlyList<string> bodies, string partition, long firstSequence)
    {
        static string Enc<T>(T v) => System.Text.Json.JsonSerializer.Serialize(v);
        var seqs = Enumerable.Range(0, bodies.Count).Select(i => firstSequence + i).ToArray();
        var times = seqs.Select((_, i) => DateTime.UtcNow.AddMilliseconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var payload = new Dictionary<string, object>
        {
            ["Data"] = new Dictionary<string, object> { ["events"] = Enc(bodies) },
            ["Metadata"] = new Dictionary<string, object>
            {
                ["PartitionContext"] = new Dictionary<string, string> { ["EventHubName"] = "news", ["ConsumerGroup"] = "$Default", ["PartitionId"] = partition },
                ["SequenceNumberArray"] = Enc(seqs),
                ["EnqueuedTimeUtcArray"] = Enc(times),
            },
        };
        return System.Text.Json.JsonSerializer.Serialize(payload);
    }
}
