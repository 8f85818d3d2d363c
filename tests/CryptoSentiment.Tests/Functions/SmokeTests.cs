using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Functions;

/// <summary>
/// The PUBLISHED handler (what <c>make publish</c> puts in dist/functionapp and azd ships), started as the Functions host
/// starts it — executable, FUNCTIONS_CUSTOMHANDLER_PORT, app settings as environment — and driven with recorded payloads
/// for every function. Uses dist/ when it is newer than the sources, else publishes to .local/smoke first.
/// </summary>
public class SmokeTests
{
    private static readonly string[] Functions = ["GoldRefresh", "NewsIngest", "NewsPoll", "PricePoll", "PricesIngest", "Reenrich"];
    private static readonly string[] HttpFunctions = CryptoSentiment.Functions.Host.HttpApi.Functions.Select(f => f.Name).ToArray();

    [Fact]
    public async Task Published_handler_serves_every_function_and_redelivery_adds_nothing()
    {
        var app = PublishedApp.Ensure();
        CheckPackage(app);

        await using var feeds = await LoopbackServer.StartAsync(new()
        {
            ["/rss"] = Canned.File("application/rss+xml", "rss.xml"),
            ["/atom"] = Canned.File("application/atom+xml", "atom.xml"),
            ["/prices"] = Canned.File("application/json", "coingecko.json"),
        });
        var states = new List<LakeState>();
        foreach (var shape in new[] { "string", "array" })
        {
            using var t = new TempLake();
            await using var handler = await HandlerProcess.StartAsync(Path.Combine(app, "CryptoSentiment.Functions"), new()
            {
                ["LAKE_URI"] = t.LakeDir,
                ["WAREHOUSE"] = "duckdb:" + t.WarehouseFile,
                ["NEWS_FEEDS"] = feeds.Url("/rss") + "," + feeds.Url("/atom"),
                ["PRICE_API_URL"] = feeds.Url("/prices"),
            });
            var news = await handler.PostAsync("NewsIngest", TestFiles.ReadPayload($"NewsIngest.{shape}.json"));
            Assert.True(news.Status == 200, news + handler.Output);
            Assert.Equal(3, news.Int("accepted"));
            Assert.Equal(2, news.Int("quarantined"));
            var prices = await handler.PostAsync("PricesIngest", TestFiles.ReadPayload($"PricesIngest.{shape}.json"));
            Assert.True(prices.Status == 200, prices + handler.Output);
            Assert.Equal(2, prices.Int("accepted"));
            var gold = await handler.PostAsync("GoldRefresh", TestFiles.ReadPayload("Timer.json"));
            Assert.True(gold.Status == 200, gold + handler.Output);
            var newsPoll = await handler.PostAsync("NewsPoll", TestFiles.ReadPayload("Timer.json"));
            Assert.True(newsPoll.Status == 200, newsPoll + handler.Output);
            Assert.Equal(5, newsPoll.Output("news").Count);
            var pricePoll = await handler.PostAsync("PricePoll", TestFiles.ReadPayload("Timer.json"));
            Assert.Equal(7, pricePoll.Output("prices").Count);
            var reenrich = await handler.PostAsync("Reenrich", TestFiles.ReadPayload("Timer.json"));
            Assert.True(reenrich.Status == 200, reenrich + handler.Output);
            // The HTTP API through the published handler (an httpTrigger payload; the answer in Outputs.res).
            var coins = await handler.PostAsync("ApiCoins", CryptoSentiment.Tests.Api.ApiHostsTests.HostPayload("/api/v1/coins"));
            Assert.True(coins.Status == 200, coins + handler.Output);
            var res = coins.Body.GetProperty("Outputs").GetProperty("res");
            Assert.Equal(200, res.GetProperty("statusCode").GetInt32());
            Assert.StartsWith("[{\"coin\":", res.GetProperty("body").GetString());
            Assert.Contains(reenrich.Logs, l => l.Contains("skipped") && l.Contains("offline")); // the offline scorer has nothing to redo

            using var lake = new Lakehouse(new LocalLakeStore(t.LakeDir));
            var first = await PipelineTestKit.StateAsync(lake);
            Assert.Equal(6, first.Rows["bronze/news"]);
            Assert.Equal(4, first.Rows["bronze/prices"]);
            Assert.Equal(2, first.Rows["silver/prices"]);
            Assert.Equal(4, first.Rows["silver/quarantine"]);
            Assert.Equal(3, await PipelineTestKit.CountAsync(lake, "SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
            Assert.True(first.Rows["gold/coin_daily"] > 0);
            Assert.True(File.Exists(t.WarehouseFile));

            // Every function again with the same payloads (the host's at-least-once delivery): the lake does not move.
            foreach (var fn in Functions)
            {
                var again = await handler.PostAsync(fn, TestFiles.ReadPayload(fn.EndsWith("Ingest") ? $"{fn}.{shape}.json" : "Timer.json"));
                Assert.True(again.Status == 200, again + handler.Output);
                if (fn.EndsWith("Ingest")) Assert.Equal(0, again.Int("bronze"));
                if (fn.EndsWith("Poll")) Assert.Equal(0, again.Int("events"));
            }
            var second = await PipelineTestKit.StateAsync(lake);
            Assert.Equal(first.Rows, second.Rows);
            Assert.Equal(first.Versions, second.Versions);
            await PipelineTestKit.AssertVerifiesAsync(lake);
            states.Add(second);
            Assert.Contains("listening on http://127.0.0.1:", handler.Output);
        }
        Assert.Equal(states[0].Rows, states[1].Rows);
    }

    /// <summary>The folder and zip hold the handler (executable), host.json, every function.json and libduckdb.so.</summary>
    private static void CheckPackage(string app)
    {
        var exe = Path.Combine(app, "CryptoSentiment.Functions");
        Assert.True(File.Exists(exe), exe + " is missing");
        Assert.True(OperatingSystem.IsLinux() && (File.GetUnixFileMode(exe) & UnixFileMode.UserExecute) != 0, exe + " is not executable (linux-x64)");
        foreach (var f in Functions.Concat(HttpFunctions)) Assert.True(File.Exists(Path.Combine(app, f, "function.json")), $"{f}/function.json is missing");
        Assert.True(File.Exists(Path.Combine(app, "host.json")));
        Assert.True(File.Exists(Path.Combine(app, "libduckdb.so")));
        Assert.True(File.Exists(Path.Combine(app, "libcoreclr.so")), "the publish is not self-contained");
        using var zip = ZipFile.OpenRead(app + ".zip");
        var entries = zip.Entries.ToDictionary(e => e.FullName);
        Assert.Equal(Directory.GetFiles(app, "*", SearchOption.AllDirectories).Length, entries.Count);
        foreach (var name in Functions.Concat(HttpFunctions).Select(f => f + "/function.json").Append("host.json").Append("libduckdb.so"))
            Assert.True(entries.ContainsKey(name), name + " is not in the zip");
        Assert.Equal(Convert.ToInt32("755", 8), (entries["CryptoSentiment.Functions"].ExternalAttributes >> 16) & Convert.ToInt32("777", 8));
        Assert.Equal(Convert.ToInt32("644", 8), (entries["host.json"].ExternalAttributes >> 16) & Convert.ToInt32("777", 8));
    }
}

/// <summary>Finds or makes the published Functions app folder.</summary>
internal static class PublishedApp
{
    private static readonly object Gate = new();

    public static string Ensure()
    {
        lock (Gate)
        {
            var repo = RepoRoot();
            var newest = NewestInput(repo);
            foreach (var candidate in new[] { Path.Combine(repo, "dist", "functionapp"), Path.Combine(repo, ".local", "smoke", "functionapp") })
                if (File.Exists(candidate + ".zip") && File.GetLastWriteTimeUtc(candidate + ".zip") >= newest) return candidate;
            var target = Path.Combine(repo, ".local", "smoke", "functionapp");
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = repo };
            psi.ArgumentList.Add(Path.Combine(repo, "functions", "CryptoSentiment.Functions", "build", "publish.sh"));
            psi.ArgumentList.Add(target);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"publish failed (exit {p.ExitCode}):\n{stdout}\n{stderr.Result}");
            return target;
        }
    }

