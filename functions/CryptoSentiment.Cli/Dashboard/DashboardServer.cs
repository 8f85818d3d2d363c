using System.Net;
using System.Text.Json;
using CryptoSentiment.Api;
using CryptoSentiment.Dashboard;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Warehouse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoSentiment.Cli.Dashboard;

/// <summary>What <c>serve</c> serves: the warehouse file, the loopback port (0 = any free port), and how long a request
/// waits for a concurrent <c>load</c> to release the file.</summary>
public sealed record DashboardOptions(string WarehouseFile, int Port = DashboardServer.DefaultPort)
{
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The folder holding index.html, dashboard.js/css and lib/chart.umd.min.js (the build's <c>wwwroot</c>).</summary>
    public string WebRoot { get; init; } = Path.Combine(AppContext.BaseDirectory, "wwwroot");
    /// <summary>The HTTP API <c>/api/v1</c> over the lake (ARCHITECTURE §11), the same code the Functions app's HTTP triggers run; null = not served.</summary>
    public LakeApi? Api { get; init; }
    /// <summary>The lake the Alerts &amp; health page reads the event lag from (bronze ingest times); null = no lag shown.</summary>
    public Lakehouse? Lake { get; init; }
}

/// <summary>
/// The local dashboard: static page + JSON API on 127.0.0.1 over the embedded DuckDB warehouse.
/// <list type="bullet">
/// <item><c>GET /api/meta</c> — day range and coins in the warehouse.</item>
/// <item><c>GET /api/overview?from=YYYY-MM-DD&amp;to=YYYY-MM-DD&amp;coins=BTC,ETH&amp;limit=50</c> — executive overview.</item>
/// <item><c>GET /api/sentiment-price?from=&amp;to=&amp;coins=</c> — score_24h vs return_24h with divergence flags.</item>
/// <item><c>GET /api/volatility?from=&amp;to=&amp;coins=</c> — the Sentiment Volatility Index.</item>
/// <item><c>GET /api/health?from=&amp;to=&amp;coins=&amp;limit=100&amp;lagHours=48</c> — Alerts &amp; health: latest alerts, alerts per day,
/// scorer mix and drift (warehouse), and the event lag of the newest ingest hours (lake bronze, <see cref="EventLag"/>).</item>
/// </list>
/// Each request opens the warehouse READ_ONLY, runs its prepared statements and closes it, so a <c>load</c> in another
/// process is only ever blocked for the milliseconds a request takes (both sides wait out the other's lock).
/// Bad input → 400 with a message; warehouse missing or locked too long → 503; a query failure → 500.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public const int DefaultPort = 5080;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri url) { _app = app; Url = url; }

    /// <summary>The page's address, e.g. <c>http://127.0.0.1:5080/</c>.</summary>
    public Uri Url { get; }

