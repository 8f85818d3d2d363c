namespace CryptoSentiment.Sentiment;

/// <summary>
/// A scorer that runs in-process on one headline at a time (the offline model, the lexicon): free, deterministic, no
/// tokens. Subclasses classify a text; this base turns that into the batch contract (one result per id, in order).
/// </summary>
public abstract class LocalScorer : ISentimentScorer
{
    public const string ScorerName = ScorerNames.Offline;
    public const string NoPromptVersion = "-";

    /// <inheritdoc />
    public string Name => ScorerName;

    /// <summary>Model identifier reported in <see cref="SentimentResult.Model"/>.</summary>
    public abstract string Model { get; }

    /// <summary>The label and its confidence for one text (the hot path).</summary>
    protected abstract (SentimentLabel Label, double Confidence) Classify(ReadOnlySpan<char> text);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SentimentResult>> ScoreAsync(IReadOnlyList<SentimentRequest> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new SentimentResult[batch.Count];
        for (var i = 0; i < results.Length; i++)
        {
            if ((i & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            results[i] = Score(batch[i].Id, batch[i].Text);
        }
        return ValueTask.FromResult<IReadOnlyList<SentimentResult>>(results);
    }

    /// <summary>Scores one headline into a full result (no coins: the pipeline fills them).</summary>
    public SentimentResult Score(string id, string? text)
    {
        text ??= string.Empty;
        var (label, confidence) = Classify(text);
        return new SentimentResult(id, label, confidence, [], LexiconScorer.Summarize(text), ScorerName, Model, NoPromptVersion, 0, 0);
    }
}
