using CryptoSentiment.Events;

namespace CryptoSentiment.Pipeline;

/// <summary>What one ingest batch did, tier by tier. <see cref="Reconciles"/> is the §3 invariant.</summary>
public sealed record BatchOutcome
{
    public required EventStream Stream { get; init; }
    public required string PartitionId { get; init; }
    public int Received { get; init; }
    /// <summary>Events newly written to bronze (0 when the batch was already committed).</summary>
    public int Bronze { get; init; }
    /// <summary>Events newly processed into silver/quarantine (0 when already committed).</summary>
    public int SilverConsidered { get; init; }
    /// <summary>New distinct articles (news) or new price rows (prices).</summary>
    public int Accepted { get; init; }
    /// <summary>Silver rows written (news: one per article and coin).</summary>
    public int SilverRows { get; init; }
    public int Quarantined { get; init; }
    public int Duplicates { get; init; }
    public IReadOnlyDictionary<string, int> Reasons { get; init; } = new Dictionary<string, int>();
    public SentimentUsage Sentiment { get; init; } = new();

    public bool Reconciles => SilverConsidered == Accepted + Quarantined + Duplicates;
}

/// <summary>
/// The sentiment cost ledger of a batch (or, summed, of a run): headlines by the scorer that answered, scorer calls,
/// cache hits and misses, tokens and their estimated cost.
/// </summary>
public sealed record SentimentUsage
{
    /// <summary>Headlines by the scorer of their answer (<c>llm</c>, <c>offline</c>, <c>fallback</c>); cache hits count under the cached scorer.</summary>
    public IReadOnlyDictionary<string, int> HeadlinesByScorer { get; init; } = new Dictionary<string, int>();
    /// <summary>Headlines asked for (every request, answered by the cache or not).</summary>
    public int Headlines { get; init; }
    /// <summary>Calls (batches) sent to a paid scorer; 0 for the offline scorer.</summary>
    public int Calls { get; init; }
    /// <summary>Headlines answered by the persisted cache (no call, no tokens).</summary>
    public int CacheHits { get; init; }
    /// <summary>Headlines looked up in the cache and not found (0 when the scorer is not cached, e.g. offline).</summary>
    public int CacheMisses { get; init; }
    /// <summary>Headlines answered by an identical headline of the same request set (billed once).</summary>
    public int Deduplicated { get; init; }
    public long TokensIn { get; init; }
    public long TokensOut { get; init; }
    /// <summary>Estimated cost in USD of <see cref="TokensIn"/> and <see cref="TokensOut"/> at the configured prices.</summary>
    public double EstimatedCostUsd { get; init; }

    /// <summary>Cache hits / lookups; null when nothing was looked up.</summary>
    public double? CacheHitRate => CacheHits + CacheMisses == 0 ? null : CacheHits / (double)(CacheHits + CacheMisses);
    /// <summary>Scorer calls per 1,000 headlines; null when there were no headlines.</summary>
    public double? CallsPer1000Headlines => Headlines == 0 ? null : Calls * 1000.0 / Headlines;
    /// <summary>Tokens (in + out) per headline; null when there were no headlines.</summary>
    public double? TokensPerHeadline => Headlines == 0 ? null : (TokensIn + TokensOut) / (double)Headlines;

    public static SentimentUsage operator +(SentimentUsage a, SentimentUsage b) => new()
    {
        HeadlinesByScorer = a.HeadlinesByScorer.Concat(b.HeadlinesByScorer).GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)),
        Headlines = a.Headlines + b.Headlines,
        Calls = a.Calls + b.Calls,
        CacheHits = a.CacheHits + b.CacheHits,
        CacheMisses = a.CacheMisses + b.CacheMisses,
        Deduplicated = a.Deduplicated + b.Deduplicated,
        TokensIn = a.TokensIn + b.TokensIn,
        TokensOut = a.TokensOut + b.TokensOut,
        EstimatedCostUsd = a.EstimatedCostUsd + b.EstimatedCostUsd,
    };
}
