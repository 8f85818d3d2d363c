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

/// <summary>Sentiment calls made for a batch: headlines by scorer, calls, tokens.</summary>
public sealed record SentimentUsage
{
    public IReadOnlyDictionary<string, int> HeadlinesByScorer { get; init; } = new Dictionary<string, int>();
    public int Calls { get; init; }
    public long TokensIn { get; init; }
    public long TokensOut { get; init; }

    public static SentimentUsage operator +(SentimentUsage a, SentimentUsage b) => new()
    {
        HeadlinesByScorer = a.HeadlinesByScorer.Concat(b.HeadlinesByScorer).GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)),
        Calls = a.Calls + b.Calls,
        TokensIn = a.TokensIn + b.TokensIn,
        TokensOut = a.TokensOut + b.TokensOut,
    };
}
