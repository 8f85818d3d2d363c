using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Lake;

/// <summary>Data skipping with the per-file statistics of <c>add.stats</c> (Delta PROTOCOL "Per-file Statistics").</summary>
public static class FileSkipping
{
    /// <summary>
    /// False only when the file's statistics prove no row has <paramref name="column"/> = <paramref name="value"/>: every value
    /// null, or <paramref name="value"/> outside [minValues, maxValues] (strings compared as UTF-8 bytes, as DuckDB and Spark
    /// do). A file without statistics for the column may hold it.
    /// </summary>
    public static bool MayContain(AddAction add, string column, string value)
    {
        if (add.Stats is null) return true;
        // Live files stay the same objects from snapshot to snapshot: parse each file's statistics once.
        var stats = Parsed.GetValue(add.Stats, FileStats.Parse);
        if (stats.NullCount?[column] is JsonValue n && n.TryGetValue<long>(out var nulls) && nulls >= stats.NumRecords) return false;
        if (Text(stats.MinValues, column) is not { } min || Text(stats.MaxValues, column) is not { } max) return true;
        return Compare(min, value) <= 0 && Compare(value, max) <= 0;
    }

    private static readonly ConditionalWeakTable<string, FileStats> Parsed = new();

    private static string? Text(JsonObject? values, string column) =>
        values?[column] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static int Compare(string a, string b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
}
