using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSentiment.Api;

namespace CryptoSentiment.Functions.Host;

/// <summary>
/// The HTTP API (<c>/api/v1</c>, ARCHITECTURE §11) as Functions: one httpTrigger function per route, each a
/// <c>&lt;Name&gt;/function.json</c> with <c>authLevel: function</c>, <c>methods: [get]</c> and a <c>v1/...</c> route under the
/// host's default <c>api</c> prefix, answered by the same <see cref="LakeApi"/> as <c>crypto-sentiment serve</c>.
/// <para>
/// How requests arrive: host.json keeps <c>customHandler.enableForwardingHttpRequest: false</c>, so the host sends each HTTP
/// invocation like every other one — <c>POST /{FunctionName}</c> with <c>{"Data":{"req":{Url, Method, Query, Headers, Params,
/// Body, Identities}}, "Metadata":{...}}</c> — and takes the HTTP answer from the <c>res</c> output binding
/// (<c>Outputs.res = {statusCode, headers, body}</c>). Chosen over forwarding because (1) the app also has Event Hubs and timer
/// functions, which always use this envelope, so one entry point, one readiness route and one invocation log serve all of them;
/// (2) forwarding is the legacy mode (it rebuilds the request; the newer proxying mode is a different flag again) and applies
/// only to functions with exactly HTTP-in/HTTP-out bindings; (3) the envelope names the function, so routing is by the
/// function catalog, not by re-matching paths the host already matched. The key check (<c>?code=</c> / <c>x-functions-key</c>)
/// is the host's in both modes: a request without a valid key never reaches the handler.
/// </para>
/// </summary>
public static class HttpApi
{
    /// <summary>The HTTP functions and their routes (the function.json files say the same; a test holds them together).</summary>
    public static readonly IReadOnlyList<(string Name, string Route)> Functions =
    [
        ("ApiCoins", "v1/coins"),
        ("ApiCoin", "v1/coins/{coin}"),
        ("ApiTop", "v1/top"),
        ("ApiHeadlines", "v1/headlines"),
        ("ApiAlerts", "v1/alerts"),
        ("ApiOpenApi", "v1/openapi.json"),
    ];

    /// <summary>The host's default route prefix (host.json <c>extensions.http.routePrefix</c> is not set).</summary>
    public const string RoutePrefix = "api";

    /// <summary>
    /// The API request inside a host HTTP payload. The path and query come from <c>req.Url</c> (the original URL, so the query
    /// string is exactly what the client sent); without a Url, from the function's route filled with <c>req.Params</c> and from
    /// <c>req.Query</c>. Every value may arrive double-encoded (a string holding JSON), like any host value.
    /// </summary>
    public static ApiRequest ToRequest(FunctionDef def, JsonElement payload)
    {
        if (!HostJson.TryGet(payload, "Data", out var data) || data.ValueKind != JsonValueKind.Object)
            throw new PayloadException($"{def.Name}: the request has no Data object");
        if (!HostJson.TryGet(data, def.TriggerBinding, out var req) || req.ValueKind != JsonValueKind.Object)
            throw new PayloadException($"{def.Name}: Data has no '{def.TriggerBinding}' HTTP request object");
        var method = HostJson.TryGet(req, "Method", out var m) && HostJson.Text(m) is { Length: > 0 } ms ? ms.ToUpperInvariant() : "GET";
        var ifNoneMatch = req.TryGetProperty("Headers", out var headers) || req.TryGetProperty("headers", out headers) ? Header(headers, "If-None-Match") : null;

        string path;
        IReadOnlyDictionary<string, string>? query = null;
        if (HostJson.TryGet(req, "Url", out var u) && HostJson.Text(u) is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            path = uri.AbsolutePath;
            query = ApiRequest.ParseQuery(uri.Query);
        }
        else
        {
            var route = def.Route ?? throw new PayloadException($"{def.Name}: the request has no Url and function.json no route");
            var values = HostJson.TryGet(req, "Params", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            var filled = new StringBuilder();
            foreach (var segment in route.Split('/'))
            {
                filled.Append('/');
                if (segment.StartsWith('{') && segment.EndsWith('}'))
                {
                    var name = segment[1..^1].Split(':')[0].TrimStart('*');
                    var v = values.ValueKind == JsonValueKind.Object && HostJson.TryGet(values, name, out var pv) ? HostJson.Text(pv) : null;
                    filled.Append(Uri.EscapeDataString(v ?? ""));
                }
                else filled.Append(segment);
            }
            path = "/" + RoutePrefix + filled;
        }
        if (query is null || query.Count == 0)
        {
            // No query in the Url (or no Url): the host's Query object (name → string; repeated names joined by commas).
            if (HostJson.TryGet(req, "Query", out var q) && q.ValueKind == JsonValueKind.Object)
            {
                var d = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var prop in q.EnumerateObject())
                {
                    var v = HostJson.Unwrap(prop.Value);
                    var text = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(HostJson.Text).FirstOrDefault() : HostJson.Text(v);
                    if (text is not null) d.TryAdd(prop.Name, text);
                }
                query = d;
            }
        }
        return new ApiRequest(method, path, query ?? new Dictionary<string, string>(), ifNoneMatch);
    }

    /// <summary>
    /// A header value: the host writes each header as an array of strings (or a string); names are case-insensitive. Values are
    /// taken as they are, never JSON-unwrapped: an ETag (<c>"abc"</c>) looks like a JSON string and must keep its quotes.
    /// </summary>
    private static string? Header(JsonElement headers, string name)
    {
        headers = HostJson.Unwrap(headers);
        if (headers.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in headers.EnumerateObject())
        {
            if (!p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
            var v = p.Value;
            if (v.ValueKind == JsonValueKind.String && v.GetString() is { } s && s.TrimStart().StartsWith('['))
                v = HostJson.Unwrap(v); // an array of values encoded in a string
            return v.ValueKind switch
            {
                JsonValueKind.Array => string.Join(", ", v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString())),
                JsonValueKind.String => v.GetString(),
                _ => null,
            };
        }
        return null;
    }

    /// <summary>
    /// The <c>res</c> output binding value: <c>{statusCode, headers, body}</c>. The body is the JSON text as a string: it starts
    /// with <c>{</c> or <c>[</c>, so the host's base64 probe of output strings can never take it for base64 (a 304 has no body).
    /// </summary>
    public static JsonObject ToOutput(ApiResponse response)
    {
        var headers = new JsonObject();
        foreach (var (k, v) in response.Headers) headers[k] = v;
        return new JsonObject
        {
            ["statusCode"] = response.Status,
            ["headers"] = headers,
            ["body"] = Encoding.UTF8.GetString(response.Body),
        };
    }
}
