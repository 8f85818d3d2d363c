using System.Text;

namespace CryptoSentiment.Sentiment.Llm;

/// <summary>
/// The versioned prompt (embedded file <c>Sentiment/Prompts/&lt;version&gt;.md</c>, sent as the system message), the
/// strict JSON schema of the answer, and the compact user message: one <c>id|headline</c> line per headline, where the
/// ids are short per-call numbers ("1".."25") that the scorer maps back — long article ids are never sent.
/// </summary>
public sealed class LlmPrompt
{
    /// <summary>Name of the <c>json_schema</c> response format.</summary>
    public const string SchemaName = "sentiment_batch";

    /// <summary>
    /// The answer schema, strict-mode compatible (every property required, <c>additionalProperties:false</c> at every level).
    /// Ranges (confidence 0..1) are not expressible in every strict-mode model version, so they are checked by the validator.
    /// </summary>
    public const string SchemaJson =
        """{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},"coins":{"type":"array","items":{"type":"string"}},"label":{"type":"string","enum":["Positive","Negative","Neutral"]},"confidence":{"type":"number"},"summary":{"type":"string"}},"required":["id","coins","label","confidence","summary"],"additionalProperties":false}}},"required":["items"],"additionalProperties":false}""";

    private LlmPrompt(string version, string system) { Version = version; SystemText = system; }

    /// <summary>Prompt version recorded in every result (e.g. <c>sentiment-v1</c>).</summary>
    public string Version { get; }
    /// <summary>The system message.</summary>
    public string SystemText { get; }

    /// <summary>Loads the embedded prompt file for <paramref name="version"/>; throws naming the version when it is not shipped.</summary>
    public static LlmPrompt Load(string version)
    {
        if (string.IsNullOrWhiteSpace(version) || version.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException($"Prompt version '{version}' is not a valid name.");
        var asm = typeof(LlmPrompt).Assembly;
        using var s = asm.GetManifestResourceStream($"Sentiment/Prompts/{version}.md")
            ?? throw new ArgumentException($"Prompt version '{version}' is not shipped (no embedded Sentiment/Prompts/{version}.md); available: " +
                                           string.Join(", ", Available()));
        using var r = new StreamReader(s, Encoding.UTF8);
        return new LlmPrompt(version, r.ReadToEnd().Trim().ReplaceLineEndings("\n"));
    }

    /// <summary>Prompt versions shipped in this build.</summary>
    public static IReadOnlyList<string> Available() =>
        [.. typeof(LlmPrompt).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Sentiment/Prompts/", StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal))
            .Select(n => n["Sentiment/Prompts/".Length..^3]).Order(StringComparer.Ordinal)];

    /// <summary>One input line: <c>id|headline</c>, the headline on one line and cut to <paramref name="maxChars"/>.</summary>
    public static string Line(string shortId, string headline, int maxChars)
    {
        var one = OneLine(headline);
        if (one.Length > maxChars) one = one[..maxChars].TrimEnd();
        return shortId + "|" + one;
    }

    /// <summary>The user message for lines already built with <see cref="Line"/>.</summary>
    public static string UserText(IEnumerable<string> lines) => string.Join('\n', lines);

    /// <summary>Collapses whitespace (incl. newlines) to single spaces and trims.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var ch in text)
        {
            if (char.IsWhiteSpace(ch) || char.IsControl(ch)) { space = sb.Length > 0; continue; }
            if (space) { sb.Append(' '); space = false; }
            sb.Append(ch);
        }
        return sb.ToString();
    }
}

/// <summary>
/// The token approximation used by the loopback server's <c>usage</c>, the rate limiter's estimates and the bench:
/// ⌈characters / 4⌉ per text, +4 per chat message, +3 to prime the reply — close to OpenAI's cl100k/o200k counts for
/// English headlines (real counts vary by ±20%; the bench also reports raw character counts).
/// </summary>
public static class TokenEstimate
{
    public const int CharsPerToken = 4;
    public const int PerMessage = 4;
    public const int ReplyPriming = 3;

    public static int Text(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + CharsPerToken - 1) / CharsPerToken;

    /// <summary>Prompt tokens of a chat request: each message's content, per-message overhead, the response schema and reply priming.</summary>
    public static int Prompt(IEnumerable<string> messageContents, string? schemaJson) =>
        messageContents.Sum(m => Text(m) + PerMessage) + Text(schemaJson) + ReplyPriming;
}
