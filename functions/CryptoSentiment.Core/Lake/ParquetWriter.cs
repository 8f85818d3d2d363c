using System.Globalization;
using System.Text.Json.Nodes;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake;

/// <summary>
/// Writes a staged DuckDB table as the parquet data files of a lake table (one file per partition value),
/// and describes them as Delta <c>add</c> actions with stats. Files are written before any commit
/// references them, so a crash leaves only unreferenced files that no reader sees (vacuum deletes them later).
/// </summary>
public static class ParquetWriter
{
    /// <param name="stagedTable">A table name, or a parenthesised query with an alias (e.g. <c>(SELECT …) AS src</c>) holding every column of <paramref name="def"/>.</param>
    /// <param name="dataChange">false for files that only rearrange rows already in the table (compaction, layout upgrade).</param>
    public static async Task<IReadOnlyList<AddAction>> WriteAsync(
        DuckDbConnection c, string stagedTable, TableDef def, ILakeStore store, CancellationToken ct = default, bool dataChange = true)
    {
        var stats = ComputeStats(c, stagedTable, def);
        if (stats.Count == 0) return [];
        var columns = string.Join(", ", def.DataColumns.Select(col => $"\"{col.Name}\""));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (stats.Count == 1)
        {
            // One partition value (every ingest batch): write the file straight to its place in the table.
            var (partition, fileStats) = stats[0];
            return [await WriteOneAsync(c, $"SELECT {columns} FROM {stagedTable}", def, store, partition, fileStats, now, dataChange, ct)];
        }

        // Several partition values (gold days): one COPY fans out into Hive-style folders, then each file moves into the table.
        var tmp = Directory.CreateTempSubdirectory("cs-parquet-");
        try
        {
            var partitionBy = string.Join(", ", def.PartitionColumns.Select(p => $"\"{p}\""));
            c.Execute($"COPY (SELECT {columns}, {partitionBy} FROM {stagedTable}) TO {DuckDbConnection.QuoteLiteral(tmp.FullName)} " +
                      $"(FORMAT parquet, COMPRESSION snappy, PARTITION_BY ({partitionBy}), WRITE_PARTITION_COLUMNS false)");
            var adds = new List<AddAction>(stats.Count);
            foreach (var (partition, fileStats) in stats)
            {
                var dir = Path.Combine([tmp.FullName, .. def.PartitionColumns.Select(p => $"{p}={partition[p]}")]);
                var written = Directory.GetFiles(dir, "*.parquet");
                foreach (var file in written)
                    adds.Add(await PlaceAsync(file, def, store, partition, written.Length == 1 ? fileStats : null, now, dataChange, ct));
            }
            return adds;
        }
        finally { tmp.Delete(recursive: true); }
    }

    private static async Task<AddAction> WriteOneAsync(DuckDbConnection c, string select, TableDef def, ILakeStore store,
        Dictionary<string, string?> partition, FileStats stats, long now, bool dataChange, CancellationToken ct)
    {
        var loc = DeltaPaths.NewDataFile(partition);
        var storePath = DeltaPaths.Join(def.Path, loc.RelativePath);
        var local = store.LocalPath(storePath);
        var target = local ?? Path.Combine(Path.GetTempPath(), $"cs-{Guid.NewGuid():N}.parquet");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            c.Execute($"COPY ({select}) TO {DuckDbConnection.QuoteLiteral(target)} (FORMAT parquet, COMPRESSION snappy)");
            var size = new FileInfo(target).Length;
            if (local is null) await store.PutFileAsync(storePath, target, ct);
            return Add(loc, partition, size, stats, now, dataChange);
        }
        finally { if (local is null) File.Delete(target); }
    }

    private static async Task<AddAction> PlaceAsync(string file, TableDef def, ILakeStore store, Dictionary<string, string?> partition,
        FileStats? stats, long now, bool dataChange, CancellationToken ct)
    {
        var loc = DeltaPaths.NewDataFile(partition);
        var storePath = DeltaPaths.Join(def.Path, loc.RelativePath);
        var size = new FileInfo(file).Length;
        if (store.LocalPath(storePath) is { } local)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            File.Move(file, local);
        }
        else await store.PutFileAsync(storePath, file, ct);
        return Add(loc, partition, size, stats, now, dataChange);
    }

    private static AddAction Add(DataFileLocation loc, Dictionary<string, string?> partition, long size, FileStats? stats, long now, bool dataChange) => new()
    {
        Path = loc.ActionPath,
        PartitionValues = new Dictionary<string, string?>(partition),
        Size = size,
        ModificationTime = now,
        DataChange = dataChange,
        Stats = stats?.ToJson(),
    };

    /// <summary>Per partition: numRecords, min/max of non-text columns and of the short codes marked <see cref="ColumnDef.StringStats"/>, null counts (Delta file statistics).</summary>
    private static List<(Dictionary<string, string?> Partition, FileStats Stats)> ComputeStats(DuckDbConnection c, string staged, TableDef def)
    {
        var data = def.DataColumns.ToList();
        var ranged = data.Where(col => col.DuckDbType != "VARCHAR" || col.StringStats).ToList();
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
        string s => s,
        _ => null,
    };
}
