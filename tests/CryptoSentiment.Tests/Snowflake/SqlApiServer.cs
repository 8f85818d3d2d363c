using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline.Warehouse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CryptoSentiment.Tests.Snowflake;

/// <summary>One request as the server saw it.</summary>
internal sealed record RecordedRequest(
    string Method, string Path, string? RequestId, bool Retry, bool Async, string? Statement,
    IReadOnlyList<(string Type, string? Value)> Bindings, int StatementCount, IReadOnlyDictionary<string, string> Context,
    string? Partition)
{
    public bool Deduplicated { get; set; }
    public int? Status { get; set; }
}

internal enum FaultKind
{
    /// <summary>Answer this HTTP status (429, 503, 504, …) without executing.</summary>
    Status,
    /// <summary>Drop the connection before executing.</summary>
    DropBefore,
    /// <summary>Execute, then drop the connection (the client never sees the answer).</summary>
    DropAfter,
    /// <summary>Execute, then answer only after <see cref="Fault.Delay"/> (longer than the client's timeout).</summary>
    SlowAfter,
    /// <summary>Execute, then answer 202 for <see cref="Fault.Polls"/> more status requests before 200.</summary>
    Async,
    /// <summary>Answer 422 with <see cref="Fault.Message"/> without executing.</summary>
    Fail,
    /// <summary>Execute statements before index <see cref="Fault.Polls"/>, then fail with <see cref="Fault.Message"/> (rolls back).</summary>
    FailAtStatement,
    /// <summary>Answer 401 (token rejected) once.</summary>
    Unauthorized,
}

internal sealed record Fault(FaultKind Kind, int Status = 0, int Polls = 0, TimeSpan Delay = default, string? Message = null);

