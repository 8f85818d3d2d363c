using System.Net;
using System.Text.Json;
using CryptoSentiment.Api;
using CryptoSentiment.Functions.Host;
using CryptoSentiment.Tests.Functions;

namespace CryptoSentiment.Tests.Api;

/// <summary>
/// The API through both hosts: <c>serve</c> (the CLI's dashboard server) and the Functions custom handler
/// (<c>POST /{Function}</c> with the host's HTTP payload) give the same status, body and ETag; and the HTTP functions' function.json.
/// </summary>
[Collection(ApiCollection.Name)]
public class ApiHostsTests(ApiFixture f)
{
    /// <summary>The function whose route serves <paramref name="path"/> (what the Functions host would match).</summary>
    private static (string Function, Dictionary<string, string> Params) FunctionFor(string path)
    {
        var rest = path["/api/v1/".Length..].Split('?')[0].Split('/');
        return rest switch
        {
            ["coins"] => ("ApiCoins", new()),
            ["coins", var c] => ("ApiCoin", new() { ["coin"] = c }),
            ["top"] => ("ApiTop", new()),
            ["headlines"] => ("ApiHeadlines", new()),
            ["alerts"] => ("ApiAlerts", new()),
            ["openapi.json"] => ("ApiOpenApi", new()),
            _ => throw new ArgumentException(path),
        };
    }

