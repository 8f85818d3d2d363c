using System.Security.Cryptography;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Snowflake;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Snowflake;

/// <summary>A demo lake (seeded sample stream through the pipeline, gold refreshed, DuckDB warehouse loaded), built once per test class.</summary>
public sealed class SnowflakeDemo : IAsyncLifetime
{
    internal TempLake Temp { get; } = new();
    internal CryptoPipeline Pipeline { get; private set; } = null!;
    public const string Account = "myorg-acct1";
    public const string User = "loader_svc";
    /// <summary>A test key generated at test time (never stored).</summary>
    public RSA Key { get; } = RSA.Create(2048);
    public string Pem => Key.ExportPkcs8PrivateKeyPem();

    public async Task InitializeAsync()
    {
        var stream = new SampleStreamGenerator(5, PipelineTestKit.Start).Generate(1200, 96);
        Pipeline = PipelineTestKit.Open(Temp, PipelineTestKit.IngestTime(stream));
        await PipelineTestKit.IngestAllAsync(Pipeline,
            stream.ToBatches(EventStream.News, 200, 2).Concat(stream.ToBatches(EventStream.Prices, 500, 2)));
        await Pipeline.RefreshGoldAsync();
        await Pipeline.LoadWarehouseAsync();
    }

    public Task DisposeAsync()
    {
        Pipeline.Dispose();
        Key.Dispose();
        Temp.Dispose();
        return Task.CompletedTask;
    }

    internal async Task<SqlApiServer> ServerAsync()
    {
        var pub = RSA.Create();
        pub.ImportSubjectPublicKeyInfo(Key.ExportSubjectPublicKeyInfo(), out _);
        return await SqlApiServer.StartAsync(pub, Account, User);
    }

    internal SnowflakeOptions Options(SqlApiServer server, int batchRows = 150) => new()
    {
        Account = Account, User = User, PrivateKeyPem = new SecretText(Pem), BaseUrl = server.BaseUrl,
        Role = "CRYPTO_SENTIMENT_LOADER", Warehouse = "CRYPTO_SENTIMENT_WH", Database = "CRYPTO_SENTIMENT", Schema = "GOLD",
        RequestTimeout = TimeSpan.FromSeconds(2), RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        PollInterval = TimeSpan.FromMilliseconds(5), PollMaxInterval = TimeSpan.FromMilliseconds(20), MaxRowsPerRequest = batchRows,
    };

    internal async Task<LoadOutcome> LoadAsync(SqlApiServer server, List<string>? log = null, int batchRows = 150)
    {
        using var client = new SnowflakeSqlClient(Options(server, batchRows), log: line => { lock (this) log?.Add(line); });
        using var wh = new SnowflakeWarehouse(client, log: line => { lock (this) log?.Add(line); });
        return await wh.LoadAsync(Pipeline.Lake);
    }
}

internal static class SnowflakeTestKit
{
    /// <summary>Every row of every warehouse table, sorted, as text: equal snapshots = identical tables.</summary>
    public static Dictionary<string, List<string>> Snapshot(DuckDbConnection c)
    {
        var d = new Dictionary<string, List<string>>();
        foreach (var t in WarehouseTable.All)
        {
            var rows = new List<string>();
            using var r = c.Query($"SELECT * FROM {t.Name} ORDER BY ALL");
            while (r.Read())
                rows.Add(string.Join('|', Enumerable.Range(0, r.ColumnCount).Select(i => Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            d[t.Name] = rows;
        }
        return d;
    }

    public static void AssertSameSnapshot(Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual)
    {
        foreach (var (table, rows) in expected)
        {
            Assert.True(rows.Count > 0, $"{table}: empty");
            Assert.Equal(rows.Count, actual[table].Count);
            Assert.Equal(rows, actual[table]);
        }
    }

    public static long StagedRows(DuckDbConnection c) =>
        WarehouseTable.All.Sum(t => c.Scalar<long>($"SELECT count(*) FROM {t.StageTable}"));

    /// <summary>
    /// Asserts the Snowflake-typed tables (server) equal the DuckDB warehouse file row for row: keys exactly,
    /// numbers within the Snowflake column scale (NUMBER(9,4) percentages, NUMBER(9,6) scores), the rest exactly.
    /// </summary>
    public static void AssertMatchesDuckDbWarehouse(DuckDbConnection server, string warehouseFile)
    {
        server.Execute($"ATTACH {DuckDbConnection.QuoteLiteral(warehouseFile)} AS wh (READ_ONLY)");
        try
        {
            foreach (var t in WarehouseTable.All)
            {
                var cols = new List<(string Name, string Type)>();
                using (var r = server.Query("SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'wh' AND table_name = ? ORDER BY ordinal_position", t.Name))
                    while (r.Read()) cols.Add((r.GetString(0), r.GetString(1)));
                var keys = t.Keys.Split(", ");
                var on = string.Join(" AND ", keys.Select(k => $"a.{k} = b.{k}"));
                var diff = string.Join(" OR ", cols.Where(c => !keys.Contains(c.Name)).Select(c => c.Type is "DOUBLE" or "BIGINT" or "INTEGER"
                    ? $"(a.{c.Name} IS NULL) <> (b.{c.Name} IS NULL) OR abs(a.{c.Name} - b.{c.Name}) > 1e-4"
                    : $"a.{c.Name} IS DISTINCT FROM b.{c.Name}"));
                var n = server.Scalar<long>($"SELECT count(*) FROM wh.{t.Name}");
                Assert.True(n > 0, $"{t.Name} is empty in the DuckDB warehouse");
                Assert.Equal(n, server.Scalar<long>($"SELECT count(*) FROM {t.Name}"));
                Assert.Equal(0, server.Scalar<long>($"SELECT count(*) FROM wh.{t.Name} AS a LEFT JOIN {t.Name} AS b ON {on} WHERE b.{keys[0]} IS NULL OR {diff}"));
            }
        }
        finally { server.Execute("DETACH wh"); }
    }

    /// <summary>The repo's infra/snowflake files, copied beside the tests.</summary>
    public static string InfraFile(string relative)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "snowflake", relative);
        Assert.True(File.Exists(path), path + " is missing (infra/snowflake is linked into the test output)");
        return path;
    }
}
