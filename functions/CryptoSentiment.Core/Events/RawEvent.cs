namespace CryptoSentiment.Events;

/// <summary>
/// One event as delivered by Event Hubs (or by the CLI replay, which follows the same contract):
/// the raw body bytes, the partition it came from and its sequence number within that partition.
/// </summary>
public sealed record RawEvent(string PartitionId, long SequenceNumber, DateTimeOffset EnqueuedAt, ReadOnlyMemory<byte> Body);

/// <summary>Which stream a batch belongs to.</summary>
public enum EventStream { News, Prices }

/// <summary>A batch of events from one partition, sequence numbers increasing.</summary>
public sealed record EventBatch(EventStream Stream, string PartitionId, IReadOnlyList<RawEvent> Events);
