using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;

namespace CryptoSentiment.Functions.Host;

/// <summary>
/// An eventHubTrigger invocation (<c>cardinality: many</c>) mapped onto the same <see cref="EventBatch"/> contract the
/// CLI replay uses: bodies from <c>Data.&lt;binding&gt;</c>, the partition from <c>Metadata.PartitionContext.PartitionId</c>,
/// sequence numbers from <c>Metadata.SequenceNumberArray</c> and enqueued times from <c>Metadata.EnqueuedTimeUtcArray</c>
/// (each also accepted from <c>SystemPropertiesArray</c>). No validation of the bodies: that is the pipeline's job.
/// </summary>
public static class EventHubPayload
{
    /// <param name="request">The whole request body (<c>{"Data":{...},"Metadata":{...}}</c>).</param>
    /// <param name="binding">The trigger's binding name (function.json <c>name</c>).</param>
    /// <param name="binary">The trigger's <c>dataType</c> is <c>binary</c>: bodies arrive base64-encoded.</param>
    /// <param name="now">Enqueued time when the metadata has none.</param>
    public static EventBatch ToBatch(JsonElement request, EventStream stream, string binding, bool binary, DateTimeOffset now)
    {
        if (!HostJson.TryGet(request, "Data", out var data) || data.ValueKind != JsonValueKind.Object)
            throw new PayloadException("the request has no Data object");
        if (!HostJson.TryGet(data, binding, out var value))
        {
            var names = data.EnumerateObject().Select(p => p.Name).ToList();
            if (names.Count != 1) throw new PayloadException($"Data has no '{binding}' binding (has: {string.Join(", ", names)})");
            value = HostJson.Unwrap(data.GetProperty(names[0]));
        }
        var bodies = Bodies(value, binary);
        HostJson.TryGet(request, "Metadata", out var meta);

        var partition = PartitionId(meta)
            ?? throw new PayloadException("Metadata.PartitionContext.PartitionId is missing: the batch cannot be made idempotent");
        var systemProps = HostJson.Array(meta, "SystemPropertiesArray");
        var seqs = Sequences(meta, systemProps, bodies.Count);
        var times = EnqueuedTimes(meta, systemProps, bodies.Count, now);

        var events = new RawEvent[bodies.Count];
        for (int i = 0; i < bodies.Count; i++) events[i] = new RawEvent(partition, seqs[i], times[i], bodies[i]);
        return new EventBatch(stream, partition, events);
    }

    /// <summary>Event bodies: string elements are the UTF-8 text (base64-decoded for <c>dataType: binary</c>); other JSON values their raw text.</summary>
    public static List<byte[]> Bodies(JsonElement value, bool binary)
    {
        var list = new List<byte[]>();
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var e in value.EnumerateArray()) list.Add(Body(e, binary));
                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default: // one event (cardinality one, or a host that sent a single value)
                list.Add(Body(value, binary));
                break;
        }
        return list;
    }

    private static byte[] Body(JsonElement e, bool binary)
    {
        if (e.ValueKind != JsonValueKind.String) return Encoding.UTF8.GetBytes(e.GetRawText());
        var s = e.GetString()!;
        if (binary && TryBase64(s, out var bytes)) return bytes;
        return Encoding.UTF8.GetBytes(s);
    }

    private static bool TryBase64(string s, out byte[] bytes)
    {
        bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(s.Length)];
        if (Convert.TryFromBase64String(s, bytes, out int n)) { bytes = bytes[..n]; return true; }
        bytes = [];
        return false;
    }

    /// <summary><c>PartitionContext.PartitionId</c> (also <c>PartitionContext.RuntimeInformation.PartitionId</c> of older extensions, or a top-level <c>PartitionId</c>).</summary>
    public static string? PartitionId(JsonElement meta)
    {
        if (HostJson.TryGet(meta, "PartitionContext", out var pc))
        {
            if (HostJson.TryGet(pc, "PartitionId", out var id) && HostJson.Text(id) is { Length: > 0 } s) return s;
            if (HostJson.TryGet(pc, "RuntimeInformation", out var ri) && HostJson.TryGet(ri, "PartitionId", out id) && HostJson.Text(id) is { Length: > 0 } r) return r;
        }
        return HostJson.TryGet(meta, "PartitionId", out var top) && HostJson.Text(top) is { Length: > 0 } t ? t : null;
    }

    private static long[] Sequences(JsonElement meta, List<JsonElement>? systemProps, int count)
    {
        var result = new long[count];
        var arr = HostJson.Array(meta, "SequenceNumberArray");
        if (arr is not null)
        {
            if (arr.Count != count) throw new PayloadException($"Metadata.SequenceNumberArray has {arr.Count} entries for {count} events");
            for (int i = 0; i < count; i++)
                if (!HostJson.TryInt64(arr[i], out result[i])) throw new PayloadException($"Metadata.SequenceNumberArray[{i}] is not an integer: {arr[i].GetRawText()}");
            return result;
        }
        if (systemProps is not null && systemProps.Count == count)
        {
            for (int i = 0; i < count; i++)
                if (!HostJson.TryGet(systemProps[i], "SequenceNumber", out var v) || !HostJson.TryInt64(v, out result[i]))
                    throw new PayloadException($"Metadata.SystemPropertiesArray[{i}].SequenceNumber is missing");
            return result;
        }
        if (count == 1 && HostJson.TryGet(meta, "SequenceNumber", out var one) && HostJson.TryInt64(one, out result[0])) return result;
        if (count == 0) return result;
        throw new PayloadException("Metadata.SequenceNumberArray is missing: the batch cannot be made idempotent");
    }

    private static DateTimeOffset[] EnqueuedTimes(JsonElement meta, List<JsonElement>? systemProps, int count, DateTimeOffset now)
    {
        var result = new DateTimeOffset[count];
        var arr = HostJson.Array(meta, "EnqueuedTimeUtcArray");
        for (int i = 0; i < count; i++)
        {
            JsonElement v = default;
            bool found = arr is not null && i < arr.Count && (v = arr[i]).ValueKind != JsonValueKind.Undefined
                || systemProps is not null && i < systemProps.Count && HostJson.TryGet(systemProps[i], "EnqueuedTimeUtc", out v);
            // The host writes DateTime values without an offset (Kind=Unspecified): they are UTC.
            result[i] = found && HostJson.Text(v) is { } s && Timestamps.TryParseUtc(s, out var t) ? t : now;
        }
        return result;
    }
}
