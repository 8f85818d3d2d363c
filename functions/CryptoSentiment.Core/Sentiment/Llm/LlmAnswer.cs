using System.Text;
using System.Text.Json;

namespace CryptoSentiment.Sentiment.Llm;

/// <summary>One validated answer item.</summary>
public sealed record LlmItem(SentimentLabel Label, double Confidence, IReadOnlyList<string> Coins, string Summary);

/// <summary>
/// The validated answer to one call: the items that passed (by short id) and, for every asked id that did not, why.
/// Each item is judged on its own — a bad, missing or duplicated neighbour never spoils a good item.
/// </summary>
public sealed class LlmAnswer
{
    public const int MaxCoins = 10;
    public const int MaxCoinLength = 12;

    public Dictionary<string, LlmItem> Good { get; } = new(StringComparer.Ordinal);
    /// <summary>Asked ids without a usable item, with the reason (missing, duplicated, invalid_label, …).</summary>
    public Dictionary<string, string> Bad { get; } = new(StringComparer.Ordinal);
    /// <summary>Items whose id was not asked (ignored).</summary>
    public int Extra { get; private set; }
    /// <summary>Whole-answer problem (refusal, malformed/truncated JSON, empty), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// Validates <paramref name="content"/> against the asked ids. A refusal fails every id. Malformed or truncated JSON keeps
    /// the items that were complete before the break. Duplicated ids are all rejected (the answer is ambiguous).
    /// </summary>
    public static LlmAnswer Validate(IReadOnlyCollection<string> askedIds, string? content, string? refusal)
    {
        var a = new LlmAnswer();
        var seen = new Dictionary<string, List<JsonElement>>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(refusal)) a.Problem = "refusal";
        else if (string.IsNullOrWhiteSpace(content)) a.Problem = "empty";
        else a.Problem = ReadItems(Encoding.UTF8.GetBytes(content), seen);

        var asked = new HashSet<string>(askedIds, StringComparer.Ordinal);
        foreach (var (id, elements) in seen)
        {
            if (!asked.Contains(id)) { a.Extra += elements.Count; continue; }
            if (elements.Count > 1) { a.Bad[id] = "duplicated_id"; continue; }
            var (item, reason) = ParseItem(elements[0]);
            if (item is null) a.Bad[id] = reason!;
            else a.Good[id] = item;
        }
        foreach (var id in askedIds)
            if (!a.Good.ContainsKey(id) && !a.Bad.ContainsKey(id)) a.Bad[id] = a.Problem ?? "missing_id";
        return a;
    }

    /// <summary>Reads <c>{"items":[...]}</c> item by item; returns a problem code when the JSON breaks (items read so far are kept).</summary>
    private static string? ReadItems(byte[] utf8, Dictionary<string, List<JsonElement>> seen)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return "not_an_object";
            var foundItems = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isItems = reader.ValueTextEquals("items"u8);
                if (!reader.Read()) return "truncated_json";
                if (!isItems || reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                foundItems = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var element = JsonElement.ParseValue(ref reader);
                    var id = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var p) ? IdText(p) : null;
                    if (id is null) continue; // an item without a readable id cannot be attributed: its asked id stays missing
                    if (!seen.TryGetValue(id, out var list)) seen[id] = list = [];
                    list.Add(element);
                }
                if (reader.TokenType != JsonTokenType.EndArray) return "truncated_json";
            }
            if (reader.TokenType != JsonTokenType.EndObject) return "truncated_json";
            return foundItems ? null : "no_items";
        }
        catch (JsonException) { return "malformed_json"; }
    }

    private static string? IdText(JsonElement p) => p.ValueKind switch
    {
        JsonValueKind.String => p.GetString()!.Trim(),
        JsonValueKind.Number => p.GetRawText(),
        _ => null,
    };

    private static (LlmItem? Item, string? Reason) ParseItem(JsonElement e)
    {
        if (!e.TryGetProperty("label", out var l) || l.ValueKind != JsonValueKind.String) return (null, "missing_label");
        SentimentLabel label;
        switch (l.GetString()!.Trim().ToLowerInvariant())
        {
            case "positive": label = SentimentLabel.Positive; break;
            case "negative": label = SentimentLabel.Negative; break;
            case "neutral": label = SentimentLabel.Neutral; break;
            default: return (null, "invalid_label");
        }
        if (!e.TryGetProperty("confidence", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetDouble(out var confidence))
            return (null, "missing_confidence");
        if (!double.IsFinite(confidence) || confidence < 0 || confidence > 1) return (null, "confidence_out_of_range");
        if (!e.TryGetProperty("summary", out var s) || s.ValueKind != JsonValueKind.String) return (null, "missing_summary");
        if (!e.TryGetProperty("coins", out var cs) || cs.ValueKind != JsonValueKind.Array) return (null, "missing_coins");
        var coins = new List<string>();
        foreach (var coin in cs.EnumerateArray())
        {
            if (coin.ValueKind != JsonValueKind.String) return (null, "bad_coins");
            var t = coin.GetString()!.Trim().TrimStart('$').ToUpperInvariant();
            if (t.Length is > 0 and <= MaxCoinLength && t.All(char.IsAsciiLetterOrDigit) && !coins.Contains(t) && coins.Count < MaxCoins) coins.Add(t);
        }
        var summary = LlmPrompt.OneLine(s.GetString());
        if (summary.Length > OfflineScorer.MaxSummaryLength) summary = summary[..OfflineScorer.MaxSummaryLength].TrimEnd();
        return (new LlmItem(label, Math.Round(confidence, 4), coins, summary), null);
    }
}
