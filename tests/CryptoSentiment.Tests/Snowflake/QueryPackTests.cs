using System.Diagnostics;
using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Snowflake;
using static CryptoSentiment.Tests.Snowflake.SnowflakeTestKit;

namespace CryptoSentiment.Tests.Snowflake;

/// <summary>The analyst query pack on demo data — on the DuckDB warehouse and through the SQL API on the Snowflake-typed
/// tables — and <c>crypto-sentiment load</c> end to end (DuckDB twice; Snowflake via SNOWFLAKE_URL).</summary>
public class QueryPackTests(SnowflakeDemo demo) : IClassFixture<SnowflakeDemo>
{
    private static readonly string[] Queries =
        ["01_top_coins_week.sql", "02_divergence_alerts.sql", "03_sentiment_by_source.sql", "04_volatility_leaders.sql", "05_headline_movers.sql", "06_latest_alerts.sql"];

    private static (List<string> Columns, List<object?[]> Rows) Run(DuckDbConnection c, string sql)
    {
        using var r = c.Query(sql);
        var cols = Enumerable.Range(0, r.ColumnCount).Select(r.ColumnName).ToList();
        var rows = new List<object?[]>();
        while (r.Read()) rows.Add(Enumerable.Range(0, r.ColumnCount).Select(r.GetValue).ToArray());
        return (cols, rows);
    }

    private static double D(object? v) => v is Int128 i ? (double)i : Convert.ToDouble(v, CultureInfo.InvariantCulture);

    [Fact]
    public async Task EveryQueryAnswersItsQuestionOnDemoDataOnDuckDbAndThroughTheSqlApi()
    {
        var results = new Dictionary<string, (List<string> Columns, List<object?[]> Rows)>();
        using (var c = DuckDbConnection.Open(demo.Temp.WarehouseFile, new Dictionary<string, string> { ["access_mode"] = "READ_ONLY" }))
            foreach (var q in Queries)
            {
                var sql = File.ReadAllText(InfraFile(Path.Combine("queries", q)));
                Assert.StartsWith("-- Answers: ", sql);
                results[q] = Run(c, sql);
                Assert.True(results[q].Rows.Count > 0, q + " returned no rows on demo data");
            }

        var top = results["01_top_coins_week.sql"];
        Assert.All(top.Rows, r => Assert.NotEqual("MARKET", r[0]));
        Assert.All(top.Rows, r => Assert.InRange(D(r[1]), -1, 1));
        Assert.All(top.Rows, r => Assert.True(D(r[2]) >= 3));
        Assert.Equal(top.Rows.Select(r => D(r[1])).OrderDescending(), top.Rows.Select(r => D(r[1])));

        var alerts = results["02_divergence_alerts.sql"];
        Assert.All(alerts.Rows, r => Assert.Contains((string)r[2]!, new[] { "bullish news, falling price", "bearish news, rising price" }));
        Assert.All(alerts.Rows, r => Assert.True(D(r[3]) >= 0.2 ? D(r[4]) <= -2 : D(r[3]) <= -0.2 && D(r[4]) >= 2, string.Join(",", r)));

        var latest = results["06_latest_alerts.sql"];
        Assert.All(latest.Rows, r => Assert.Contains((string)r[1]!, new[] { "sentiment_shift", "volume_spike", "divergence", "scorer_drift" }));
        var severityRank = latest.Rows.Select(r => (string)r[3]! switch { "critical" => 0, "warning" => 1, _ => 2 }).ToList();
        Assert.Equal(severityRank.Order(), severityRank); // critical first

        var sources = results["03_sentiment_by_source.sql"];
        Assert.True(sources.Rows.Count >= 2);
        Assert.All(sources.Rows, r => Assert.InRange(D(r[3]) + D(r[4]) + D(r[5]), 99.8, 100.2));
        Assert.All(sources.Rows, r => Assert.InRange(D(r[6]), 0, 1));

        var vol = results["04_volatility_leaders.sql"];
        Assert.All(vol.Rows, r => Assert.True(D(r[1]) >= 0 && D(r[2]) >= D(r[1])));
        Assert.Equal(vol.Rows.Select(r => D(r[1])).OrderDescending(), vol.Rows.Select(r => D(r[1])));

        var movers = results["05_headline_movers.sql"];
        Assert.Equal(20, movers.Rows.Count);
        Assert.True(Math.Abs(D(movers.Rows[0][7])) > 0.1);
        Assert.Equal(movers.Rows.Select(r => Math.Abs(D(r[7]))).OrderDescending(), movers.Rows.Select(r => Math.Abs(D(r[7]))));

        // The same text through the SQL API, on the Snowflake-typed tables (NUMBER with scale, TIMESTAMP_TZ).
        await using var server = await demo.ServerAsync();
        await demo.LoadAsync(server);
        using var client = new SnowflakeSqlClient(demo.Options(server));
        foreach (var q in Queries)
        {
            var r = await client.ExecuteAsync(new SnowflakeStatement(File.ReadAllText(InfraFile(Path.Combine("queries", q))), Label: q));
            Assert.Equal(results[q].Columns, r.Columns.Select(c => c.Name));
            Assert.Equal(results[q].Rows.Count, r.Rows.Count);
        }
        var viaApi = await client.ExecuteAsync(new SnowflakeStatement(File.ReadAllText(InfraFile("queries/03_sentiment_by_source.sql"))));
        Assert.Equal(sources.Rows.Select(r => (string)r[0]!), viaApi.Rows.Select(r => r[0]!));
        // The dashboard views exist on both sides.
        var views = SnowflakeWarehouseViews();
        await client.ExecuteAsync(new SnowflakeStatement(string.Join(";\n", views), StatementCount: views.Count, Label: "03_views.sql"));
        foreach (var v in new[] { "LATEST_HEADLINES", "COIN_LATEST", "DIVERGENCE_ALERTS", "DAILY_LEADERS" })
        {
            using var c = DuckDbConnection.Open(demo.Temp.WarehouseFile, new Dictionary<string, string> { ["access_mode"] = "READ_ONLY" });
            var n = c.Scalar<long>($"SELECT count(*) FROM {v}");
            Assert.True(n > 0, v + " is empty");
            Assert.Equal(n.ToString(CultureInfo.InvariantCulture), (await client.ExecuteAsync(new SnowflakeStatement($"SELECT COUNT(*) FROM {v}"))).Rows[0][0]);
        }
    }

