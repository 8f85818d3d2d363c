using System.Diagnostics;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Telemetry;
using CryptoSentiment.Testing;
using CryptoSentiment.Tests.Llm;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Telemetry.PipelineTelemetry;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Telemetry;

/// <summary>
/// The values the pipeline records (ARCHITECTURE §10), read in-process with a MeterListener and an ActivityListener over
/// real pipeline runs: they must equal the outcomes the steps return and the counts the generated stream is built with.
/// </summary>
[Collection(TelemetrySerial.Name)]
public class TelemetryMetricsTests
{
    [Fact]
    public async Task Telemetry_events_quarantine_headlines_and_lag_equal_the_batch_outcomes_and_a_redelivery_adds_nothing()
    {
        using var capture = new TelemetryCapture();
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(7, Start).Generate(240, 8);
        var ingestAt = IngestTime(stream);
        using var p = Open(t, ingestAt);
        var runner = new BatchRunner(p);
        var batches = stream.ToBatches(EventStream.News, 50, 2).Concat(stream.ToBatches(EventStream.Prices, 100, 2)).ToList();
        foreach (var b in batches) await runner.RunAsync(b);

        var x = stream.Expected;
        Assert.Equal(x.DistinctArticles, capture.Sum(Instruments.Events, ("stream", "news"), ("outcome", "accepted")));
        Assert.Equal(x.NewsDuplicates, capture.Sum(Instruments.Events, ("stream", "news"), ("outcome", "duplicate")));
        Assert.Equal(x.NewsRejected.Values.Sum(), capture.Sum(Instruments.Events, ("stream", "news"), ("outcome", "quarantined")));
        Assert.Equal(x.ValidPrices, capture.Sum(Instruments.Events, ("stream", "prices"), ("outcome", "accepted")));
        Assert.Equal(x.PricesRejected.Values.Sum(), capture.Sum(Instruments.Events, ("stream", "prices"), ("outcome", "quarantined")));
        Assert.True(x.NewsRejected.Values.Sum() > 0 && x.NewsDuplicates > 0, "the generated stream has malformed and duplicate news");

        // Quarantine by reason: the reasons of both streams, summed.
        var reasons = x.NewsRejected.Concat(x.PricesRejected).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => (double)g.Sum(kv => kv.Value));
        Assert.Equal(reasons.OrderBy(kv => kv.Key), capture.SumBy(Instruments.Quarantine, "reason").OrderBy(kv => kv.Key));

        // Headlines by the scorer that answered (offline here), as the outcomes say; no LLM: no tokens, no cost.
        Assert.Equal(runner.News.Sentiment.HeadlinesByScorer.ToDictionary(kv => kv.Key, kv => (double)kv.Value),
            capture.SumBy(Instruments.Headlines, "scorer"));
        Assert.Equal(x.DistinctArticles, capture.Sum(Instruments.Headlines, ("scorer", "offline")));
        Assert.Equal(0, capture.Sum(Instruments.LlmTokens));
        Assert.Equal(0, capture.Count(Instruments.LlmCost));

        // One lag per event: ingest time − enqueued time (the batcher enqueues from stream.End on, 1 ms apart).
        var events = batches.SelectMany(b => b.Events).ToList();
        Assert.Equal(events.Count, capture.Count(Instruments.EventLag));
        Assert.Equal(events.Sum(e => (ingestAt - e.EnqueuedAt).TotalSeconds), capture.Sum(Instruments.EventLag), 6);
        Assert.Equal(batches.Count(b => b.Stream == EventStream.News), capture.Count(Instruments.BatchDuration, ("function", "NewsIngest")));
        Assert.Equal(batches.Count(b => b.Stream == EventStream.Prices), capture.Count(Instruments.BatchDuration, ("function", "PricesIngest")));