/// <summary>
/// A loopback Snowflake SQL API v2 server (Kestrel on 127.0.0.1:0) for tests. It checks every request like Snowflake:
/// the key-pair JWT (RS256 signature against the registered public key; iss = ACCOUNT.USER.SHA256:fingerprint,
/// sub, iat/exp ≤ 1 h), <c>X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT</c>, <c>User-Agent</c>, JSON headers.
/// It runs the statements for real on an in-memory DuckDB (Snowflake DDL types translated), with bindings, explicit
/// transactions and multi-statement counts; dedupes by <c>requestId</c> (a resubmission returns the first answer and
/// executes nothing); serves results in partitions; and injects one-shot <see cref="Fault"/>s.
/// </summary>
internal sealed partial class SqlApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _publicKey;
    private readonly string _issuer, _subject;
    private readonly Lock _dbLock = new();
    private readonly Lock _faultLock = new();
    private readonly List<(Func<RecordedRequest, bool> When, Fault Fault)> _faults = [];
    private readonly ConcurrentDictionary<string, Stored> _results = new();
    private readonly ConcurrentDictionary<string, string> _byRequestId = new();
    private readonly ConcurrentDictionary<string, int> _pendingPolls = new();

    public DuckDbConnection Db { get; } = DuckDbConnection.Open();
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();
    public ConcurrentDictionary<string, int> Executions { get; } = new();
    public ConcurrentBag<string> TokensSeen { get; } = [];
    /// <summary>Rows per result partition.</summary>
    public int PartitionSize { get; set; } = 1000;
    public Uri BaseUrl { get; private set; } = null!;

    private sealed record Stored(int Status, string[] Columns, string[] Types, List<string?[]> Rows, List<string>? Children,
        string? Code, string? SqlState, string? Message);

    private SqlApiServer(RSA publicKey, string account, string user)
    {
        _publicKey = publicKey;
        _subject = $"{account.ToUpperInvariant()}.{user.ToUpperInvariant()}";
        _issuer = $"{_subject}.SHA256:{Convert.ToBase64String(SHA256.HashData(publicKey.ExportSubjectPublicKeyInfo()))}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/api/v2/statements", SubmitAsync);
        _app.MapGet("/api/v2/statements/{handle}", StatusAsync);
    }

    public static async Task<SqlApiServer> StartAsync(RSA publicKey, string account, string user)
    {
        var s = new SqlApiServer(publicKey, account, user);
        await s._app.StartAsync();
        s.BaseUrl = new Uri(s._app.Urls.First());
        return s;
    }

    /// <summary>Adds a one-shot fault for the first request that matches.</summary>
    public void Inject(Fault fault, Func<RecordedRequest, bool> when)
    {
        lock (_faultLock) _faults.Add((when, fault));
    }

    public int PendingFaults { get { lock (_faultLock) return _faults.Count; } }

    private Fault? TakeFault(RecordedRequest r)
    {
        lock (_faultLock)
        {
            var i = _faults.FindIndex(f => f.When(r));
            if (i < 0) return null;
            var f = _faults[i].Fault;
            _faults.RemoveAt(i);
            return f;
        }
    }

    // ---------------------------------------------------------------- endpoints

    private async Task SubmitAsync(HttpContext ctx)
    {
        using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
        var body = doc.RootElement;
        var bindings = new List<(string, string?)>();
        if (body.TryGetProperty("bindings", out var b))
            foreach (var p in b.EnumerateObject().OrderBy(p => int.Parse(p.Name, CultureInfo.InvariantCulture)))
                bindings.Add((p.Value.GetProperty("type").GetString()!, p.Value.GetProperty("value").ValueKind == JsonValueKind.Null ? null : p.Value.GetProperty("value").GetString()));
        var count = 1;
        if (body.TryGetProperty("parameters", out var ps) && ps.TryGetProperty("multi_statement_count", out var msc))
            count = int.Parse(msc.ValueKind == JsonValueKind.String ? msc.GetString()! : msc.GetRawText(), CultureInfo.InvariantCulture);
        var context = new Dictionary<string, string>();
        foreach (var k in new[] { "database", "schema", "warehouse", "role", "timeout" })
            if (body.TryGetProperty(k, out var v)) context[k] = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        var q = ctx.Request.Query;
        var rec = new RecordedRequest("POST", ctx.Request.Path, q["requestId"], q["retry"] == "true", q["async"] == "true",
            body.GetProperty("statement").GetString(), bindings, count, context, null);
        Requests.Enqueue(rec);

        if (!await AuthorizeAsync(ctx, rec)) return;
        if (rec.RequestId is not { } requestId || !Guid.TryParse(requestId, out _))
        {
            await AnswerAsync(ctx, rec, 400, new { code = "390142", message = "requestId is missing or not a UUID." });
            return;
        }
        var fault = TakeFault(rec);
        switch (fault?.Kind)
        {
            case FaultKind.Status:
                await AnswerAsync(ctx, rec, fault.Status, new { code = "000000", message = $"injected {fault.Status}" });
                return;
            case FaultKind.DropBefore:
                ctx.Abort();
                return;
            case FaultKind.Unauthorized:
                await AnswerAsync(ctx, rec, 401, new { code = "390318", message = "OAuth access token expired. [injected]" });
                return;
            case FaultKind.Fail:
                var failed = Store(new Stored(422, [], [], [], null, "002003", "42S02", fault.Message));
                _byRequestId[requestId] = failed;
                await AnswerResultAsync(ctx, rec, failed, null);
                return;
        }

        string handle;
        if (_byRequestId.TryGetValue(requestId, out var existing))
        {
            rec.Deduplicated = true;
            handle = existing;
        }
        else
        {
            handle = Execute(rec, fault?.Kind == FaultKind.FailAtStatement ? fault : null);
            _byRequestId[requestId] = handle;
            Executions.AddOrUpdate(requestId, 1, (_, n) => n + 1);
        }

        switch (fault?.Kind)
        {
            case FaultKind.DropAfter:
                ctx.Abort();
                return;
            case FaultKind.SlowAfter:
                try { await Task.Delay(fault.Delay, ctx.RequestAborted); }
                catch (OperationCanceledException) { return; }
                break;
            case FaultKind.Async:
                _pendingPolls[handle] = fault.Polls;
                break;
        }
        if (rec.Async)
            await AnswerAsync(ctx, rec, 202, new
            {
                code = "333334", message = "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
                statementHandle = handle, statementStatusUrl = $"/api/v2/statements/{handle}",
            });
        else await AnswerResultAsync(ctx, rec, handle, null);
    }

    private async Task StatusAsync(HttpContext ctx, string handle)
    {
        var rec = new RecordedRequest("GET", ctx.Request.Path, null, false, false, null, [], 0, new Dictionary<string, string>(), ctx.Request.Query["partition"]);
        Requests.Enqueue(rec);
        if (!await AuthorizeAsync(ctx, rec)) return;
        var fault = TakeFault(rec);
        if (fault?.Kind == FaultKind.Status)
        {
            await AnswerAsync(ctx, rec, fault.Status, new { code = "000000", message = $"injected {fault.Status}" });
            return;
        }
        if (fault?.Kind == FaultKind.DropBefore) { ctx.Abort(); return; }
        if (!_results.ContainsKey(handle))
        {
            await AnswerAsync(ctx, rec, 404, new { code = "000709", message = $"Statement {handle} not found" });
            return;
        }
        if (_pendingPolls.TryGetValue(handle, out var left) && left > 0)
        {
            _pendingPolls[handle] = left - 1;
            await AnswerAsync(ctx, rec, 202, new { code = "333334", message = "Asynchronous execution in progress.", statementHandle = handle, statementStatusUrl = $"/api/v2/statements/{handle}" });
            return;
        }
        var partition = int.TryParse(rec.Partition, out var p) ? p : (int?)null;
        await AnswerResultAsync(ctx, rec, handle, partition);
    }

    // ---------------------------------------------------------------- auth

    private async Task<bool> AuthorizeAsync(HttpContext ctx, RecordedRequest rec)
    {
        var h = ctx.Request.Headers;
        string? problem = null;
        if (h.UserAgent.ToString() is not { Length: > 0 }) problem = "User-Agent header is required";
        else if (h["X-Snowflake-Authorization-Token-Type"] != "KEYPAIR_JWT") problem = "X-Snowflake-Authorization-Token-Type must be KEYPAIR_JWT";
        else if (!h.Accept.ToString().Contains("application/json", StringComparison.Ordinal)) problem = "Accept must include application/json";
        else if (rec.Method == "POST" && !h.ContentType.ToString().StartsWith("application/json", StringComparison.Ordinal)) problem = "Content-Type must be application/json";
        else if (h.Authorization.ToString() is not { } auth || !auth.StartsWith("Bearer ", StringComparison.Ordinal)) problem = "Authorization: Bearer <jwt> is required";
        else problem = VerifyJwt(auth["Bearer ".Length..]);
        if (problem is null) return true;
        await AnswerAsync(ctx, rec, 401, new { code = "390144", message = "JWT token is invalid. " + problem });
        return false;
    }

    /// <summary>Null when the token is a valid key-pair JWT for the registered user; else what is wrong.</summary>
    internal string? VerifyJwt(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return "not a JWT";
        try
        {
            using var header = JsonDocument.Parse(B64UrlDecode(parts[0]));
            if (header.RootElement.GetProperty("alg").GetString() != "RS256") return "alg must be RS256";
            if (!_publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), B64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                return "signature does not verify against the user's public key";
            using var payload = JsonDocument.Parse(B64UrlDecode(parts[1]));
            var p = payload.RootElement;
            if (p.GetProperty("iss").GetString() != _issuer) return $"iss must be {_issuer}";
            if (p.GetProperty("sub").GetString() != _subject) return $"sub must be {_subject}";
            var iat = p.GetProperty("iat").GetInt64();
            var exp = p.GetProperty("exp").GetInt64();
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (exp <= now) return "expired";
            if (iat > now + 60) return "issued in the future";
            if (exp - iat > 3600) return "lifetime over 1 hour";
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "malformed: " + e.GetType().Name;
        }
        TokensSeen.Add(token);
        return null;
    }

    private static byte[] B64UrlDecode(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    // ---------------------------------------------------------------- execution

    private string Store(Stored s)
    {
        var handle = Guid.NewGuid().ToString("D");
        _results[handle] = s;
        return handle;
    }

    /// <summary>Snowflake DDL → DuckDB (types only; DML is sent unchanged and must be portable).</summary>
    internal static string Translate(string sql)
    {
        sql = TransientRx().Replace(sql, "CREATE TABLE");
        sql = NumberRx().Replace(sql, "DECIMAL(");
        sql = FloatRx().Replace(sql, "DOUBLE");
        sql = sql.Replace("TIMESTAMP_TZ", "TIMESTAMPTZ", StringComparison.Ordinal).Replace("CURRENT_TIMESTAMP()", "current_timestamp", StringComparison.Ordinal);
        return sql;
    }

    [GeneratedRegex(@"CREATE\s+TRANSIENT\s+TABLE")] private static partial Regex TransientRx();
    [GeneratedRegex(@"\bNUMBER\(")] private static partial Regex NumberRx();
    [GeneratedRegex(@"\bFLOAT\b")] private static partial Regex FloatRx();

    private string Execute(RecordedRequest rec, Fault? failAt)
    {
        var statements = SnowflakeWarehouse.SplitStatements(Translate(rec.Statement ?? ""));
        if (rec.StatementCount != 0 && statements.Count != rec.StatementCount)
            return Store(new Stored(422, [], [], [], null, "000008", "0A000",
                $"Actual statement count {statements.Count} did not match the desired statement count {rec.StatementCount}."));
        lock (_dbLock)
        {
            var results = new List<Stored>();
            var next = 0;
            var inTxn = false;
            try
            {
                for (var i = 0; i < statements.Count; i++)
                {
                    if (failAt is not null && i == failAt.Polls) throw new InjectedFailure(failAt.Message ?? "injected failure");
                    var sql = statements[i];
                    var verb = FirstWord(sql);
                    switch (verb)
                    {
                        case "BEGIN": Db.Execute("BEGIN TRANSACTION"); inTxn = true; results.Add(Status("Statement executed successfully.")); continue;
                        case "COMMIT": Db.Execute("COMMIT"); inTxn = false; results.Add(Status("Statement executed successfully.")); continue;
                        case "ROLLBACK": Db.Execute("ROLLBACK"); inTxn = false; results.Add(Status("Statement executed successfully.")); continue;
                    }
                    using var prepared = Db.Prepare(sql);
                    var n = prepared.ParameterCount;
                    if (next + n > rec.Bindings.Count) throw new InjectedFailure($"Bind variable ? not set (statement {i + 1} needs {n}, {rec.Bindings.Count - next} left).");
                    var args = rec.Bindings.Skip(next).Take(n).Select(BindValue).ToArray();
                    next += n;
                    using var r = prepared.Query(args);
                    results.Add(Read(r, verb));
                }
                if (next != rec.Bindings.Count) throw new InjectedFailure($"{rec.Bindings.Count} bindings given, {next} used.");
                if (inTxn) { Db.Execute("ROLLBACK"); inTxn = false; } // an open transaction at the end of a request is rolled back
            }
            catch (Exception e) when (e is InjectedFailure or DuckDbException)
            {
                if (inTxn) Db.Execute("ROLLBACK");
                return Store(new Stored(422, [], [], [], null, "002003", "42000", e.Message.Split('\n')[0]));
            }
            if (statements.Count == 1 && rec.StatementCount == 1) return Store(results[0]);
            var children = results.Select(Store).ToList();
            return Store(new Stored(200, ["multiple statement execution"], ["text"], [["Multiple statements executed successfully."]], children, null, null, null));
        }
    }

    private sealed class InjectedFailure(string message) : Exception(message);

    private static Stored Status(string message) => new(200, ["status"], ["text"], [[message]], null, null, null, null);

    private static string FirstWord(string sql)
    {
        var lines = sql.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal));
        var first = lines.FirstOrDefault() ?? "";
        var end = first.IndexOfAny([' ', '(', ';']);
        return (end < 0 ? first : first[..end]).ToUpperInvariant();
    }

    private static object? BindValue((string Type, string? Value) b) => b.Value is null ? null : b.Type switch
    {
        "FIXED" => long.Parse(b.Value, CultureInfo.InvariantCulture),
        "REAL" => double.Parse(b.Value, CultureInfo.InvariantCulture),
        "BOOLEAN" => bool.Parse(b.Value),
        "TEXT" => b.Value,
        _ => throw new InjectedFailure($"Unsupported bind type {b.Type}"),
    };

    /// <summary>A DuckDB result as Snowflake would answer it: DML as "number of rows …" columns, values as strings.</summary>
    private static Stored Read(DuckDbResult r, string verb)
    {
        var rows = new List<string?[]>();
        var names = Enumerable.Range(0, r.ColumnCount).Select(r.ColumnName).ToArray();
        var types = Enumerable.Range(0, r.ColumnCount).Select(i => r.ColumnType(i).ToString().ToLowerInvariant()).ToArray();
        while (r.Read()) rows.Add(Enumerable.Range(0, r.ColumnCount).Select(i => Text(r.GetValue(i))).ToArray());
        switch (verb)
        {
            case "INSERT": return new Stored(200, ["number of rows inserted"], ["fixed"], [[Count(rows)]], null, null, null, null);
            case "DELETE": return new Stored(200, ["number of rows deleted"], ["fixed"], [[Count(rows)]], null, null, null, null);
            case "UPDATE": return new Stored(200, ["number of rows updated", "number of multi-joined rows updated"], ["fixed", "fixed"], [[Count(rows), "0"]], null, null, null, null);
            // DuckDB reports one total for MERGE; reported as updated (Snowflake splits inserted/updated).
            case "MERGE": return new Stored(200, ["number of rows inserted", "number of rows updated"], ["fixed", "fixed"], [["0", Count(rows)]], null, null, null, null);
            case "CREATE": case "DROP": case "ALTER": return Status("Statement executed successfully.");
            default: return new Stored(200, names, types, rows, null, null, null, null);
        }

        static string Count(List<string?[]> rows) => rows.Count > 0 && rows[0].Length > 0 ? rows[0][0] ?? "0" : "0";
    }

    private static string? Text(object? v) => v switch
    {
        null => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };

    // ---------------------------------------------------------------- answers

    private async Task AnswerResultAsync(HttpContext ctx, RecordedRequest rec, string handle, int? partition)
    {
        var s = _results[handle];
        if (s.Status != 200)
        {
            await AnswerAsync(ctx, rec, s.Status, new { code = s.Code, sqlState = s.SqlState, message = s.Message, statementHandle = handle });
            return;
        }
        var size = Math.Max(1, PartitionSize);
        var chunks = s.Rows.Chunk(size).ToList();
        if (chunks.Count == 0) chunks.Add([]);
        if (partition is { } p)
        {
            if (p < 0 || p >= chunks.Count) { await AnswerAsync(ctx, rec, 400, new { code = "000000", message = $"partition {p} out of range" }); return; }
            await AnswerAsync(ctx, rec, 200, new { data = chunks[p] });
            return;
        }
        var result = new Dictionary<string, object?>
        {
            ["resultSetMetaData"] = new
            {
                numRows = s.Rows.Count, format = "jsonv2",
                rowType = s.Columns.Select((c, i) => new { name = c, type = s.Types[i], nullable = true }).ToArray(),
                partitionInfo = chunks.Select(c => new { rowCount = c.Length, uncompressedSize = 0 }).ToArray(),
            },
            ["data"] = chunks[0],
            ["code"] = "090001", ["sqlState"] = "00000", ["message"] = "Statement executed successfully.",
            ["statementHandle"] = handle, ["statementStatusUrl"] = $"/api/v2/statements/{handle}",
        };
        if (s.Children is { } children) result["statementHandles"] = children;
        await AnswerAsync(ctx, rec, 200, result);
    }

    private static async Task AnswerAsync(HttpContext ctx, RecordedRequest rec, int status, object body)
    {
        rec.Status = status;
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_dbLock) Db.Dispose();
        _publicKey.Dispose();
    }
}
