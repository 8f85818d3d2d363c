namespace CryptoSentiment.DuckDb;

/// <summary>An error reported by DuckDB; the message carries DuckDB's own error text.</summary>
public sealed class DuckDbException(string message) : Exception(message)
{
    internal static string Describe(string? what, string? duckDbError) =>
        string.IsNullOrEmpty(what) ? duckDbError ?? "DuckDB error" : $"{duckDbError ?? "DuckDB error"} [{Shorten(what)}]";

    private static string Shorten(string sql)
    {
        var oneLine = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= 200 ? oneLine : oneLine[..200] + "…";
    }
}
