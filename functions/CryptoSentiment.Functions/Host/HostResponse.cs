using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CryptoSentiment.Functions.Host;

/// <summary>
/// The custom-handler response body: <c>{"Outputs":{...},"Logs":[...],"ReturnValue":...}</c>. Output binding values are
/// JSON arrays of strings (one Event Hubs event per element, sent as the string's UTF-8 text) or JSON objects, never
/// bare strings (the host would try to base64-decode those).
/// </summary>
public sealed class HostResponse
{
    public JsonObject Outputs { get; } = new();
    public List<string> Logs { get; } = new();
    public JsonNode? ReturnValue { get; set; }

    public void Log(string line) => Logs.Add(line);

    public byte[] ToUtf8()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WritePropertyName("Outputs");
            Outputs.WriteTo(w);
            w.WriteStartArray("Logs");
            foreach (var l in Logs) w.WriteStringValue(l);
            w.WriteEndArray();
            w.WritePropertyName("ReturnValue");
            if (ReturnValue is null) w.WriteNullValue(); else ReturnValue.WriteTo(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static JsonArray Strings(IEnumerable<string> items)
    {
        var a = new JsonArray();
        foreach (var s in items) a.Add((JsonNode?)JsonValue.Create(s));
        return a;
    }

    public static JsonObject Counts(IEnumerable<KeyValuePair<string, int>> counts)
    {
        var o = new JsonObject();
        foreach (var (k, v) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)) o[k] = v;
        return o;
    }
}
