using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Sentiment.Llm;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CryptoSentiment.Testing;

/// <summary>What a loopback call is told to do wrong.</summary>
public enum LoopbackFaultKind
{
    /// <summary>429 with <c>Retry-After</c> (seconds) and/or <c>retry-after-ms</c>.</summary>
    TooManyRequests,
    /// <summary>Any HTTP error status (500, 503, 400, …) with an OpenAI error body.</summary>
    Status,
    /// <summary>Answers correctly, but only after <see cref="LoopbackFault.Delay"/>.</summary>
    Slow,
    /// <summary>The answer JSON cut in the middle, <c>finish_reason: length</c>.</summary>
    TruncatedJson,
    /// <summary>Text that is not JSON at all.</summary>
    MalformedJson,
    /// <summary><c>message.refusal</c> set, no content.</summary>
    Refusal,
    /// <summary>Targeted items come back with an id that was not asked.</summary>
    WrongIds,
    /// <summary>Targeted items are left out.</summary>
    MissingIds,
    /// <summary>An item with an id that was not asked is added.</summary>
    ExtraIds,
    /// <summary>Targeted items appear twice, the copy with another label.</summary>
    DuplicatedIds,
    /// <summary>Targeted items get label <c>Bullish</c>.</summary>
    InvalidLabel,
    /// <summary>Targeted items get confidence 1.7.</summary>
    ConfidenceOutOfRange,
}

/// <summary>One injected fault. Item faults hit the items whose (short id, headline) match <see cref="Targets"/> (all when null).</summary>
public sealed record LoopbackFault(LoopbackFaultKind Kind)
{
    public int StatusCode { get; init; }
    public string? RetryAfter { get; init; }
    public string? RetryAfterMs { get; init; }
    public TimeSpan Delay { get; init; }
    public Func<string, string, bool>? Targets { get; init; }

    public static LoopbackFault TooManyRequests(double? retryAfterSeconds = null, double? retryAfterMs = null) => new(LoopbackFaultKind.TooManyRequests)
    {
        StatusCode = 429,
        RetryAfter = retryAfterSeconds?.ToString(CultureInfo.InvariantCulture),
        RetryAfterMs = retryAfterMs?.ToString(CultureInfo.InvariantCulture),
    };
    public static LoopbackFault Status(int code, double? retryAfterSeconds = null) =>
        new(LoopbackFaultKind.Status) { StatusCode = code, RetryAfter = retryAfterSeconds?.ToString(CultureInfo.InvariantCulture) };
    public static LoopbackFault Slow(TimeSpan delay) => new(LoopbackFaultKind.Slow) { Delay = delay };
    public static LoopbackFault Truncated() => new(LoopbackFaultKind.TruncatedJson);
    public static LoopbackFault Malformed() => new(LoopbackFaultKind.MalformedJson);
    public static LoopbackFault Refuse() => new(LoopbackFaultKind.Refusal);
    public static LoopbackFault Items(LoopbackFaultKind kind, params string[] shortIds) =>
        new(kind) { Targets = shortIds.Length == 0 ? null : (id, _) => shortIds.Contains(id) };
    public static LoopbackFault ItemsWhere(LoopbackFaultKind kind, Func<string, bool> headline) => new(kind) { Targets = (_, text) => headline(text) };
}

