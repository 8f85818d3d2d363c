using DuckDB.NET.Data;

namespace CryptoSentiment.DuckDb;

/// <summary>An error reported by DuckDB; the message carries DuckDB's own error text (the provider's
/// <see cref="DuckDBException"/>, kept as the inner exception) and the statement it came from.</summary>
public sealed class DuckDbException(string message, Exception? inner = null) : Exception(message, inner)
{
    internal static string Describe(string? what, string? duckDbError) =>
        string.IsNullOrEmpty(what) ? duckDbError ?? "DuckDB error" : $"{duckDbError ?? "DuckDB error"} [{Shorten(what)}]";

    /// <summary>The provider's errors (DuckDB's text, or a binding/usage error of the provider) as ours.</summary>
    internal static bool IsProviderError(Exception e) => e is DuckDBException or InvalidOperationException or IndexOutOfRangeException;

    internal static DuckDbException From(Exception e, string? what) => new(Describe(what, e.Message), e);

    private static string Shorten(string sql)
    {
        var oneLine = string.Join(' ', sql.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= 200 ? oneLine : oneLine[..200] + "…";
    }
}
