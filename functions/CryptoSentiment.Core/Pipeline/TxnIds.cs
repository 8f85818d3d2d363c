using CryptoSentiment.Events;
using CryptoSentiment.Lake;

namespace CryptoSentiment.Pipeline;

/// <summary>
/// Delta <c>txn</c> application ids: one per (table, stream, partition), whose version is the last
/// committed Event Hubs sequence number; a batch whose events are all at or below it is skipped.
/// </summary>
public static class TxnIds
{
    public static string For(TableDef table, EventBatch batch) =>
        $"{table.Path}:{(batch.Stream == EventStream.News ? "news" : "prices")}:{batch.PartitionId}";

    /// <summary>The events of the batch that the table has not committed yet.</summary>
    public static IReadOnlyList<RawEvent> Pending(IReadOnlyList<RawEvent> events, long? committed) =>
        committed is not { } last ? events : events.Where(e => e.SequenceNumber > last).ToList();
}
