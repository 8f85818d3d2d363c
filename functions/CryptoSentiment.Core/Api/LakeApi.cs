using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Api;

/// <summary>
/// The HTTP API <c>/api/v1</c> (ARCHITECTURE §11), one implementation for both hosts: the CLI's <c>serve</c> calls it from
/// Kestrel and the Functions custom handler from its HTTP-trigger functions. It reads gold (and silver headlines) from the
/// lake's committed Delta snapshots through the lake's DuckDB engine pool — never the warehouse, never Snowflake.
/// <list type="bullet">
/// <item>Every answer is cached per request and per version of the tables it reads: a request whose tables did not change
/// costs one log probe per table (the Delta refresh) and no scan. The ETag is derived from those versions and the request,
/// so <c>If-None-Match</c> answers 304 without touching the engine either.</item>
/// <item>Requests never block ingest: they read snapshots (writers only ever add commits), rent their own engine connection
/// (<see cref="Lakehouse.RentEngine"/>), and share nothing but lock-free dictionaries.</item>
/// <item>Errors are <c>application/problem+json</c> (RFC 9457: type, title, status, detail, instance).</item>
/// </list>
/// </summary>
public sealed partial class LakeApi
{
    public const string Prefix = "/api/v1";
    public const int DefaultHours = 24, MaxHours = 720, DefaultLimit = 50, MaxLimit = 200, DefaultAlerts = 200, MaxAlerts = 1000;

    /// <summary>Data answers: private (the Functions routes are key-protected, no shared cache should keep them), a minute
    /// fresh, then revalidated with the ETag (gold refreshes every 5 minutes).</summary>
    public const string DataCacheControl = "private, max-age=60";
    public const string ProblemCacheControl = "no-store";
    public const string OpenApiCacheControl = "public, max-age=3600";

    /// <summary>The indicator columns of gold/coin_hourly (ARCHITECTURE §12), selected when the view has them, else null.</summary>
    public static readonly IReadOnlyList<string> IndicatorColumns = ["sma_24h", "ema_24h", "rsi_14h"];

    private const int MaxCachedAnswers = 4096;

