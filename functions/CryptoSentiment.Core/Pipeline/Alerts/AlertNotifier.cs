using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Alerts;

/// <summary>What one notification pass did.</summary>
/// <param name="Sent">Alerts POSTed and acknowledged (2xx) now.</param>
/// <param name="Failed">Alerts whose POST failed after the retries (a later pass retries them).</param>
/// <param name="Skipped">Alerts another instance claimed or already sent.</param>
/// <param name="Error">Why the pass stopped early (the ledger or the lake could not be read or written), else null.</param>
public sealed record NotifyOutcome(int Sent, int Failed, int Skipped, string? Error = null)
{
    public static readonly NotifyOutcome Off = new(0, 0, 0);
}

/// <summary>Retry policy of the webhook POSTs.</summary>
/// <param name="Attempts">POSTs per alert and pass (the first plus the retries).</param>
/// <param name="FirstDelay">Backoff before the first retry; doubled before each next one.</param>
/// <param name="Timeout">Per-POST timeout.</param>
/// <param name="ClaimLease">A claim older than this without a sent/failed row (its instance died mid-send) is taken over.</param>
public sealed record WebhookPolicy(int Attempts, TimeSpan FirstDelay, TimeSpan Timeout, TimeSpan ClaimLease)
{
    public static readonly WebhookPolicy Default = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));
}

/// <summary>
/// Posts each new gold/alerts row once to <c>ALERT_WEBHOOK_URL</c> (ARCHITECTURE §10) as a JSON object with the alert's
/// columns. Runs after each gold refresh (<see cref="CryptoPipeline.RefreshGoldAsync"/>, for the CLI and the GoldRefresh timer).
/// <list type="number">
/// <item>New alerts: the rows of the gold/alerts days changed since the version the ledger (gold/alert_notifications) records
///   as its <c>txn</c> watermark (from the Delta log: only those days are read), plus the ledger's own pending ones (failed, or
///   claimed by an instance that died before recording the outcome), minus every alert_id the ledger has sent or claimed.</item>
/// <item>Claim: one commit of a <c>claimed</c> row per alert (and the new watermark) that fails on any concurrent ledger write;
///   the loser re-reads the ledger and claims only what is left, so two instances never POST the same alert.</item>
/// <item>POST each claimed alert, retried with exponential backoff; then one commit of the outcomes (<c>sent</c> / <c>failed</c>).</item>
/// </list>
/// The ledger lives in the lake, so redeliveries, reloads (recomputed days keep their deterministic alert_ids) and restarts
/// see what was sent. A process killed between a POST and its outcome commit re-sends that alert after the claim lease
/// (receivers can de-duplicate by alert_id). Nothing here throws into the pipeline: an unreachable hook or a ledger failure
/// ends up in <see cref="NotifyOutcome"/>.
/// </summary>
public sealed class AlertNotifier(Lakehouse lake, Uri? webhook, HttpClient http, TimeProvider? clock = null, WebhookPolicy? policy = null)
{
    /// <summary>
    /// The ledger's watermark: the gold/alerts version whose changed days were considered, per table id (a re-created
    /// gold/alerts table starts over: every day is read again, and the ids already sent are skipped).
    /// </summary>
    public static string WatermarkId(Snapshot alerts) => "notify:gold/alerts:" + alerts.Metadata.Id;
    public const int MaxAttempts = 5;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly WebhookPolicy _policy = policy ?? WebhookPolicy.Default;
    private readonly string _instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>True when a webhook is configured.</summary>
    public bool Enabled => webhook is not null;

