using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Snowflake;
using static CryptoSentiment.Tests.Snowflake.SnowflakeTestKit;

namespace CryptoSentiment.Tests.Snowflake;

/// <summary>The Snowflake loader against the loopback SQL API server: real MERGE effects (DuckDB behind the API), faults, exactly-once.</summary>
public class SnowflakeLoadTests(SnowflakeDemo demo) : IClassFixture<SnowflakeDemo>
{
    [Fact]
    public async Task LoadMirrorsTheLakeInChunksAndASecondLoadChangesNothing()
    {
        await using var server = await demo.ServerAsync();
        var first = await demo.LoadAsync(server);
        Assert.All(first.Rows, kv => Assert.True(kv.Value > 0, kv.Key));
        Assert.All(first.Changed, kv => Assert.Equal(first.Rows[kv.Key], kv.Value));
        AssertMatchesDuckDbWarehouse(server.Db, demo.Temp.WarehouseFile);
        Assert.Equal(0, StagedRows(server.Db));

        // Chunked: ≤ 150 rows per staging request, several requests for the bigger tables.
        var posts = server.Requests.Where(r => r.Method == "POST").ToList();
        var headlineChunks = posts.Where(r => r.Statement!.Contains("INSERT INTO HEADLINES_STAGE")).ToList();
        Assert.Equal((int)Math.Ceiling(first.Rows["HEADLINES"] / 150.0), headlineChunks.Count);
        Assert.All(headlineChunks, r => Assert.Equal(4, r.StatementCount));
        Assert.All(headlineChunks, r => Assert.Equal(2 + (r.Bindings.Count - 2) / 14 * 14, r.Bindings.Count));
        // Typed bindings: FIXED counts, REAL scores, BOOLEAN divergence, TEXT timestamps.
        var hourly = posts.First(r => r.Statement!.Contains("INSERT INTO COIN_HOURLY_STAGE"));
        Assert.Equal(["TEXT", "FIXED", "TEXT", "TEXT", "TEXT", "FIXED", "REAL"], hourly.Bindings.Skip(2).Take(7).Select(b => b.Type));
        Assert.Contains(hourly.Bindings, b => b.Type == "BOOLEAN");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:00:00\.000000\+00:00$", hourly.Bindings[5].Value);
        // Every request carries the session context and passed the JWT/header checks.
        Assert.All(posts, r => Assert.Equal("CRYPTO_SENTIMENT_LOADER", r.Context["role"]));
        Assert.All(posts, r => Assert.Equal("GOLD", r.Context["schema"]));
        Assert.DoesNotContain(server.Requests, r => r.Status == 401);
        var merge = Assert.Single(posts, r => r.Statement!.Contains("MERGE INTO COIN_DAILY"));
        Assert.StartsWith("BEGIN;", merge.Statement);
        Assert.EndsWith("COMMIT", merge.Statement);
        Assert.Equal(15, merge.StatementCount); // BEGIN, 6 × (MERGE, prune), LOAD_STATE, COMMIT
        Assert.Contains("MERGE INTO LOAD_STATE", merge.Statement);

        var before = Snapshot(server.Db);
        var second = await demo.LoadAsync(server);
        Assert.All(second.Changed, kv => Assert.Equal(0, kv.Value));
        Assert.Equal(first.Rows, second.Rows);
        AssertSameSnapshot(before, Snapshot(server.Db));
        Assert.Equal(0, StagedRows(server.Db));
    }

