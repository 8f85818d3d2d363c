namespace CryptoSentiment.Events;

/// <summary>The quarantine reason codes of the events contract (ARCHITECTURE §3). Every rejected event carries exactly one.</summary>
public static class ReasonCodes
{
    /// <summary>Not UTF-8, not JSON, or trailing garbage after the JSON value.</summary>
    public const string InvalidJson = "invalid_json";
    /// <summary>Valid JSON whose root is not an object.</summary>
    public const string NotAnObject = "not_an_object";
    /// <summary>Prefix of <c>missing_field:&lt;name&gt;</c>.</summary>
    public const string MissingFieldPrefix = "missing_field:";
    /// <summary>Prefix of <c>bad_type:&lt;name&gt;</c>.</summary>
    public const string BadTypePrefix = "bad_type:";
    /// <summary>A timestamp that is not ISO-8601.</summary>
    public const string BadTimestamp = "bad_timestamp";
    /// <summary>A timestamp more than 10 minutes ahead of the ingest time.</summary>
    public const string FutureTimestamp = "future_timestamp";
    /// <summary>Title longer than 1,000 characters after trimming.</summary>
    public const string TextTooLong = "text_too_long";
    /// <summary>A price for a symbol the coin catalog does not know.</summary>
    public const string UnknownSymbol = "unknown_symbol";
    /// <summary>A price (or volume) that is not a finite positive (non-negative for volume) number.</summary>
    public const string BadPrice = "bad_price";
    /// <summary>An event body over 1 MiB.</summary>
    public const string TooLarge = "too_large";

    /// <summary><c>missing_field:&lt;name&gt;</c>.</summary>
    public static string MissingField(string name) => MissingFieldPrefix + name;
    /// <summary><c>bad_type:&lt;name&gt;</c>.</summary>
    public static string BadType(string name) => BadTypePrefix + name;

    /// <summary>The codes without a field name.</summary>
    public static IReadOnlyList<string> Fixed { get; } =
        [InvalidJson, NotAnObject, BadTimestamp, FutureTimestamp, TextTooLong, UnknownSymbol, BadPrice, TooLarge];

    /// <summary>True when <paramref name="reason"/> is one of the contract's codes (field codes with any field name).</summary>
    public static bool IsKnown(string? reason) =>
        reason is not null && (Fixed.Contains(reason)
            || (reason.StartsWith(MissingFieldPrefix, StringComparison.Ordinal) && reason.Length > MissingFieldPrefix.Length)
            || (reason.StartsWith(BadTypePrefix, StringComparison.Ordinal) && reason.Length > BadTypePrefix.Length));
}
