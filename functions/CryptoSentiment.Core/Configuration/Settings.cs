namespace CryptoSentiment.Configuration;

/// <summary>
/// The settings contract (ARCHITECTURE §7): the same names are read by the Functions handler and the CLI
/// (CLI flags override them). Values come from environment variables (or any lookup you pass in).
/// </summary>
public sealed record Settings
{
    public const string DefaultLake = "./.local/lake";
    public const string DefaultWarehouse = "duckdb:./.local/warehouse.duckdb";

    /// <summary><c>LAKE_URI</c>: a local folder, or a Blob container URL.</summary>
    public string LakeUri { get; init; } = DefaultLake;
    /// <summary><c>LAKE_AUTH</c>: managedidentity | sharedkey | azurecli | default (Blob lakes only).</summary>
    public string? LakeAuth { get; init; }
    /// <summary><c>LAKE_ACCOUNT_KEY</c>: emulator only, with <c>LAKE_AUTH=sharedkey</c>.</summary>
    public string? LakeAccountKey { get; init; }
    /// <summary><c>WAREHOUSE</c>: <c>duckdb:&lt;path&gt;</c> or <c>snowflake</c>.</summary>
    public string Warehouse { get; init; } = DefaultWarehouse;
    /// <summary><c>SENTIMENT_SCORER</c>: offline (default when no endpoint is set) or llm.</summary>
    public string SentimentScorer { get; init; } = "offline";
    public string? AzureOpenAiEndpoint { get; init; }
    public string? AzureOpenAiDeployment { get; init; }
    public string? AzureOpenAiApiKey { get; init; }
    public string? OpenAiBaseUrl { get; init; }
    /// <summary><c>SENTIMENT_BATCH_SIZE</c>: headlines per scorer call (default 25).</summary>
    public int SentimentBatchSize { get; init; } = 25;
    /// <summary><c>COINS_FILE</c>: optional JSON coin list replacing the built-in one.</summary>
    public string? CoinsFile { get; init; }
    /// <summary><c>NEWS_FEEDS</c>: comma-separated RSS 2.0 / Atom feed URLs polled by the NewsPoll producer.</summary>
    public IReadOnlyList<string> NewsFeeds { get; init; } = [];
    /// <summary><c>PRICE_API_URL</c>: a JSON price API in CoinGecko's simple-price shape, polled by the PricePoll producer.</summary>
    public string? PriceApiUrl { get; init; }
    /// <summary><c>LLM_PRICE_INPUT_PER_1M</c>: USD per 1M input tokens, for the cost ledger (default 0.15, gpt-4o-mini list price).</summary>
    public double LlmPriceInputPer1M { get; init; } = 0.15;
    /// <summary><c>LLM_PRICE_OUTPUT_PER_1M</c>: USD per 1M output tokens, for the cost ledger (default 0.60, gpt-4o-mini list price).</summary>
    public double LlmPriceOutputPer1M { get; init; } = 0.60;

    /// <summary><c>SNOWFLAKE_*</c>: the Snowflake warehouse loader (SQL API v2, key-pair JWT) when <c>WAREHOUSE=snowflake</c>.</summary>
    public string? SnowflakeAccount { get; init; }
    public string? SnowflakeUser { get; init; }
    public string? SnowflakeRole { get; init; }
    public string? SnowflakeWarehouse { get; init; }
    public string? SnowflakeDatabase { get; init; }
    public string? SnowflakeSchema { get; init; }
    /// <summary><c>SNOWFLAKE_PRIVATE_KEY</c>: PEM (a Key Vault reference in Azure); printed as [redacted].</summary>
    public SecretText? SnowflakePrivateKey { get; init; }
    /// <summary><c>SNOWFLAKE_URL</c>: optional override of <c>https://&lt;account&gt;.snowflakecomputing.com</c>.</summary>
    public string? SnowflakeUrl { get; init; }
    /// <summary><c>SNOWFLAKE_BATCH_ROWS</c>: rows per staging INSERT request (default 1000).</summary>
    public int SnowflakeBatchRows { get; init; } = 1000;
    /// <summary><c>LLM_TIMEOUT_SECONDS</c>: per-call timeout of the LLM scorer (default 30).</summary>
    public double? LlmTimeoutSeconds { get; init; }
    /// <summary><c>LLM_MAX_RETRIES</c>: retries on 429/5xx/timeouts after the first attempt (default 4).</summary>
    public int? LlmMaxRetries { get; init; }
    /// <summary><c>LLM_CIRCUIT_FAILURES</c>: calls in a minute (half of them failing) that open the circuit (default 5).</summary>
    public int? LlmCircuitFailures { get; init; }
    /// <summary><c>LLM_CIRCUIT_BREAK_SECONDS</c>: how long the open circuit sends batches to the offline scorer (default 30).</summary>
    public double? LlmCircuitBreakSeconds { get; init; }
    /// <summary><c>LLM_REQUESTS_PER_MINUTE</c>: deployment request quota to stay under (0/unset = unlimited).</summary>
    public int? LlmRequestsPerMinute { get; init; }
    /// <summary><c>LLM_TOKENS_PER_MINUTE</c>: deployment token quota to stay under (0/unset = unlimited).</summary>
    public int? LlmTokensPerMinute { get; init; }
    /// <summary><c>LLM_PROMPT_VERSION</c>: embedded prompt file to use (default sentiment-v1).</summary>
    public string? LlmPromptVersion { get; init; }

