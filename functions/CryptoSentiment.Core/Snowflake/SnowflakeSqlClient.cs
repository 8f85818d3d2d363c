using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CryptoSentiment.Snowflake;

/// <summary>
/// The Snowflake SQL API v2 client (one per service): <c>POST /api/v2/statements?requestId=…&amp;async=true</c> with a
/// key-pair JWT, then polls <c>GET /api/v2/statements/{handle}</c> while it answers 202, reads every result partition
/// and, for multi-statement requests, every statement's result. 429/503/504, dropped connections and timed-out
/// attempts are retried with jittered exponential backoff (Polly); a resubmitted POST carries the <b>same</b>
/// <c>requestId</c> plus <c>retry=true</c>, so Snowflake runs it at most once. A 401 mints a new JWT and retries once.
/// </summary>
public sealed class SnowflakeSqlClient : IDisposable
{
    private const string StatementsPath = "api/v2/statements";
    private readonly SnowflakeOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly Action<string> _log;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Uri _base;

    public SnowflakeKeyPairAuth Auth { get; }
    public SnowflakeOptions Options => _options;

    /// <param name="log">Receives one line per retry or resubmission (status, requestId, attempt; never tokens or keys).</param>
    public SnowflakeSqlClient(SnowflakeOptions options, HttpMessageHandler? handler = null, TimeProvider? clock = null, Action<string>? log = null)
    {
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _log = log ?? (_ => { });
        Auth = new SnowflakeKeyPairAuth(options, _clock);
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        var b = options.EffectiveBaseUrl.ToString();
        _base = new Uri(b.EndsWith('/') ? b : b + "/");
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>
            {
                TimeProvider = _clock,
            }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    var what = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name;
                    var req = args.Outcome.Result?.RequestMessage?.RequestUri ?? (args.Context.Properties.TryGetValue(RequestKey, out var u) ? u : null);
                    _log($"snowflake: {what} for {Describe(req)}; retry {args.AttemptNumber + 1}/{options.MaxRetries} in {args.RetryDelay.TotalMilliseconds:0} ms");
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    private static readonly ResiliencePropertyKey<Uri> RequestKey = new("snowflake.request");

    private static bool IsTransient(Outcome<HttpResponseMessage> o) => o switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Result: { } r } => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        _ => false,
    };

    /// <summary>Honours a <c>Retry-After</c> (capped) when the server sends one; otherwise Polly's jittered backoff.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage? r)
    {
        if (r?.Headers.RetryAfter is not { } ra) return null;
        var d = ra.Delta ?? (ra.Date is { } at ? at - _clock.GetUtcNow() : null);
        if (d is not { } delay || delay < TimeSpan.Zero) return null;
        return delay > _options.RetryMaxDelay ? _options.RetryMaxDelay : delay;
    }

    /// <summary>Runs the statement(s) and returns the result (all partitions; one child per statement for multi-statement text).</summary>
    public async Task<SnowflakeResult> ExecuteAsync(SnowflakeStatement statement, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(statement.StatementCount);
        var requestId = statement.RequestId ?? Guid.NewGuid();
        var body = JsonSerializer.SerializeToUtf8Bytes(Body(statement));
        var submits = 0;
        using var response = await SendAsync(() =>
        {
            // Every resubmission (after a timeout, a dropped connection, 429/503/504) keeps the requestId and says retry=true.
            var retry = submits++ > 0;
            var uri = new Uri(_base, $"{StatementsPath}?requestId={requestId:D}&async=true{(retry ? "&retry=true" : "")}");
            if (retry) _log($"snowflake: resubmitting '{statement.Describe()}' with requestId {requestId:D} and retry=true");
            return new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(body) };
        }, statement, ct);
        return await ReadAsync(response, statement, ct);
    }

    private Dictionary<string, object> Body(SnowflakeStatement s)
    {
        var body = new Dictionary<string, object>
        {
            ["statement"] = s.Sql,
            ["timeout"] = _options.StatementTimeoutSeconds,
            ["parameters"] = new Dictionary<string, string>
            {
                ["multi_statement_count"] = s.StatementCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["timezone"] = "UTC",
                ["query_tag"] = "crypto-sentiment",
            },
        };
        if (_options.Database is { } db) body["database"] = db;
        if (_options.Schema is { } schema) body["schema"] = schema;
        if (_options.Warehouse is { } wh) body["warehouse"] = wh;
        if (_options.Role is { } role) body["role"] = role;
        if (s.Bindings is { Count: > 0 } bindings)
        {
            var map = new Dictionary<string, object?>();
            for (var i = 0; i < bindings.Count; i++)
                map[(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)] = new Dictionary<string, string?> { ["type"] = bindings[i].Type, ["value"] = bindings[i].Value };
            body["bindings"] = map;
        }
        return body;
    }

    private static ByteArrayContent JsonContent(byte[] body)
    {
        var c = new ByteArrayContent(body);
        c.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return c;
    }

    /// <summary>Sends with retries; each attempt gets a fresh request (and a fresh JWT after a 401).</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, SnowflakeStatement statement, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(ct);
        Uri? last = null;
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(async (ctx, _) =>
            {
                try
                {
                    var response = await SendOnceAsync(make, ctx, u => last = u);
                    if (response.StatusCode == HttpStatusCode.Unauthorized)
                    {
                        _log($"snowflake: 401 for {Describe(last)}; minting a new JWT");
                        response.Dispose();
                        Auth.Invalidate();
                        response = await SendOnceAsync(make, ctx, u => last = u);
                    }
                    return Outcome.FromResult(response);
                }
                catch (Exception e) when (!ct.IsCancellationRequested || e is not OperationCanceledException)
                {
                    return Outcome.FromException<HttpResponseMessage>(e);
                }
            }, context, 0);
            if (outcome.Exception is { } ex)
            {
                if (ex is OperationCanceledException && ct.IsCancellationRequested) throw ex;
                throw new SnowflakeException(
                    $"Snowflake statement '{statement.Describe()}': no answer from {Describe(last)} after {_options.MaxRetries + 1} attempt(s): "
                    + (ex is TimeoutRejectedException ? $"each timed out after {_options.RequestTimeout.TotalSeconds:0.#} s" : ex.Message), inner: ex is TimeoutRejectedException ? null : ex);
            }
            return outcome.Result!;
        }
        finally { ResilienceContextPool.Shared.Return(context); }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> make, ResilienceContext ctx, Action<Uri?> seen)
    {
        using var request = make();
        seen(request.RequestUri);
        ctx.Properties.Set(RequestKey, request.RequestUri!);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Auth.GetToken());
        request.Headers.TryAddWithoutValidation("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT");
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        // The whole body is read inside the attempt, so a connection dropped mid-answer is retried like any other.
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ctx.CancellationToken);
        await response.Content.LoadIntoBufferAsync(ctx.CancellationToken);
        return response;
    }

    private static string Describe(Uri? u) => u is null ? "the SQL API" : $"{u.GetLeftPart(UriPartial.Path)}";

    private Task<HttpResponseMessage> GetAsync(string handle, int? partition, SnowflakeStatement statement, CancellationToken ct) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get,
            new Uri(_base, $"{StatementsPath}/{Uri.EscapeDataString(handle)}{(partition is { } p ? $"?partition={p}" : "")}")), statement, ct);

    /// <summary>Turns an answer into a result: 200 → rows (+ partitions, + statements); 202 → poll; 422/408/other → error.</summary>
    private async Task<SnowflakeResult> ReadAsync(HttpResponseMessage response, SnowflakeStatement statement, CancellationToken ct)
    {
        var delay = _options.PollInterval;
        var current = response;
        try
        {
            while (true)
            {
                using var doc = await ParseAsync(current, statement, ct);
                var root = doc.RootElement;
                switch (current.StatusCode)
                {
                    case HttpStatusCode.OK:
                        return await ResultAsync(root, statement, ct);
                    case HttpStatusCode.Accepted:
                        var handle = Str(root, "statementHandle")
                            ?? throw Failure(statement, current, root, "answered 202 without a statementHandle");
                        await Task.Delay(delay, _clock, ct);
                        delay = delay * 2 > _options.PollMaxInterval ? _options.PollMaxInterval : delay * 2;
                        var next = await GetAsync(handle, null, statement, ct);
                        if (!ReferenceEquals(current, response)) current.Dispose();
                        current = next;
                        continue;
                    case HttpStatusCode.UnprocessableEntity:
                        throw Failure(statement, current, root, "failed");
                    case HttpStatusCode.RequestTimeout:
                        throw Failure(statement, current, root, "timed out on the server and was cancelled");
                    default:
                        throw Failure(statement, current, root, $"was answered HTTP {(int)current.StatusCode} {current.ReasonPhrase}");
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(current, response)) current.Dispose();
        }
    }

    private static async Task<JsonDocument> ParseAsync(HttpResponseMessage r, SnowflakeStatement statement, CancellationToken ct)
    {
        var bytes = await r.Content.ReadAsByteArrayAsync(ct);
        try { return JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes); }
        catch (JsonException)
        {
            var text = System.Text.Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 200)));
            throw new SnowflakeException($"Snowflake statement '{statement.Describe()}': {Describe(r.RequestMessage?.RequestUri)} answered HTTP {(int)r.StatusCode} with a body that is not JSON: {text}", (int)r.StatusCode);
        }
    }

    private static SnowflakeException Failure(SnowflakeStatement statement, HttpResponseMessage r, JsonElement root, string what)
    {
        var message = Str(root, "message") ?? "(no message)";
        var code = Str(root, "code");
        var sqlState = Str(root, "sqlState");
        var handle = Str(root, "statementHandle");
        var detail = string.Join(", ", new[] { code is null ? null : "code " + code, sqlState is null ? null : "SQL state " + sqlState,
            handle is null ? null : "statement handle " + handle }.Where(x => x is not null));
        return new SnowflakeException(
            $"Snowflake statement '{statement.Describe()}' {what} (HTTP {(int)r.StatusCode} from {Describe(r.RequestMessage?.RequestUri)}): {message}"
            + (detail.Length > 0 ? $" [{detail}]" : ""), (int)r.StatusCode, code, sqlState);
    }

    private async Task<SnowflakeResult> ResultAsync(JsonElement root, SnowflakeStatement statement, CancellationToken ct)
    {
        var handle = Str(root, "statementHandle") ?? "";
        var columns = new List<SnowflakeColumn>();
        var partitions = 1;
        if (root.TryGetProperty("resultSetMetaData", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            if (meta.TryGetProperty("rowType", out var rowType) && rowType.ValueKind == JsonValueKind.Array)
                foreach (var c in rowType.EnumerateArray())
                    columns.Add(new SnowflakeColumn(Str(c, "name") ?? "", Str(c, "type") ?? "",
                        !c.TryGetProperty("nullable", out var n) || n.ValueKind != JsonValueKind.False));
            if (meta.TryGetProperty("partitionInfo", out var info) && info.ValueKind == JsonValueKind.Array)
                partitions = Math.Max(1, info.GetArrayLength());
        }
        var rows = new List<string?[]>();
        AddRows(root, rows);
        for (var p = 1; p < partitions; p++)
        {
            using var part = await GetAsync(handle, p, statement, ct);
            using var doc = await ParseAsync(part, statement, ct);
            if (part.StatusCode != HttpStatusCode.OK) throw Failure(statement, part, doc.RootElement, $"result partition {p} could not be read");
            AddRows(doc.RootElement, rows);
        }
        var children = new List<SnowflakeResult>();
        if (root.TryGetProperty("statementHandles", out var handles) && handles.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var h in handles.EnumerateArray())
            {
                i++;
                var child = statement with { Label = $"{statement.Describe()} (statement {i})" };
                using var r = await GetAsync(h.GetString()!, null, child, ct);
                children.Add(await ReadAsync(r, child, ct));
            }
        }
        return new SnowflakeResult(handle, columns, rows, children);
    }

    private static void AddRows(JsonElement root, List<string?[]> rows)
    {
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array) return;
        foreach (var row in data.EnumerateArray())
        {
            var values = new string?[row.GetArrayLength()];
            var i = 0;
            foreach (var v in row.EnumerateArray())
                values[i++] = v.ValueKind switch { JsonValueKind.Null => null, JsonValueKind.String => v.GetString(), _ => v.GetRawText() };
            rows.Add(values);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

    public void Dispose()
    {
        _http.Dispose();
        Auth.Dispose();
    }
}