/// <summary>One request the server received, as parsed, with what it answered.</summary>
public sealed record LoopbackRequest
{
    public required int Seq { get; init; }
    public required string Path { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    /// <summary><c>api-key</c>, <c>bearer</c> or <c>none</c>.</summary>
    public required string AuthScheme { get; init; }
    public string? Model { get; init; }
    public IReadOnlyList<(string Role, string Content)> Messages { get; init; } = [];
    /// <summary>Headlines parsed from the user message's <c>id|headline</c> lines.</summary>
    public IReadOnlyList<(string Id, string Text)> Items { get; init; } = [];
    public string? ResponseFormatType { get; init; }
    public bool SchemaStrict { get; init; }
    public string? SchemaName { get; init; }
    public int? MaxTokens { get; init; }
    public LoopbackFault? Fault { get; init; }
    public int StatusCode { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }
    /// <summary>Characters of prompt text: message contents + the response schema.</summary>
    public int PromptChars { get; init; }
}

/// <summary>
/// A loopback server speaking the OpenAI chat-completions wire protocol (<c>POST /openai/v1/chat/completions</c>, also
/// <c>/v1/chat/completions</c>) on 127.0.0.1, for tests and the bench. Answers are computed from the request alone
/// (label from keywords in each headline, confidence from a hash, coins from the coin catalog, a short summary) and
/// <c>usage</c> counts tokens as <see cref="TokenEstimate"/> does. Faults are injected per call (<see cref="Enqueue"/>,
/// taken in order) or by a standing rule (<see cref="Rule"/>). Every request is recorded.
/// Auth: when <see cref="ApiKey"/> is set, <c>api-key: K</c> or <c>Authorization: Bearer K</c> must carry it; when
/// <see cref="BearerToken"/> is set, <c>Authorization: Bearer T</c> must; anything else is answered 401.
/// </summary>
public sealed class OpenAiLoopbackServer : IAsyncDisposable
{
    private static readonly string[] PositiveWords = ["surge", "surges", "soar", "soars", "rally", "rallies", "record", "gain", "gains", "jump", "jumps",
        "approve", "approves", "approved", "approval", "bullish", "inflows", "adopt", "adopts", "adoption", "upgrade", "partnership", "climbs", "rises", "high", "wins"];
    private static readonly string[] NegativeWords = ["crash", "crashes", "plunge", "plunges", "hack", "hacked", "exploit", "ban", "bans", "lawsuit", "sues",
        "fall", "falls", "drop", "drops", "slump", "slumps", "bearish", "outflows", "fraud", "liquidation", "liquidations", "tumbles", "sinks", "fine", "probe", "halts", "low"];

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<LoopbackFault> _faults = new();
    private readonly List<LoopbackRequest> _requests = [];
    private readonly Lock _gate = new();
    private readonly CoinCatalog _coins = CoinCatalog.Default;
    private int _seq;

    private OpenAiLoopbackServer(WebApplication app, Uri root) { _app = app; Root = root; }

    /// <summary><c>http://127.0.0.1:PORT</c> — use as <c>AZURE_OPENAI_ENDPOINT</c>.</summary>
    public Uri Root { get; }
    /// <summary><c>http://127.0.0.1:PORT/openai/v1/</c> — use as <c>OPENAI_BASE_URL</c>.</summary>
    public Uri BaseUrl => new(Root, "/openai/v1/");
    public string? ApiKey { get; set; }
    public string? BearerToken { get; set; }
    /// <summary>Standing fault rule, consulted when no queued fault is left (null result = answer normally).</summary>
    public Func<LoopbackRequest, LoopbackFault?>? Rule { get; set; }

    public IReadOnlyList<LoopbackRequest> Requests { get { lock (_gate) return [.. _requests]; } }

    /// <summary>Faults for the next calls, one per call, in order.</summary>
    public void Enqueue(params LoopbackFault[] faults) { foreach (var f in faults) _faults.Enqueue(f); }

