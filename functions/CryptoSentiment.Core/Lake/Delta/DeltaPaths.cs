using System.Text;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Lake.Delta;

/// <summary>Where a new data file goes: <see cref="RelativePath"/> (store path relative to the table root) and the
/// percent-encoded <see cref="ActionPath"/> to put in <c>add.path</c>.</summary>
public sealed record DataFileLocation(string RelativePath, string ActionPath, IReadOnlyDictionary<string, string?> PartitionValues);

/// <summary>Naming and escaping of data files and log files.</summary>
public static class DeltaPaths
{
    public const string LogDir = "_delta_log";
    public const string HiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__";

    /// <summary><c>part-00000-&lt;guid&gt;-c000.snappy.parquet</c>.</summary>
    public static string NewDataFileName(Guid? id = null) => $"part-00000-{id ?? Guid.NewGuid()}-c000.snappy.parquet";

    /// <summary>
    /// Location of a new data file, with Hive-style partition directories (<c>ingest_date=2026-11-21/part-...</c>) in the
    /// given column order. Partition values are escaped like Spark/Hive; the action path is additionally URI-encoded.
    /// </summary>
    public static DataFileLocation NewDataFile(IEnumerable<KeyValuePair<string, string?>>? partitionValues = null, Guid? id = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var dirs = new List<string>();
        foreach (var (col, val) in partitionValues ?? [])
        {
            values[col] = val;
            dirs.Add($"{EscapePartitionName(col)}={(string.IsNullOrEmpty(val) ? HiveDefaultPartition : EscapePartitionName(val))}");
        }
        dirs.Add(NewDataFileName(id));
        var rel = string.Join('/', dirs);
        return new DataFileLocation(LakePath.Validate(rel), EncodeActionPath(rel), values);
    }

    /// <summary>Convenience overload: <c>NewDataFile([("ingest_date", "2026-11-21")])</c>.</summary>
    public static DataFileLocation NewDataFile(IReadOnlyList<(string Column, string? Value)> partitionValues, Guid? id = null) =>
        NewDataFile(partitionValues.Select(p => KeyValuePair.Create(p.Column, p.Value)), id);

    /// <summary>Hive/Spark <c>escapePathName</c>: control chars and <c>"#%'*/:=?\{[]^</c> and DEL become %XX.</summary>
    public static string EscapePartitionName(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c < 0x20 || c == 0x7F || "\"#%'*/:=?\\{[]^".Contains(c)) sb.Append('%').Append(((int)c).ToString("X2"));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Percent-encodes a relative path for <c>add.path</c>/<c>remove.path</c> (RFC 3986 path characters kept).</summary>
    public static string EncodeActionPath(string relativePath)
    {
        var sb = new StringBuilder(relativePath.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(relativePath))
        {
            var c = (char)b;
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') || "-._~!$&'()*+,;=:@/".Contains(c)) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    /// <summary>Decodes an <c>add.path</c> into a store path relative to the table root. Absolute URIs are not supported.</summary>
    public static string DecodeActionPath(string actionPath)
    {
        if (actionPath.Contains("://", StringComparison.Ordinal) || actionPath.StartsWith('/'))
            throw new NotSupportedException($"Absolute data file paths are not supported: '{actionPath}'.");
        return Uri.UnescapeDataString(actionPath);
    }

    /// <summary>Store path of a log file: <c>{table}/_delta_log/{version:D20}.json</c>.</summary>
    public static string CommitPath(string tablePath, long version) => Join(tablePath, $"{LogDir}/{version:D20}.json");

    public static string LogPrefix(string tablePath) => tablePath.Length == 0 ? LogDir + "/" : $"{tablePath}/{LogDir}/";

    public static string LastCheckpointPath(string tablePath) => Join(tablePath, $"{LogDir}/_last_checkpoint");

    /// <summary>Checkpoint file names for a version: single-file or <paramref name="parts"/> multi-part.</summary>
    public static IReadOnlyList<string> CheckpointPaths(string tablePath, long version, int? parts)
    {
        if (parts is null or <= 1) return [Join(tablePath, $"{LogDir}/{version:D20}.checkpoint.parquet")];
        return Enumerable.Range(1, parts.Value)
            .Select(i => Join(tablePath, $"{LogDir}/{version:D20}.checkpoint.{i:D10}.{parts.Value:D10}.parquet")).ToList();
    }

    /// <summary>Joins a table path ("" = store root) with a relative path.</summary>
    /// <summary>The store path of the data file an <c>add</c> action names, in the table at <paramref name="tablePath"/>.</summary>
    public static string StorePath(string tablePath, AddAction add) => Join(tablePath, DecodeActionPath(add.Path));

    public static string Join(string tablePath, string relative) => tablePath.Length == 0 ? relative : $"{tablePath}/{relative}";
}
