namespace CryptoSentiment.Sentiment;

/// <summary>
/// A scorer whose answer depends only on the headline, the model and the prompt version, so it may be cached
/// (ARCHITECTURE §6: key = SHA-256(normalised title | model | prompt version)). The LLM scorer implements it; the
/// offline scorer does not (it is free and deterministic: caching it would only cost lake writes).
/// </summary>
public interface ICacheableScorer : ISentimentScorer
{
    /// <summary>The model (deployment) answers come from; part of the cache key.</summary>
    string Model { get; }

    /// <summary>The version of the prompt file; part of the cache key (a new prompt re-scores everything).</summary>
    string PromptVersion { get; }
}

/// <summary>The values of <see cref="SentimentResult.Scorer"/> (the silver <c>scorer</c> column).</summary>
public static class ScorerNames
{
    public const string Llm = "llm";
    public const string Offline = "offline";
    /// <summary>Scored by the offline scorer because the LLM could not answer; re-scored later by <c>reenrich</c>.</summary>
    public const string Fallback = "fallback";
}