    /// <summary>Starts on 127.0.0.1 with a free port; with <paramref name="httpsCertificate"/> it serves HTTPS (bearer tokens need TLS).</summary>
    public static async Task<OpenAiLoopbackServer> StartAsync(string? apiKey = null, string? bearerToken = null,
        X509Certificate2? httpsCertificate = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => { if (httpsCertificate is not null) l.UseHttps(httpsCertificate); }));
        var app = builder.Build();
        OpenAiLoopbackServer? self = null;
        app.MapPost("/openai/v1/chat/completions", (HttpContext c) => self!.HandleAsync(c));
        app.MapPost("/v1/chat/completions", (HttpContext c) => self!.HandleAsync(c));
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new OpenAiLoopbackServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)))
            { ApiKey = apiKey, BearerToken = bearerToken };
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A throw-away self-signed certificate for 127.0.0.1 (made at run time; nothing is stored).</summary>
    public static X509Certificate2 CreateLoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    private async Task HandleAsync(HttpContext http)
    {
        var seq = Interlocked.Increment(ref _seq);
        var auth = CheckAuth(http.Request, out var scheme);
        using var body = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
        var req = Parse(body.RootElement, seq, http.Request.Path, scheme);
        if (!auth)
        {
            await ErrorAsync(http, Record(req, 401), "invalid_api_key", "Access denied due to invalid subscription key or wrong API endpoint.");
            return;
        }
        if (req.ResponseFormatType != "json_schema" || !req.SchemaStrict || req.Items.Count == 0 || req.Model is null)
        {
            await ErrorAsync(http, Record(req, 400), "invalid_request_error",
                "expected model, a strict json_schema response_format and 'id|headline' lines in the user message");
            return;
        }
        var fault = _faults.TryDequeue(out var queued) ? queued : Rule?.Invoke(req);
        req = req with { Fault = fault };
        switch (fault?.Kind)
        {
            case LoopbackFaultKind.TooManyRequests or LoopbackFaultKind.Status:
                if (fault.RetryAfter is { } ra) http.Response.Headers["Retry-After"] = ra;
                if (fault.RetryAfterMs is { } ms) http.Response.Headers["retry-after-ms"] = ms;
                await ErrorAsync(http, Record(req, fault.StatusCode), fault.StatusCode == 429 ? "rate_limit_exceeded" : "server_error",
                    $"injected {fault.StatusCode}");
                return;
            case LoopbackFaultKind.Slow:
                Record(req, 102); // recorded on arrival: "still working" until it answers (200) or the client gives up (499)
                try { await Task.Delay(fault.Delay, http.RequestAborted); }
                catch (OperationCanceledException) { req.StatusCode = 499; return; }
                break;
        }
        var (content, refusal, finish) = Answer(req.Items, fault);
        var promptTokens = TokenEstimate.Prompt(req.Messages.Select(m => m.Content), SchemaText(body.RootElement));
        var completionTokens = TokenEstimate.Text(content ?? refusal);
        req.PromptTokens = promptTokens;
        req.CompletionTokens = completionTokens;
        if (req.StatusCode == 102) req.StatusCode = 200; else Record(req, 200);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(CompletionJson(seq, req.Model!, content, refusal, finish, promptTokens, completionTokens), http.RequestAborted);
    }

    private LoopbackRequest Record(LoopbackRequest r, int status)
    {
        r.StatusCode = status;
        lock (_gate) _requests.Add(r);
        return r;
    }

    private bool CheckAuth(HttpRequest r, out string scheme)
    {
        string? bearer = r.Headers.Authorization.ToString() is { } a && a.StartsWith("Bearer ", StringComparison.Ordinal) ? a[7..] : null;
        string? key = r.Headers["api-key"].ToString() is { Length: > 0 } k ? k : null;
        scheme = key is not null ? "api-key" : bearer is not null ? "bearer" : "none";
        if (ApiKey is null && BearerToken is null) return true;
        return (ApiKey is not null && (key == ApiKey || bearer == ApiKey)) || (BearerToken is not null && bearer == BearerToken);
    }

    private static LoopbackRequest Parse(JsonElement root, int seq, string path, string scheme)
    {
        var messages = new List<(string, string)>();
        var items = new List<(string, string)>();
        if (root.TryGetProperty("messages", out var ms) && ms.ValueKind == JsonValueKind.Array)
            foreach (var m in ms.EnumerateArray())
            {
                var role = m.TryGetProperty("role", out var r) ? r.GetString() ?? "" : "";
                var content = m.TryGetProperty("content", out var c) ? ContentText(c) : "";
                messages.Add((role, content));
                if (role == "user")
                    foreach (var line in content.Split('\n'))
                        if (line.IndexOf('|') is > 0 and var bar) items.Add((line[..bar].Trim(), line[(bar + 1)..]));
            }
        string? type = null, name = null;
        var strict = false;
        if (root.TryGetProperty("response_format", out var rf) && rf.ValueKind == JsonValueKind.Object)
        {
            type = rf.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (rf.TryGetProperty("json_schema", out var js) && js.ValueKind == JsonValueKind.Object)
            {
                name = js.TryGetProperty("name", out var n) ? n.GetString() : null;
                strict = js.TryGetProperty("strict", out var s) && s.ValueKind == JsonValueKind.True && js.TryGetProperty("schema", out _);
            }
        }
        int? maxTokens = root.TryGetProperty("max_completion_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32()
            : root.TryGetProperty("max_tokens", out var mt2) && mt2.ValueKind == JsonValueKind.Number ? mt2.GetInt32() : null;
        return new LoopbackRequest
        {
            Seq = seq, Path = path, ReceivedAt = DateTimeOffset.UtcNow, AuthScheme = scheme,
            Model = root.TryGetProperty("model", out var mo) ? mo.GetString() : null,
            Messages = messages, Items = items, ResponseFormatType = type, SchemaStrict = strict, SchemaName = name, MaxTokens = maxTokens,
            PromptChars = messages.Sum(m => m.Item2.Length) + (SchemaText(root)?.Length ?? 0),
        };
    }

    private static string ContentText(JsonElement c) => c.ValueKind switch
    {
        JsonValueKind.String => c.GetString() ?? "",
        JsonValueKind.Array => string.Concat(c.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : "")),
        _ => "",
    };

    /// <summary>The response schema as the client sent it (compact), for the prompt-token count.</summary>
    private static string? SchemaText(JsonElement root) =>
        root.TryGetProperty("response_format", out var rf) && rf.ValueKind == JsonValueKind.Object && rf.TryGetProperty("json_schema", out var js)
        && js.TryGetProperty("schema", out var s) ? JsonSerializer.Serialize(s) : null;

    /// <summary>The deterministic answer for one headline.</summary>
    public (string Label, double Confidence, IReadOnlyList<string> Coins, string Summary) Judge(string headline)
    {
        var words = headline.ToLowerInvariant().Split([' ', ',', '.', ':', ';', '!', '?', '"', '\'', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        var score = words.Count(w => PositiveWords.Contains(w)) - words.Count(w => NegativeWords.Contains(w));
        var label = score > 0 ? "Positive" : score < 0 ? "Negative" : "Neutral";
        var hash = 2166136261u; // FNV-1a: stable across runs and processes
        foreach (var ch in headline) hash = (hash ^ ch) * 16777619u;
        var confidence = Math.Round(0.55 + hash % 41 / 100.0, 2);
        var summary = string.Join(' ', headline.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(6));
        return (label, confidence, _coins.FindCoins(headline), summary);
    }

    private (string? Content, string? Refusal, string Finish) Answer(IReadOnlyList<(string Id, string Text)> items, LoopbackFault? fault)
    {
        if (fault?.Kind == LoopbackFaultKind.Refusal) return (null, "I'm sorry, I can't help with that request.", "stop");
        if (fault?.Kind == LoopbackFaultKind.MalformedJson) return ("Sure! Here are the labels: 1 Positive, 2 Negative", null, "stop");
        bool Hit((string Id, string Text) i) => fault?.Targets is null || fault.Targets(i.Id, i.Text);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var it in items)
            {
                var (label, confidence, coins, summary) = Judge(it.Text);
                var hit = Hit(it);
                switch (fault?.Kind)
                {
                    case LoopbackFaultKind.MissingIds when hit: continue;
                    case LoopbackFaultKind.WrongIds when hit: Item(w, "x" + it.Id, coins, label, confidence, summary); continue;
                    case LoopbackFaultKind.InvalidLabel when hit: Item(w, it.Id, coins, "Bullish", confidence, summary); continue;
                    case LoopbackFaultKind.ConfidenceOutOfRange when hit: Item(w, it.Id, coins, label, 1.7, summary); continue;
                    case LoopbackFaultKind.DuplicatedIds when hit:
                        Item(w, it.Id, coins, label, confidence, summary);
                        Item(w, it.Id, coins, label == "Negative" ? "Positive" : "Negative", confidence, summary);
                        continue;
                }
                Item(w, it.Id, coins, label, confidence, summary);
            }
            if (fault?.Kind == LoopbackFaultKind.ExtraIds) Item(w, "999", [], "Neutral", 0.5, "not asked");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        return fault?.Kind == LoopbackFaultKind.TruncatedJson ? (json[..(json.Length / 2)], null, "length") : (json, null, "stop");
    }

    private static void Item(Utf8JsonWriter w, string id, IReadOnlyList<string> coins, string label, double confidence, string summary)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteStartArray("coins");
        foreach (var c in coins) w.WriteStringValue(c);
        w.WriteEndArray();
        w.WriteString("label", label);
        w.WriteNumber("confidence", confidence);
        w.WriteString("summary", summary);
        w.WriteEndObject();
    }

    private static byte[] CompletionJson(int seq, string model, string? content, string? refusal, string finish, int promptTokens, int completionTokens)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", $"chatcmpl-loopback-{seq}");
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            w.WriteString("model", model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (content is null) w.WriteNull("content"); else w.WriteString("content", content);
            if (refusal is null) w.WriteNull("refusal"); else w.WriteString("refusal", refusal);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finish);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", promptTokens);
            w.WriteNumber("completion_tokens", completionTokens);
            w.WriteNumber("total_tokens", promptTokens + completionTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task ErrorAsync(HttpContext http, LoopbackRequest r, string code, string message)
    {
        http.Response.StatusCode = r.StatusCode;
        http.Response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new { error = new { message, type = code, code } });
        await http.Response.Body.WriteAsync(bytes);
    }
}
