using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CryptoSentiment.Api;

/// <summary>
/// One HTTP request as the API sees it, whatever host received it: method, path (<c>/api/v1/...</c>, not decoded further),
/// query parameters (decoded; the first value of a repeated name wins) and the <c>If-None-Match</c> header.
/// </summary>
public sealed record ApiRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? IfNoneMatch = null)
{
    private static readonly IReadOnlyDictionary<string, string> NoQuery = new Dictionary<string, string>();

    /// <summary>A GET of <paramref name="pathAndQuery"/> (e.g. <c>/api/v1/coins/BTC?hours=48</c>).</summary>
    public static ApiRequest Get(string pathAndQuery, string? ifNoneMatch = null) => Parse("GET", pathAndQuery, ifNoneMatch);

    /// <summary>Splits <paramref name="pathAndQuery"/> at <c>?</c> and decodes the query string (<c>+</c> is a space).</summary>
    public static ApiRequest Parse(string method, string pathAndQuery, string? ifNoneMatch = null)
    {
        var q = pathAndQuery.IndexOf('?');
        var path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        return new ApiRequest(method, path, q < 0 ? NoQuery : ParseQuery(pathAndQuery[(q + 1)..]), ifNoneMatch);
    }

    /// <summary><c>a=1&amp;b=x%20y</c> → {a: "1", b: "x y"}; the first occurrence of a name wins; names are case-sensitive.</summary>
    public static IReadOnlyDictionary<string, string> ParseQuery(string query)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var name = Decode(eq < 0 ? part : part[..eq]);
            var value = eq < 0 ? "" : Decode(part[(eq + 1)..]);
            d.TryAdd(name, value);
        }
        return d;
    }

    private static string Decode(string s)
    {
        try { return Uri.UnescapeDataString(s.Replace('+', ' ')); }
        catch (UriFormatException) { return s; }
    }
}

/// <summary>What the API answers: status, headers (Content-Type among them when there is a body) and the body bytes.</summary>
public sealed record ApiResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? ContentType => Headers.TryGetValue("Content-Type", out var v) ? v : null;
    public string? ETag => Headers.TryGetValue("ETag", out var v) ? v : null;
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>A request the API refuses with an RFC 9457 problem document (400, 404, 405).</summary>
public sealed class ApiProblemException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string Detail { get; } = detail;

    public static ApiProblemException BadRequest(string detail) => new(400, "Bad Request", detail);
    public static ApiProblemException NotFound(string detail) => new(404, "Not Found", detail);
}

/// <summary>JSON writing shared by the API: compact, UTF-8, relaxed escaping (served as application/json, never inlined in HTML).</summary>
internal static class ApiJson
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, Options)) write(w);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An RFC 9457 problem document: type, title, status, detail, instance.</summary>
    public static byte[] Problem(int status, string title, string detail, string instance) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "about:blank");
        w.WriteString("title", title);
        w.WriteNumber("status", status);
        w.WriteString("detail", detail);
        w.WriteString("instance", instance);
        w.WriteEndObject();
    });
}
