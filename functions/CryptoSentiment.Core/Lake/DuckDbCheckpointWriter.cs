using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// Writes a Delta checkpoint with DuckDB: the actions of <see cref="Checkpoints.Actions"/> go to a temp NDJSON file (our own
/// action JSON), DuckDB reads it with the checkpoint's struct types (JSON objects become <c>MAP(VARCHAR, VARCHAR)</c>) and
/// copies it to parquet with the same columns as Spark's checkpoints: <c>txn, add, remove, metaData, protocol</c>.
/// The file is then published with <see cref="Checkpoints.PublishAsync"/> (checkpoint first, <c>_last_checkpoint</c> second).
/// </summary>
public sealed class DuckDbCheckpointWriter(TimeProvider? clock = null) : ICheckpointWriter
{
    public static readonly DuckDbCheckpointWriter Instance = new();

    private const string StringMap = "MAP(VARCHAR, VARCHAR)";

    /// <summary>Column name → DuckDB type, in Spark's order (cdc/commitInfo/domainMetadata are never written).</summary>
    public static IReadOnlyList<(string Name, string Type)> Columns(bool protocolFeatures) =>
    [
        ("txn", Struct(("appId", "VARCHAR"), ("version", "BIGINT"), ("lastUpdated", "BIGINT"))),
        ("add", Struct(("path", "VARCHAR"), ("partitionValues", StringMap), ("size", "BIGINT"), ("modificationTime", "BIGINT"),
            ("dataChange", "BOOLEAN"), ("tags", StringMap), ("stats", "VARCHAR"))),
        ("remove", Struct(("path", "VARCHAR"), ("deletionTimestamp", "BIGINT"), ("dataChange", "BOOLEAN"), ("extendedFileMetadata", "BOOLEAN"),
            ("partitionValues", StringMap), ("size", "BIGINT"), ("tags", StringMap))),
        ("metaData", Struct(("id", "VARCHAR"), ("name", "VARCHAR"), ("description", "VARCHAR"),
            ("format", Struct(("provider", "VARCHAR"), ("options", StringMap))), ("schemaString", "VARCHAR"),
            ("partitionColumns", "VARCHAR[]"), ("configuration", StringMap), ("createdTime", "BIGINT"))),
        ("protocol", protocolFeatures
            ? Struct(("minReaderVersion", "INTEGER"), ("minWriterVersion", "INTEGER"), ("readerFeatures", "VARCHAR[]"), ("writerFeatures", "VARCHAR[]"))
            : Struct(("minReaderVersion", "INTEGER"), ("minWriterVersion", "INTEGER"))),
    ];

    public async Task WriteAsync(ILakeStore store, string tablePath, Snapshot snapshot, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(snapshot);
        var actions = Checkpoints.Actions(snapshot, (clock ?? TimeProvider.System).GetUtcNow());
        var tmp = Path.Combine(Path.GetTempPath(), $"cs-checkpoint-{Guid.NewGuid():N}");
        var json = tmp + ".json";
        var parquet = tmp + ".parquet";
        try
        {
            await File.WriteAllBytesAsync(json, DeltaAction.SerializeCommit(actions), ct).ConfigureAwait(false);
            var features = snapshot.Protocol.ReaderFeatures is not null || snapshot.Protocol.WriterFeatures is not null;
            WriteParquet(json, parquet, features);
            await Checkpoints.PublishAsync(store, tablePath, snapshot.Version, parquet, actions, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(json);
            File.Delete(parquet);
        }
    }

    /// <summary>Converts an NDJSON file of Delta actions into checkpoint parquet (one row per line, order kept).</summary>
    public static void WriteParquet(string ndjsonPath, string parquetPath, bool protocolFeatures = false)
    {
        var columns = Columns(protocolFeatures);
        var spec = string.Join(", ", columns.Select(c => $"{DuckDbConnection.QuoteLiteral(c.Name)}: {DuckDbConnection.QuoteLiteral(c.Type)}"));
        var select = string.Join(", ", columns.Select(c => DuckDbConnection.QuoteIdentifier(c.Name)));
        using var c = SharedEngine.Connect();
        c.Execute($$"""
            COPY (
              SELECT {{select}}
              FROM read_json({{DuckDbConnection.QuoteLiteral(ndjsonPath)}}, format = 'newline_delimited', records = true,
                             maximum_object_size = 16777216, columns = { {{spec}} })
            ) TO {{DuckDbConnection.QuoteLiteral(parquetPath)}} (FORMAT parquet, COMPRESSION snappy)
            """);
    }

    private static string Struct(params (string Name, string Type)[] fields) =>
        "STRUCT(" + string.Join(", ", fields.Select(f => $"{DuckDbConnection.QuoteIdentifier(f.Name)} {f.Type}")) + ")";
}
