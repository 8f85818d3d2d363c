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
        using var c = DuckDbConnection.Open();
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
