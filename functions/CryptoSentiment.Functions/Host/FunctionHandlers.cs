using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoSentiment.Api;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Producers;
using CryptoSentiment.Telemetry;

namespace CryptoSentiment.Functions.Host;

/// <summary>What an invocation answers: the HTTP status and the host response body.</summary>
public sealed record InvocationResult(int Status, HostResponse Body);

/// <summary>
/// The functions of the app, each a thin mapping from the host payload to one CryptoSentiment.Core call
/// (<see cref="CryptoPipeline"/> or a producer) and from its outcome to Outputs/Logs/ReturnValue. One pipeline per
/// process, created on first use from the settings.
/// </summary>
public sealed class FunctionHandlers : IDisposable
{
    private delegate Task Handler(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct);

    private readonly Func<Settings, CryptoPipeline> _factory;
    private readonly object _gate = new();
    private CryptoPipeline? _pipeline;
    private LakeApi? _api;
    private readonly ProducerHttp _http;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, Handler> _routes;

    public FunctionHandlers(Settings settings, FunctionCatalog catalog, TimeProvider? clock = null, ProducerOptions? producerOptions = null,
        Func<Settings, CryptoPipeline>? pipelineFactory = null)
    {
        Settings = settings;
        Catalog = catalog;
        _clock = clock ?? TimeProvider.System;
        _factory = pipelineFactory ?? (s => new CryptoPipeline(s, clock: _clock));
        _http = new ProducerHttp(producerOptions);
        _routes = new(StringComparer.OrdinalIgnoreCase)
        {
            ["NewsIngest"] = (d, r, o, ct) => IngestAsync(EventStream.News, d, r, o, ct),
            ["PricesIngest"] = (d, r, o, ct) => IngestAsync(EventStream.Prices, d, r, o, ct),
            ["GoldRefresh"] = GoldRefreshAsync,
            ["NewsPoll"] = NewsPollAsync,
            ["PricePoll"] = PricePollAsync,
            ["Reenrich"] = ReenrichAsync,
            ["Maintenance"] = MaintenanceAsync,
        };
    }

    public Settings Settings { get; }
    public FunctionCatalog Catalog { get; }
    /// <summary>The process's one pipeline, created on first use (a failed creation is not cached: the next invocation tries again).</summary>
    public CryptoPipeline Pipeline
    {
        get
        {
            if (Volatile.Read(ref _pipeline) is { } p) return p;
            lock (_gate) return _pipeline ??= _factory(Settings);
        }
    }

    /// <summary>
    /// The HTTP API over the pipeline's lake: the same <see cref="Lakehouse"/> (tables, engine pool) as ingest, whose requests
    /// read committed snapshots on their own engine connections, so they never wait on ingest nor ingest on them.
    /// </summary>
    public LakeApi Api
    {
        get
        {
            if (Volatile.Read(ref _api) is { } a) return a;
            Interlocked.CompareExchange(ref _api, new LakeApi(Pipeline.Lake), null);
            return _api!;
        }
    }

    /// <summary>The function names this handler serves (those with a definition and a route; every httpTrigger function is the API).</summary>
    public IEnumerable<string> Served => Catalog.All.Where(f => f.Http || _routes.ContainsKey(f.Name)).Select(f => f.Name).Order(StringComparer.Ordinal);

    public async Task<InvocationResult> InvokeAsync(string function, JsonElement request, CancellationToken ct)
    {
        var response = new HostResponse();
        Handler? handler = null;
        if (Catalog.TryGet(function, out var def)) handler = def.Http ? HttpAsync : _routes.GetValueOrDefault(def.Name);
        if (handler is null)
        {
            response.Log($"{function}: no such function (served: {string.Join(", ", Served)})");
            return new InvocationResult(404, response);
        }
        // Timer runs get their run span here; an ingest batch's is the pipeline's (IngestAsync), an HTTP request has none.
        using var run = def.Http || def.TriggerType.Equals("eventHubTrigger", StringComparison.OrdinalIgnoreCase) ? null : PipelineTelemetry.StartRun(def.Name);
        try
        {
            await handler(def, request, response, ct);
            return new InvocationResult(200, response);
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            run?.Failed(e);
            response.Log($"{def.Name}: {Failures.Describe(e)}: {e.GetType().Name}: {e.Message}");
            response.ReturnValue = new JsonObject { ["error"] = e.Message, ["transient"] = Failures.IsTransient(e) };
            return new InvocationResult(Failures.StatusFor(e), response);
        }
    }

    /// <summary>An httpTrigger invocation: the API's answer goes to the HTTP output binding (see <see cref="HttpApi"/>).</summary>
    private async Task HttpAsync(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var api = HttpApi.ToRequest(def, request);
        var answer = await Api.HandleAsync(api, ct);
        var output = def.Outputs.Count > 0 ? def.Outputs[0] : "res";
        response.Outputs[output] = HttpApi.ToOutput(answer);
        response.Log($"{def.Name}: {api.Method} {api.Path} → {answer.Status} ({System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms)");
    }