    /// <summary><c>DEDUPE_WINDOW_DAYS</c>: an article id or URL seen on a day within this many days of an article's day makes it a duplicate (default 7).</summary>
    public int DedupeWindowDays { get; init; } = 7;
    /// <summary><c>MAINTENANCE_RETENTION_HOURS</c>: vacuum and log cleanup keep what any version of the last H hours needs (default 168).</summary>
    public double MaintenanceRetentionHours { get; init; } = 168;
    /// <summary><c>MAINTENANCE_TARGET_FILE_MB</c>: optimize packs smaller files into files of up to this size (default 128).</summary>
    public int MaintenanceTargetFileMb { get; init; } = 128;

    /// <summary><c>ALERT_WEBHOOK_URL</c>: optional; each new gold/alerts row is POSTed there once as a JSON object (§10).</summary>
    public string? AlertWebhookUrl { get; init; }
    /// <summary><c>ALERT_SHIFT_ZSCORE</c>: sentiment_shift when |z| of score_24h vs the coin's trailing 7 days is at least this (default 4).</summary>
    public double AlertShiftZScore { get; init; } = 4.0;
    /// <summary><c>ALERT_SHIFT_MIN_DELTA</c>: ... and |score_24h − its 7-day mean| is at least this (default 0.4).</summary>
    public double AlertShiftMinDelta { get; init; } = 0.4;
    /// <summary><c>ALERT_SHIFT_MIN_MENTIONS</c>: ... and the 24-hour window has at least this many mentions (default 30).</summary>
    public int AlertShiftMinMentions { get; init; } = 30;
    /// <summary><c>ALERT_VOLUME_ZSCORE</c>: volume_spike when the hour's mentions are at least this many sd above the 7-day hourly mean (default 4).</summary>
    public double AlertVolumeZScore { get; init; } = 4.0;
    /// <summary><c>ALERT_VOLUME_MIN_MENTIONS</c>: ... and the hour has at least this many mentions (default 10).</summary>
    public int AlertVolumeMinMentions { get; init; } = 10;
    /// <summary><c>ALERT_BASELINE_MIN_DAYS</c>: sentiment_shift and volume_spike need hourly rows of the coin on at least this many of the 7 baseline days (default 5).</summary>
    public int AlertBaselineMinDays { get; init; } = 5;
    /// <summary><c>ALERT_CRITICAL_ZSCORE</c>: an alert with |z| at least this is critical, else warning (default 6).</summary>
    public double AlertCriticalZScore { get; init; } = 6.0;
    /// <summary><c>SCORER_DRIFT_PSI</c>: a scorer_daily row is drifted when the PSI of its label mix is at least this (default 0.2).</summary>
    public double ScorerDriftPsi { get; init; } = 0.2;
    /// <summary><c>SCORER_DRIFT_FALLBACK_SHARE</c>: ... or the day's fallback share is at least this (default 0.2).</summary>
    public double ScorerDriftFallbackShare { get; init; } = 0.2;
    /// <summary><c>SCORER_DRIFT_MIN_HEADLINES</c>: PSI counts only for rows with at least this many headlines (default 30).</summary>
    public int ScorerDriftMinHeadlines { get; init; } = 30;
    /// <summary><c>SCORER_AGREEMENT_SAMPLE</c>: share of LLM-scored headlines (by a hash of the article id) also scored offline (default 0.02).</summary>
    public double ScorerAgreementSample { get; init; } = 0.02;