        // Each batch: a run span with its partition and sequence range, bronze and silver under it, enrich and commit under silver.
        var spans = capture.Spans;
        var first = batches[0];
        var run = spans.Single(s => s.OperationName == "NewsIngest" && (string?)s.GetTagItem("cryptosentiment.partition") == first.PartitionId
                                    && (long?)s.GetTagItem("cryptosentiment.sequence.first") == first.Events[0].SequenceNumber);
        Assert.Equal(first.Events[^1].SequenceNumber, (long?)run.GetTagItem("cryptosentiment.sequence.last"));
        Assert.Equal(first.Events.Count, (int?)run.GetTagItem("cryptosentiment.received"));
        var children = spans.Where(s => s.ParentSpanId == run.SpanId).Select(s => s.OperationName).Order().ToList();
        Assert.Equal(["bronze", "silver"], children);
        var silver = spans.Single(s => s.ParentSpanId == run.SpanId && s.OperationName == "silver");
        Assert.Equal(["commit", "enrich"], spans.Where(s => s.ParentSpanId == silver.SpanId).Select(s => s.OperationName).Order().ToList());

        // A redelivered batch is already committed: no events, no lag, only its duration.
        var before = (Events: capture.Sum(Instruments.Events), Lags: capture.Count(Instruments.EventLag));
        await p.IngestAsync(batches[0]);
        Assert.Equal(before, (capture.Sum(Instruments.Events), capture.Count(Instruments.EventLag)));

