using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Pipeline.Enrich;

/// <summary>
/// Enrich: scores headlines through one <see cref="ISentimentScorer"/> and keeps the cost ledger. Every input id gets
/// exactly one result. For a cacheable scorer (<see cref="ICacheableScorer"/>, the LLM) with a <see cref="SentimentCache"/>:
/// <list type="number">
/// <item>headlines already in the cache are answered from it (no call, 0 tokens);</item>
/// <item>the misses are de-duplicated by cache key (identical headlines, up to case, punctuation and spacing, are billed once)
///   and sent in batches of <see cref="BatchSize"/>;</item>
/// <item>the answers that are not <c>fallback</c> are written to the cache (a fallback must be retried later, so it is never cached).</item>
/// </list>
/// The offline scorer is neither cached nor de-duplicated: it is free and deterministic, and scores each headline as written.
/// Any other scorer without a cache still gets each distinct headline once per request set.
/// </summary>
public sealed class Enricher(ISentimentScorer scorer, int batchSize = 25, SentimentCache? cache = null, LlmPrices? prices = null, TimeProvider? clock = null)
{
    public ISentimentScorer Scorer { get; } = scorer;
    public int BatchSize { get; } = batchSize > 0 ? batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize));
    public SentimentCache? Cache { get; } = cache;
    public LlmPrices Prices { get; } = prices ?? LlmPrices.Default;

    /// <summary>The cache identity (model, prompt version) when answers of <see cref="Scorer"/> are cached, else null.</summary>
    public (string Model, string PromptVersion)? CacheIdentity =>
        Cache is not null && Scorer is ICacheableScorer c ? (c.Model, c.PromptVersion) : null;

    public async Task<(IReadOnlyDictionary<string, SentimentResult> Results, SentimentUsage Usage)> ScoreAsync(
        IReadOnlyList<SentimentRequest> requests, CancellationToken ct)
    {
        var results = new Dictionary<string, SentimentResult>(requests.Count, StringComparer.Ordinal);
        if (Scorer.Name == OfflineScorer.ScorerName) return await ScoreOfflineAsync(requests, results, ct);
        var identity = CacheIdentity;
        if (identity is not null) await Cache!.LoadAsync(ct);

        // Cache lookups, then one representative per distinct key among the misses.
        int hits = 0, misses = 0, deduplicated = 0;
        var groups = new Dictionary<string, List<SentimentRequest>>(StringComparer.Ordinal);
        var representatives = new List<(string Key, SentimentRequest Request)>();
        foreach (var q in requests)
        {
            var key = SentimentCache.Key(q.Text, identity?.Model ?? Scorer.Name, identity?.PromptVersion ?? "");
            if (identity is not null)
            {
                if (Cache!.TryGet(key, out var cached)) { results[q.Id] = cached.ToResult(q.Id); hits++; continue; }
                misses++;
            }
            if (groups.TryGetValue(key, out var same)) { same.Add(q); deduplicated++; continue; }
            groups[key] = [q];
            representatives.Add((key, q));
        }

        int calls = 0;
        var fresh = new List<CachedSentiment>();
        try
        {
            for (var start = 0; start < representatives.Count; start += BatchSize)
            {
                var chunk = representatives.Skip(start).Take(BatchSize).ToList();
                var scored = await Scorer.ScoreAsync(chunk.Select(x => x.Request).ToList(), ct);
                calls++;
                var byId = new Dictionary<string, SentimentResult>(StringComparer.Ordinal);
                foreach (var r in scored) byId[r.Id] = r;
                var now = (clock ?? TimeProvider.System).GetUtcNow();
                foreach (var (key, q) in chunk)
                {
                    if (!byId.TryGetValue(q.Id, out var r))
                        throw new InvalidOperationException($"Scorer '{Scorer.Name}' returned no result for headline id {q.Id}");
                    foreach (var member in groups[key])
                        results[member.Id] = member.Id == q.Id ? r : r with { Id = member.Id, TokensIn = 0, TokensOut = 0 };
                    if (identity is not null && IsCacheable(r)) fresh.Add(CachedSentiment.From(key, r, now));
                }
            }
        }
        catch
        {
            // What was paid for stays paid for: keep those answers even when a later batch failed.
            if (fresh.Count > 0)
            {
                try { await Cache!.AddAsync(fresh, CancellationToken.None); }
                catch (Exception) { /* the original failure is what the caller needs to see */ }
            }
            throw;
        }
        // Not cancellable: the tokens are spent, and a redelivered batch must find these answers.
        if (fresh.Count > 0) await Cache!.AddAsync(fresh, CancellationToken.None);

        var byScorer = new Dictionary<string, int>();
        long tokensIn = 0, tokensOut = 0;
        foreach (var r in results.Values)
        {
            byScorer[r.Scorer] = byScorer.GetValueOrDefault(r.Scorer) + 1;
            tokensIn += r.TokensIn;
            tokensOut += r.TokensOut;
        }
        return (results, new SentimentUsage
        {
            HeadlinesByScorer = byScorer,
            Headlines = requests.Count,
            Calls = calls,
            CacheHits = hits,
            CacheMisses = misses,
            Deduplicated = deduplicated,
            TokensIn = tokensIn,
            TokensOut = tokensOut,
            EstimatedCostUsd = Prices.CostUsd(tokensIn, tokensOut),
        });
    }

    /// <summary>Only real answers of a paid scorer are cached: never <c>fallback</c> (retried later) nor <c>offline</c> (free).</summary>
    /// <summary>
    /// The offline scorer is local, free and deterministic: no cache, no de-duplication, no batching into calls — the
    /// whole request list goes in one call (this is the ingest hot path of the embedded default).
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, SentimentResult>, SentimentUsage)> ScoreOfflineAsync(
        IReadOnlyList<SentimentRequest> requests, Dictionary<string, SentimentResult> results, CancellationToken ct)
    {
        foreach (var r in await Scorer.ScoreAsync(requests, ct)) results[r.Id] = r;
        foreach (var q in requests)
            if (!results.ContainsKey(q.Id))
                throw new InvalidOperationException($"Scorer '{Scorer.Name}' returned no result for headline id {q.Id}");
        return (results, new SentimentUsage
        {
            HeadlinesByScorer = requests.Count == 0 ? new Dictionary<string, int>() : new Dictionary<string, int> { [ScorerNames.Offline] = results.Count },
            Headlines = requests.Count,
        });
    }

    public static bool IsCacheable(SentimentResult r) => r.Scorer is not (ScorerNames.Fallback or ScorerNames.Offline);
}

/// <summary>LLM token prices in USD per 1M tokens (settings <c>LLM_PRICE_INPUT_PER_1M</c>, <c>LLM_PRICE_OUTPUT_PER_1M</c>).</summary>
public sealed record LlmPrices(double InputPer1M, double OutputPer1M)
{
    /// <summary>Defaults: the list price of gpt-4o-mini (global standard): $0.15 in / $0.60 out per 1M tokens.</summary>
    public static readonly LlmPrices Default = new(0.15, 0.60);

    public static LlmPrices From(Configuration.Settings s) => new(s.LlmPriceInputPer1M, s.LlmPriceOutputPer1M);

    public double CostUsd(long tokensIn, long tokensOut) => tokensIn * InputPer1M / 1_000_000d + tokensOut * OutputPer1M / 1_000_000d;
}
