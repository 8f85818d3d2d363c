using System.Diagnostics;
using System.Diagnostics.Metrics;
using CryptoSentiment.Events;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Pipeline.Warehouse;

namespace CryptoSentiment.Telemetry;

/// <summary>
/// The pipeline's telemetry (ARCHITECTURE §10): the <c>CryptoSentiment</c> <see cref="ActivitySource"/> and
/// <see cref="Meter"/>, their instruments, and one recording method per outcome (<see cref="BatchOutcome"/>,
/// <see cref="GoldOutcome"/>, <see cref="LoadOutcome"/>, a lost Delta commit race), so each step records in one place.
/// Recording never throws: an exception is swallowed and reported once through <see cref="ErrorLog"/>. Without a
/// listener (no exporter set up) every call is a no-op.
/// </summary>
public static class PipelineTelemetry
{
    /// <summary>The name of the ActivitySource and the Meter.</summary>
    public const string Name = "CryptoSentiment";

    public static readonly ActivitySource Source = new(Name, Version);
    public static readonly Meter Meter = new(Name, Version);

    /// <summary>Instrument names, exactly as in ARCHITECTURE §10.</summary>
    public static class Instruments
    {
        public const string Events = "cryptosentiment.events";
        public const string BatchDuration = "cryptosentiment.batch.duration";
        public const string Quarantine = "cryptosentiment.quarantine";
        public const string Headlines = "cryptosentiment.headlines";
        public const string LlmTokens = "cryptosentiment.llm.tokens";
        public const string LlmCost = "cryptosentiment.llm.cost";
        public const string CommitConflicts = "cryptosentiment.commit.conflicts";
        public const string EventLag = "cryptosentiment.event.lag";
        public const string WarehouseRows = "cryptosentiment.warehouse.rows";
    }

    /// <summary>The step spans under a batch or timer run.</summary>
    public static class Steps
    {
        public const string Bronze = "bronze";
        public const string Silver = "silver";
        public const string Enrich = "enrich";
        public const string Commit = "commit";
        public const string Gold = "gold";
        public const string Load = "load";
    }

    private const string Version = "1.0";

    private static readonly Counter<long> EventsCounter = Meter.CreateCounter<long>(Instruments.Events, "{event}",
        "Events processed into silver, by stream and outcome (accepted | quarantined | duplicate).");
    private static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>(Instruments.BatchDuration, "s",
        "Wall time of one batch or timer run, by function.");
    private static readonly Counter<long> QuarantineCounter = Meter.CreateCounter<long>(Instruments.Quarantine, "{event}",
        "Events parked in quarantine, by reason code.");
    private static readonly Counter<long> HeadlinesCounter = Meter.CreateCounter<long>(Instruments.Headlines, "{headline}",
        "Headlines labelled, by the scorer that answered (llm | offline | fallback).");
    private static readonly Counter<long> TokensCounter = Meter.CreateCounter<long>(Instruments.LlmTokens, "{token}",
        "LLM tokens, by direction (in | out).");
    private static readonly Counter<double> CostCounter = Meter.CreateCounter<double>(Instruments.LlmCost, "USD",
        "Estimated LLM cost at the configured token prices.");
    private static readonly Counter<long> ConflictsCounter = Meter.CreateCounter<long>(Instruments.CommitConflicts, "{conflict}",
        "Delta commits that lost their version to another writer (then rebased or redone), by table.");
    private static readonly Histogram<double> EventLag = Meter.CreateHistogram<double>(Instruments.EventLag, "s",
        "Ingest time minus Event Hubs enqueued time, per event.");
    private static readonly Counter<long> WarehouseRowsCounter = Meter.CreateCounter<long>(Instruments.WarehouseRows, "{row}",
        "Warehouse rows inserted, updated or deleted by the loads, by table.");

    private static int _errorLogged;
    private static Action<string> _errorLog = line => Console.Error.WriteLine(line);

