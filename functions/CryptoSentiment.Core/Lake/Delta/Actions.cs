using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CryptoSentiment.Lake.Delta;

/// <summary>
/// One line of a Delta commit file (or one row of a checkpoint): exactly one of the properties is set.
/// Actions this library does not know (cdc, domainMetadata, checkpointMetadata, sidecar, ...) deserialize
/// to an instance with every property null (<see cref="IsKnown"/> false) and are ignored by the reader.
/// </summary>
public sealed record DeltaAction
{
    public ProtocolAction? Protocol { get; init; }
    public MetadataAction? MetaData { get; init; }
    public AddAction? Add { get; init; }
    public RemoveAction? Remove { get; init; }
    public TxnAction? Txn { get; init; }
    public CommitInfoAction? CommitInfo { get; init; }

    [JsonIgnore]
    public bool IsKnown => Protocol is not null || MetaData is not null || Add is not null || Remove is not null || Txn is not null || CommitInfo is not null;

    public static implicit operator DeltaAction(ProtocolAction a) => new() { Protocol = a };
    public static implicit operator DeltaAction(MetadataAction a) => new() { MetaData = a };
    public static implicit operator DeltaAction(AddAction a) => new() { Add = a };
    public static implicit operator DeltaAction(RemoveAction a) => new() { Remove = a };
    public static implicit operator DeltaAction(TxnAction a) => new() { Txn = a };
    public static implicit operator DeltaAction(CommitInfoAction a) => new() { CommitInfo = a };

    /// <summary>One JSON line (no newline).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DeltaJson.Context.DeltaAction);

    /// <summary>Parses one JSON object (a commit line, or a checkpoint row rendered as JSON).</summary>
    public static DeltaAction FromJson(string json) =>
        JsonSerializer.Deserialize(json, DeltaJson.Context.DeltaAction) ?? throw new InvalidDataException("null Delta action");

    /// <summary>Serializes a commit: one action per line, '\n'-separated, UTF-8.</summary>
    public static byte[] SerializeCommit(IEnumerable<DeltaAction> actions)
    {
        var sb = new StringBuilder();
        foreach (var a in actions)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(a.ToJson());
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Parses a commit file (newline-delimited JSON; blank lines skipped). Unknown actions are returned with <see cref="IsKnown"/> false.</summary>
    public static List<DeltaAction> ParseCommit(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith(Encoding.UTF8.Preamble)) utf8 = utf8[3..];
        var list = new List<DeltaAction>();
        while (!utf8.IsEmpty)
        {
            var nl = utf8.IndexOf((byte)'\n');
            var line = nl < 0 ? utf8 : utf8[..nl];
            utf8 = nl < 0 ? default : utf8[(nl + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty) continue;
            list.Add(JsonSerializer.Deserialize(line, DeltaJson.Context.DeltaAction) ?? throw new InvalidDataException("null Delta action"));
        }
        return list;
    }
}

/// <summary><c>protocol</c>: reader/writer versions (and table features for v3/v7).</summary>
public sealed record ProtocolAction
{
    public int MinReaderVersion { get; init; } = 1;
    public int MinWriterVersion { get; init; } = 2;
    public List<string>? ReaderFeatures { get; init; }
    public List<string>? WriterFeatures { get; init; }
}

/// <summary><c>metaData.format</c>.</summary>
public sealed record FormatSpec
{
    public string Provider { get; init; } = "parquet";
    public Dictionary<string, string?> Options { get; init; } = new();
}

/// <summary><c>metaData</c>: table id, schema (Delta JSON schema string), partition columns, configuration.</summary>
public sealed record MetadataAction
{
    public string Id { get; init; } = "";
    public string? Name { get; init; }
    public string? Description { get; init; }
    public FormatSpec Format { get; init; } = new();
    public string SchemaString { get; init; } = "";
    public List<string> PartitionColumns { get; init; } = new();
    public Dictionary<string, string?> Configuration { get; init; } = new();
    public long? CreatedTime { get; init; }

    [JsonIgnore]
    public DeltaSchema Schema => DeltaSchema.Parse(SchemaString);
}

/// <summary>
/// <c>add</c>: a data file becomes part of the table. <see cref="Path"/> is a relative URI (percent-encoded, see
/// <see cref="DeltaPaths"/>); <see cref="Stats"/> is a JSON string (see <see cref="FileStats"/>).
/// </summary>
public sealed record AddAction
{
    public string Path { get; init; } = "";
    public Dictionary<string, string?> PartitionValues { get; init; } = new();
    public long Size { get; init; }
    public long ModificationTime { get; init; }
    public bool DataChange { get; init; } = true;
    public string? Stats { get; init; }
    public Dictionary<string, string?>? Tags { get; init; }

