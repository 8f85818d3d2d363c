using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.Dashboard;

/// <summary>The page in Debian's headless Chromium (Playwright), against the running <c>serve</c>.</summary>
[Collection(DashboardCollection.Name)]
public class DashboardBrowserTests(DashboardFixture f, ITestOutputHelper output)
{
    /// <summary>A fresh page that records console errors, page errors and failed requests; offline except for the server.</summary>
    private async Task<(IPage Page, List<string> Problems, IBrowserContext Context)> OpenAsync(string query = "")
    {
        var context = await f.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            DeviceScaleFactor = 1,
        });
        var problems = new List<string>();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        page.Console += (_, m) => { if (m.Type == "error") lock (problems) problems.Add("console: " + m.Text); };
        page.PageError += (_, e) => { lock (problems) problems.Add("page error: " + e); };
        page.RequestFailed += (_, r) => { lock (problems) problems.Add($"request failed: {r.Url} {r.Failure}"); };
        // Anything not served by the dashboard itself (a CDN, fonts, …) is a failure: the page must work offline.
        await page.RouteAsync(url => !url.StartsWith(f.Url.ToString(), StringComparison.Ordinal), async route =>
        {
            lock (problems) problems.Add("external request: " + route.Request.Url);
            await route.AbortAsync();
        });
        await page.GotoAsync(new Uri(f.Url, query).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await WaitForRendersAsync(page, 1);
        return (page, problems, context);
    }

    private static Task WaitForRendersAsync(IPage page, int n) =>
        page.WaitForFunctionAsync($"() => window.dashboard && window.dashboard.renders >= {n}");

    private static async Task<long> NumberAsync(IPage page, string selector) =>
        long.Parse((await page.TextContentAsync(selector))!.Replace(",", ""), CultureInfo.InvariantCulture);

    /// <summary>Per chart: data points (non-null values) and whether the canvas has painted pixels.</summary>
    private static async Task<Dictionary<string, (int Points, bool Painted)>> ChartsAsync(IPage page)
    {
        var text = await page.EvaluateAsync<string>("""
            () => JSON.stringify(Object.fromEntries(Object.entries(window.dashboard.charts).map(([name, chart]) => {
              const points = chart.data.datasets.reduce((n, d) => n + d.data.filter(v => v != null && (typeof v !== 'object' || v.y != null)).length, 0);
              const canvas = chart.canvas;
              const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let painted = 0;
              for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
              return [name, { points, painted: painted > 500 && canvas.width > 100 && canvas.height > 100 }];
            })))
            """);
        using var json = JsonDocument.Parse(text);
        return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (p.Value.GetProperty("points").GetInt32(), p.Value.GetProperty("painted").GetBoolean()));
    }

    [Fact]
    public async Task PageLoadsOfflineWithChartsTopCoinAndWorkingFilters()
    {
        var (page, problems, context) = await OpenAsync();
        await using var _ = context;

        // Every chart is there, has data points and painted pixels.
        var charts = await ChartsAsync(page);
        Assert.Equal(["alerts", "distribution", "drift", "indicators", "lag", "price", "rsi", "scorerMix", "trend", "volatility", "volatilityAvg"], charts.Keys.Order());
        Assert.All(charts, kv => Assert.True(kv.Value.Points > 0 && kv.Value.Painted, $"chart {kv.Key}: {kv.Value}"));
        // Sentiment vs price: the RSI panel (rsi_14h of the focused coin, 0–100 with the 30/70 bands) and price with SMA/EMA.
        Assert.True(await page.IsVisibleAsync("#rsi-panel canvas#chart-rsi"));
        Assert.True(await page.IsVisibleAsync("#indicators-panel canvas#chart-indicators"));
        Assert.True(await page.EvaluateAsync<int>("() => window.dashboard.charts.rsi.data.datasets[0].data.filter(p => p.y != null).length") > 0,
            "the focused coin has RSI values");
        Assert.True(await page.EvaluateAsync<bool>("() => window.dashboard.charts.rsi.data.datasets[0].data.every(p => p.y == null || (p.y >= 0 && p.y <= 100))"));
        Assert.Equal(["close_usd", "sma_24h", "ema_24h"], await page.EvaluateAsync<string[]>("() => window.dashboard.charts.indicators.data.datasets.map(d => d.label)"));
        Assert.True(await page.EvaluateAsync<bool>("() => typeof Chart === 'function' && !!Chart.getChart(document.getElementById('chart-trend'))"));

        // The top-coin card shows the warehouse's latest TOP_COIN_DAILY row; the KPIs add up to COIN_DAILY.
        string topCoin, topDay, lastDay;
        long totalMentions, mentionsBtc, mentionsBtcLastDay;
        using (var c = f.OpenWarehouse())
        {
            using (var r = c.Query("SELECT coin, day, mentions FROM TOP_COIN_DAILY ORDER BY day DESC LIMIT 1"))
            {
                Assert.True(r.Read());
                (topCoin, topDay) = (r.GetString(0), r.GetDate(1).ToString("yyyy-MM-dd"));
            }
            lastDay = c.Scalar<DateOnly>("SELECT max(day) FROM COIN_DAILY").ToString("yyyy-MM-dd");
            totalMentions = c.Scalar<long>("SELECT sum(mentions) FROM COIN_DAILY");
            mentionsBtc = c.Scalar<long>("SELECT sum(mentions) FROM COIN_DAILY WHERE coin = 'BTC'");
            mentionsBtcLastDay = c.Scalar<long>("SELECT sum(mentions) FROM COIN_DAILY WHERE coin = 'BTC' AND day = $1", DateOnly.Parse(lastDay));
        }
        Assert.Equal(topCoin, await page.TextContentAsync("#top-coin-name"));
        Assert.Contains(topDay, await page.TextContentAsync("#top-coin-day"));
        Assert.Equal(totalMentions, await NumberAsync(page, "#kpi-mentions"));
        Assert.Equal(50, await page.Locator("#headlines tbody tr").CountAsync());
        Assert.True(await page.Locator("#divergence tbody tr").CountAsync() > 1);

        var screenshot = Path.Combine(DashboardFixture.ArtifactsDir, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 20_000);
        output.WriteLine("screenshot: " + screenshot);
        Console.WriteLine("dashboard screenshot: " + screenshot);

        // Coin filter: BTC only → the numbers are BTC's.
        await page.ClickAsync("#coin-chips button[data-coin='BTC']");
        await WaitForRendersAsync(page, 2);
        Assert.Equal("true", await page.GetAttributeAsync("#coin-chips button[data-coin='BTC']", "aria-pressed"));
        Assert.Equal(mentionsBtc, await NumberAsync(page, "#kpi-mentions"));
        Assert.NotEqual(totalMentions, mentionsBtc);
        Assert.Equal(["BTC"], (await page.Locator("#headlines tbody td.coin-tag").AllTextContentsAsync()).Distinct());
        Assert.Equal("BTC", await page.InputValueAsync("#focus-coin"));
        Assert.Contains("coins=BTC", page.Url);

        // Date range: the last day only → BTC's mentions on that day.
        await page.FillAsync("#filter-from", lastDay);
        await page.DispatchEventAsync("#filter-from", "change");
        await WaitForRendersAsync(page, 3);
        Assert.Equal(mentionsBtcLastDay, await NumberAsync(page, "#kpi-mentions"));
        Assert.Equal(1, await NumberAsync(page, "#kpi-days"));
        Assert.Equal(lastDay, await page.InputValueAsync("#filter-from"));

        // Back to every coin and day.
        await page.ClickAsync("#coin-chips button[data-coin='']");
        await WaitForRendersAsync(page, 4);
        await page.ClickAsync("#range-all");
        await WaitForRendersAsync(page, 5);
        Assert.Equal(totalMentions, await NumberAsync(page, "#kpi-mentions"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardFixture.ArtifactsDir, "dashboard-viewport.png") });

        Assert.True(await page.IsHiddenAsync("#error"), await page.TextContentAsync("#error"));
        Assert.Empty(problems);
    }

    [Fact]
    public async Task AlertsAndHealthPageShowsTheWarehouseAlertsAndScorerDrift()
    {
        var (page, problems, context) = await OpenAsync("#health");
        await using var _ = context;
        long alerts, critical, drifted, scorerDays;
        string newestId;
        using (var c = f.OpenWarehouse())
        {
            alerts = c.Scalar<long>("SELECT count(*) FROM ALERTS");
            critical = c.Scalar<long>("SELECT count(*) FROM ALERTS WHERE severity = 'critical'");
            drifted = c.Scalar<long>("SELECT count(DISTINCT day) FROM SCORER_DAILY WHERE drifted");
            scorerDays = c.Scalar<long>("SELECT count(DISTINCT day) FROM SCORER_DAILY");
            newestId = c.Scalar<string>("SELECT alert_id FROM ALERTS ORDER BY hour DESC, kind, coin NULLS FIRST LIMIT 1")!;
        }
        Assert.True(alerts > 0, "the fixture's stream raises alerts (divergence runs)");
        Assert.True(await page.IsVisibleAsync("#health #alerts"));
        Assert.Equal(alerts, await NumberAsync(page, "#kpi-alerts"));
        Assert.Equal(critical, await NumberAsync(page, "#kpi-critical"));
        Assert.Equal(drifted, await NumberAsync(page, "#kpi-drifted"));
        Assert.Equal(Math.Min(alerts, 100), await page.Locator("#alerts tbody tr").CountAsync());
        Assert.Equal(newestId, await page.EvaluateAsync<string>("() => window.dashboard.data.health.alerts[0].alert_id"));
        // scorer mix: one stacked bar per day, shares summing to 1; the drift chart plots a PSI from the second day on
        Assert.Equal(scorerDays, await page.EvaluateAsync<int>("() => window.dashboard.charts.scorerMix.data.labels.length"));
        Assert.True(await page.EvaluateAsync<bool>("""
            () => { const d = window.dashboard.charts.scorerMix.data.datasets;
                    return d[0].data.every((v, i) => Math.abs(v + d[1].data[i] + d[2].data[i] - 1) < 1e-9); }
            """));
        Assert.Equal(scorerDays - 1, await page.EvaluateAsync<int>("() => window.dashboard.charts.drift.data.datasets[0].data.filter(v => v != null).length"));

        // event lag from the lake's bronze: news and prices, p95 and p50 lines, every bronze event counted in the window
        var lagEvents = await page.EvaluateAsync<long>("() => window.dashboard.data.health.lag.reduce((n, r) => n + r.events, 0)");
        Assert.True(lagEvents > 0, "no event lag rows");
        Assert.Equal(lagEvents, await NumberAsync(page, "#lag-events"));
        Assert.Equal(["news p95", "news p50", "prices p95", "prices p50"],
            await page.EvaluateAsync<string[]>("() => window.dashboard.charts.lag.data.datasets.map(d => d.label)"));
        Assert.EndsWith(" s", await page.TextContentAsync("#lag-p95"));

        var shot = Path.Combine(DashboardFixture.ArtifactsDir, "alerts-health.png");
        // the section in page coordinates (scrolled to the top, so the sticky filter bar does not cover it)
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        var box = (await page.Locator("#health").BoundingBoxAsync())!;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true, Clip = new Clip { X = box.X, Y = box.Y, Width = box.Width, Height = box.Height } });
        Assert.True(new FileInfo(shot).Length > 20_000);
        output.WriteLine("screenshot: " + shot);

        // the coin filter keeps scorer_drift (no coin) and only the chosen coin's alerts
        await page.ClickAsync("#coin-chips button[data-coin='BTC']");
        await WaitForRendersAsync(page, 2);
        Assert.All(await page.Locator("#alerts tbody td.coin-tag").AllTextContentsAsync(), coin => Assert.Contains(coin, new[] { "BTC", "—" }));
        Assert.True(await page.IsHiddenAsync("#error"), await page.TextContentAsync("#error"));
        Assert.Empty(problems);
    }

    [Fact]
    public async Task FiltersInTheAddressAreApplied()
    {
        var (page, problems, context) = await OpenAsync("?coins=ETH,SOL");
        await using var _ = context;
        long expected;
        using (var c = f.OpenWarehouse()) expected = c.Scalar<long>("SELECT sum(mentions) FROM COIN_DAILY WHERE coin IN ('ETH', 'SOL')");
        Assert.Equal(expected, await NumberAsync(page, "#kpi-mentions"));
        var legend = await page.EvaluateAsync<string[]>("() => window.dashboard.charts.trend.data.datasets.map(d => d.label).sort()");
        Assert.Equal(["ETH", "SOL"], legend);
        Assert.Empty(problems);
    }
}
