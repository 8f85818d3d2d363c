using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Snowflake;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Tests.Snowflake;

/// <summary>The SQL API client and the key-pair JWT; the Snowflake DDL against the DuckDB warehouse schema.</summary>
public class SnowflakeClientTests(SnowflakeDemo demo) : IClassFixture<SnowflakeDemo>
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static JsonElement Claims(string jwt)
    {
        var p = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(p.PadRight(p.Length + (4 - p.Length % 4) % 4, '='))).RootElement;
    }

    [Fact]
    public async Task JwtHasSnowflakeClaimsTheOpensslFingerprintAndIsRenewedBeforeExpiry()
    {
        // The fingerprint as Snowflake documents it, computed by openssl from the public key.
        var dir = Directory.CreateTempSubdirectory("cs-sf-").FullName;
        try
        {
            var pub = Path.Combine(dir, "rsa_key.pub");
            await File.WriteAllTextAsync(pub, demo.Key.ExportSubjectPublicKeyInfoPem());
            var psi = new ProcessStartInfo("bash", ["-c", $"openssl pkey -pubin -in '{pub}' -outform DER | openssl dgst -sha256 -binary | openssl enc -base64 -A"])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var fp = (await p.StandardOutput.ReadToEndAsync()).Trim();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0 && fp.Length == 44, "openssl failed: " + await p.StandardError.ReadToEndAsync());

            var clock = new ManualClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
            var options = new SnowflakeOptions { Account = "myorg-acct1", User = "loader_svc", PrivateKeyPem = new SecretText(demo.Pem) };
            using var auth = new SnowflakeKeyPairAuth(options, clock);
            Assert.Equal("SHA256:" + fp, auth.PublicKeyFingerprint);
            var token = auth.GetToken();
            var c = Claims(token);
            Assert.Equal($"MYORG-ACCT1.LOADER_SVC.SHA256:{fp}", c.GetProperty("iss").GetString());
            Assert.Equal("MYORG-ACCT1.LOADER_SVC", c.GetProperty("sub").GetString());
            Assert.Equal(clock.Now.ToUnixTimeSeconds(), c.GetProperty("iat").GetInt64());
            Assert.InRange(c.GetProperty("exp").GetInt64() - c.GetProperty("iat").GetInt64(), 1, 3600);
            var parts = token.Split('.');
            using (var verify = RSA.Create())
            {
                verify.ImportSubjectPublicKeyInfo(demo.Key.ExportSubjectPublicKeyInfo(), out _);
                var sig = parts[2].Replace('-', '+').Replace('_', '/');
                Assert.True(verify.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]),
                    Convert.FromBase64String(sig.PadRight(sig.Length + (4 - sig.Length % 4) % 4, '=')), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }

            clock.Now += TimeSpan.FromMinutes(53);
            Assert.Same(token, auth.GetToken());                   // still well inside its 59 minutes
            clock.Now += TimeSpan.FromMinutes(2);
            var renewed = auth.GetToken();                           // 55 min: within 5 min of expiry → renewed
            Assert.NotEqual(token, renewed);
            Assert.Equal(clock.Now.ToUnixTimeSeconds(), Claims(renewed).GetProperty("iat").GetInt64());
            auth.Invalidate();                                       // a 401
            Assert.Equal(2, auth.TokensMinted);
            auth.GetToken();
            Assert.Equal(3, auth.TokensMinted);
        }
        finally { Directory.Delete(dir, true); }

        Assert.Equal("XY12345", new SnowflakeOptions { Account = "xy12345.east-us-2.azure", User = "u", PrivateKeyPem = new SecretText("") }.AccountForToken);
        Assert.Equal("MYORG", new SnowflakeOptions { Account = "myorg-acct1.global", User = "u", PrivateKeyPem = new SecretText("") }.AccountForToken);
        Assert.Equal(new Uri("https://myorg-acct1.snowflakecomputing.com/"),
            new SnowflakeOptions { Account = "MYORG-ACCT1", User = "u", PrivateKeyPem = new SecretText("") }.EffectiveBaseUrl);
    }

    [Fact]
    public async Task ClientReadsPartitionsBindingsAndMultiStatementResults()
    {
        await using var server = await demo.ServerAsync();
        server.PartitionSize = 4;
        using var client = new SnowflakeSqlClient(demo.Options(server));
        var r = await client.ExecuteAsync(new SnowflakeStatement("SELECT range AS n, CAST(? AS VARCHAR) AS tag, CAST(? AS BIGINT) + range AS m FROM range(10) ORDER BY n",
            [SnowflakeBinding.Text("héllo ✓"), SnowflakeBinding.Fixed(100)]));
        Assert.Equal(10, r.Rows.Count);
        Assert.Equal(["n", "tag", "m"], r.Columns.Select(c => c.Name));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), r.Rows.Select(row => row[0]));
        Assert.All(r.Rows, row => Assert.Equal("héllo ✓", row[1]));
        Assert.Equal("109", r.Rows[9][2]);
        Assert.Equal(["1", "2"], server.Requests.Where(q => q.Partition is not null).Select(q => q.Partition!));
        var sent = server.Requests.First(q => q.Method == "POST");
        Assert.Equal([("TEXT", (string?)"héllo ✓"), ("FIXED", "100")], sent.Bindings);

        var multi = await client.ExecuteAsync(new SnowflakeStatement("SELECT 1 AS a; SELECT ? AS b", [SnowflakeBinding.Text("x")], StatementCount: 2));
        Assert.Equal(2, multi.Statements.Count);
        Assert.Equal("1", multi.Statements[0].Rows[0][0]);
        Assert.Equal("x", multi.Statements[1].Rows[0][0]);

        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT 1; SELECT 2", Label: "two in one")));
        Assert.Contains("two in one", e.Message);
        Assert.Contains("did not match the desired statement count 1", e.Message);
        var sqlError = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT * FROM NO_SUCH_TABLE")));
        Assert.Contains("SELECT * FROM NO_SUCH_TABLE", sqlError.Message);
        Assert.Contains("NO_SUCH_TABLE", sqlError.Message);
        Assert.Equal(422, sqlError.HttpStatus);
    }

    [Fact]
    public async Task ServerRejectsATokenSignedWithAnotherKeyAndTheErrorHoldsNoSecret()
    {
        await using var server = await demo.ServerAsync();
        using var other = RSA.Create(2048);
        var pem = other.ExportPkcs8PrivateKeyPem();
        using var client = new SnowflakeSqlClient(demo.Options(server) with { PrivateKeyPem = new SecretText(pem) });
        var e = await Assert.ThrowsAsync<SnowflakeException>(() => client.ExecuteAsync(new SnowflakeStatement("SELECT 1", Label: "probe")));
        Assert.Equal(401, e.HttpStatus);
        Assert.Contains("probe", e.Message);
        Assert.Contains("signature does not verify", e.Message);
        Assert.Equal(2, client.Auth.TokensMinted); // a 401 mints a new token once
        Assert.DoesNotContain(pem.Split('\n')[1], e.ToString());
        Assert.DoesNotContain("eyJ", e.ToString());
        Assert.Empty(server.TokensSeen);
    }

    [Fact]
    public void PrivateKeyNeverAppearsInSettingsOrErrors()
    {
        var pem = demo.Pem;
        var body = pem.Split('\n')[1];
        var env = new Dictionary<string, string>
        {
            ["WAREHOUSE"] = "snowflake", ["SNOWFLAKE_ACCOUNT"] = "myorg-acct1", ["SNOWFLAKE_USER"] = "loader_svc",
            ["SNOWFLAKE_PRIVATE_KEY"] = pem.Replace("\n", "\\n"), ["SNOWFLAKE_URL"] = "http://127.0.0.1:9/", ["SNOWFLAKE_BATCH_ROWS"] = "250",
        };
        var settings = Settings.From(k => env.GetValueOrDefault(k));
        Assert.DoesNotContain(body, settings.ToString());
        Assert.Contains("[redacted]", settings.ToString());
        var options = SnowflakeOptions.FromSettings(settings);
        Assert.Equal(250, options.MaxRowsPerRequest);
        Assert.Equal(new Uri("http://127.0.0.1:9/"), options.EffectiveBaseUrl);
        Assert.DoesNotContain(body, options.ToString());
        using (var auth = new SnowflakeKeyPairAuth(options)) Assert.StartsWith("SHA256:", auth.PublicKeyFingerprint); // "\n"-escaped PEM accepted

        var bad = "-----BEGIN PRIVATE KEY-----\nTOPSECRETbutnotakey\n-----END PRIVATE KEY-----";
        var e = Assert.Throws<SnowflakeConfigurationException>(() => new SnowflakeKeyPairAuth(options with { PrivateKeyPem = new SecretText(bad) }));
        Assert.Contains("SNOWFLAKE_PRIVATE_KEY", e.Message);
        Assert.DoesNotContain("TOPSECRET", e.ToString());
        Assert.Null(e.InnerException);

        var missing = Assert.Throws<SnowflakeConfigurationException>(() => SnowflakeOptions.FromSettings(new Settings { Warehouse = "snowflake" }));
        Assert.Contains("SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PRIVATE_KEY", missing.Message);
    }

    /// <summary>(name, type, nullable) per column of each CREATE TABLE in a Snowflake DDL file.</summary>
    private static Dictionary<string, List<(string Name, string Type, bool Nullable)>> SnowflakeTables(string ddl)
    {
        var tables = new Dictionary<string, List<(string, string, bool)>>();
        var added = new List<(string Table, string Column, string Type)>();
        foreach (var stmt in SnowflakeWarehouse.SplitStatements(ddl))
        {
            // Columns added after the first version: ALTER TABLE … ADD COLUMN IF NOT EXISTS, each also in its CREATE TABLE.
            var alter = Regex.Match(Regex.Replace(stmt, @"--[^\n]*", "").Trim(), @"^ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+(\w+(?:\(\d+(?:,\d+)?\))?)$");
            if (alter.Success) { added.Add((alter.Groups[1].Value, alter.Groups[2].Value, alter.Groups[3].Value)); continue; }
            var m = Regex.Match(stmt, @"CREATE\s+(?:TRANSIENT\s+)?TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)\s*\((.*)\)\s*$", RegexOptions.Singleline);
            Assert.True(m.Success, "not a CREATE TABLE: " + stmt);
            var cols = new List<(string, string, bool)>();
            foreach (var def in Regex.Split(m.Groups[2].Value, @",(?![^(]*\))"))
            {
                var d = Regex.Replace(def.Trim(), @"\s+", " ");
                if (d.StartsWith("PRIMARY KEY", StringComparison.Ordinal)) continue;
                var c = Regex.Match(d, @"^(\w+) (\w+(?:\(\d+(?:,\d+)?\))?)(.*)$");
                Assert.True(c.Success, "cannot read column: " + d);
                cols.Add((c.Groups[1].Value, c.Groups[2].Value, !c.Groups[3].Value.Contains("NOT NULL")));
            }
            tables[m.Groups[1].Value] = cols;
        }
        foreach (var (table, column, type) in added)
            Assert.Contains((column, type, true), tables[table]);
        return tables;
    }

    private static bool Compatible(string duck, string snow) => duck switch
    {
        "VARCHAR" => snow.StartsWith("VARCHAR", StringComparison.Ordinal),
        "DATE" => snow == "DATE",
        "TIMESTAMP WITH TIME ZONE" => snow == "TIMESTAMP_TZ",
        "BOOLEAN" => snow == "BOOLEAN",
        "BIGINT" => Regex.IsMatch(snow, @"^NUMBER\((1[89]|[23]\d),0\)$"),
        "INTEGER" => Regex.IsMatch(snow, @"^NUMBER\(\d+,0\)$"),
        "DOUBLE" => snow == "FLOAT" || Regex.IsMatch(snow, @"^NUMBER\(\d+,([4-9]|1\d)\)$"),
        _ => false,
    };

    [Fact]
    public void EveryDuckDbWarehouseColumnExistsInTheSnowflakeDdlWithACompatibleType()
    {
        var snow = SnowflakeTables(File.ReadAllText(SnowflakeTestKit.InfraFile("02_tables.sql")));
        Assert.Equal(SnowflakeWarehouse.TablesSql, File.ReadAllText(SnowflakeTestKit.InfraFile("02_tables.sql"))); // the loader runs this file
        using var c = DuckDbConnection.Open();
        c.Execute(SqlFiles.Get("warehouse/schema.sql"));
        var checkedColumns = 0;
        foreach (var t in WarehouseTable.All)
        {
            Assert.True(snow.ContainsKey(t.Name), $"{t.Name} missing from 02_tables.sql");
            using var r = c.Query("SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", t.Name);
            var duckColumns = new List<string>();
            while (r.Read())
            {
                var (name, type, nullable) = (r.GetString(0), r.GetString(1), r.GetString(2) == "YES");
                duckColumns.Add(name);
                var s = snow[t.Name].SingleOrDefault(x => x.Name == name);
                Assert.True(s.Name is not null, $"{t.Name}.{name} missing from the Snowflake DDL");
                Assert.True(Compatible(type, s.Type), $"{t.Name}.{name}: DuckDB {type} vs Snowflake {s.Type}");
                Assert.True(nullable == s.Nullable, $"{t.Name}.{name}: nullability differs");
                // The staging twin has the column with the same type.
                Assert.Contains(snow[t.StageTable], x => x.Name == name && x.Type == s.Type);
                checkedColumns++;
            }
            Assert.Equal(duckColumns, snow[t.Name].Select(x => x.Name));
            // The source query yields exactly the warehouse columns, in order (the loader stages them by name).
            Assert.Equal(duckColumns, Regex.Replace(t.SourceSql, @"--.*\n", "").Split("FROM")[0].Replace("SELECT", "").Split(',').Select(x => x.Trim()));
        }
        // The load watermark, in both warehouses.
        using (var r = c.Query("SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'LOAD_STATE' ORDER BY ordinal_position"))
        {
            var names = new List<string>();
            while (r.Read())
            {
                var s = snow["LOAD_STATE"].Single(x => x.Name == r.GetString(0));
                Assert.True(Compatible(r.GetString(1), s.Type), $"LOAD_STATE.{s.Name}: DuckDB {r.GetString(1)} vs Snowflake {s.Type}");
                Assert.Equal(r.GetString(2) == "YES", s.Nullable);
                names.Add(s.Name);
            }
            Assert.Equal(["source", "table_id", "version", "loaded_at"], names);
        }
        Assert.Equal(6 + 6 + 1, snow.Count); // tables (with ALERTS, SCORER_DAILY), their stages, LOAD_STATE
        Assert.Equal(41 + 6 + 10 + 13, checkedColumns);   // + the §12 indicators: sma_7d, sma_30d, rsi_14d, sma_24h, ema_24h, rsi_14h; + ALERTS, SCORER_DAILY (§10)
    }
}
