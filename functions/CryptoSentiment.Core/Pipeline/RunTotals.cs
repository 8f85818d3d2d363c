using CryptoSentiment.Events;

namespace CryptoSentiment.Pipeline;

/// <summary>Totals of many ingest batches for one stream (what a replay or a demo did).</summary>
public sealed class StreamTotals
{
    public int Batches { get; private set; }
    public long Received { get; private set; }
    public long Bronze { get; private set; }
    public long Considered { get; private set; }
    public long Accepted { get; private set; }
    public long SilverRows { get; private set; }
    public long Quarantined { get; private set; }
    public long Duplicates { get; private set; }
    public Dictionary<string, long> Reasons { get; } = new();
    public SentimentUsage Sentiment { get; private set; } = new();

    public void Add(BatchOutcome o)
    {
        Batches++;
        Received += o.Received;
        Bronze += o.Bronze;
        Considered += o.SilverConsidered;
        Accepted += o.Accepted;
        SilverRows += o.SilverRows;
        Quarantined += o.Quarantined;
        Duplicates += o.Duplicates;
        foreach (var (k, v) in o.Reasons) Reasons[k] = Reasons.GetValueOrDefault(k) + v;
        Sentiment += o.Sentiment;
    }

    /// <summary>Every event processed this run is in silver, in quarantine, or a duplicate.</summary>
    public bool Reconciles => Considered == Accepted + Quarantined + Duplicates;
}

/// <summary>Runs batches through <see cref="CryptoPipeline.IngestAsync"/> and keeps totals per stream.</summary>
public sealed class BatchRunner(CryptoPipeline pipeline)
{
    public StreamTotals News { get; } = new();
    public StreamTotals Prices { get; } = new();

    public async Task<BatchOutcome> RunAsync(EventBatch batch, CancellationToken ct = default)
    {
        var outcome = await pipeline.IngestAsync(batch, ct);
        (batch.Stream == EventStream.News ? News : Prices).Add(outcome);
        return outcome;
    }
}