    /// <summary>The payload the Functions host POSTs for an HTTP request (Data.req as the host builds it; Metadata JSON-in-strings).</summary>
    internal static string HostPayload(string pathAndQuery, string? ifNoneMatch = null, bool withUrl = true)
    {
        var (function, parameters) = FunctionFor(pathAndQuery);
        var query = ApiRequest.Parse("GET", pathAndQuery).Query.ToDictionary(kv => kv.Key, kv => kv.Value);
        query["code"] = "test-key";
        var headers = new Dictionary<string, string[]> { ["Accept"] = ["application/json"], ["Host"] = ["func.example.net"] };
        if (ifNoneMatch is not null) headers["If-None-Match"] = [ifNoneMatch];
        var req = new Dictionary<string, object>
        {
            ["Method"] = "GET",
            ["Query"] = query,
            ["Headers"] = headers,
            ["Params"] = parameters,
            ["Identities"] = new[] { new Dictionary<string, object?> { ["AuthenticationType"] = "WebJobsAuthLevel", ["IsAuthenticated"] = true } },
        };
        if (withUrl) req["Url"] = "https://func.example.net" + pathAndQuery + (pathAndQuery.Contains('?') ? "&" : "?") + "code=test-key";
        var metadata = new Dictionary<string, object>(parameters.ToDictionary(kv => kv.Key, kv => (object)JsonSerializer.Serialize(kv.Value)))
        {
            ["Query"] = JsonSerializer.Serialize(query),
            ["sys"] = new Dictionary<string, string> { ["MethodName"] = function, ["UtcNow"] = "2026-11-30T10:15:00Z", ["RandGuid"] = Guid.NewGuid().ToString() },
        };
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["Data"] = new Dictionary<string, object> { ["req"] = req }, ["Metadata"] = metadata });
    }

    private sealed record HostAnswer(int Status, Dictionary<string, string> Headers, string Body);

    private async Task<HostAnswer> ViaFunctionsAsync(string pathAndQuery, string? ifNoneMatch = null, bool withUrl = true)
    {
        var invocation = await f.Functions.PostAsync(FunctionFor(pathAndQuery).Function, HostPayload(pathAndQuery, ifNoneMatch, withUrl));
        Assert.True(invocation.Status == 200, invocation.ToString()); // the invocation succeeds; the API's status is in res
        var res = invocation.Body.GetProperty("Outputs").GetProperty("res");
        var headers = res.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
        return new HostAnswer(res.GetProperty("statusCode").GetInt32(), headers, res.GetProperty("body").GetString()!);
    }

    private async Task<HostAnswer> ViaServeAsync(string pathAndQuery, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery.TrimStart('/'));
        if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        using var response = await f.Serve.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new HostAnswer((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/v1/coins")]
    [InlineData("/api/v1/coins/BTC?hours=48")]
    [InlineData("/api/v1/coins/eth")]
    [InlineData("/api/v1/top")]
    [InlineData("/api/v1/headlines?coin=BTC&limit=7")]
    [InlineData("/api/v1/headlines?limit=3&before=2026-03-03T12:00:00Z")]
    [InlineData("/api/v1/openapi.json")]
    [InlineData("/api/v1/coins/ZZZ")]
    [InlineData("/api/v1/coins/BTC?hours=999")]
    [InlineData("/api/v1/alerts?since=2026-03-01T00:00:00Z")]
    public async Task Serve_and_the_Functions_host_path_give_the_same_answer(string pathAndQuery)
    {
        var direct = await f.GetAsync(pathAndQuery);
        var serve = await ViaServeAsync(pathAndQuery);
        var functions = await ViaFunctionsAsync(pathAndQuery);
        Assert.Equal(direct.Status, serve.Status);
        Assert.Equal(direct.Status, functions.Status);
        Assert.Equal(direct.BodyText, serve.Body);
        Assert.Equal(direct.BodyText, functions.Body);
        // HttpClient re-renders Cache-Control from its parsed form (directive order changes): compare parsed.
        Assert.Equal(System.Net.Http.Headers.CacheControlHeaderValue.Parse(direct.Headers["Cache-Control"]),
            System.Net.Http.Headers.CacheControlHeaderValue.Parse(serve.Headers["Cache-Control"]));
        Assert.Equal(direct.Headers["Cache-Control"], functions.Headers["Cache-Control"]);
        foreach (var h in new[] { "Content-Type", "ETag" })
        {
            Assert.Equal(direct.Headers.GetValueOrDefault(h), serve.Headers.GetValueOrDefault(h));
            Assert.Equal(direct.Headers.GetValueOrDefault(h), functions.Headers.GetValueOrDefault(h));
        }
        // Without Url (older hosts): the route is filled from Params and the query comes from Query.
        var noUrl = await ViaFunctionsAsync(pathAndQuery, withUrl: false);
        Assert.Equal(functions, noUrl with { Headers = functions.Headers });
        if (direct.Status == 200)
        {
            Assert.Equal(304, (await ViaServeAsync(pathAndQuery, direct.ETag)).Status);
            var notModified = await ViaFunctionsAsync(pathAndQuery, direct.ETag);
            Assert.Equal(304, notModified.Status);
            Assert.Equal("", notModified.Body);
            Assert.Equal(direct.ETag, notModified.Headers["ETag"]);
        }
    }

    [Fact]
    public async Task Recorded_host_payload_of_an_HTTP_trigger()
    {
        var invocation = await f.Functions.PostAsync("ApiCoin", TestFiles.ReadPayload("ApiCoin.http.json"));
        Assert.True(invocation.Status == 200, invocation.ToString());
        var res = invocation.Body.GetProperty("Outputs").GetProperty("res");
        Assert.Equal(200, res.GetProperty("statusCode").GetInt32()); // the recorded If-None-Match is stale
        Assert.Equal((await f.GetAsync("/api/v1/coins/BTC?hours=48")).BodyText, res.GetProperty("body").GetString());
        Assert.Contains(invocation.Logs, l => l.Contains("ApiCoin: GET /api/v1/coins/btc → 200"));
    }

    [Fact]
    public async Task Serve_keeps_the_dashboard_API_beside_v1()
    {
        using var old = await f.Serve.GetAsync("api/nope");
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        Assert.Equal("application/json", old.Content.Headers.ContentType?.MediaType); // the dashboard's own 404
        using var v1 = await f.Serve.GetAsync("api/v1/nope");
        Assert.Equal(HttpStatusCode.NotFound, v1.StatusCode);
        Assert.Equal("application/problem+json", v1.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Http_function_json_files_declare_the_routes()
    {
        var root = AppContext.BaseDirectory;
        var catalog = FunctionCatalog.Load(root);
        var http = catalog.All.Where(d => d.Http).Select(d => (d.Name, d.Route!)).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(HttpApi.Functions.OrderBy(x => x.Name, StringComparer.Ordinal), http);
        foreach (var (name, route) in HttpApi.Functions)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, name, "function.json")));
            var bindings = doc.RootElement.GetProperty("bindings").EnumerateArray().ToList();
            var trigger = bindings.Single(b => b.GetProperty("type").GetString() == "httpTrigger");
            Assert.Equal("in", trigger.GetProperty("direction").GetString());
            Assert.Equal("function", trigger.GetProperty("authLevel").GetString());
            Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
            Assert.Equal(route, trigger.GetProperty("route").GetString());
            Assert.StartsWith("v1/", route);
            var output = bindings.Single(b => b.GetProperty("type").GetString() == "http");
            Assert.Equal("out", output.GetProperty("direction").GetString());
            Assert.True(catalog.TryGet(name, out var def));
            Assert.Equal([output.GetProperty("name").GetString()!], def.Outputs);
            Assert.Equal(trigger.GetProperty("name").GetString(), def.TriggerBinding);
        }
        // Every documented route has its function; the routes are those of the API (under the default 'api' prefix).
        var openApi = JsonDocument.Parse(OpenApiDocument.Build()).RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name);
        Assert.Equal(openApi.Order(StringComparer.Ordinal), HttpApi.Functions.Select(x => "/api/" + x.Route).Order(StringComparer.Ordinal));
        // host.json keeps the envelope (POST /{Function}) for HTTP functions too, and the default route prefix.
        using var host = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "host.json")));
        Assert.False(host.RootElement.GetProperty("customHandler").GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.False(host.RootElement.GetProperty("extensions").TryGetProperty("http", out _));
    }
}
