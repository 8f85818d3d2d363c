using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Pipeline.Alerts;
using CryptoSentiment.Pipeline.Bronze;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Pipeline.Silver;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Llm;
using CryptoSentiment.Telemetry;

namespace CryptoSentiment.Pipeline;

/// <summary>
/// The medallion in one place — ingest → bronze → silver (+quarantine, enrich) → gold → warehouse — used
/// unchanged by the CLI and the Functions handler. Batches, refreshes, loads and maintenance may run concurrently: each
/// works on its own engine connection and the Delta log arbitrates between their commits.
/// </summary>
public sealed class CryptoPipeline : IDisposable
{
    private readonly SilverStep _silver;
    private readonly GoldStep _gold;
    private readonly ReenrichStep _reenrich;
    private readonly TimeProvider _clock;
    private readonly AlertNotifier _notifier;

    public Settings Settings { get; }
    public Lakehouse Lake { get; }
    public EventParser Parser { get; }
    public Enricher Enricher { get; }

    /// <summary>The silver step (its dedupe index is what tests and the bench inspect).</summary>
    public SilverStep Silver => _silver;

    public CryptoPipeline(Settings settings, ISentimentScorer? scorer = null, TimeProvider? clock = null, int engineThreads = 1)
        : this(settings, Lakehouse.Open(settings, engineThreads), scorer, clock) { }

    /// <summary>A pipeline over a lake opened by the caller (e.g. a Blob store with its own transport or credential).</summary>
    /// <param name="webhookPolicy">Retries and timeouts of the alert webhook (default <see cref="WebhookPolicy.Default"/>).</param>
    public CryptoPipeline(Settings settings, Lakehouse lake, ISentimentScorer? scorer = null, TimeProvider? clock = null, WebhookPolicy? webhookPolicy = null)
    {
        Settings = settings;
        _clock = clock ?? TimeProvider.System;
        Lake = lake;
        Parser = new EventParser(settings.CoinsFile is null ? CoinCatalog.Default : CoinCatalog.Load(settings.CoinsFile));
        Enricher = new Enricher(scorer ?? Scorers.Create(settings), settings.SentimentBatchSize,
            new SentimentCache(Lake), LlmPrices.From(settings), _clock);
        _silver = new SilverStep(Lake, Parser, Enricher, settings.DedupeWindowDays, settings.ScorerAgreementSample);
        _gold = new GoldStep(Lake, AlertThresholds.From(settings));
        _reenrich = new ReenrichStep(Lake, Enricher);
        _notifier = new AlertNotifier(Lake, settings.AlertWebhookUrl is { } hook ? new Uri(hook) : null, WebhookHttp.Value, _clock, webhookPolicy);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(EventStream, string), AsyncGate> _partitions = new();

    /// <summary>One HTTP client for every pipeline's webhook POSTs (per-request timeouts come from <see cref="WebhookPolicy"/>).</summary>
    private static readonly Lazy<HttpClient> WebhookHttp = new(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>
    /// Lands one Event Hubs batch in bronze, then silver and quarantine. Safe to repeat (txn-idempotent). Batches of
    /// different partitions run side by side (each on its own engine connection; they meet only in the dedupe index).
    /// Deliveries of the same partition take turns: Event Hubs gives an instance a partition's batches one at a time, so
    /// two at once are a redelivery of the same events — run side by side, the second would take the first's in-flight
    /// dedupe claims for duplicates and commit the range as done without its rows.
    /// Telemetry: one <c>NewsIngest</c>/<c>PricesIngest</c> run span with <c>bronze</c> and <c>silver</c> step spans, and the
    /// batch's metrics recorded from its outcome (<see cref="PipelineTelemetry.RecordBatch"/>).
    /// </summary>
    public async Task<BatchOutcome> IngestAsync(EventBatch batch, CancellationToken ct = default)
    {
        using var run = PipelineTelemetry.StartRun(IngestFunction(batch.Stream));
        try
        {
            using var turn = await _partitions.GetOrAdd((batch.Stream, batch.PartitionId), _ => new AsyncGate()).EnterAsync(ct);
            using var engine = Lake.RentEngine();
            var now = _clock.GetUtcNow();
            var bronze = await PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Bronze,
                _ => BronzeStep.AppendAsync(Lake, engine.Connection, batch, now, ct));
            var silver = await PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Silver,
                _ => _silver.ProcessAsync(engine.Connection, batch, now, ct));
            var outcome = silver with { Bronze = bronze };
            PipelineTelemetry.RecordBatch(batch, outcome, now, run.Activity);
            return outcome;
        }
        catch (Exception e)
        {
            run.Failed(e);
            throw;
        }
    }

