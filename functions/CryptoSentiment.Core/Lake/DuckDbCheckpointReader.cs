using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Lake;

/// <summary>
/// Reads a Delta parquet checkpoint with DuckDB: each row becomes one JSON object
/// (<c>{"add": {...}, "remove": null, ...}</c>) that the action parser already understands.
/// </summary>
public sealed class DuckDbCheckpointReader : ICheckpointReader
{
    public static readonly DuckDbCheckpointReader Instance = new();

    public IEnumerable<DeltaAction> Read(string localParquetPath)
    {
        using var c = SharedEngine.Connect();
        using var r = c.Query("SELECT to_json(t)::VARCHAR FROM read_parquet($1) AS t", localParquetPath);
        var actions = new List<DeltaAction>();
        while (r.Read())
        {
            var action = DeltaAction.FromJson(r.GetString(0));
            if (action.IsKnown) actions.Add(action);
        }
        return actions;
    }
}

/// <summary>
/// One in-memory DuckDB database per process for the Delta log's own parquet work (checkpoints): opening a database costs
/// milliseconds, a connection to an open one almost nothing, and every table of a cold start reads a checkpoint.
/// </summary>
internal static class SharedEngine
{
    private static readonly Lazy<DuckDbDatabase> Database = new(() =>
        DuckDbDatabase.Open(null, new Dictionary<string, string> { ["threads"] = "1", ["memory_limit"] = "512MB" }));

    /// <summary>A new connection (UTC session) to the shared database; dispose it after use.</summary>
    public static DuckDbConnection Connect() => Database.Value.Connect();
}