    /// <summary>
    /// Where the first recording error goes (once per sink: setting it re-arms the report); the hosts point it at their
    /// log. Default: stderr.
    /// </summary>
    public static Action<string> ErrorLog
    {
        get => Volatile.Read(ref _errorLog);
        set
        {
            Volatile.Write(ref _errorLog, value);
            Volatile.Write(ref _errorLogged, 0);
        }
    }

    /// <summary>
    /// Starts the span of one batch or timer run of <paramref name="function"/> (a §7 function name); disposing it ends the
    /// span and records <c>cryptosentiment.batch.duration</c>.
    /// </summary>
    public static TelemetryRun StartRun(string function) => new(function, Guard(() => Source.StartActivity(function, ActivityKind.Internal)));

    /// <summary>Starts a step span (<see cref="Steps"/>) under the current run; null when nobody listens.</summary>
    public static Activity? StartStep(string step) => Guard(() => Source.StartActivity(step, ActivityKind.Internal));

    /// <summary>
    /// Everything one ingest batch tells: events by outcome, quarantine reasons, headlines by scorer, LLM tokens and cost,
    /// the lag of each newly processed event (<paramref name="ingestedAt"/> − enqueued), and the run span's attributes.
    /// </summary>
    public static void RecordBatch(EventBatch batch, BatchOutcome outcome, DateTimeOffset ingestedAt, Activity? run) => Safely(() =>
    {
        var stream = batch.Stream == EventStream.News ? "news" : "prices";
        if (run is not null)
        {
            run.SetTag("cryptosentiment.stream", stream);
            run.SetTag("cryptosentiment.partition", batch.PartitionId);
            if (batch.Events.Count > 0)
            {
                run.SetTag("cryptosentiment.sequence.first", batch.Events[0].SequenceNumber);
                run.SetTag("cryptosentiment.sequence.last", batch.Events[^1].SequenceNumber);
            }
            run.SetTag("cryptosentiment.received", outcome.Received);
            run.SetTag("cryptosentiment.bronze", outcome.Bronze);
            run.SetTag("cryptosentiment.accepted", outcome.Accepted);
            run.SetTag("cryptosentiment.quarantined", outcome.Quarantined);
            run.SetTag("cryptosentiment.duplicates", outcome.Duplicates);
            run.SetTag("cryptosentiment.silver_rows", outcome.SilverRows);
        }
        Add(EventsCounter, outcome.Accepted, "stream", stream, "outcome", "accepted");
        Add(EventsCounter, outcome.Quarantined, "stream", stream, "outcome", "quarantined");
        Add(EventsCounter, outcome.Duplicates, "stream", stream, "outcome", "duplicate");
        foreach (var (reason, n) in outcome.Reasons) Add(QuarantineCounter, n, "reason", reason);
        RecordSentiment(outcome.Sentiment, headlines: true);
        // The events processed now are the batch's tail (a redelivery skips what is committed): their lag, not the redelivery's.
        var fresh = Math.Min(batch.Events.Count, Math.Max(outcome.Bronze, outcome.SilverConsidered));
        if (EventLag.Enabled)
            for (var i = batch.Events.Count - fresh; i < batch.Events.Count; i++)
                EventLag.Record(Math.Max(0, (ingestedAt - batch.Events[i].EnqueuedAt).TotalSeconds));
    });

    /// <summary>
    /// Headlines by scorer (when <paramref name="headlines"/>; a re-enrich run re-labels headlines already counted), LLM
    /// tokens in and out, and their estimated cost.
    /// </summary>
    public static void RecordSentiment(SentimentUsage usage, bool headlines) => Safely(() =>
    {
        if (headlines)
            foreach (var (scorer, n) in usage.HeadlinesByScorer) Add(HeadlinesCounter, n, "scorer", scorer);
        Add(TokensCounter, usage.TokensIn, "direction", "in");
        Add(TokensCounter, usage.TokensOut, "direction", "out");
        if (usage.EstimatedCostUsd > 0) CostCounter.Add(usage.EstimatedCostUsd);
    });