    private readonly Lakehouse _lake;
    private readonly ConcurrentDictionary<string, Answer> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Table, long Version), IReadOnlySet<string>> _viewColumns = new();
    private readonly Lazy<byte[]> _openApi = new(OpenApiDocument.Build);
    private long _scans;

    /// <param name="lake">The lake to read (shared with a pipeline in the Functions app, opened read-only by <c>serve</c>).</param>
    public LakeApi(Lakehouse lake) => _lake = lake;

    /// <summary>Answers computed by querying the lake (cache misses) since this instance started: tests and the bench look at it.</summary>
    public long Scans => Interlocked.Read(ref _scans);

    /// <summary>A computed answer with the table versions it was read at.</summary>
    private sealed record Answer(string Versions, int Status, byte[] Body, string ETag, string? ProblemTitle = null, string? ProblemDetail = null);

    private sealed record TableAt(TableDef Def, Snapshot? Snapshot)
    {
        public long Version => Snapshot?.Version ?? -1;
    }

    public async Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken ct = default)
    {
        try
        {
            if (request.Method is not ("GET" or "HEAD"))
                return Problem(405, "Method Not Allowed", $"{request.Method} is not supported: the API is read-only (GET).", request.Path,
                    ("Allow", "GET, HEAD"));
            var segments = Route(request.Path);
            var answer = segments switch
            {
                ["openapi.json"] => null,
                ["coins"] => await CachedAsync("coins", [LakeTables.GoldCoinHourly], (c, _) => Task.FromResult(Coins(c)), ct),
                ["coins", var coin] => await CoinAsync(ParseCoin(coin, "coin"), ParseInt(request, "hours", DefaultHours, 1, MaxHours), ct),
                ["top"] => await TopAsync(ParseDay(request), ct),
                ["headlines"] => await HeadlinesAsync(request, ct),
                ["alerts"] => await AlertsAsync(request, ct),
                _ => throw ApiProblemException.NotFound(
                    $"No API route '{request.Path}'. Routes: {Prefix}/coins, {Prefix}/coins/{{coin}}, {Prefix}/top, {Prefix}/headlines, {Prefix}/alerts, {Prefix}/openapi.json."),
            };
            if (answer is null) return OpenApi(request);
            if (answer.ProblemTitle is not null) return Problem(answer.Status, answer.ProblemTitle, answer.ProblemDetail!, request.Path);
            return Ok(request, answer.Body, answer.ETag, DataCacheControl);
        }
        catch (ApiProblemException p)
        {
            return Problem(p.Status, p.Title, p.Detail, request.Path);
        }
    }

    /// <summary>The segments after <c>/api/v1/</c>, or an empty array when the path is not under it.</summary>
    private static string[] Route(string path)
    {
        if (!path.StartsWith(Prefix + "/", StringComparison.OrdinalIgnoreCase)) return [];
        var rest = path[(Prefix.Length + 1)..].TrimEnd('/');
        var parts = rest.Split('/');
        if (parts.Length >= 1) parts[0] = parts[0].ToLowerInvariant();
        return parts.Select(Uri.UnescapeDataString).ToArray();
    }

    // ---------------------------------------------------------------- routes

    private Task<Answer> CoinAsync(string coin, int hours, CancellationToken ct) =>
        CachedAsync($"coin|{coin}|{hours}", [LakeTables.GoldCoinHourly], (c, t) =>
        {
            var columns = ViewColumns(c, t[0]);
            var indicators = string.Join(", ", IndicatorColumns.Select(n =>
                columns.Contains(n) ? $"\"{n}\"::DOUBLE AS \"{n}\"" : $"CAST(NULL AS DOUBLE) AS \"{n}\""));
            var sql = $"""
                WITH c AS (SELECT * FROM gold_coin_hourly WHERE coin = $1),
                     l AS (SELECT max(hour) AS h FROM c)
                SELECT hour, mentions, score, score_24h, volatility_24h, close_usd, return_24h, {indicators}, divergence
                FROM c, l WHERE c.hour > l.h - ($2::BIGINT * INTERVAL 1 HOUR)
                ORDER BY hour
                """;
            using var r = c.Query(sql, coin, (long)hours);
            var rows = 0;
            var body = ApiJson.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("coin", coin);
                w.WritePropertyName("hourly");
                rows = WriteRows(w, r);
                w.WriteEndObject();
            });
            if (rows == 0)
                throw ApiProblemException.NotFound($"Unknown coin '{coin}': gold/coin_hourly has no rows for it (see {Prefix}/coins for the coins there are).");
            return Task.FromResult(body);
        }, ct);

    private static byte[] Coins(DuckDbConnection c)
    {
        const string sql = """
            WITH h AS (
                SELECT coin, hour, score_24h, close_usd, return_24h,
                       sum(mentions) OVER (PARTITION BY coin ORDER BY hour RANGE BETWEEN INTERVAL 23 HOURS PRECEDING AND CURRENT ROW)::BIGINT AS mentions_24h,
                       row_number() OVER (PARTITION BY coin ORDER BY hour DESC) AS rn
                FROM gold_coin_hourly)
            SELECT coin, hour, score_24h, mentions_24h, close_usd, return_24h FROM h WHERE rn = 1 ORDER BY coin
            """;
        using var r = c.Query(sql);
        return ApiJson.Write(w => WriteRows(w, r));
    }

    private Task<Answer> TopAsync(DateOnly? day, CancellationToken ct) =>
        CachedAsync($"top|{day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "latest"}", [LakeTables.GoldTopCoinDaily], (c, _) =>
        {
            using var r = c.Query("""
                SELECT day, coin, weighted_score, mentions FROM gold_top_coin_daily
                WHERE day = coalesce($1::DATE, (SELECT max(day) FROM gold_top_coin_daily))
                ORDER BY coin LIMIT 1
                """, day is { } d ? d : null);
            if (!r.Read())
                throw ApiProblemException.NotFound(day is { } d2
                    ? $"No top coin for {d2:yyyy-MM-dd}: gold/top_coin_daily has no row for that day (no coin had 3 or more mentions and a score)."
                    : "No top coin yet: gold/top_coin_daily is empty.");
            return Task.FromResult(ApiJson.Write(w => WriteRow(w, r)));
        }, ct);

    private async Task<Answer> HeadlinesAsync(ApiRequest request, CancellationToken ct)
    {
        var coin = request.Query.TryGetValue("coin", out var cs) && cs.Length > 0 ? ParseCoin(cs, "coin") : null;
        var limit = ParseInt(request, "limit", DefaultLimit, 1, MaxLimit);
        var before = ParseTime(request, "before");
        var key = $"headlines|{coin}|{limit}|{(before is { } b ? Timestamps.Format(b) : "")}";
        // A coin filter is checked against the coins of gold/coin_hourly (the API's coins), so its version is part of the answer's.
        TableDef[] tables = coin is null ? [LakeTables.SilverNewsSentiment] : [LakeTables.SilverNewsSentiment, LakeTables.GoldCoinHourly];
        return await CachedAsync(key, tables, (c, t) =>
        {
            if (coin is not null && c.Scalar<long>("SELECT count(*) FROM (SELECT 1 FROM gold_coin_hourly WHERE coin = $1 LIMIT 1)", coin) == 0)
                throw ApiProblemException.NotFound($"Unknown coin '{coin}': gold/coin_hourly has no rows for it (see {Prefix}/coins for the coins there are).");
            return HeadlinesAsync(c, t[0], coin, limit, before?.UtcDateTime, ct);
        }, ct, selfViewed: LakeTables.SilverNewsSentiment);
    }

    /// <summary>
    /// Newest first. silver/news_sentiment is partitioned by day (the UTC date of published_at), so the newest rows are in the
    /// newest day partitions: read the newest 3 days, then 15, then all (days after <c>before</c> are never read) and stop as
    /// soon as a window holds <c>limit</c> rows — rows of older days are older than every row of the window.
    /// </summary>
    private async Task<byte[]> HeadlinesAsync(DuckDbConnection c, TableAt silver, string? coin, int limit, DateTime? before, CancellationToken ct)
    {
        const string sql = """
            SELECT article_id, coin, published_at, title, source, url, label, confidence, context_summary, scorer
            FROM silver_news_sentiment
            WHERE ($1::VARCHAR IS NULL OR coin = $1) AND ($2::TIMESTAMP IS NULL OR published_at < $2::TIMESTAMP)
            ORDER BY published_at DESC, article_id, coin
            LIMIT $3
            """;
        var snapshot = silver.Snapshot;
        List<string>? days = null;
        if (snapshot is not null && snapshot.PartitionColumns.Contains("day"))
        {
            var last = before is { } b ? DateOnly.FromDateTime(b).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
            days = snapshot.Files.Values.Select(a => a.PartitionValues.GetValueOrDefault("day") ?? "")
                .Where(d => d.Length > 0 && (last is null || string.CompareOrdinal(d, last) <= 0))
                .Distinct().OrderDescending(StringComparer.Ordinal).ToList();
        }
        foreach (var window in new[] { 3, 15, int.MaxValue })
        {
            var all = days is null || window >= days.Count;
            HashSet<string>? keep = all ? null : days!.Take(window).ToHashSet(StringComparer.Ordinal);
            await LakeViews.CreateAsync(c, _lake.Store, LakeTables.SilverNewsSentiment, snapshot, ct,
                keep is null ? null : a => keep.Contains(a.PartitionValues.GetValueOrDefault("day") ?? ""));
            using var r = c.Query(sql, coin, before, (long)limit);
            var rows = 0;
            var body = ApiJson.Write(w => rows = WriteRows(w, r));
            if (all || rows >= limit) return body;
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// gold/alerts rows (ARCHITECTURE §10), newest first (hour, then kind and coin); <c>since</c>: only alerts whose first hour is
    /// at or after it; <c>limit</c> (1–<see cref="MaxAlerts"/>, default <see cref="DefaultAlerts"/>). An empty list when there are none.
    /// </summary>
    private Task<Answer> AlertsAsync(ApiRequest request, CancellationToken ct)
    {
        var since = ParseTime(request, "since");
        var limit = ParseInt(request, "limit", DefaultAlerts, 1, MaxAlerts);
        return CachedAsync($"alerts|{(since is { } s ? Timestamps.Format(s) : "")}|{limit}", [LakeTables.GoldAlerts], (c, _) =>
        {
            using var r = c.Query("""
                SELECT alert_id, kind, coin, hour, value, baseline, zscore, severity, message FROM gold_alerts
                WHERE $1::TIMESTAMP IS NULL OR hour >= $1::TIMESTAMP
                ORDER BY hour DESC, kind, coin NULLS FIRST, alert_id
                LIMIT $2
                """, since?.UtcDateTime, (long)limit);
            return Task.FromResult(ApiJson.Write(w => WriteRows(w, r)));
        }, ct);
    }

    private ApiResponse OpenApi(ApiRequest request)
    {
        var body = _openApi.Value;
        return Ok(request, body, ETagOf("openapi", Convert.ToHexString(SHA256.HashData(body))), OpenApiCacheControl);
    }

    // ---------------------------------------------------------------- cache and engine

    /// <summary>
    /// The answer for <paramref name="key"/> at the current versions of <paramref name="tables"/>: from the cache when none of
    /// them changed, else computed on a rented engine connection over views of exactly those snapshots. Two requests missing
    /// at once may both compute (no lock); the answers are the same.
    /// </summary>
    private async Task<Answer> CachedAsync(string key, TableDef[] tables, Func<DuckDbConnection, IReadOnlyList<TableAt>, Task<byte[]>> compute,
        CancellationToken ct, TableDef? selfViewed = null)
    {
        var at = new TableAt[tables.Length];
        for (var i = 0; i < tables.Length; i++) at[i] = new TableAt(tables[i], await _lake.SnapshotIfExistsAsync(tables[i], ct));
        var versions = string.Join(",", at.Select(t => $"{t.Def.Path}@{t.Version}"));
        if (_answers.TryGetValue(key, out var cached) && cached.Versions == versions) return cached;

        Answer answer;
        Interlocked.Increment(ref _scans);
        using (var lease = _lake.RentEngine())
        {
            var c = lease.Connection;
            try
            {
                foreach (var t in at.Where(t => t.Def != selfViewed)) await LakeViews.CreateAsync(c, _lake.Store, t.Def, t.Snapshot, ct);
                try { answer = new Answer(versions, 200, await compute(c, at), ETagOf(versions, key)); }
                catch (ApiProblemException p) { answer = new Answer(versions, p.Status, [], "", p.Title, p.Detail); }
            }
            finally
            {
                foreach (var t in at) c.Execute($"DROP VIEW IF EXISTS {t.Def.ViewName}");
            }
        }
        if (_answers.Count >= MaxCachedAnswers) _answers.Clear();
        _answers[key] = answer;
        return answer;
    }

    /// <summary>The columns of a table's view, looked up once per table version (the indicators appear after a layout change).</summary>
    private IReadOnlySet<string> ViewColumns(DuckDbConnection c, TableAt t) =>
        _viewColumns.GetOrAdd((t.Def.Path, t.Version), _ =>
        {
            using var r = c.Query($"SELECT * FROM {t.Def.ViewName} LIMIT 0");
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < r.ColumnCount; i++) names.Add(r.ColumnName(i));
            return names;
        });

    // ---------------------------------------------------------------- responses

    private static ApiResponse Ok(ApiRequest request, byte[] body, string etag, string cacheControl)
    {
        var headers = Headers("application/json; charset=utf-8", cacheControl);
        headers["ETag"] = etag;
        if (Matches(request.IfNoneMatch, etag))
        {
            headers.Remove("Content-Type");
            return new ApiResponse(304, headers, []);
        }
        return new ApiResponse(200, headers, request.Method == "HEAD" ? [] : body);
    }

    private static ApiResponse Problem(int status, string title, string detail, string instance, params (string, string)[] extra)
    {
        var headers = Headers("application/problem+json", ProblemCacheControl);
        foreach (var (k, v) in extra) headers[k] = v;
        return new ApiResponse(status, headers, ApiJson.Problem(status, title, detail, instance));
    }

    private static Dictionary<string, string> Headers(string contentType, string cacheControl) =>
        new(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = contentType, ["Cache-Control"] = cacheControl };

    /// <summary>A strong ETag from the table versions and the request (20 hex digits of a SHA-256).</summary>
    private static string ETagOf(string versions, string key) =>
        "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(versions + "\n" + key)))[..20] + "\"";

    /// <summary><c>If-None-Match</c>: <c>*</c> or a list of tags, weak ones compared weakly (RFC 9110 §13.1.2).</summary>
    internal static bool Matches(string? ifNoneMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch)) return false;
        foreach (var raw in ifNoneMatch.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "*") return true;
            var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
            if (tag == etag) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- JSON from results

    private static int WriteRows(Utf8JsonWriter w, DuckDbResult r)
    {
        var n = 0;
        w.WriteStartArray();
        while (r.Read()) { WriteRow(w, r); n++; }
        w.WriteEndArray();
        return n;
    }

    private static void WriteRow(Utf8JsonWriter w, DuckDbResult r)
    {
        w.WriteStartObject();
        for (var i = 0; i < r.ColumnCount; i++)
        {
            w.WritePropertyName(r.ColumnName(i));
            WriteValue(w, r, i);
        }
        w.WriteEndObject();
    }

    /// <summary>Times as UTC ISO-8601 with Z, days as YYYY-MM-DD, non-finite doubles as null.</summary>
    private static void WriteValue(Utf8JsonWriter w, DuckDbResult r, int i)
    {
        if (r.IsNull(i)) { w.WriteNullValue(); return; }
        switch (r.ColumnType(i))
        {
            case DuckDbType.TimestampTz or DuckDbType.Timestamp or DuckDbType.TimestampS or DuckDbType.TimestampMs or DuckDbType.TimestampNs:
                w.WriteStringValue(Timestamps.Format(r.GetDateTimeOffset(i)));
                break;
            case DuckDbType.Date:
                w.WriteStringValue(r.GetDate(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DuckDbType.Double or DuckDbType.Float or DuckDbType.Decimal:
                var d = r.GetDouble(i);
                if (double.IsFinite(d)) w.WriteNumberValue(d); else w.WriteNullValue();
                break;
            case DuckDbType.Boolean:
                w.WriteBooleanValue(r.GetBoolean(i));
                break;
            case DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt or DuckDbType.UTinyInt
                or DuckDbType.USmallInt or DuckDbType.UInteger or DuckDbType.UBigInt or DuckDbType.HugeInt:
                w.WriteNumberValue(r.GetInt64(i));
                break;
            default:
                w.WriteStringValue(r.GetString(i));
                break;
        }
    }

    // ---------------------------------------------------------------- input

    [GeneratedRegex("^[A-Za-z0-9]{1,20}$")]
    private static partial Regex CoinSyntax();

    private static string ParseCoin(string value, string name) =>
        CoinSyntax().IsMatch(value) ? value.ToUpperInvariant()
            : throw ApiProblemException.BadRequest($"Bad '{name}' '{Clip(value)}': expected a coin symbol of 1 to 20 letters or digits, e.g. BTC.");

    private static int ParseInt(ApiRequest request, string name, int fallback, int min, int max)
    {
        if (!request.Query.TryGetValue(name, out var s) || s.Length == 0) return fallback;
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v
            : throw ApiProblemException.BadRequest($"Bad '{name}' '{Clip(s)}': expected a whole number from {min} to {max} (default {fallback}).");
    }

    private static DateOnly? ParseDay(ApiRequest request)
    {
        if (!request.Query.TryGetValue("day", out var s) || s.Length == 0) return null;
        return DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
            : throw ApiProblemException.BadRequest($"Bad 'day' '{Clip(s)}': expected a UTC date YYYY-MM-DD.");
    }

    private static DateTimeOffset? ParseTime(ApiRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var s) || s.Length == 0) return null;
        return Timestamps.TryParseUtc(s, out var t) ? t
            : throw ApiProblemException.BadRequest($"Bad '{name}' '{Clip(s)}': expected an ISO-8601 time such as 2026-03-01T12:00:00Z (no offset = UTC).");
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
