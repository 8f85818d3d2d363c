using System.Text.Json;

namespace CryptoSentiment.Functions.Host;

/// <summary>The request breaks the custom-handler contract (missing binding, partition, sequence numbers...): retrying cannot help.</summary>
public sealed class PayloadException(string message) : Exception(message);

/// <summary>
/// Reading host values. The Functions host serialises every Data/Metadata value that is not a POCO (strings, arrays,
/// primitives) with <c>JsonConvert.SerializeObject</c> and stores the JSON text in a string, so an array arrives as a
/// string holding a JSON array. Every accessor here accepts both shapes.
/// </summary>
public static class HostJson
{
    /// <summary>
    /// When <paramref name="e"/> is a string whose text is JSON (starts with <c>[</c>, <c>{</c> or <c>"</c>), the parsed
    /// value; repeated for values encoded more than once (at most 3 times); otherwise <paramref name="e"/> itself.
    /// </summary>
    public static JsonElement Unwrap(JsonElement e)
    {
        for (int i = 0; i < 3 && e.ValueKind == JsonValueKind.String; i++)
        {
            var s = e.GetString()!;
            var t = s.AsSpan().TrimStart();
            if (t.IsEmpty || t[0] is not ('[' or '{' or '"')) break;
            try
            {
                using var doc = JsonDocument.Parse(s);
                e = doc.RootElement.Clone();
            }
            catch (JsonException) { break; } // text that only looks like JSON: keep the string
        }
        return e;
    }

    /// <summary>The property <paramref name="name"/> of an object (exact name first, then any letter case), unwrapped.</summary>
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        value = default;
        obj = Unwrap(obj);
        if (obj.ValueKind != JsonValueKind.Object) return false;
        if (obj.TryGetProperty(name, out value)) { value = Unwrap(value); return true; }
        foreach (var p in obj.EnumerateObject())
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) { value = Unwrap(p.Value); return true; }
        return false;
    }

    /// <summary>The elements of an array value (either shape); null when absent or not an array.</summary>
    public static List<JsonElement>? Array(JsonElement obj, string name) =>
        TryGet(obj, name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.Clone()).ToList() : null;

    /// <summary>A string or number as text (sequence numbers and partition ids come either way).</summary>
    public static string? Text(JsonElement e)
    {
        e = Unwrap(e);
        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            _ => null,
        };
    }

    public static bool TryInt64(JsonElement e, out long value)
    {
        value = 0;
        e = Unwrap(e);
        return e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(e.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }
}
