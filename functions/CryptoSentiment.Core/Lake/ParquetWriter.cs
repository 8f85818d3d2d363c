using System.Globalization;
using System.Text.Json.Nodes;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// Writes a staged DuckDB table as the parquet data files of a lake table (one file per partition value),
/// and describes them as Delta <c>add</c> actions with stats. Files are written before any commit
/// references them, so a crash leaves only unreferenced files that no reader sees.
/// </summary>
public static class ParquetWriter
{
    public static async Task<IReadOnlyList<AddAction>> WriteAsync(
        DuckDbConnection c, string stagedTable, TableDef def, ILakeStore store, CancellationToken ct = default)
    {
        var stats = ComputeStats(c, stagedTable, def);
        if (stats.Count == 0) return [];
        var tmp = Directory.CreateTempSubdirectory("cs-parquet-");
        try
        {
            var columns = string.Join(", ", def.Columns.Select(col => $"\"{col.Name}\""));
            var partitionBy = def.PartitionColumns.Count == 0 ? ""
                : ", PARTITION_BY (" + string.Join(", ", def.PartitionColumns.Select(p => $"\"{p}\"")) + "), WRITE_PARTITION_COLUMNS false";
            var target = def.PartitionColumns.Count == 0 ? Path.Combine(tmp.FullName, "data.parquet") : tmp.FullName;
            c.Execute($"COPY (SELECT {columns} FROM {stagedTable}) TO {DuckDbConnection.QuoteLiteral(target)} " +
                      $"(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880{partitionBy})");

            var adds = new List<AddAction>(stats.Count);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (partition, fileStats) in stats)
            {
                var dir = def.PartitionColumns.Count == 0 ? tmp.FullName
                    : Path.Combine([tmp.FullName, .. def.PartitionColumns.Select(p => $"{p}={partition[p]}")]);
                var written = def.PartitionColumns.Count == 0 ? [target] : Directory.GetFiles(dir, "*.parquet");
                foreach (var file in written)
                {
                    var loc = DeltaPaths.NewDataFile(partition);
                    var storePath = DeltaPaths.Join(def.Path, loc.RelativePath);
                    if (store.LocalPath(storePath) is { } local)
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                        File.Move(file, local);
                    }
                    else await store.PutFileAsync(storePath, file, ct);
                    adds.Add(new AddAction
                    {
                        Path = loc.ActionPath,
                        PartitionValues = new Dictionary<string, string?>(partition),
                        Size = new FileInfo(store.LocalPath(storePath) ?? file).Length,
                        ModificationTime = now,
                        DataChange = true,
                        Stats = written.Length == 1 ? fileStats.ToJson() : null,
                    });
                }
            }
            return adds;
        }
        finally { tmp.Delete(recursive: true); }
    }

    /// <summary>Per partition: numRecords, min/max of non-text columns, null counts (Delta file statistics).</summary>
    private static List<(Dictionary<string, string?> Partition, FileStats Stats)> ComputeStats(DuckDbConnection c, string staged, TableDef def)
    {
        var data = def.DataColumns.ToList();
        var ranged = data.Where(col => col.DuckDbType != "VARCHAR").ToList();
        var select = new List<string>();
        select.AddRange(def.PartitionColumns.Select(p => $"\"{p}\"::VARCHAR"));
        select.Add("count(*)");
        foreach (var col in ranged) { select.Add($"min(\"{col.Name}\")"); select.Add($"max(\"{col.Name}\")"); }
        foreach (var col in data) select.Add($"count(*) - count(\"{col.Name}\")");
        var groupBy = def.PartitionColumns.Count == 0 ? "" : " GROUP BY ALL";
        var result = new List<(Dictionary<string, string?>, FileStats)>();
        using var r = c.Query($"SELECT {string.Join(", ", select)} FROM {staged}{groupBy}");
        while (r.Read())
        {
            var i = 0;
            var partition = new Dictionary<string, string?>();
            foreach (var p in def.PartitionColumns) { partition[p] = r.IsNull(i) ? null : r.GetString(i); i++; }
            var count = r.GetInt64(i++);
            if (count == 0) continue;
            JsonObject min = new(), max = new(), nulls = new();
            foreach (var col in ranged)
            {
                if (!r.IsNull(i)) min[col.Name] = StatValue(r.GetValue(i));
                if (!r.IsNull(i + 1)) max[col.Name] = StatValue(r.GetValue(i + 1));
                i += 2;
            }
            foreach (var col in data) nulls[col.Name] = r.GetInt64(i++);
            result.Add((partition, new FileStats { NumRecords = count, MinValues = min, MaxValues = max, NullCount = nulls }));
        }
        return result;
    }

    private static JsonNode? StatValue(object? v) => v switch
    {
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b,
        int n => n,
        long n => n,
        double d when double.IsFinite(d) => d,
        _ => null,
    };
}
