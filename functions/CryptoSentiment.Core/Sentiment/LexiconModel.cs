using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CryptoSentiment.Sentiment;

/// <summary>
/// The offline scorer's weights as stored in <c>Sentiment/Model/offline-v1.json</c> (embedded resource
/// <c>Sentiment/offline-v1.json</c>). Only word/phrase weights and a few knobs — no training rows.
/// </summary>
public sealed class LexiconModelDefinition
{
    public string Name { get; init; } = "offline-lexicon-v1";
    public string? Description { get; init; }
    /// <summary>Score at or above which the label is positive.</summary>
    public double PositiveThreshold { get; init; } = 0.5;
    /// <summary>Score at or below which the label is negative.</summary>
    public double NegativeThreshold { get; init; } = -0.5;
    /// <summary>How many tokens after a negator are flipped.</summary>
    public int NegationWindow { get; init; } = 3;
    /// <summary>Multiplier applied to a weight inside a negation window (negative: flips polarity).</summary>
    public double NegationFactor { get; init; } = -0.7;
    /// <summary>How many tokens after an intensifier are amplified.</summary>
    public int IntensifierWindow { get; init; } = 2;
    /// <summary>Multiplier for headlines containing a question mark.</summary>
    public double QuestionFactor { get; init; } = 0.5;
    /// <summary>Floor of the product of all hedge multipliers.</summary>
    public double MinHedgeFactor { get; init; } = 0.4;
    /// <summary>Slope of the logistic that maps |score| to confidence.</summary>
    public double ConfidenceSlope { get; init; } = 1.2;
    /// <summary>Single lower-case token → weight (positive = bullish).</summary>
    public Dictionary<string, double> Unigrams { get; init; } = [];
    /// <summary>Two or three lower-case tokens joined by one space → weight. Longest match wins.</summary>
    public Dictionary<string, double> Phrases { get; init; } = [];
    /// <summary>Tokens or phrases that flip the next <see cref="NegationWindow"/> tokens.</summary>
    public List<string> Negators { get; init; } = [];
    /// <summary>Token → multiplier for the next <see cref="IntensifierWindow"/> tokens.</summary>
    public Dictionary<string, double> Intensifiers { get; init; } = [];
    /// <summary>Token → dampening multiplier (0..1) applied to the whole score.</summary>
    public Dictionary<string, double> Hedges { get; init; } = [];

    /// <summary>Logical name of the embedded default model.</summary>
    public const string EmbeddedResourceName = "Sentiment/offline-v1.json";

    /// <summary>Loads the embedded default model.</summary>
    public static LexiconModelDefinition LoadEmbedded()
    {
        using var stream = typeof(LexiconModelDefinition).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{EmbeddedResourceName}' not found in {typeof(LexiconModelDefinition).Assembly.GetName().Name}.");
        return Load(stream);
    }

    /// <summary>Loads a model from JSON.</summary>
    public static LexiconModelDefinition Load(Stream json) =>
        JsonSerializer.Deserialize(json, LexiconModelJsonContext.Default.LexiconModelDefinition)
            ?? throw new InvalidDataException("Offline sentiment model JSON is empty.");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(LexiconModelDefinition))]
internal sealed partial class LexiconModelJsonContext : JsonSerializerContext;
