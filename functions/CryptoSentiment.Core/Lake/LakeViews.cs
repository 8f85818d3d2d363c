using System.Text;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// Exposes lake tables to DuckDB as views over exactly the files a Delta snapshot holds
/// (readers see committed data only: files written but not yet committed are invisible).
/// </summary>
public static class LakeViews
{
    /// <summary>Creates (or replaces) the temp view <c>&lt;tier&gt;_&lt;table&gt;</c> for one snapshot.</summary>
    public static async Task CreateAsync(DuckDbConnection c, ILakeStore store, TableDef def, Snapshot? snapshot, CancellationToken ct = default)
    {
        var files = snapshot is null ? [] : await store.MaterializeAllAsync(snapshot.FileStorePaths(), ct: ct);
        c.Execute($"CREATE OR REPLACE TEMP VIEW {def.ViewName} AS {SelectSql(def, files)}");
    }

    /// <summary>The SELECT over a table's files (an empty, typed relation when there are none).</summary>
    public static string SelectSql(TableDef def, IReadOnlyCollection<string> localFiles)
    {
        var sb = new StringBuilder("SELECT ");
        if (localFiles.Count == 0)
        {
            sb.AppendJoin(", ", def.Columns.Select(col => $"CAST(NULL AS {col.DuckDbType}) AS \"{col.Name}\""));
            return sb.Append(" WHERE false").ToString();
        }
        sb.AppendJoin(", ", def.Columns.Select(col => $"\"{col.Name}\""));
        sb.Append(" FROM read_parquet(").Append(DuckDbConnection.QuoteList(localFiles));
        if (def.PartitionColumns.Count > 0)
        {
            // Partition values live in the log and in the Hive-style path (col=value/), not in the files.
            sb.Append(", hive_partitioning = true, hive_types = {")
              .AppendJoin(", ", def.PartitionColumns.Select(p => $"'{p}': {def.Columns.First(col => col.Name == p).DuckDbType}"))
              .Append('}');
        }
        else sb.Append(", hive_partitioning = false");
        return sb.Append(", union_by_name = true)").ToString();
    }
}
