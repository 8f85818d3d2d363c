namespace CryptoSentiment.Configuration;

/// <summary>
/// A secret setting (e.g. <c>SNOWFLAKE_PRIVATE_KEY</c>): its text is only reachable through <see cref="Reveal"/>,
/// so it never shows in <c>ToString()</c>, a record's printout, logs or exception messages.
/// </summary>
public sealed class SecretText(string value)
{
    /// <summary>The secret itself; pass it straight to the API that needs it, never to a log or a message.</summary>
    public string Reveal() => value;

    public override string ToString() => "[redacted]";
}