    [Fact]
    public async Task RetriedLoadUnderInjectedFaultsHasExactlyOnceEffect()
    {
        Dictionary<string, List<string>> clean;
        await using (var reference = await demo.ServerAsync())
        {
            await demo.LoadAsync(reference);
            clean = Snapshot(reference.Db);
        }

        await using var server = await demo.ServerAsync();
        bool Post(RecordedRequest r, string text) => r.Method == "POST" && r.Statement!.Contains(text);
        server.Inject(new Fault(FaultKind.Unauthorized), r => r.Method == "POST");
        server.Inject(new Fault(FaultKind.Status, Status: 429), r => Post(r, "INSERT INTO COIN_DAILY_STAGE"));
        server.Inject(new Fault(FaultKind.Status, Status: 503), r => Post(r, "INSERT INTO HEADLINES_STAGE"));
        server.Inject(new Fault(FaultKind.Status, Status: 504), r => Post(r, "INSERT INTO HEADLINES_STAGE"));
        server.Inject(new Fault(FaultKind.DropAfter), r => Post(r, "INSERT INTO COIN_HOURLY_STAGE") && r.Bindings[1].Value == "2");
        server.Inject(new Fault(FaultKind.DropBefore), r => Post(r, "INSERT INTO TOP_COIN_DAILY_STAGE"));
        server.Inject(new Fault(FaultKind.SlowAfter, Delay: TimeSpan.FromSeconds(4)), r => Post(r, "MERGE INTO COIN_DAILY"));
        server.Inject(new Fault(FaultKind.Async, Polls: 3), r => Post(r, "UNION ALL"));
        server.Inject(new Fault(FaultKind.Status, Status: 503), r => r.Method == "GET");
        var log = new List<string>();

        var outcome = await demo.LoadAsync(server, log);

        Assert.Equal(0, server.PendingFaults);
        AssertSameSnapshot(clean, Snapshot(server.Db));
        Assert.Equal(0, StagedRows(server.Db));
        Assert.All(outcome.Rows, kv => Assert.Equal(clean[kv.Key].Count, kv.Value));
        // Exactly once: every requestId executed once, although some were sent two or three times.
        Assert.All(server.Executions, kv => Assert.True(kv.Value == 1, $"requestId {kv.Key} executed {kv.Value} times"));
        var byId = server.Requests.Where(r => r.Method == "POST").GroupBy(r => r.RequestId).ToList();
        Assert.True(byId.Count(g => g.Count() > 1) >= 5, "expected resubmissions");
        foreach (var g in byId)
        {
            var sends = g.ToList();
            Assert.False(sends[0].Retry);
            Assert.All(sends.Skip(1), r => Assert.True(r.Retry, "a resubmission must say retry=true"));
            Assert.All(sends, r => Assert.Equal(sends[0].Statement, r.Statement));
        }
        Assert.True(server.Requests.Count(r => r.Deduplicated) >= 2, "the dropped and the slow request are answered from the first execution");
        Assert.Contains(server.Requests, r => r.Method == "GET" && r.Status == 202);
        Assert.Contains(log, l => l.Contains("HTTP 429") && l.Contains("retry"));
        Assert.Contains(log, l => l.Contains("TimeoutRejectedException"));
        Assert.Contains(log, l => l.Contains("401"));
        var pemBody = demo.Pem.Split('\n')[1];
        Assert.DoesNotContain(log, l => l.Contains(pemBody) || server.TokensSeen.Any(t => l.Contains(t)));
    }

    [Fact]
    public async Task AFailureInsideTheMergeRollsBackEverythingAndTheErrorNamesTheStatement()
    {
        await using var server = await demo.ServerAsync();
        server.Inject(new Fault(FaultKind.FailAtStatement, Polls: 4, Message: "Numeric value 'abc' is not recognized"),
            r => r.Method == "POST" && r.Statement!.Contains("MERGE INTO COIN_DAILY"));
        var e = await Assert.ThrowsAsync<SnowflakeException>(() => demo.LoadAsync(server));
        Assert.Equal(422, e.HttpStatus);
        Assert.Contains("merge staged rows into COIN_DAILY", e.Message);
        Assert.Contains("Numeric value 'abc' is not recognized", e.Message);
        // COIN_DAILY's MERGE ran before the failure, inside the transaction: rolled back.
        Assert.All(WarehouseTable.All, t => Assert.Equal(0, server.Db.Scalar<long>($"SELECT count(*) FROM {t.Name}")));
        Assert.Equal(0, StagedRows(server.Db));

        server.Inject(new Fault(FaultKind.Fail, Message: "SQL compilation error: Object 'HEADLINES_STAGE' does not exist or not authorized."),
            r => r.Method == "POST" && r.Statement!.Contains("INSERT INTO HEADLINES_STAGE"));
        var staged = await Assert.ThrowsAsync<SnowflakeException>(() => demo.LoadAsync(server));
        Assert.Contains("stage HEADLINES chunk 1", staged.Message);
        Assert.Contains("does not exist or not authorized", staged.Message);
        Assert.Equal("002003", staged.Code);

        var ok = await demo.LoadAsync(server);
        Assert.All(ok.Rows, kv => Assert.True(kv.Value > 0));
        AssertMatchesDuckDbWarehouse(server.Db, demo.Temp.WarehouseFile);
    }
}