    /// <summary>The gold refresh's attributes on its step span (days recomputed, rows written per table).</summary>
    public static void RecordGold(GoldOutcome outcome, Activity? step) => Safely(() =>
    {
        if (step is null) return;
        step.SetTag("cryptosentiment.days.touched", outcome.TouchedDays.Count);
        step.SetTag("cryptosentiment.days.recomputed", outcome.RecomputedDays.Count);
        foreach (var (table, rows) in outcome.RowsWritten) step.SetTag("cryptosentiment.rows." + table, rows);
    });

    /// <summary>Warehouse rows changed per table (<c>cryptosentiment.warehouse.rows</c>) and the load's attributes.</summary>
    public static void RecordLoad(LoadOutcome outcome, Activity? step) => Safely(() =>
    {
        foreach (var (table, rows) in outcome.Changed)
        {
            Add(WarehouseRowsCounter, rows, "table", table);
            step?.SetTag("cryptosentiment.rows." + table, rows);
        }
    });

    /// <summary>A Delta commit of <paramref name="table"/> lost its version to another writer's (rebased or redone after).</summary>
    public static void RecordCommitConflict(string table) => Safely(() => Add(ConflictsCounter, 1, "table", table));

    /// <summary>Ends a run: its duration by function, and the error status when it failed.</summary>
    internal static void EndRun(string function, Activity? activity, double seconds, Exception? error) => Safely(() =>
    {
        BatchDuration.Record(seconds, new KeyValuePair<string, object?>("function", function));
        if (activity is null) return;
        if (error is not null) activity.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
        activity.Dispose();
    });

    /// <summary>
    /// Runs <paramref name="body"/> in the step span <paramref name="step"/> (see <see cref="Steps"/>), which gets the
    /// error status when it throws; the body gets the span (null when nobody listens) to record its outcome on.
    /// </summary>
    public static async Task<T> StepAsync<T>(string step, Func<Activity?, Task<T>> body)
    {
        using var activity = StartStep(step);
        try { return await body(activity); }
        catch (Exception e)
        {
            Safely(() => activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name));
            throw;
        }
    }

    private static void Add(Counter<long> counter, long value, string key, string tag) =>
        counter.Add(value, new KeyValuePair<string, object?>(key, tag));

    private static void Add(Counter<long> counter, long value, string key1, string tag1, string key2, string tag2) =>
        counter.Add(value, new KeyValuePair<string, object?>(key1, tag1), new KeyValuePair<string, object?>(key2, tag2));

    /// <summary>Runs a recording; telemetry never fails the batch.</summary>
    internal static void Safely(Action record)
    {
        try { record(); }
        catch (Exception e) { Report(e); }
    }

    private static T? Guard<T>(Func<T?> start) where T : class
    {
        try { return start(); }
        catch (Exception e) { Report(e); return null; }
    }

    private static void Report(Exception e)
    {
        if (Interlocked.Exchange(ref _errorLogged, 1) != 0) return;
        try { ErrorLog($"telemetry: recording failed (reported once; batches go on): {e.GetType().Name}: {e.Message}"); }
        catch { /* nowhere left to say it */ }
    }
}

/// <summary>
/// One batch or timer run in progress: its span (<see cref="Activity"/>, null when nobody listens) and its start time.
/// Dispose it to record <c>cryptosentiment.batch.duration</c>; call <see cref="Failed"/> first when the run threw.
/// </summary>
public sealed class TelemetryRun : IDisposable
{
    private readonly string _function;
    private readonly long _started = Stopwatch.GetTimestamp();
    private Exception? _error;
    private int _ended;

    internal TelemetryRun(string function, Activity? activity)
    {
        _function = function;
        Activity = activity;
    }

    public Activity? Activity { get; }

    /// <summary>Marks the run failed (its span gets the error status).</summary>
    public void Failed(Exception e) => _error = e;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        PipelineTelemetry.EndRun(_function, Activity, Stopwatch.GetElapsedTime(_started).TotalSeconds, _error);
    }
}
