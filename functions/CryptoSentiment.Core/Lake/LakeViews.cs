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
    /// <summary>
    /// Creates (or replaces) the temp view <c>&lt;tier&gt;_&lt;table&gt;</c> for one snapshot, over its live files or, with
    /// <paramref name="files"/>, over those only (partition pruning: e.g. the day partitions a step needs).
    /// </summary>
    public static async Task CreateAsync(DuckDbConnection c, ILakeStore store, TableDef def, Snapshot? snapshot, CancellationToken ct = default,
        Func<AddAction, bool>? files = null)
    {
        var paths = snapshot is null ? [] : snapshot.Files
            .Where(kv => files is null || files(kv.Value))
            .Select(kv => kv.Key).Order(StringComparer.Ordinal).Select(p => DeltaPaths.Join(snapshot.TablePath, p)).ToList();
        var locals = paths.Count == 0 ? [] : await store.MaterializeAllAsync(paths, ct: ct);
        c.Execute($"CREATE OR REPLACE TEMP VIEW {def.ViewName} AS {SelectSql(def, locals, snapshot)}");
    }

    /// <summary>
    /// The SELECT over a table's files (an empty, typed relation when there are none), with <paramref name="def"/>'s columns
    /// in order. <paramref name="layout"/> is the snapshot the files belong to: columns its schema lacks (a table written
    /// before they existed, ARCHITECTURE §9) are computed from <see cref="ColumnDef.DerivedFrom"/>, else NULL; partition
    /// values come from the Hive-style paths of its partition columns. Null = the files have <paramref name="def"/>'s layout.
    /// <paramref name="fileNameAs"/>: also a column of that name with each row's file (as listed in <paramref name="localFiles"/>).
    /// </summary>
    public static string SelectSql(TableDef def, IReadOnlyCollection<string> localFiles, Snapshot? layout = null, string? fileNameAs = null)
    {
        var sb = new StringBuilder("SELECT ");
        if (localFiles.Count == 0)
        {
            sb.AppendJoin(", ", def.Columns.Select(col => $"CAST(NULL AS {col.DuckDbType}) AS \"{col.Name}\""));
            return sb.Append(" WHERE false").ToString();
        }
        var present = layout?.Schema.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var partitions = layout?.PartitionColumns ?? def.PartitionColumns;
        sb.AppendJoin(", ", def.Columns.Select(col =>
            present is null || present.Contains(col.Name) ? $"\"{col.Name}\""
            : col.DerivedFrom is { } expr ? $"{expr} AS \"{col.Name}\""
            : $"CAST(NULL AS {col.DuckDbType}) AS \"{col.Name}\""));
        if (fileNameAs is not null) sb.Append(", filename AS ").Append(DuckDbConnection.QuoteIdentifier(fileNameAs));
        sb.Append(" FROM read_parquet(").Append(DuckDbConnection.QuoteList(localFiles));
        if (fileNameAs is not null) sb.Append(", filename = true");
        var typed = partitions.Select(p => (Name: p, Type: def.Column(p)?.DuckDbType ?? "VARCHAR")).ToList();
        if (typed.Count > 0)
        {
            // Partition values live in the log and in the Hive-style path (col=value/), not in the files.
            sb.Append(", hive_partitioning = true, hive_types = {")
              .AppendJoin(", ", typed.Select(p => $"'{p.Name}': {p.Type}"))
              .Append('}');
        }
        else sb.Append(", hive_partitioning = false");
        return sb.Append(", union_by_name = true)").ToString();
    }
}
