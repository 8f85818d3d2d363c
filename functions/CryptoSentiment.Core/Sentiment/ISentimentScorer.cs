namespace CryptoSentiment.Sentiment;

/// <summary>Sentiment label; the numeric value is the polarity used by gold (+1, 0, −1).</summary>
public enum SentimentLabel { Negative = -1, Neutral = 0, Positive = 1 }

/// <summary>One headline to score. <paramref name="Id"/> is echoed back in the result.</summary>
public sealed record SentimentRequest(string Id, string Text);

/// <summary>One scored headline. <see cref="Scorer"/> is <c>llm</c>, <c>offline</c> or <c>fallback</c>.</summary>
public sealed record SentimentResult(
    string Id,
    SentimentLabel Label,
    double Confidence,
    IReadOnlyList<string> Coins,
    string ContextSummary,
    string Scorer,
    string Model,
    string PromptVersion,
    int TokensIn,
    int TokensOut);

/// <summary>Scores a batch of headlines: exactly one result per input id, in any order.</summary>
public interface ISentimentScorer
{
    /// <summary>Short name of the scorer (<c>offline</c>, <c>llm</c>).</summary>
    string Name { get; }

    ValueTask<IReadOnlyList<SentimentResult>> ScoreAsync(IReadOnlyList<SentimentRequest> batch, CancellationToken cancellationToken = default);
}
