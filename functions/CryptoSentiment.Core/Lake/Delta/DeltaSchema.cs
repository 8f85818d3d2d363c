using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CryptoSentiment.Lake.Delta;

/// <summary>
/// One top-level column. <see cref="Type"/> is a Delta primitive type name (string, long, integer, double, boolean,
/// date, timestamp, ...) or, for nested types read from an existing table, the raw JSON of the type object.
/// </summary>
public sealed record DeltaField(string Name, string Type, bool Nullable = true)
{
    /// <summary>True when <see cref="Type"/> is a nested type (struct/array/map) kept as raw JSON.</summary>
    public bool IsComplex => Type.StartsWith('{');
}

/// <summary>Builds and parses the Delta <c>schemaString</c> (a Spark StructType in JSON).</summary>
public sealed partial record DeltaSchema(IReadOnlyList<DeltaField> Fields)
{
    private static readonly HashSet<string> Primitives = new(StringComparer.Ordinal)
    {
        "string", "long", "integer", "short", "byte", "float", "double", "boolean", "binary", "date", "timestamp", "timestamp_ntz",
    };

    [GeneratedRegex(@"^decimal\(\d{1,2},\s*\d{1,2}\)$")]
    private static partial Regex DecimalType();

    public static DeltaSchema Of(params DeltaField[] fields) => new(fields);

    public static DeltaSchema Of(params (string Name, string Type, bool Nullable)[] fields) =>
        new(fields.Select(f => new DeltaField(f.Name, f.Type, f.Nullable)).ToList());

    public DeltaField? this[string name] => Fields.FirstOrDefault(f => f.Name == name);

    /// <summary>The <c>schemaString</c>. Throws for unknown primitive types or duplicate/empty names.</summary>
    public string ToJson()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("type", "struct");
            w.WriteStartArray("fields");
            foreach (var f in Fields)
            {
                if (string.IsNullOrEmpty(f.Name)) throw new ArgumentException("Column name must not be empty.");
                if (!names.Add(f.Name)) throw new ArgumentException($"Duplicate column '{f.Name}'.");
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                if (f.IsComplex)
                {
                    w.WritePropertyName("type");
                    using var doc = JsonDocument.Parse(f.Type);
                    doc.RootElement.WriteTo(w);
                }
                else
                {
                    if (!IsPrimitive(f.Type)) throw new ArgumentException($"Unsupported Delta type '{f.Type}' for column '{f.Name}'.");
                    w.WriteString("type", f.Type);
                }
                w.WriteBoolean("nullable", f.Nullable);
                w.WriteStartObject("metadata");
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static bool IsPrimitive(string type) => Primitives.Contains(type) || DecimalType().IsMatch(type);

    /// <summary>Parses a <c>schemaString</c>; nested types are kept as raw JSON in <see cref="DeltaField.Type"/>.</summary>
    public static DeltaSchema Parse(string schemaString)
    {
        using var doc = JsonDocument.Parse(schemaString);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var t) || t.GetString() != "struct"
            || !root.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException("schemaString is not a struct type.");
        var list = new List<DeltaField>();
        foreach (var f in fields.EnumerateArray())
        {
            var name = f.GetProperty("name").GetString() ?? throw new InvalidDataException("field without name");
            var type = f.GetProperty("type");
            var typeText = type.ValueKind == JsonValueKind.String ? type.GetString()! : type.GetRawText();
            var nullable = !f.TryGetProperty("nullable", out var n) || n.ValueKind != JsonValueKind.False;
            list.Add(new DeltaField(name, typeText, nullable));
        }
        return new DeltaSchema(list);
    }

    public bool Equals(DeltaSchema? other) => other is not null && Fields.SequenceEqual(other.Fields);
    public override int GetHashCode() => Fields.Aggregate(0, (h, f) => HashCode.Combine(h, f));
}
