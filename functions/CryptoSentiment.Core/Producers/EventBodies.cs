using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CryptoSentiment.Events;

namespace CryptoSentiment.Producers;

/// <summary>The §3 event JSON the producers emit (one UTF-8 object per Event Hubs event).</summary>
public static class EventBodies
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string News(string? id, string title, string? url, string source, DateTimeOffset publishedAt, string? summary) =>
        Write(w =>
        {
            if (id is not null) w.WriteString("id", id);
            w.WriteString("title", title);
            if (url is not null) w.WriteString("url", url);
            w.WriteString("source", source);
            w.WriteString("published_at", Timestamps.Format(publishedAt));
            if (summary is not null) w.WriteString("summary", summary);
        });

    public static string Price(string symbol, double priceUsd, DateTimeOffset ts, double? volumeUsd, string source) =>
        Write(w =>
        {
            w.WriteString("symbol", symbol);
            w.WriteNumber("price_usd", priceUsd);
            w.WriteString("ts", Timestamps.Format(ts));
            if (volumeUsd is { } v) w.WriteNumber("volume_usd", v);
            w.WriteString("source", source);
        });

    private static string Write(Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