    private static List<string> SnowflakeWarehouseViews() =>
        CryptoSentiment.Pipeline.Warehouse.SnowflakeWarehouse.SplitStatements(File.ReadAllText(InfraFile("03_views.sql")));

    private static async Task<(int Exit, string Stdout, string Stderr)> CliAsync(string workDir, IDictionary<string, string> env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "crypto-sentiment.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("SNOWFLAKE_") || k is "WAREHOUSE" or "LAKE_URI").ToList()) psi.Environment.Remove(k);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await o, await e);
    }

    [Fact]
    public async Task LoadCommandIsIdempotentOnDuckDbAndSendsSignedRequestsToSnowflakeUrl()
    {
        var file = Path.Combine(demo.Temp.Root, "cli-warehouse.duckdb");
        var none = new Dictionary<string, string>();
        var a = await CliAsync(demo.Temp.Root, none, "load", "--target", "duckdb", "--lake", demo.Temp.LakeDir, "--warehouse", file);
        Assert.True(a.Exit == 0, a.Stdout + a.Stderr);
        Dictionary<string, List<string>> first;
        using (var c = DuckDbConnection.Open(file)) first = Snapshot(c);
        var b = await CliAsync(demo.Temp.Root, none, "load", "--lake", demo.Temp.LakeDir, "--warehouse", file);
        Assert.True(b.Exit == 0, b.Stdout + b.Stderr);
        using (var c = DuckDbConnection.Open(file)) AssertSameSnapshot(first, Snapshot(c));

        await using var server = await demo.ServerAsync();
        server.Inject(new Fault(FaultKind.Status, Status: 429), r => r.Method == "POST");
        server.Inject(new Fault(FaultKind.DropAfter), r => r.Method == "POST" && r.Statement!.Contains("MERGE INTO"));
        var env = new Dictionary<string, string>
        {
            ["WAREHOUSE"] = "snowflake", ["SNOWFLAKE_URL"] = server.BaseUrl.ToString(), ["SNOWFLAKE_ACCOUNT"] = SnowflakeDemo.Account,
            ["SNOWFLAKE_USER"] = SnowflakeDemo.User, ["SNOWFLAKE_PRIVATE_KEY"] = demo.Pem, ["SNOWFLAKE_ROLE"] = "CRYPTO_SENTIMENT_LOADER",
            ["SNOWFLAKE_WAREHOUSE"] = "CRYPTO_SENTIMENT_WH", ["SNOWFLAKE_DATABASE"] = "CRYPTO_SENTIMENT", ["SNOWFLAKE_SCHEMA"] = "GOLD",
        };
        var s = await CliAsync(demo.Temp.Root, env, "load", "--lake", demo.Temp.LakeDir);
        Assert.True(s.Exit == 0, s.Stdout + s.Stderr);
        Assert.Contains("COIN_HOURLY", s.Stdout);
        Assert.Contains("retry", s.Stderr);
        Assert.DoesNotContain(demo.Pem.Split('\n')[1], s.Stdout + s.Stderr);
        Assert.Equal(0, server.PendingFaults);
        Assert.NotEmpty(server.TokensSeen);
        AssertMatchesDuckDbWarehouse(server.Db, file);
        var again = await CliAsync(demo.Temp.Root, env, "load", "--target", "snowflake", "--lake", demo.Temp.LakeDir);
        Assert.True(again.Exit == 0, again.Stdout + again.Stderr);
        AssertMatchesDuckDbWarehouse(server.Db, file);

        var missing = await CliAsync(demo.Temp.Root, new Dictionary<string, string> { ["WAREHOUSE"] = "snowflake" }, "load", "--lake", demo.Temp.LakeDir);
        Assert.NotEqual(0, missing.Exit);
        Assert.Contains("SNOWFLAKE_ACCOUNT", missing.Stdout + missing.Stderr);
    }
}