    /// <summary>An <c>add</c> for a new data file at <paramref name="location"/> (see <see cref="DeltaPaths.NewDataFile(IEnumerable{KeyValuePair{string, string}}?, Guid?)"/>).</summary>
    public static AddAction Create(DataFileLocation location, long size, FileStats? stats = null, long? modificationTime = null, bool dataChange = true) => new()
    {
        Path = location.ActionPath,
        PartitionValues = new Dictionary<string, string?>(location.PartitionValues, StringComparer.Ordinal),
        Size = size,
        ModificationTime = modificationTime ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        DataChange = dataChange,
        Stats = stats?.ToJson(),
    };

    /// <summary>Parsed <see cref="Stats"/>, or null when absent.</summary>
    public FileStats? ParseStats() => Stats is null ? null : FileStats.Parse(Stats);

    /// <summary>A <c>remove</c> for this file (logical delete).</summary>
    public RemoveAction ToRemove(long? deletionTimestamp = null, bool dataChange = true) => new()
    {
        Path = Path,
        DeletionTimestamp = deletionTimestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        DataChange = dataChange,
        ExtendedFileMetadata = true,
        PartitionValues = PartitionValues,
        Size = Size,
    };
}

/// <summary><c>remove</c>: a data file stops being part of the table.</summary>
public sealed record RemoveAction
{
    public string Path { get; init; } = "";
    public long? DeletionTimestamp { get; init; }
    public bool DataChange { get; init; } = true;
    public bool? ExtendedFileMetadata { get; init; }
    public Dictionary<string, string?>? PartitionValues { get; init; }
    public long? Size { get; init; }
}

/// <summary><c>txn</c>: application-specific transaction watermark (idempotent writes).</summary>
public sealed record TxnAction
{
    public string AppId { get; init; } = "";
    public long Version { get; init; }
    public long? LastUpdated { get; init; }
}

/// <summary><c>commitInfo</c>: provenance. Parameter/metric values of any JSON type are read as strings (raw JSON for non-strings).</summary>
public sealed record CommitInfoAction
{
    public long? Timestamp { get; init; }
    public string? Operation { get; init; }
    [JsonConverter(typeof(LenientStringMapConverter))]
    public Dictionary<string, string?>? OperationParameters { get; init; }
    [JsonConverter(typeof(LenientStringMapConverter))]
    public Dictionary<string, string?>? OperationMetrics { get; init; }
    public string? EngineInfo { get; init; }
    public long? ReadVersion { get; init; }
    public bool? IsBlindAppend { get; init; }
    public string? TxnId { get; init; }
}

/// <summary>The <c>stats</c> JSON of an <c>add</c>: numRecords, minValues, maxValues, nullCount (nested objects for structs).</summary>
public sealed record FileStats
{
    public long NumRecords { get; init; }
    public JsonObject? MinValues { get; init; }
    public JsonObject? MaxValues { get; init; }
    public JsonObject? NullCount { get; init; }
    public bool? TightBounds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, DeltaJson.Context.FileStats);
    public static FileStats Parse(string json) =>
        JsonSerializer.Deserialize(json, DeltaJson.Context.FileStats) ?? throw new InvalidDataException("null stats");
}

/// <summary><c>_delta_log/_last_checkpoint</c>.</summary>
public sealed record LastCheckpoint
{
    public long Version { get; init; }
    public long Size { get; init; }
    public int? Parts { get; init; }
    public long? SizeInBytes { get; init; }
    public long? NumOfAddFiles { get; init; }
}

/// <summary>Reads any JSON object of scalars into string→string?; non-string values are kept as raw JSON text.</summary>
public sealed class LenientStringMapConverter : JsonConverter<Dictionary<string, string?>>
{
    public override Dictionary<string, string?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected object");
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject) return map;
            var key = reader.GetString()!;
            reader.Read();
            map[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                _ => ReadRaw(ref reader),
            };
        }
        throw new JsonException("unterminated object");
    }

    private static string ReadRaw(ref Utf8JsonReader reader)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string?> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (k, v) in value)
        {
            if (v is null) writer.WriteNull(k);
            else writer.WriteString(k, v);
        }
        writer.WriteEndObject();
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeltaAction))]
[JsonSerializable(typeof(FileStats))]
[JsonSerializable(typeof(LastCheckpoint))]
[JsonSerializable(typeof(string[]), TypeInfoPropertyName = "StringArray")]
internal sealed partial class DeltaJsonContext : JsonSerializerContext;

internal static class DeltaJson
{
    /// <summary>Source-generated context with relaxed escaping (schema strings stay readable).</summary>
    public static readonly DeltaJsonContext Context = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
