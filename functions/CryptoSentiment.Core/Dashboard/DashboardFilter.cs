using System.Globalization;

namespace CryptoSentiment.Dashboard;

/// <summary>Bad dashboard input (a malformed date, an inverted range, too many coins); the message says what and why.</summary>
public sealed class DashboardInputException(string message) : ArgumentException(message);

/// <summary>
/// What every dashboard view is filtered by: an inclusive UTC day range and, optionally, a set of coins
/// (null = every coin). Coins are data: they are bound as one <c>VARCHAR[]</c> parameter, never spliced into SQL.
/// </summary>
public sealed record DashboardFilter(DateOnly From, DateOnly To, IReadOnlyList<string>? Coins)
{
    public const int MaxCoins = 64;
    public const int MaxCoinLength = 64;

    /// <summary>
    /// Parses query-string values: <c>from</c>/<c>to</c> as <c>YYYY-MM-DD</c> (absent → the given defaults), <c>coins</c>
    /// as a comma-separated list (absent or empty → every coin; trimmed, upper-cased, de-duplicated).
    /// </summary>
    public static DashboardFilter Parse(string? from, string? to, string? coins, DateOnly defaultFrom, DateOnly defaultTo)
    {
        var f = ParseDay("from", from) ?? defaultFrom;
        var t = ParseDay("to", to) ?? defaultTo;
        if (f > t) throw new DashboardInputException($"Bad date range: 'from' ({f:yyyy-MM-dd}) is after 'to' ({t:yyyy-MM-dd}).");
        return new DashboardFilter(f, t, ParseCoins(coins));
    }

    private static DateOnly? ParseDay(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        var shown = value.Length <= 40 ? value : value[..40] + "…";
        throw new DashboardInputException($"Bad '{name}' date '{shown}': expected a calendar day as YYYY-MM-DD, e.g. 2026-03-01.");
    }

    private static IReadOnlyList<string>? ParseCoins(string? coins)
    {
        if (string.IsNullOrWhiteSpace(coins)) return null;
        var list = coins.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length > MaxCoins) throw new DashboardInputException($"Too many coins in 'coins': {list.Length} (at most {MaxCoins}).");
        if (list.FirstOrDefault(c => c.Length > MaxCoinLength) is { } tooLong)
            throw new DashboardInputException($"Coin '{tooLong[..20]}…' in 'coins' is longer than {MaxCoinLength} characters.");
        return list.Length == 0 ? null : list;
    }

    /// <summary>The three SQL parameters every filtered view takes: <c>$1</c> from, <c>$2</c> to, <c>$3</c> coins (NULL = all).</summary>
    internal object?[] Args(params object?[] more) => [From, To, Coins is null ? null : Coins.ToArray(), .. more];
}
