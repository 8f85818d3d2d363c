using System.Diagnostics;
using System.Text;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Tests.Pipeline;
using Microsoft.Playwright;

namespace CryptoSentiment.Tests.Dashboard;

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}

/// <summary>
/// A warehouse built from a small generated demo stream (4 days), the built CLI's <c>serve</c> running on it as a child
/// process on a free loopback port, and Debian's headless Chromium driven by Playwright. Shared by the dashboard tests.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly TempLake _lake = new();
    private Process? _serve;
    private readonly StringBuilder _serveOutput = new();

    internal TempLake Lake => _lake;
    public string WarehousePath => _lake.WarehouseFile;
    public Uri Url { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the tests put screenshots: <c>artifacts/</c> beside the test assembly.</summary>
    public static string ArtifactsDir => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    public async Task InitializeAsync()
    {
        await BuildWarehouseAsync();
        Url = await StartServeAsync();
        Http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };

        Assert.True(File.Exists(ChromiumPath),
            $"{ChromiumPath} is missing: `make test` installs it (apt-get install -y chromium); run that or install it by hand.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
    }

    /// <summary>Generated stream → bronze → silver → gold → warehouse, in process.</summary>
    private async Task BuildWarehouseAsync()
    {
        var stream = new SampleStreamGenerator(17, PipelineTestKit.Start).Generate(900, 96);
        using var p = PipelineTestKit.Open(_lake, PipelineTestKit.IngestTime(stream));
        await PipelineTestKit.IngestAllAsync(p, stream.ToBatches(EventStream.News, 300, 2).Concat(stream.ToBatches(EventStream.Prices, 1000, 2)));
        await p.RefreshGoldAsync();
        await p.LoadWarehouseAsync();
    }

    /// <summary>Starts <c>crypto-sentiment serve --port 0</c> and reads the address it prints.</summary>
    private async Task<Uri> StartServeAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "crypto-sentiment.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _lake.Root,
        };
        foreach (var a in new[] { dll, "serve", "--warehouse", WarehousePath, "--port", "0" }) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "LAKE_URI", "WAREHOUSE", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS" }) psi.Environment.Remove(v);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["LAKE_URI"] = _lake.LakeDir;   // the lake the API and the event lag read (no --lake: nothing is re-loaded)
        _serve = Process.Start(psi)!;
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _serve.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_serveOutput) _serveOutput.AppendLine(e.Data);
            if (e.Data.StartsWith("Dashboard: ", StringComparison.Ordinal))
                url.TrySetResult(new Uri(e.Data["Dashboard: ".Length..].Split(' ', 2)[0]));
        };
        _serve.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_serveOutput) _serveOutput.AppendLine(e.Data); };
        _serve.BeginOutputReadLine();
        _serve.BeginErrorReadLine();
        var exited = _serve.WaitForExitAsync();
        var first = await Task.WhenAny(url.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(first == url.Task, "serve did not print its address:\n" + ServeOutput);
        return await url.Task;
    }

    public string ServeOutput { get { lock (_serveOutput) return _serveOutput.ToString(); } }

    /// <summary>A read-only connection to the same warehouse the server reads, for the expected values.</summary>
    public DuckDbConnection OpenWarehouse() => WarehouseFile.OpenReadOnly(WarehousePath);

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Playwright?.Dispose();
        Http?.Dispose();
        if (_serve is { HasExited: false })
        {
            _serve.Kill(entireProcessTree: true);
            await _serve.WaitForExitAsync();
        }
        _serve?.Dispose();
        _lake.Dispose();
    }
}