    /// <summary>The DuckDB warehouse file when <see cref="Warehouse"/> is <c>duckdb:&lt;path&gt;</c>, else null.</summary>
    public string? WarehouseDuckDbPath =>
        Warehouse.StartsWith("duckdb:", StringComparison.OrdinalIgnoreCase) ? Warehouse["duckdb:".Length..] : null;

    public static Settings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static Settings From(Func<string, string?> get)
    {
        string? Get(string name) => get(name) is { Length: > 0 } v ? v.Trim() : null;
        var endpoint = Get("AZURE_OPENAI_ENDPOINT");
        var baseUrl = Get("OPENAI_BASE_URL");
        return new Settings
        {
            LakeUri = Get("LAKE_URI") ?? DefaultLake,
            LakeAuth = Get("LAKE_AUTH"),
            LakeAccountKey = Get("LAKE_ACCOUNT_KEY"),
            Warehouse = Get("WAREHOUSE") ?? DefaultWarehouse,
            SentimentScorer = (Get("SENTIMENT_SCORER") ?? (endpoint ?? baseUrl) switch { null => "offline", _ => "llm" }).ToLowerInvariant(),
            AzureOpenAiEndpoint = endpoint,
            AzureOpenAiDeployment = Get("AZURE_OPENAI_DEPLOYMENT"),
            AzureOpenAiApiKey = Get("AZURE_OPENAI_API_KEY"),
            OpenAiBaseUrl = baseUrl,
            SentimentBatchSize = int.TryParse(Get("SENTIMENT_BATCH_SIZE"), out var b) && b > 0 ? b : 25,
            CoinsFile = Get("COINS_FILE"),
            NewsFeeds = (Get("NEWS_FEEDS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            PriceApiUrl = Get("PRICE_API_URL"),
            LlmPriceInputPer1M = Price(Get("LLM_PRICE_INPUT_PER_1M"), "LLM_PRICE_INPUT_PER_1M") ?? 0.15,
            LlmPriceOutputPer1M = Price(Get("LLM_PRICE_OUTPUT_PER_1M"), "LLM_PRICE_OUTPUT_PER_1M") ?? 0.60,
            SnowflakeAccount = Get("SNOWFLAKE_ACCOUNT"),
            SnowflakeUser = Get("SNOWFLAKE_USER"),
            SnowflakeRole = Get("SNOWFLAKE_ROLE"),
            SnowflakeWarehouse = Get("SNOWFLAKE_WAREHOUSE"),
            SnowflakeDatabase = Get("SNOWFLAKE_DATABASE"),
            SnowflakeSchema = Get("SNOWFLAKE_SCHEMA"),
            SnowflakePrivateKey = Get("SNOWFLAKE_PRIVATE_KEY") is { } pem ? new SecretText(pem) : null,
            SnowflakeUrl = Get("SNOWFLAKE_URL"),
            SnowflakeBatchRows = int.TryParse(Get("SNOWFLAKE_BATCH_ROWS"), out var sb) && sb > 0 ? sb : 1000,
            LlmTimeoutSeconds = double.TryParse(Get("LLM_TIMEOUT_SECONDS"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lt) && lt > 0 ? lt : null,
            LlmMaxRetries = int.TryParse(Get("LLM_MAX_RETRIES"), out var lr) && lr >= 0 ? lr : null,
            LlmCircuitFailures = int.TryParse(Get("LLM_CIRCUIT_FAILURES"), out var lc) && lc >= 2 ? lc : null,
            LlmCircuitBreakSeconds = double.TryParse(Get("LLM_CIRCUIT_BREAK_SECONDS"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var lb) && lb > 0 ? lb : null,
            LlmRequestsPerMinute = int.TryParse(Get("LLM_REQUESTS_PER_MINUTE"), out var rpm) && rpm >= 0 ? rpm : null,
            LlmTokensPerMinute = int.TryParse(Get("LLM_TOKENS_PER_MINUTE"), out var tpm) && tpm >= 0 ? tpm : null,
            LlmPromptVersion = Get("LLM_PROMPT_VERSION"),
            DedupeWindowDays = (int?)Number(Get("DEDUPE_WINDOW_DAYS"), "DEDUPE_WINDOW_DAYS", "a whole number of days from 0 to 3650, e.g. 7", 0, 3650, integer: true) ?? 7,
            MaintenanceRetentionHours = Number(Get("MAINTENANCE_RETENTION_HOURS"), "MAINTENANCE_RETENTION_HOURS", "hours ≥ 0, e.g. 168", 0, 1e6) ?? 168,
            MaintenanceTargetFileMb = (int?)Number(Get("MAINTENANCE_TARGET_FILE_MB"), "MAINTENANCE_TARGET_FILE_MB", "whole megabytes from 1 to 4096, e.g. 128", 1, 4096, integer: true) ?? 128,
            AlertWebhookUrl = Get("ALERT_WEBHOOK_URL") is { } hook
                ? Uri.TryCreate(hook, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? hook
                  : throw new ArgumentException($"ALERT_WEBHOOK_URL '{hook}' is not valid: expected an http(s) URL.")
                : null,
            AlertShiftZScore = Number(Get("ALERT_SHIFT_ZSCORE"), "ALERT_SHIFT_ZSCORE", "a z-score > 0, e.g. 4", 1e-9, 1e6) ?? 4.0,
            AlertShiftMinDelta = Number(Get("ALERT_SHIFT_MIN_DELTA"), "ALERT_SHIFT_MIN_DELTA", "a score difference from 0 to 2, e.g. 0.4", 0, 2) ?? 0.4,
            AlertShiftMinMentions = (int?)Number(Get("ALERT_SHIFT_MIN_MENTIONS"), "ALERT_SHIFT_MIN_MENTIONS", "a whole number ≥ 1, e.g. 30", 1, 1e9, integer: true) ?? 30,
            AlertVolumeZScore = Number(Get("ALERT_VOLUME_ZSCORE"), "ALERT_VOLUME_ZSCORE", "a z-score > 0, e.g. 4", 1e-9, 1e6) ?? 4.0,
            AlertVolumeMinMentions = (int?)Number(Get("ALERT_VOLUME_MIN_MENTIONS"), "ALERT_VOLUME_MIN_MENTIONS", "a whole number ≥ 1, e.g. 10", 1, 1e9, integer: true) ?? 10,
            AlertBaselineMinDays = (int?)Number(Get("ALERT_BASELINE_MIN_DAYS"), "ALERT_BASELINE_MIN_DAYS", "a whole number of days from 1 to 7, e.g. 5", 1, 7, integer: true) ?? 5,
            AlertCriticalZScore = Number(Get("ALERT_CRITICAL_ZSCORE"), "ALERT_CRITICAL_ZSCORE", "a z-score > 0, e.g. 6", 1e-9, 1e6) ?? 6.0,
            ScorerDriftPsi = Number(Get("SCORER_DRIFT_PSI"), "SCORER_DRIFT_PSI", "a PSI > 0, e.g. 0.2", 1e-9, 1e6) ?? 0.2,
            ScorerDriftFallbackShare = Number(Get("SCORER_DRIFT_FALLBACK_SHARE"), "SCORER_DRIFT_FALLBACK_SHARE", "a share from 0 to 1, e.g. 0.2", 1e-9, 1) ?? 0.2,
            ScorerDriftMinHeadlines = (int?)Number(Get("SCORER_DRIFT_MIN_HEADLINES"), "SCORER_DRIFT_MIN_HEADLINES", "a whole number ≥ 1, e.g. 30", 1, 1e9, integer: true) ?? 30,
            ScorerAgreementSample = Number(Get("SCORER_AGREEMENT_SAMPLE"), "SCORER_AGREEMENT_SAMPLE", "a share from 0 to 1, e.g. 0.02", 0, 1) ?? 0.02,
        };
    }

    private static double? Number(string? value, string name, string expected, double min, double max, bool integer = false)
    {
        if (value is null) return null;
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
            && double.IsFinite(v) && v >= min && v <= max && (!integer || v == Math.Floor(v))) return v;
        throw new ArgumentException($"{name} '{value}' is not valid: expected {expected}.");
    }

    private static double? Price(string? value, string name)
    {
        if (value is null) return null;
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p)
            && double.IsFinite(p) && p >= 0) return p;
        throw new ArgumentException($"{name} '{value}' is not a price: expected a number ≥ 0 (USD per 1M tokens, e.g. 0.15).");
    }

    /// <summary>A copy with CLI overrides applied (null = keep).</summary>
    public Settings With(string? lake = null, string? warehouseFile = null) => this with
    {
        LakeUri = lake ?? LakeUri,
        Warehouse = warehouseFile is null ? Warehouse : "duckdb:" + warehouseFile,
    };
}