    /// <summary>The §7 function that ingests a stream (the run name of its batches in telemetry).</summary>
    public static string IngestFunction(EventStream stream) => stream == EventStream.News ? "NewsIngest" : "PricesIngest";

    /// <summary>
    /// Recomputes the gold days touched since the last refresh (beside ingest: its own engine connection; a <c>gold</c> step
    /// span), then, with <c>ALERT_WEBHOOK_URL</c>, POSTs the new gold/alerts rows once each (<see cref="AlertNotifier"/>; a
    /// failing hook never fails the refresh: see <see cref="GoldOutcome.Notified"/>). The CLI and the GoldRefresh timer both
    /// come through here.
    /// </summary>
    public async Task<GoldOutcome> RefreshGoldAsync(CancellationToken ct = default)
    {
        var gold = await PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Gold, async step =>
        {
            var outcome = await _gold.RefreshAsync(ct);
            PipelineTelemetry.RecordGold(outcome, step);
            return outcome;
        });
        return _notifier.Enabled ? gold with { Notified = await _notifier.NotifyAsync(ct) } : gold;
    }

    /// <summary>The webhook notifier of gold/alerts (disabled without <c>ALERT_WEBHOOK_URL</c>).</summary>
    public AlertNotifier Notifier => _notifier;

    /// <summary>
    /// Re-scores silver rows marked <c>fallback</c> with the configured scorer and replaces those that got a real answer
    /// (one silver commit). Follow with <see cref="RefreshGoldAsync"/> and <see cref="LoadWarehouseAsync"/>.
    /// </summary>
    public Task<ReenrichOutcome> ReenrichAsync(CancellationToken ct = default) =>
        PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Enrich, async _ =>
        {
            var outcome = await _reenrich.RunAsync(ct);
            PipelineTelemetry.RecordSentiment(outcome.Sentiment, headlines: false); // tokens and cost; the headlines were counted at ingest
            return outcome;
        });

    /// <summary>
    /// Loads gold (and the classified headlines) into the configured warehouse (<c>WAREHOUSE</c>: the DuckDB file or
    /// Snowflake), or into <paramref name="target"/> (<c>duckdb</c> | <c>snowflake</c>). Idempotent.
    /// </summary>
    public async Task<LoadOutcome> LoadWarehouseAsync(CancellationToken ct = default) => await LoadWarehouseAsync(null, null, ct);

    /// <inheritdoc cref="LoadWarehouseAsync(CancellationToken)"/>
    /// <param name="full">Re-send every row and prune everything (repair); default: only the days changed since the last load.</param>
    /// <remarks>Telemetry: a <c>load</c> step span; rows changed per table go to <c>cryptosentiment.warehouse.rows</c>.</remarks>
    public Task<LoadOutcome> LoadWarehouseAsync(string? target, Action<string>? log = null, CancellationToken ct = default, bool full = false) =>
        PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Load, async step =>
        {
            using var warehouse = Warehouses.Create(Settings, target, log);
            var outcome = await warehouse.LoadAsync(Lake, full, ct);
            PipelineTelemetry.RecordLoad(outcome, step);
            return outcome;
        });

    /// <summary>
    /// Table maintenance (ARCHITECTURE §9): upgrade older layouts, optimize, vacuum, checkpoint, log cleanup, for every table.
    /// Runs on its own DuckDB connection, beside ingest; defaults from <c>MAINTENANCE_RETENTION_HOURS</c> and
    /// <c>MAINTENANCE_TARGET_FILE_MB</c>.
    /// </summary>
    public Task<IReadOnlyList<TableMaintenance>> MaintainAsync(MaintenanceOptions? options = null, Action<string>? progress = null, CancellationToken ct = default) =>
        new MaintenanceStep(Lake).RunAsync(options ?? MaintenanceOptionsFrom(Settings), progress, ct); // wall-clock time: tombstones and file times are

    /// <summary>The maintenance options the settings give.</summary>
    public static MaintenanceOptions MaintenanceOptionsFrom(Settings settings) => new()
    {
        Retention = TimeSpan.FromHours(settings.MaintenanceRetentionHours),
        TargetFileBytes = settings.MaintenanceTargetFileMb * 1024L * 1024,
    };

    public void Dispose() => Lake.Dispose();
}

/// <summary>Picks the sentiment scorer named by <c>SENTIMENT_SCORER</c>.</summary>
public static class Scorers
{
    public static ISentimentScorer Create(Settings settings) => settings.SentimentScorer switch
    {
        "offline" => OfflineScorer.Default,
        "llm" => new LlmScorer(LlmScorerOptions.FromSettings(settings)),
        var other => throw new ArgumentException($"SENTIMENT_SCORER '{other}' is not one of: offline, llm"),
    };
}
