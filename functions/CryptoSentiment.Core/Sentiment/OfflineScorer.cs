using System.Runtime.CompilerServices;

namespace CryptoSentiment.Sentiment;

/// <summary>Raw output of the offline model for one text.</summary>
/// <param name="Label">Most probable class.</param>
/// <param name="Confidence">Probability of <paramref name="Label"/> (softmax of the logistic regression), at most 0.999.</param>
/// <param name="Negative">P(negative).</param>
/// <param name="Neutral">P(neutral).</param>
/// <param name="Positive">P(positive).</param>
public readonly record struct OfflineScore(SentimentLabel Label, double Confidence, double Negative, double Neutral, double Positive)
{
    /// <summary>Signed polarity P(positive) − P(negative), in [−1, 1].</summary>
    public double Polarity => Positive - Negative;
}

/// <summary>
/// The embedded default scorer and the LLM fallback: the project's own multinomial logistic regression
/// (<c>Sentiment/Model/offline-v2.json</c>, trained by <c>crypto-sentiment train</c>) over word unigrams, bigrams,
/// crypto normalisation, negation scopes and the hand-written crypto lexicon's verdict (<see cref="LexiconScorer"/>).
/// Deterministic, thread-safe, allocation-free per headline apart from the result record.
/// </summary>
public sealed class OfflineScorer : LocalScorer
{
    public const int MaxSummaryLength = LexiconScorer.MaxSummaryLength;

    /// <summary>Confidence is capped below 1 (a saturated softmax on long texts says nothing more).</summary>
    public const double MaxConfidence = 0.999;

    private const int StackFeatureLimit = 512;

    private readonly SoftmaxWeights _weights;
    private readonly HeadlineFeaturizer _featurizer;

    private static readonly Lazy<OfflineScorer> s_default = new(() => new OfflineScorer(OfflineModelDefinition.LoadEmbedded()));

    /// <summary>Shared instance over the embedded model (<c>Sentiment/offline-v2.json</c>).</summary>
    public static OfflineScorer Default => s_default.Value;

    /// <summary>Creates a scorer over the embedded default model.</summary>
    public OfflineScorer() : this(OfflineModelDefinition.LoadEmbedded()) { }

    /// <summary>Creates a scorer over the given model (features from <see cref="HeadlineFeaturizer.Default"/>).</summary>
    public OfflineScorer(OfflineModelDefinition model, HeadlineFeaturizer? featurizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _weights = new SoftmaxWeights(model);
        _featurizer = featurizer ?? HeadlineFeaturizer.Default;
        Model = model.Name;
    }

    /// <summary>Creates a scorer over a model file written by <c>crypto-sentiment train --out FILE</c>.</summary>
    public static OfflineScorer FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Offline model file '{path}' not found.", path);
        using var stream = File.OpenRead(path);
        return new OfflineScorer(OfflineModelDefinition.Load(stream));
    }

    /// <inheritdoc />
    public override string Model { get; }

    /// <summary>Number of weighted features in the model.</summary>
    public int FeatureCount => _weights.Count;

    /// <inheritdoc />
    protected override (SentimentLabel Label, double Confidence) Classify(ReadOnlySpan<char> text)
    {
        var s = Evaluate(text);
        return (s.Label, s.Confidence);
    }

    /// <summary>Scores a text: the hot path. No regex, no LINQ, no allocation for texts ≤ 512 chars.</summary>
    [SkipLocalsInit]
    public OfflineScore Evaluate(ReadOnlySpan<char> text)
    {
        var max = HeadlineFeaturizer.MaxFeatures(text.Length);
        Span<ulong> hashes = max <= StackFeatureLimit ? stackalloc ulong[StackFeatureLimit] : new ulong[max];
        Span<float> values = max <= StackFeatureLimit ? stackalloc float[StackFeatureLimit] : new float[max];
        var n = _featurizer.Extract(text, hashes, values);
        Span<double> p = stackalloc double[3];
        _weights.Predict(hashes[..n], values[..n], p);
        // ties go to neutral, then positive
        var label = p[1] >= p[0] && p[1] >= p[2] ? SentimentLabel.Neutral : p[2] >= p[0] ? SentimentLabel.Positive : SentimentLabel.Negative;
        return new OfflineScore(label, Math.Min(p[(int)label + 1], MaxConfidence), p[0], p[1], p[2]);
    }

    /// <summary>One-line summary: the trimmed headline with whitespace runs collapsed, cut to ≤ 120 chars at a word boundary.</summary>
    public static string Summarize(string? text) => LexiconScorer.Summarize(text);
}