        // A timer run: gold and load step spans under it; warehouse rows per table equal what the load changed.
        GoldCheck(capture);
        LoadOutcome load;
        using (var timer = StartRun("GoldRefresh"))
        {
            await p.RefreshGoldAsync();
            load = await p.LoadWarehouseAsync();
        }
        Assert.True(load.Changed.Values.Sum() > 0);
        Assert.Equal(load.Changed.Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key, kv => (double)kv.Value).OrderBy(kv => kv.Key),
            capture.SumBy(Instruments.WarehouseRows, "table").OrderBy(kv => kv.Key));
        var refresh = capture.Spans.Single(s => s.OperationName == "GoldRefresh");
        Assert.Equal(["gold", "load"], capture.Spans.Where(s => s.ParentSpanId == refresh.SpanId).Select(s => s.OperationName).Order().ToList());
        Assert.Equal(1, capture.Count(Instruments.BatchDuration, ("function", "GoldRefresh")));
    }

    private static void GoldCheck(TelemetryCapture capture) => Assert.DoesNotContain(capture.Spans, s => s.OperationName is "gold" or "load");

    [Fact]
    public async Task Telemetry_a_lost_delta_commit_race_counts_one_conflict_for_its_table()
    {
        using var capture = new TelemetryCapture();
        using var t = new TempLake();
        var store = new LocalLakeStore(t.LakeDir);
        using (var lake = new Lakehouse(store)) await lake.TableAsync(LakeTables.BronzeNews);
        var path = LakeTables.BronzeNews.Path;
        var winner = await DeltaTable.OpenAsync(store, path);
        var loser = await DeltaTable.OpenAsync(store, path); // reads the same version: its commit will lose the race
        var late = loser.BeginTransaction().SetTxn("telemetry-test/b", 1);
        Assert.True((await winner.BeginTransaction().SetTxn("telemetry-test/a", 1).CommitAsync()).Committed);
        Assert.Equal(0, capture.Sum(Instruments.CommitConflicts));

        var result = await late.CommitAsync();
        Assert.True(result.Committed);
        Assert.Equal(2, result.Attempts); // rebased onto the winner's commit
        Assert.Equal(1, capture.Sum(Instruments.CommitConflicts, ("table", path)));
        Assert.Equal(1, capture.Sum(Instruments.CommitConflicts));
    }

    [Fact]
    public async Task Telemetry_an_llm_run_records_tokens_in_and_out_their_cost_and_fallback_headlines()
    {
        using var capture = new TelemetryCapture();
        var key = LlmRig.NewSecret();
        await using var server = await OpenAiLoopbackServer.StartAsync(apiKey: key);
        using var t = new TempLake();
        var settings = Settings.From(n => n switch
        {
            "LAKE_URI" => t.LakeDir,
            "WAREHOUSE" => "duckdb:" + t.WarehouseFile,
            "SENTIMENT_SCORER" => "llm",
            "OPENAI_BASE_URL" => server.BaseUrl.ToString(),
            "AZURE_OPENAI_DEPLOYMENT" => LlmRig.Deployment,
            "AZURE_OPENAI_API_KEY" => key,
            "LLM_PRICE_INPUT_PER_1M" => "2.5",
            "LLM_PRICE_OUTPUT_PER_1M" => "10",
            "LLM_MAX_RETRIES" => "0",
            _ => null,
        });
        var stream = new SampleStreamGenerator(11, Start).Generate(120, 6);
        using var p = new CryptoPipeline(settings, clock: new FixedClock(IngestTime(stream)));
        var usage = new SentimentUsage();
        foreach (var b in stream.ToBatches(EventStream.News, 40, 1)) usage += (await p.IngestAsync(b)).Sentiment;

        var billed = server.Requests.Where(r => r.StatusCode == 200).ToList();
        Assert.True(usage.TokensIn > 0 && usage.TokensOut > 0);
        Assert.Equal(billed.Sum(r => (long)r.PromptTokens), capture.Sum(Instruments.LlmTokens, ("direction", "in")));
        Assert.Equal(billed.Sum(r => (long)r.CompletionTokens), capture.Sum(Instruments.LlmTokens, ("direction", "out")));
        var cost = usage.TokensIn * 2.5 / 1_000_000 + usage.TokensOut * 10.0 / 1_000_000;
        Assert.Equal(cost, capture.Sum(Instruments.LlmCost), 9);
        Assert.Equal(usage.HeadlinesByScorer["llm"], capture.Sum(Instruments.Headlines, ("scorer", "llm")));
        Assert.Equal(0, capture.Sum(Instruments.Headlines, ("scorer", "fallback")));

        // The LLM goes down: the offline scorer answers, and those headlines count under "fallback" (what the alert watches);
        // failed calls bill no tokens.
        server.Rule = _ => LoopbackFault.Status(503);
        var down = new SentimentUsage();
        var later = new SampleStreamGenerator(12, Start).Generate(120, 6); // new headlines, later sequence numbers of the same partition
        foreach (var b in EventBatcher.ToBatches(later.News, EventStream.News, 40, 1, later.End, firstSequenceNumber: 10_000))
            down += (await p.IngestAsync(b)).Sentiment;
        Assert.True(down.HeadlinesByScorer.GetValueOrDefault("fallback") > 0);
        Assert.Equal(down.HeadlinesByScorer["fallback"], capture.Sum(Instruments.Headlines, ("scorer", "fallback")));
        Assert.Equal(billed.Sum(r => (long)r.PromptTokens), capture.Sum(Instruments.LlmTokens, ("direction", "in")));
    }

    [Fact]
    public async Task Telemetry_a_listener_that_throws_never_fails_the_batch_and_is_reported_once()
    {
        var lines = new List<string>();
        var saved = ErrorLog;
        ErrorLog = line => { lock (lines) lines.Add(line); };
        using var broken = new System.Diagnostics.Metrics.MeterListener();
        broken.InstrumentPublished = (i, l) => { if (i.Meter.Name == PipelineTelemetry.Name) l.EnableMeasurementEvents(i); };
        broken.SetMeasurementEventCallback<long>((_, _, _, _) => throw new InvalidOperationException("listener broken"));
        broken.SetMeasurementEventCallback<double>((_, _, _, _) => throw new InvalidOperationException("listener broken"));
        broken.Start();
        try
        {
            using var t = new TempLake();
            var stream = new SampleStreamGenerator(5, Start).Generate(60, 3);
            using var p = Open(t, IngestTime(stream));
            var outcomes = new List<BatchOutcome>();
            foreach (var b in stream.ToBatches(EventStream.News, 30, 1)) outcomes.Add(await p.IngestAsync(b));
            Assert.Equal(stream.Expected.DistinctArticles, outcomes.Sum(o => o.Accepted));
            Assert.All(outcomes, o => Assert.True(o.Reconciles));
            var line = Assert.Single(lines); // once, however many recordings failed
            Assert.Contains("listener broken", line);
        }
        finally { ErrorLog = saved; }
    }
}