    private async Task IngestAsync(EventStream stream, FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        var batch = EventHubPayload.ToBatch(request, stream, def.TriggerBinding, def.Binary, _clock.GetUtcNow());
        if (batch.Events.Count == 0)
        {
            response.Log($"{def.Name}: partition {batch.PartitionId}: empty batch");
            response.ReturnValue = new JsonObject { ["received"] = 0 };
            return;
        }
        var o = await Pipeline.IngestAsync(batch, ct);
        var range = $"{batch.Events[0].SequenceNumber}..{batch.Events[^1].SequenceNumber}";
        var reasons = o.Reasons.Count == 0 ? "" : " (" + string.Join(", ", o.Reasons.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}×{r.Value}")) + ")";
        response.Log(o.Bronze == 0 && o.SilverConsidered == 0
            ? $"{def.Name}: partition {o.PartitionId} seq {range}: {o.Received} events already committed, nothing to do"
            : $"{def.Name}: partition {o.PartitionId} seq {range}: {o.Received} received, {o.Bronze} to bronze, {o.Accepted} accepted " +
              $"({o.SilverRows} silver rows), {o.Quarantined} quarantined{reasons}, {o.Duplicates} duplicates");
        response.ReturnValue = new JsonObject
        {
            ["partition"] = o.PartitionId,
            ["firstSequenceNumber"] = batch.Events[0].SequenceNumber,
            ["lastSequenceNumber"] = batch.Events[^1].SequenceNumber,
            ["received"] = o.Received,
            ["bronze"] = o.Bronze,
            ["accepted"] = o.Accepted,
            ["silverRows"] = o.SilverRows,
            ["quarantined"] = o.Quarantined,
            ["duplicates"] = o.Duplicates,
            ["reasons"] = HostResponse.Counts(o.Reasons),
            // Since this instance started: silver commits rebased onto other writers' and batches redone (real conflicts).
            ["silverRebases"] = Pipeline.Silver.Rebases,
            ["silverRedos"] = Pipeline.Silver.Redos,
        };
    }

    private async Task GoldRefreshAsync(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        LogTimer(def, request, response);
        response.ReturnValue = await RefreshGoldAndLoadAsync(def, response, ct);
    }

    /// <summary>Re-scores silver rows marked <c>fallback</c> (the LLM was down at ingest), then refreshes gold and the warehouse.</summary>
    private async Task ReenrichAsync(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        LogTimer(def, request, response);
        var o = await Pipeline.ReenrichAsync(ct);
        var result = new JsonObject
        {
            ["fallbackRows"] = o.FallbackRows,
            ["fallbackArticles"] = o.FallbackArticles,
            ["rescoredArticles"] = o.RescoredArticles,
            ["replacedRows"] = o.ReplacedRows,
            ["silverVersion"] = o.Version,
        };
        response.ReturnValue = result;
        if (o.Skipped is { } why)
        {
            response.Log($"{def.Name}: skipped: {why}");
            result["skipped"] = why;
            return;
        }
        response.Log(o.FallbackRows == 0 ? $"{def.Name}: no fallback rows in silver"
            : o.Changed ? $"{def.Name}: {o.FallbackRows} fallback row(s) of {o.FallbackArticles} article(s); {o.RescoredArticles} article(s) re-scored, " +
                          $"{o.ReplacedRows} row(s) replaced in {o.FilesRewritten} file(s) (silver v{o.Version}); {o.Sentiment.Calls} scorer call(s)"
            : $"{def.Name}: {o.FallbackRows} fallback row(s): the scorer still falls back, nothing changed");
        if (o.Changed) result["gold"] = await RefreshGoldAndLoadAsync(def, response, ct);
    }

    /// <summary>
    /// Table maintenance (hourly): upgrade older layouts, optimize, vacuum, checkpoint, log cleanup, with the retention and
    /// target file size of the settings. Runs beside ingest (its own DuckDB connection).
    /// </summary>
    private async Task MaintenanceAsync(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        LogTimer(def, request, response);
        var options = CryptoPipeline.MaintenanceOptionsFrom(Settings);
        var tables = await Pipeline.MaintainAsync(options, null, ct);
        var result = new JsonObject { ["retentionHours"] = options.Retention.TotalHours };
        foreach (var t in tables)
        {
            if (t.Skipped is not null) continue;
            response.Log($"{def.Name}: {t.Table}: " + (t.Upgrade is { } u ? $"upgraded to partitions [{string.Join(", ", u.PartitionColumns)}] ({u.FilesRemoved} → {u.FilesAdded} files); " : "") +
                $"optimize {t.Optimize.FilesRemoved} → {t.Optimize.FilesAdded} files in {t.Optimize.PartitionsCompacted} partition(s); " +
                $"vacuum deleted {t.Vacuum.FilesDeleted} file(s) ({t.Vacuum.Orphans} orphans); log cleanup deleted {t.LogCleanup.CommitsDeleted} commit(s); " +
                $"{t.LiveFilesBefore} → {t.LiveFilesAfter} live files");
            result[t.Table] = new JsonObject
            {
                ["upgraded"] = t.Upgrade is not null,
                ["liveFilesBefore"] = t.LiveFilesBefore,
                ["liveFilesAfter"] = t.LiveFilesAfter,
                ["filesCompacted"] = t.Optimize.FilesRemoved,
                ["filesVacuumed"] = t.Vacuum.FilesDeleted,
                ["commitsCleaned"] = t.LogCleanup.CommitsDeleted,
                ["version"] = t.Version,
            };
        }
        response.ReturnValue = result;
    }

    private async Task<JsonObject> RefreshGoldAndLoadAsync(FunctionDef def, HostResponse response, CancellationToken ct)
    {
        var gold = await Pipeline.RefreshGoldAsync(ct);
        response.Log(gold.RecomputedDays.Count == 0
            ? $"{def.Name}: no new silver data; gold is current"
            : $"{def.Name}: recomputed {gold.RecomputedDays.Count} day(s) {gold.RecomputedDays.Min():yyyy-MM-dd}..{gold.RecomputedDays.Max():yyyy-MM-dd}, " +
              string.Join(", ", gold.RowsWritten.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value} rows")));
        if (gold.Notified is { } n)
            response.Log($"{def.Name}: alert webhook: {n.Sent} sent, {n.Failed} failed (retried next run), {n.Skipped} already sent" +
                         (n.Error is null ? "" : $"; not run to the end: {n.Error}"));
        var loaderLog = new List<string>();
        var load = await Pipeline.LoadWarehouseAsync(null, line => { lock (loaderLog) loaderLog.Add($"{def.Name}: {line}"); }, ct);
        lock (loaderLog) response.Logs.AddRange(loaderLog);
        response.Log($"{def.Name}: warehouse {Settings.Warehouse}: " +
                     string.Join(", ", load.Changed.OrderBy(r => r.Key, StringComparer.Ordinal)
                         .Select(r => $"{r.Key} {load.Sent.GetValueOrDefault(r.Key)} sent, {r.Value} changed ({load.Modes.GetValueOrDefault(r.Key)})")));
        var rows = new JsonObject();
        foreach (var (k, v) in gold.RowsWritten.OrderBy(r => r.Key, StringComparer.Ordinal)) rows[k] = v;
        var changed = new JsonObject();
        foreach (var (k, v) in load.Changed.OrderBy(r => r.Key, StringComparer.Ordinal)) changed[k] = v;
        var sent = new JsonObject();
        foreach (var (k, v) in load.Sent.OrderBy(r => r.Key, StringComparer.Ordinal)) sent[k] = v;
        return new JsonObject { ["recomputedDays"] = gold.RecomputedDays.Count, ["goldRows"] = rows, ["warehouseChanged"] = changed, ["warehouseSent"] = sent };
    }

    private async Task NewsPollAsync(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        LogTimer(def, request, response);
        var run = await new NewsProducer(_http, Pipeline.Lake.Store, _clock).PollAsync(Settings.NewsFeeds, ct);
        Produce(def, run, response);
    }

    private async Task PricePollAsync(FunctionDef def, JsonElement request, HostResponse response, CancellationToken ct)
    {
        LogTimer(def, request, response);
        var run = await new PriceProducer(_http, Pipeline.Lake.Store, Pipeline.Parser.Coins, _clock).PollAsync(Settings.PriceApiUrl, ct);
        Produce(def, run, response);
    }

    /// <summary>Events go to the function's eventHub output binding as an array of JSON strings (one event each).</summary>
    private static void Produce(FunctionDef def, ProducerRun run, HostResponse response)
    {
        var output = def.Outputs.Count > 0 ? def.Outputs[0] : throw new InvalidOperationException($"{def.Name}: function.json has no output binding");
        response.Outputs[output] = HostResponse.Strings(run.Events);
        response.Logs.AddRange(run.Logs);
        response.Log($"{def.Name}: {run.Events.Count} event(s) to '{output}'");
        response.ReturnValue = new JsonObject { ["events"] = run.Events.Count, ["failedSources"] = run.FailedSources, ["skipped"] = run.Skipped };
    }

    private static void LogTimer(FunctionDef def, JsonElement request, HostResponse response)
    {
        if (HostJson.TryGet(request, "Data", out var data) && HostJson.TryGet(data, def.TriggerBinding, out var timer)
            && HostJson.TryGet(timer, "IsPastDue", out var late) && late.ValueKind == JsonValueKind.True)
            response.Log($"{def.Name}: the timer is past due (a run was missed)");
    }

    public void Dispose()
    {
        _http.Dispose();
        lock (_gate) _pipeline?.Dispose();
    }
}