    public static string RepoRoot() => TestPaths.RepoRoot;

    /// <summary>The newest source the package is built from (handler, core, host.json, build props).</summary>
    private static DateTime NewestInput(string repo)
    {
        var files = new[] { "functions/CryptoSentiment.Functions", "functions/CryptoSentiment.Core" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(repo, d), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/"))
            .Concat(new[] { "host.json", "Directory.Build.props", "Directory.Packages.props" }.Select(f => Path.Combine(repo, f)));
        return files.Max(File.GetLastWriteTimeUtc);
    }
}

/// <summary>The published executable run as the Functions host runs it, on a free port; stopped on dispose.</summary>
internal sealed class HandlerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;

    private HandlerProcess(Process process, HttpClient http) { _process = process; _http = http; }

    public string Output { get { lock (_output) return "\n--- handler output\n" + _output; } }

    public static async Task<HandlerProcess> StartAsync(string exe, Dictionary<string, string> settings)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; }
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(exe)! };
        foreach (var v in new[] { "LAKE_URI", "LAKE_AUTH", "WAREHOUSE", "SENTIMENT_SCORER", "AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL", "COINS_FILE", "NEWS_FEEDS", "PRICE_API_URL" })
            psi.Environment.Remove(v);
        foreach (var (k, v) in settings) psi.Environment[k] = v;
        psi.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(psi)!;
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        var h = new HandlerProcess(process, http);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (h._output) h._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (h._output) h._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60); // the host's own limit for a handler to start
        while (true)
        {
            Assert.False(process.HasExited, $"the handler exited with {(process.HasExited ? process.ExitCode : 0)}{h.Output}");
            try
            {
                using var ready = await http.GetAsync("/");
                if (ready.IsSuccessStatusCode) return h;
            }
            catch (HttpRequestException) { }
            Assert.True(DateTime.UtcNow < deadline, "the handler did not answer GET / within 60 s" + h.Output);
            await Task.Delay(50);
        }
    }

    public Task<Invocation> PostAsync(string function, string json) => Invocation.PostAsync(_http, function, json);

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL, as when an instance dies: no shutdown, requests in flight get no answer.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill();
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
