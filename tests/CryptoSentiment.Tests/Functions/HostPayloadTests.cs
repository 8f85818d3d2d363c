using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Functions.Host;

namespace CryptoSentiment.Tests.Functions;

/// <summary>The host's request shapes (recorded payloads) mapped onto the CLI's EventBatch contract.</summary>
public class HostPayloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static EventBatch Batch(string file, EventStream stream, bool binary = false)
    {
        using var doc = JsonDocument.Parse(TestFiles.ReadPayload(file));
        return EventHubPayload.ToBatch(doc.RootElement, stream, "events", binary, Now);
    }

    private static EventBatch BatchOf(string json, bool binary = false)
    {
        using var doc = JsonDocument.Parse(json);
        return EventHubPayload.ToBatch(doc.RootElement, EventStream.News, "events", binary, Now);
    }

    [Fact]
    public void Unwrap_parses_json_text_held_in_a_string_and_keeps_plain_strings()
    {
        using var doc = JsonDocument.Parse("""{"a":"[1,2]","b":"abc","c":"\"[3]\"","d":"[not json","e":[4],"f":"\"quoted\"","g":"  {\"x\":1}"}""");
        var r = doc.RootElement;
        Assert.Equal(JsonValueKind.Array, HostJson.Unwrap(r.GetProperty("a")).ValueKind);
        Assert.Equal("abc", HostJson.Unwrap(r.GetProperty("b")).GetString());
        Assert.Equal(3, HostJson.Unwrap(r.GetProperty("c"))[0].GetInt32()); // encoded twice
        Assert.Equal("[not json", HostJson.Unwrap(r.GetProperty("d")).GetString());
        Assert.Equal(4, HostJson.Unwrap(r.GetProperty("e"))[0].GetInt32());
        Assert.Equal("quoted", HostJson.Unwrap(r.GetProperty("f")).GetString()); // a string trigger value arrives as "\"abc\""
        Assert.Equal(1, HostJson.Unwrap(r.GetProperty("g")).GetProperty("x").GetInt32());
    }

    [Theory]
    [InlineData("NewsIngest", EventStream.News, "3", 100L, 6)]
    [InlineData("PricesIngest", EventStream.Prices, "1", 7L, 4)]
    public void Both_value_shapes_give_the_same_batch(string function, EventStream stream, string partition, long firstSeq, int count)
    {
        var fromString = Batch(function + ".string.json", stream);
        var fromArray = Batch(function + ".array.json", stream);
        foreach (var b in new[] { fromString, fromArray })
        {
            Assert.Equal(stream, b.Stream);
            Assert.Equal(partition, b.PartitionId);
            Assert.Equal(count, b.Events.Count);
            Assert.Equal(Enumerable.Range(0, count).Select(i => firstSeq + i), b.Events.Select(e => e.SequenceNumber));
            Assert.All(b.Events, e => Assert.Equal(partition, e.PartitionId));
            Assert.All(b.Events, e => Assert.Equal(TimeSpan.Zero, e.EnqueuedAt.Offset));
        }
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(fromString.Events[i].Body.ToArray(), fromArray.Events[i].Body.ToArray());
            Assert.Equal(fromString.Events[i].EnqueuedAt, fromArray.Events[i].EnqueuedAt);
        }
        // The host writes EnqueuedTimeUtc without an offset: it is UTC, never local time.
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 12, stream == EventStream.News ? 10 : 11, 0, TimeSpan.Zero).AddMilliseconds(123), fromString.Events[0].EnqueuedAt);
        // Bodies are the event text exactly as sent, including the invalid one (the pipeline quarantines it).
        if (stream == EventStream.News) Assert.Equal("{\"title\": \"unterminated", Encoding.UTF8.GetString(fromString.Events[3].Body.Span));
    }

    [Fact]
    public void Binary_data_type_decodes_base64_and_keeps_non_utf8_bytes()
    {
        var b = Batch("NewsIngest.binary.json", EventStream.News, binary: true);
        Assert.Equal("5", b.PartitionId);
        Assert.Equal([40L, 41L], b.Events.Select(e => e.SequenceNumber));
        Assert.StartsWith("{\"id\":\"bin-1\"", Encoding.UTF8.GetString(b.Events[0].Body.Span));
        Assert.Equal(new byte[] { 0xff, 0xfe, 0x00, 0x01, 0x80 }, b.Events[1].Body.ToArray());
        // Read as dataType string, the same payload keeps the base64 text (nothing is guessed).
        var asText = Batch("NewsIngest.binary.json", EventStream.News, binary: false);
        Assert.Equal(Convert.ToBase64String([0xff, 0xfe, 0x00, 0x01, 0x80]), Encoding.UTF8.GetString(asText.Events[1].Body.Span));
    }

    [Fact]
    public void Non_string_elements_keep_their_json_text()
    {
        var b = BatchOf("""{"Data":{"events":[{"title":"Bitcoin up","published_at":"2025-11-21T10:00:00Z"},42,null]},"Metadata":{"PartitionContext":{"PartitionId":"0"},"SequenceNumberArray":[1,2,3]}}""");
        Assert.Equal("""{"title":"Bitcoin up","published_at":"2025-11-21T10:00:00Z"}""", Encoding.UTF8.GetString(b.Events[0].Body.Span));
        Assert.Equal("42", Encoding.UTF8.GetString(b.Events[1].Body.Span));
        Assert.Equal("null", Encoding.UTF8.GetString(b.Events[2].Body.Span));
    }

    [Fact]
    public void Metadata_fallbacks_system_properties_and_older_partition_context()
    {
        var b = BatchOf("""
            {"Data":{"events":"[\"a\",\"b\"]"},
             "Metadata":{"PartitionContext":"{\"RuntimeInformation\":{\"PartitionId\":\"7\"}}",
                         "SystemPropertiesArray":"[{\"SequenceNumber\":\"900\",\"EnqueuedTimeUtc\":\"2025-11-21T10:00:00\"},{\"SequenceNumber\":901,\"EnqueuedTimeUtc\":\"2025-11-21T10:00:01Z\"}]"}}
            """);
        Assert.Equal("7", b.PartitionId);
        Assert.Equal([900L, 901L], b.Events.Select(e => e.SequenceNumber));
        Assert.Equal(new DateTimeOffset(2025, 11, 21, 10, 0, 1, TimeSpan.Zero), b.Events[1].EnqueuedAt);
        // Lower-case keys and a missing enqueued time (→ now) are accepted too.
        var c = BatchOf("""{"data":{"EVENTS":["x"]},"metadata":{"partitionContext":{"partitionId":2},"sequenceNumberArray":[5]}}""");
        Assert.Equal("2", c.PartitionId);
        Assert.Equal(Now, c.Events[0].EnqueuedAt);
    }

    [Theory]
    [InlineData("""{"Data":{"events":"[\"a\"]"},"Metadata":{"SequenceNumberArray":"[1]"}}""", "PartitionId is missing")]
    [InlineData("""{"Data":{"events":"[\"a\",\"b\"]"},"Metadata":{"PartitionContext":{"PartitionId":"0"},"SequenceNumberArray":"[1]"}}""", "has 1 entries for 2 events")]
    [InlineData("""{"Data":{"events":"[\"a\"]"},"Metadata":{"PartitionContext":{"PartitionId":"0"}}}""", "SequenceNumberArray is missing")]
    [InlineData("""{"Data":{"events":"[\"a\"]"},"Metadata":{"PartitionContext":{"PartitionId":"0"},"SequenceNumberArray":"[\"x\"]"}}""", "is not an integer")]
    [InlineData("""{"Metadata":{}}""", "no Data object")]
    [InlineData("""{"Data":{"a":"[]","b":"[]"},"Metadata":{}}""", "no 'events' binding")]
    public void Contract_violations_are_payload_errors(string json, string message)
    {
        var e = Assert.Throws<PayloadException>(() => BatchOf(json));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Shipped_function_json_files_match_the_handler()
    {
        var root = AppContext.BaseDirectory;
        var catalog = FunctionCatalog.Load(root);
        Assert.Equal(["ApiAlerts", "ApiCoin", "ApiCoins", "ApiHeadlines", "ApiOpenApi", "ApiTop", "GoldRefresh", "Maintenance", "NewsIngest", "NewsPoll", "PricePoll", "PricesIngest", "Reenrich"],
            catalog.All.Select(f => f.Name).Order(StringComparer.Ordinal));
        foreach (var (fn, hub) in new[] { ("NewsIngest", "%EVENTHUB_NEWS%"), ("PricesIngest", "%EVENTHUB_PRICES%") })
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, fn, "function.json")));
            var t = doc.RootElement.GetProperty("bindings")[0];
            Assert.Equal("eventHubTrigger", t.GetProperty("type").GetString());
            Assert.Equal(hub, t.GetProperty("eventHubName").GetString());
            Assert.Equal("%EVENTHUB_CONSUMER_GROUP%", t.GetProperty("consumerGroup").GetString());
            Assert.Equal("EventHubConnection", t.GetProperty("connection").GetString());
            Assert.Equal("many", t.GetProperty("cardinality").GetString());
            Assert.Equal("string", t.GetProperty("dataType").GetString());
            Assert.Equal("exponentialBackoff", doc.RootElement.GetProperty("retry").GetProperty("strategy").GetString());
        }
        foreach (var (fn, hub) in new[] { ("NewsPoll", "%EVENTHUB_NEWS%"), ("PricePoll", "%EVENTHUB_PRICES%") })
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, fn, "function.json")));
            var bindings = doc.RootElement.GetProperty("bindings").EnumerateArray().ToList();
            Assert.Equal("timerTrigger", bindings[0].GetProperty("type").GetString());
            var output = bindings.Single(b => b.GetProperty("type").GetString() == "eventHub");
            Assert.Equal("out", output.GetProperty("direction").GetString());
            Assert.Equal(hub, output.GetProperty("eventHubName").GetString());
            Assert.Equal("EventHubConnection", output.GetProperty("connection").GetString());
            Assert.True(catalog.TryGet(fn, out var def));
            Assert.Equal([output.GetProperty("name").GetString()!], def.Outputs);
        }
        using (var gold = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "GoldRefresh", "function.json"))))
            Assert.Equal("0 */5 * * * *", gold.RootElement.GetProperty("bindings")[0].GetProperty("schedule").GetString());
        using (var reenrich = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "Reenrich", "function.json"))))
            Assert.Matches("^0 [0-9]+ \\* \\* \\* \\*$", reenrich.RootElement.GetProperty("bindings")[0].GetProperty("schedule").GetString()); // hourly
        using (var maintenance = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "Maintenance", "function.json"))))
        {
            var trigger = maintenance.RootElement.GetProperty("bindings")[0];
            Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
            Assert.Matches("^0 [0-9]+ \\* \\* \\* \\*$", trigger.GetProperty("schedule").GetString()); // hourly
            Assert.False(trigger.GetProperty("runOnStartup").GetBoolean());
        }
        Assert.Equal(catalog.All.Select(f => f.Name).Order(StringComparer.Ordinal), FunctionCatalog.Default.All.Select(f => f.Name).Order(StringComparer.Ordinal));
        using var host = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "host.json")));
        var description = host.RootElement.GetProperty("customHandler").GetProperty("description");
        Assert.Equal(typeof(CryptoSentiment.Functions.FunctionsApp).Assembly.GetName().Name, description.GetProperty("defaultExecutablePath").GetString());
        Assert.Equal("[4.*, 5.0.0)", host.RootElement.GetProperty("extensionBundle").GetProperty("version").GetString());
    }

    [Fact]
    public void A_function_json_without_a_trigger_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => FunctionCatalog.Parse("X", Encoding.UTF8.GetBytes("""{"bindings":[{"type":"eventHub","direction":"out","name":"o"}]}"""), "X/function.json"));
        Assert.Contains("X/function.json", e.Message);
        Assert.Contains("no trigger binding", e.Message);
    }
}
