using System.Net;
using System.Text.Json;
using CryptoSentiment.Configuration;
using CryptoSentiment.Functions.Host;
using CryptoSentiment.Producers;
using CryptoSentiment.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CryptoSentiment.Functions;

/// <summary>How the handler is started: port, settings, app root (where the function.json files are).</summary>
public sealed record FunctionsAppOptions
{
    /// <summary>The port the Functions host calls (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>); 0 = any free port (tests, bench).</summary>
    public int Port { get; init; }
    public required Settings Settings { get; init; }
    /// <summary>The app root (host.json, &lt;Function&gt;/function.json): the executable's folder, as the package lays it out.</summary>
    public string AppRoot { get; init; } = AppContext.BaseDirectory;
    public TimeProvider? Clock { get; init; }
    public ProducerOptions? Producers { get; init; }
    /// <summary>Makes the process's one pipeline from the settings (default: <c>new CryptoPipeline(settings)</c>); tests pass a scorer here.</summary>
    public Func<Settings, CryptoSentiment.Pipeline.CryptoPipeline>? PipelineFactory { get; init; }
    /// <summary>Telemetry exporters (ARCHITECTURE §10); null = none (from the environment when started by the host).</summary>
    public TelemetrySettings? Telemetry { get; init; }
    /// <summary>Largest request accepted (a batch of events, double-encoded by the host).</summary>
    public long MaxRequestBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>The handler's <c>service.name</c> in telemetry.</summary>
    public const string ServiceName = "CryptoSentiment.Functions";

    /// <summary>From the environment the Functions host gives the handler process.</summary>
    public static FunctionsAppOptions FromEnvironment()
    {
        var portText = Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT");
        if (!int.TryParse(portText, out var port) || port is < 0 or > 65535)
            throw new ArgumentException($"FUNCTIONS_CUSTOMHANDLER_PORT '{portText}' is not a port number (the Functions host sets it; for a manual run set it yourself)");
        return new FunctionsAppOptions
        {
            Port = port,
            Settings = Settings.FromEnvironment(),
            Telemetry = TelemetrySettings.FromEnvironment(ServiceName),
        };
    }
}

/// <summary>
/// The Azure Functions custom handler: an ASP.NET Core minimal API on <c>127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT</c>.
/// <c>GET /</c> answers readiness; <c>POST /{FunctionName}</c> runs one invocation through <see cref="FunctionHandlers"/>.
/// </summary>
public static class FunctionsApp
{
    public static WebApplication Build(FunctionsAppOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = options.AppRoot });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
        });
        // Telemetry is owned by the container: disposed (flushed) at shutdown, after the handlers.
        builder.Services.AddSingleton(sp =>
        {
            var telemetryLog = sp.GetRequiredService<ILoggerFactory>().CreateLogger("CryptoSentiment.Telemetry");
            return TelemetrySetup.Start(options.Telemetry ?? new TelemetrySettings { ServiceName = FunctionsAppOptions.ServiceName },
                line => telemetryLog.LogWarning("{Line}", line));
        });
        builder.Services.AddSingleton(_ => new FunctionHandlers(options.Settings, FunctionCatalog.Load(options.AppRoot), options.Clock, options.Producers, options.PipelineFactory));
        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CryptoSentiment.Functions");
        app.Services.GetRequiredService<TelemetryProviders>();

        app.MapGet("/", (RequestDelegate)(ctx =>
        {
            ctx.Response.ContentType = "text/plain";
            return ctx.Response.WriteAsync("ready");
        }));
        app.MapPost("/{function}", (RequestDelegate)(async ctx =>
        {
            var function = (string)ctx.Request.RouteValues["function"]!;
            var handlers = ctx.RequestServices.GetRequiredService<FunctionHandlers>();
            var invocation = ctx.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
            InvocationResult result;
            try
            {
                using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted);
                result = await handlers.InvokeAsync(function, doc.RootElement, ctx.RequestAborted);
            }
            catch (JsonException e)
            {
                var bad = new HostResponse();
                bad.Log($"{function}: bad request: the body is not JSON ({e.Message})");
                result = new InvocationResult(400, bad);
            }
            foreach (var line in result.Body.Logs)
                log.Log(result.Status == 200 ? LogLevel.Debug : LogLevel.Error, "[{Invocation}] {Line}", invocation, line);
            ctx.Response.StatusCode = result.Status;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(result.Body.ToUtf8(), ctx.RequestAborted);
        }));
        app.Lifetime.ApplicationStarted.Register(() =>
            log.LogInformation("CryptoSentiment.Functions listening on {Urls}; functions: {Functions}; lake {Lake}",
                string.Join(", ", Urls(app)), string.Join(", ", app.Services.GetRequiredService<FunctionHandlers>().Served), options.Settings.LakeUri));
        return app;
    }

    /// <summary>The addresses Kestrel bound (with the real port when 0 was asked for). Valid once started.</summary>
    public static IReadOnlyList<string> Urls(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
