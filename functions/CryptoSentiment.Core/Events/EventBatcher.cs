namespace CryptoSentiment.Events;

/// <summary>Cuts a stream of event bodies into Event Hubs-like batches (used by the generator and the CLI replay).</summary>
public static class EventBatcher
{
    /// <summary>
    /// Assigns event <c>i</c> (0-based, in input order) to partition <c>i mod partitions</c> (ids "0".."P-1"),
    /// sequence numbers increasing by one per partition from <paramref name="firstSequenceNumber"/>, and
    /// <c>EnqueuedAt = firstEnqueuedAt + i ms</c> (increasing). A partition's batch is yielded when it holds
    /// <paramref name="batchSize"/> events; the rest are flushed at the end in partition order. Deterministic and streaming.
    /// </summary>
    public static IEnumerable<EventBatch> ToBatches(IEnumerable<byte[]> bodies, EventStream stream, int batchSize, int partitions,
        DateTimeOffset firstEnqueuedAt, long firstSequenceNumber = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var buffers = new List<RawEvent>[partitions];
        var next = new long[partitions];
        var ids = new string[partitions];
        for (int p = 0; p < partitions; p++) { buffers[p] = new(batchSize); next[p] = firstSequenceNumber; ids[p] = p.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        long i = 0;
        foreach (var body in bodies)
        {
            int p = (int)(i % partitions);
            buffers[p].Add(new RawEvent(ids[p], next[p]++, firstEnqueuedAt.AddMilliseconds(i), body));
            i++;
            if (buffers[p].Count == batchSize)
            {
                yield return new EventBatch(stream, ids[p], buffers[p]);
                buffers[p] = new(batchSize);
            }
        }
        for (int p = 0; p < partitions; p++)
            if (buffers[p].Count > 0) yield return new EventBatch(stream, ids[p], buffers[p]);
    }
}