    public static async Task<DashboardServer> StartAsync(DashboardOptions options, CancellationToken ct = default)
    {
        if (!File.Exists(Path.Combine(options.WebRoot, "index.html")))
            throw new FileNotFoundException($"Dashboard page not found in '{options.WebRoot}': build the CLI (`make build`) first.");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = options.WebRoot,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();

        var files = new PhysicalFileProvider(options.WebRoot);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });
        if (options.Api is { } api) MapLakeApi(app, api);
        MapApi(app, options);

        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Dashboard server started without a listening address");
        return new DashboardServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    private static void MapApi(WebApplication app, DashboardOptions o)
    {
        app.MapGet("/api/meta", () => Read(o, q =>
        {
            var b = q.Bounds();
            return new { firstDay = b.FirstDay, lastDay = b.LastDay, coins = b.Coins, warehouse = Path.GetFullPath(o.WarehouseFile) };
        }));
        app.MapGet("/api/overview", (string? from, string? to, string? coins, string? limit) => Read(o, q =>
        {
            var n = DashboardQueries.DefaultHeadlines;
            if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, out n) || n < 1 || n > 500))
                throw new DashboardInputException($"Bad 'limit' '{limit}': expected a whole number from 1 to 500.");
            return q.Overview(q.Filter(from, to, coins), n);
        }));
        app.MapGet("/api/sentiment-price", (string? from, string? to, string? coins) => Read(o, q => q.SentimentPrice(q.Filter(from, to, coins))));
        app.MapGet("/api/volatility", (string? from, string? to, string? coins) => Read(o, q => q.Volatility(q.Filter(from, to, coins))));
        app.MapGet("/api/health", async (string? from, string? to, string? coins, string? limit, string? lagHours, CancellationToken ct) =>
        {
            var hours = EventLag.DefaultHours;
            if (!string.IsNullOrEmpty(lagHours) && (!int.TryParse(lagHours, out hours) || hours < 1 || hours > EventLag.MaxHours))
                return Error(400, $"Bad 'lagHours' '{lagHours}': expected a whole number from 1 to {EventLag.MaxHours}.");
            HealthView? view = null;
            var answer = Read(o, q =>
            {
                var n = DashboardQueries.DefaultAlerts;
                if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, out n) || n < 1 || n > 500))
                    throw new DashboardInputException($"Bad 'limit' '{limit}': expected a whole number from 1 to 500.");
                return view = q.Health(q.Filter(from, to, coins), n);
            });
            if (view is null) return answer;   // an error answer
            // The lag comes from the lake, after the warehouse file is closed again (a load is never held up by a lake read).
            if (o.Lake is null) return Results.Json(view with { LagNote = "no lake configured: serve --lake DIR (or LAKE_URI) shows the event lag" }, Json);
            try { return Results.Json(view with { Lag = await EventLag.HourlyAsync(o.Lake, hours, ct) }, Json); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Json(view with { LagNote = $"the lake's bronze could not be read: {e.Message}" }, Json);
            }
        });
        app.MapGet("/api/{**rest}", (string rest) => Error(404, $"No API endpoint '/api/{rest}': use /api/meta, /api/overview, /api/sentiment-price, /api/volatility or /api/health."));
    }

    /// <summary><c>/api/v1/...</c> (any method: the API answers 405 itself) → <see cref="LakeApi"/>, its answer written as is.</summary>
    private static void MapLakeApi(WebApplication app, LakeApi api)
    {
        app.Map(LakeApi.Prefix + "/{**rest}", (RequestDelegate)(async ctx =>
        {
            var query = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in ctx.Request.Query) query.TryAdd(k, v.Count > 0 ? v[0] ?? "" : "");
            var answer = await api.HandleAsync(new ApiRequest(ctx.Request.Method, ctx.Request.Path.Value ?? "", query,
                ctx.Request.Headers.IfNoneMatch.Count > 0 ? ctx.Request.Headers.IfNoneMatch.ToString() : null), ctx.RequestAborted);
            ctx.Response.StatusCode = answer.Status;
            foreach (var (k, v) in answer.Headers) ctx.Response.Headers[k] = v;
            if (answer.Body.Length > 0) await ctx.Response.Body.WriteAsync(answer.Body, ctx.RequestAborted);
        }));
    }

    /// <summary>Runs one request's reads on a fresh READ_ONLY connection; maps failures to clear HTTP errors.</summary>
    private static IResult Read(DashboardOptions o, Func<DashboardQueries, object> read)
    {
        try
        {
            using var c = WarehouseFile.OpenReadOnly(o.WarehouseFile, o.LockWait);
            return Results.Json(read(new DashboardQueries(c)), Json);
        }
        catch (DashboardInputException e) { return Error(400, e.Message); }
        catch (FileNotFoundException)
        {
            return Error(503, $"Warehouse file '{o.WarehouseFile}' not found: run `crypto-sentiment demo` or `crypto-sentiment load` first.");
        }
        catch (WarehouseBusyException e) { return Error(503, e.Message); }
        catch (DuckDbException e) { return Error(500, $"Warehouse query failed on '{o.WarehouseFile}': {e.Message}"); }
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message, status }, Json, statusCode: status);

    /// <summary>Runs until <paramref name="ct"/> is cancelled (Ctrl+C) or the host stops.</summary>
    public Task WaitForShutdownAsync(CancellationToken ct) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