    /// <summary>Notifies the new alerts; never throws except on cancellation.</summary>
    public async Task<NotifyOutcome> NotifyAsync(CancellationToken ct = default)
    {
        if (webhook is null) return NotifyOutcome.Off;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try { return await NotifyOnceAsync(webhook, ct); }
                catch (DeltaConflictException) when (attempt < MaxAttempts)
                {
                    await Task.Delay(Random.Shared.Next(0, 1 + attempt * 20), ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (Exception e)
        {
            return new NotifyOutcome(0, 0, 0, e.GetType().Name + ": " + e.Message);
        }
    }

    private sealed record LedgerRow(string AlertId, DateOnly Day, string Status, int Attempt, DateTimeOffset At);

    private async Task<NotifyOutcome> NotifyOnceAsync(Uri hook, CancellationToken ct)
    {
        var ledgerTable = await lake.TableAsync(LakeTables.GoldAlertNotifications, ct);
        var ledger = ledgerTable.Snapshot;
        var alertsSnapshot = await lake.SnapshotIfExistsAsync(LakeTables.GoldAlerts, ct);
        if (alertsSnapshot is null) return new NotifyOutcome(0, 0, 0);
        var watermark = WatermarkId(alertsSnapshot);
        var since = ledger.TxnVersion(watermark) ?? -1;
        var changes = since >= alertsSnapshot.Version ? null : await LakeChanges.SinceAsync(lake.Store, alertsSnapshot, since, "day", ct);

        using var engine = lake.RentEngine();
        var c = engine.Connection;
        // The ledger: the latest row per alert (status order breaks ties in time: sent beats failed beats claimed).
        var ledgerFiles = await lake.Store.MaterializeAllAsync(ledger.Files.Keys.Order(StringComparer.Ordinal)
            .Select(p => DeltaPaths.Join(ledger.TablePath, p)).ToList(), ct: ct);
        var latest = new Dictionary<string, LedgerRow>(StringComparer.Ordinal);
        using (var r = c.Query($"""
            SELECT alert_id, day, status, attempt, recorded_at FROM ({LakeViews.SelectSql(LakeTables.GoldAlertNotifications, ledgerFiles, ledger)})
            QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY attempt DESC, CASE status WHEN 'sent' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END) = 1
            """))
            while (r.Read()) latest[r.GetString(0)] = new LedgerRow(r.GetString(0), r.GetDate(1), r.GetString(2), (int)r.GetInt64(3), r.GetDateTimeOffset(4));

        var now = _clock.GetUtcNow();
        var retry = latest.Values.Where(l => l.Status == "failed" || (l.Status == "claimed" && now - l.At >= _policy.ClaimLease)).ToList();
        var days = new HashSet<DateOnly>(retry.Select(l => l.Day));
        if (changes is not null) days.UnionWith(changes.All ? alertsSnapshot.PartitionDays("day") : changes.Days);
        var alertFiles = await lake.Store.MaterializeAllAsync(alertsSnapshot.FilesOnDays("day", days).Select(alertsSnapshot.StorePath).ToList(), ct: ct);
        var retryIds = retry.Select(l => l.AlertId).ToHashSet(StringComparer.Ordinal);
        var toSend = new List<(JsonObject Payload, DateOnly Day, int Attempt)>();
        var skipped = 0;
        using (var r = c.Query($"""
            SELECT alert_id, kind, coin, hour, value, baseline, zscore, severity, message, day
            FROM ({LakeViews.SelectSql(LakeTables.GoldAlerts, alertFiles, alertsSnapshot)}) ORDER BY hour, alert_id
            """))
            while (r.Read())
            {
                var id = r.GetString(0);
                if (latest.TryGetValue(id, out var known) && !retryIds.Contains(id)) { skipped++; continue; }
                toSend.Add((Payload(r), r.GetDate(9), (known?.Attempt ?? 0) + 1));
            }

        var watermarkBehind = since < alertsSnapshot.Version;
        if (toSend.Count == 0 && !watermarkBehind) return new NotifyOutcome(0, 0, skipped);

        // Claim: committed before any POST; any concurrent ledger write makes this commit fail, and the pass starts again.
        var claim = ledgerTable.BeginTransaction();
        IReadOnlyList<AddAction> claimFiles = [];
        if (toSend.Count > 0)
        {
            var rows = toSend.Select(s => (Id: (string)s.Payload["alert_id"]!, s.Day, Status: "claimed", s.Attempt, Detail: (string?)null)).ToList();
            claimFiles = await WriteLedgerAsync(c, rows, now, ct);
            foreach (var add in claimFiles) claim.Add(add);
        }
        if (watermarkBehind) claim.SetTxn(watermark, alertsSnapshot.Version);
        claim.FailOnConcurrentAdd(_ => true);
        claim.CommitInfo("CLAIM ALERTS", new Dictionary<string, string> { ["instance"] = _instance },
            new Dictionary<string, long> { ["numClaimed"] = toSend.Count });
        CommitResult claimed;
        try { claimed = await claim.CommitAsync(ct); }
        catch (DeltaConflictException)
        {
            await Lake.Maintenance.LayoutUpgrade.DeleteQuietlyAsync(lake.Store, LakeTables.GoldAlertNotifications.Path, claimFiles); // not committed
            throw;
        }
        if (!claimed.Committed)
        {
            await Lake.Maintenance.LayoutUpgrade.DeleteQuietlyAsync(lake.Store, LakeTables.GoldAlertNotifications.Path, claimFiles);
            throw new DeltaConflictException(ConflictKind.ConcurrentTxn, "another instance advanced the notification watermark");
        }
        if (toSend.Count == 0) return new NotifyOutcome(0, 0, skipped);

        var outcomes = new List<(string Id, DateOnly Day, string Status, int Attempt, string? Detail)>();
        foreach (var (payload, day, attempt) in toSend)
        {
            var error = await PostAsync(hook, payload, ct);
            outcomes.Add(((string)payload["alert_id"]!, day, error is null ? "sent" : "failed", attempt, error));
        }
        var done = ledgerTable.BeginTransaction();
        foreach (var add in await WriteLedgerAsync(c, outcomes, _clock.GetUtcNow(), ct)) done.Add(add);
        done.CommitInfo("ALERTS SENT", new Dictionary<string, string> { ["instance"] = _instance },
            new Dictionary<string, long> { ["numSent"] = outcomes.Count(o => o.Status == "sent"), ["numFailed"] = outcomes.Count(o => o.Status == "failed") });
        await done.CommitAsync(CancellationToken.None); // the POSTs happened: record them even when the caller is cancelling
        return new NotifyOutcome(outcomes.Count(o => o.Status == "sent"), outcomes.Count(o => o.Status == "failed"), skipped);
    }

    /// <summary>The webhook body: the §10 columns of the alert (<c>hour</c> as UTC ISO-8601 with <c>Z</c>).</summary>
    private static JsonObject Payload(DuckDbResult r) => new()
    {
        ["alert_id"] = r.GetString(0),
        ["kind"] = r.GetString(1),
        ["coin"] = r.IsNull(2) ? null : r.GetString(2),
        ["hour"] = Timestamps.Format(r.GetDateTimeOffset(3)),
        ["value"] = r.IsNull(4) ? null : r.GetDouble(4),
        ["baseline"] = r.IsNull(5) ? null : r.GetDouble(5),
        ["zscore"] = r.IsNull(6) ? null : r.GetDouble(6),
        ["severity"] = r.GetString(7),
        ["message"] = r.GetString(8),
    };

    /// <summary>POSTs with retries and exponential backoff; null on a 2xx, else what went wrong.</summary>
    private async Task<string?> PostAsync(Uri hook, JsonObject payload, CancellationToken ct)
    {
        string? error = null;
        var delay = _policy.FirstDelay;
        for (var i = 0; i < _policy.Attempts; i++)
        {
            if (i > 0)
            {
                await Task.Delay(delay, _clock, ct);
                delay *= 2;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_policy.Timeout);
            try
            {
                using var response = await http.PostAsJsonAsync(hook, payload, timeout.Token);
                if (response.IsSuccessStatusCode) return null;
                error = $"HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { error = "timeout"; }
            catch (HttpRequestException e) { error = e.Message; }
        }
        return error;
    }

    private async Task<IReadOnlyList<AddAction>> WriteLedgerAsync(DuckDbConnection c,
        IReadOnlyList<(string Id, DateOnly Day, string Status, int Attempt, string? Detail)> rows, DateTimeOffset at, CancellationToken ct)
    {
        var def = LakeTables.GoldAlertNotifications;
        c.Execute($"CREATE OR REPLACE TEMP TABLE stage_alert_notifications ({def.DuckDbColumnList()})");
        using (var a = c.CreateAppender("stage_alert_notifications"))
            foreach (var (id, day, status, attempt, detail) in rows)
            {
                a.Append(id).Append(day).Append(status).Append(attempt).Append(_instance).Append(at).Append(detail);
                a.EndRow();
            }
        return await ParquetWriter.WriteAsync(c, "stage_alert_notifications", def, lake.Store, ct);
    }
}
