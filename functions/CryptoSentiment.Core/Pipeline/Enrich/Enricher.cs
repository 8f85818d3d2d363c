using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Pipeline.Enrich;

/// <summary>
/// Enrich: scores headlines in batches of <see cref="BatchSize"/> through one <see cref="ISentimentScorer"/>
/// and accounts for calls and tokens. Every input id gets exactly one result.
/// </summary>
public sealed class Enricher(ISentimentScorer scorer, int batchSize = 25)
{
    public ISentimentScorer Scorer { get; } = scorer;
    public int BatchSize { get; } = batchSize > 0 ? batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize));

    public async Task<(IReadOnlyDictionary<string, SentimentResult> Results, SentimentUsage Usage)> ScoreAsync(
        IReadOnlyList<SentimentRequest> requests, CancellationToken ct)
    {
        var results = new Dictionary<string, SentimentResult>(requests.Count, StringComparer.Ordinal);
        var byScorer = new Dictionary<string, int>();
        int calls = 0;
        long tokensIn = 0, tokensOut = 0;
        for (var start = 0; start < requests.Count; start += BatchSize)
        {
            var chunk = requests.Skip(start).Take(BatchSize).ToList();
            var scored = await Scorer.ScoreAsync(chunk, ct);
            calls++;
            foreach (var r in scored)
            {
                results[r.Id] = r;
                byScorer[r.Scorer] = byScorer.GetValueOrDefault(r.Scorer) + 1;
                tokensIn += r.TokensIn;
                tokensOut += r.TokensOut;
            }
            foreach (var q in chunk)
                if (!results.ContainsKey(q.Id))
                    throw new InvalidOperationException($"Scorer '{Scorer.Name}' returned no result for headline id {q.Id}");
        }
        return (results, new SentimentUsage { HeadlinesByScorer = byScorer, Calls = Scorer.Name == OfflineScorer.ScorerName ? 0 : calls, TokensIn = tokensIn, TokensOut = tokensOut });
    }
}
