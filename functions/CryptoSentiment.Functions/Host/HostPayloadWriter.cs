using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;

namespace CryptoSentiment.Functions.Host;

/// <summary>
/// Writes an <see cref="EventBatch"/> as the Functions host would POST it for an eventHubTrigger with
/// <c>cardinality: many</c>, <c>dataType: string</c>: <c>Data.events</c> and the <c>*Array</c> metadata as JSON text in
/// strings, <c>PartitionContext</c> as an object. For benchmarks and local drivers; the inverse of <see cref="EventHubPayload"/>.
/// </summary>
public static class HostPayloadWriter
{
    public static byte[] EventHubBatch(EventBatch batch, string eventHubName, string binding = "events")
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("Data");
            w.WriteString(binding, Encode(a => { foreach (var e in batch.Events) a.WriteStringValue(Encoding.UTF8.GetString(e.Body.Span)); }));
            w.WriteEndObject();
            w.WriteStartObject("Metadata");
            w.WriteStartObject("PartitionContext");
            w.WriteString("EventHubName", eventHubName);
            w.WriteString("ConsumerGroup", "$Default");
            w.WriteString("PartitionId", batch.PartitionId);
            w.WriteEndObject();
            w.WriteString("SequenceNumberArray", Encode(a => { foreach (var e in batch.Events) a.WriteNumberValue(e.SequenceNumber); }));
            w.WriteString("EnqueuedTimeUtcArray", Encode(a =>
            {
                foreach (var e in batch.Events)
                    a.WriteStringValue(e.EnqueuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            }));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A JSON array written by <paramref name="items"/>, as text (what <c>JsonConvert.SerializeObject</c> gives the host).</summary>
    private static string Encode(Action<Utf8JsonWriter> items)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            items(w);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
