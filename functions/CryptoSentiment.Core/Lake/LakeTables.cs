namespace CryptoSentiment.Lake;

/// <summary>A column of a lake table: its DuckDB type and the Delta primitive type it maps to.</summary>
public sealed record ColumnDef(string Name, string DuckDbType, bool Nullable = true)
{
    /// <summary>
    /// SQL (over the table's other columns) that computes this column, for columns added to an existing table (the day
    /// partition columns of ARCHITECTURE §9): a table written before the column existed is read, and upgraded, with it.
    /// </summary>
    public string? DerivedFrom { get; init; }

    /// <summary>
    /// Keep min/max statistics of this VARCHAR column in each file's <c>add.stats</c> (short codes such as coin, label,
    /// scorer): readers skip files by them, e.g. re-enrichment reads only files whose scorer range holds <c>fallback</c>.
    /// </summary>
    public bool StringStats { get; init; }

    /// <summary>The Delta schema type (PROTOCOL "Primitive Types").</summary>
    public string DeltaType => DuckDbType switch
    {
        "VARCHAR" => "string",
        "BIGINT" => "long",
        "INTEGER" => "integer",
        "DOUBLE" => "double",
        "BOOLEAN" => "boolean",
        "DATE" => "date",
        "TIMESTAMPTZ" => "timestamp",
        _ => throw new NotSupportedException($"No Delta type for DuckDB type {DuckDbType}"),
    };
}

/// <summary>A lake table: its path under the lake root, its columns and partition columns (§4).</summary>
public sealed record TableDef(string Path, IReadOnlyList<ColumnDef> Columns, IReadOnlyList<string> PartitionColumns)
{
    /// <summary>The view name used by <c>query</c>: <c>bronze/news</c> → <c>bronze_news</c>.</summary>
    public string ViewName => Path.Replace('/', '_');

    /// <summary>The columns stored in the parquet files (partition columns live in the log and the path).</summary>
    public IEnumerable<ColumnDef> DataColumns => Columns.Where(c => !PartitionColumns.Contains(c.Name));

    /// <summary>The Delta schema of the table (every column, partition columns included).</summary>
    public Delta.DeltaSchema DeltaSchema => new(Columns.Select(c => new Delta.DeltaField(c.Name, c.DeltaType, c.Nullable)).ToList());

    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public ColumnDef? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>The UTC day partition column (<c>day</c> or <c>ingest_date</c>), or null for an unpartitioned table.</summary>
    public string? DayPartition => PartitionColumns.FirstOrDefault(p => Column(p)?.DuckDbType == "DATE");

    /// <summary>A DuckDB column list for CREATE TABLE.</summary>
    public string DuckDbColumnList(bool includePartitions = true) => string.Join(", ",
        (includePartitions ? Columns : DataColumns).Select(c => $"\"{c.Name}\" {c.DuckDbType}"));
}

/// <summary>The contract tables of the lake (ARCHITECTURE §4).</summary>
public static class LakeTables
{
    private static ColumnDef C(string name, string type, bool nullable = true) => new(name, type, nullable);

    /// <summary>A short text code with min/max statistics per file.</summary>
    private static ColumnDef Code(string name, bool nullable = true) => new(name, "VARCHAR", nullable) { StringStats = true };

    /// <summary>
    /// A §12 price-indicator column (or its hidden state). A gold table written before the indicators existed is upgraded
    /// with NULLs; the next gold refresh then recomputes the indicators over the whole table once (GoldIndicators).
    /// </summary>
    private static ColumnDef Indicator(string name, string type = "DOUBLE") => new(name, type) { DerivedFrom = $"CAST(NULL AS {type})" };

    /// <summary>A UTC day partition column derived from a timestamp column.</summary>
    private static ColumnDef DayOf(string name, string timestampColumn) =>
        new(name, "DATE", false) { DerivedFrom = $"CAST(\"{timestampColumn}\" AS DATE)" };

    private static readonly ColumnDef[] BronzeColumns =
    [
        C("body", "VARCHAR", false), C("body_encoding", "VARCHAR", false), C("partition_id", "VARCHAR", false),
        C("sequence_number", "BIGINT", false), C("enqueued_at", "TIMESTAMPTZ"), C("ingested_at", "TIMESTAMPTZ", false),
        C("ingest_date", "DATE", false),
    ];

    public static readonly TableDef BronzeNews = new("bronze/news", BronzeColumns, ["ingest_date"]);
    public static readonly TableDef BronzePrices = new("bronze/prices", BronzeColumns, ["ingest_date"]);

    public static readonly TableDef SilverNewsSentiment = new("silver/news_sentiment",
    [
        C("article_id", "VARCHAR", false), Code("coin", false), C("title", "VARCHAR", false), C("source", "VARCHAR"),
        C("url", "VARCHAR"), C("canonical_url", "VARCHAR"), C("title_key", "VARCHAR"), C("published_at", "TIMESTAMPTZ", false), Code("label", false),
        C("polarity", "INTEGER", false), C("confidence", "DOUBLE", false), C("context_summary", "VARCHAR"),
        Code("scorer", false), C("model", "VARCHAR"), C("prompt_version", "VARCHAR"), C("tokens_in", "INTEGER"),
        C("tokens_out", "INTEGER"), C("partition_id", "VARCHAR", false), C("sequence_number", "BIGINT", false),
        C("ingested_at", "TIMESTAMPTZ", false), DayOf("day", "published_at"),
    ], ["day"]);

    public static readonly TableDef SilverPrices = new("silver/prices",
    [
        Code("coin", false), C("ts", "TIMESTAMPTZ", false), C("price_usd", "DOUBLE", false), C("volume_usd", "DOUBLE"),
        C("source", "VARCHAR"), C("partition_id", "VARCHAR", false), C("sequence_number", "BIGINT", false),
        C("ingested_at", "TIMESTAMPTZ", false), DayOf("day", "ts"),
    ], ["day"]);

    public static readonly TableDef SilverQuarantine = new("silver/quarantine",
    [
        Code("source_table", false), C("partition_id", "VARCHAR", false), C("sequence_number", "BIGINT", false),
        Code("reason", false), C("body", "VARCHAR", false), C("body_encoding", "VARCHAR", false),
        C("ingested_at", "TIMESTAMPTZ", false), DayOf("ingest_date", "ingested_at"),
    ], ["ingest_date"]);

    /// <summary>
    /// Offline re-scores of a small deterministic sample of the LLM-scored headlines (SCORER_AGREEMENT_SAMPLE, by a hash of
    /// the article id): the model and prompt version of the LLM answer and the offline label, so gold/scorer_daily can show
    /// how often the two agree (a silent model change moves it). Append-only; a repeated article counts once.
    /// </summary>
    public static readonly TableDef SilverScorerAgreement = new("silver/scorer_agreement",
    [
        C("article_id", "VARCHAR", false), C("model", "VARCHAR"), C("prompt_version", "VARCHAR"), Code("offline_label", false),
        C("published_at", "TIMESTAMPTZ", false), C("ingested_at", "TIMESTAMPTZ", false), DayOf("day", "published_at"),
    ], ["day"]);

    public static readonly TableDef GoldCoinDaily = new("gold/coin_daily",
    [
        Code("coin", false), C("day", "DATE", false), C("mentions", "BIGINT", false), C("positive", "BIGINT", false),
        C("negative", "BIGINT", false), C("neutral", "BIGINT", false), C("pct_positive", "DOUBLE"), C("pct_negative", "DOUBLE"),
        C("pct_neutral", "DOUBLE"), C("weighted_score", "DOUBLE"), C("avg_confidence", "DOUBLE"), C("close_usd", "DOUBLE"),
        C("return_1d", "DOUBLE"), C("corr_7d", "DOUBLE"),
        // §12 indicators on the daily close series, then their hidden state (series position, Wilder averages)
        Indicator("sma_7d"), Indicator("sma_30d"), Indicator("rsi_14d"),
        Indicator("series_n", "BIGINT"), Indicator("rsi_14d_avg_gain"), Indicator("rsi_14d_avg_loss"),
    ], ["day"]);

    public static readonly TableDef GoldCoinHourly = new("gold/coin_hourly",
    [
        Code("coin", false), C("hour", "TIMESTAMPTZ", false), C("day", "DATE", false), C("mentions", "BIGINT", false),
        C("score", "DOUBLE"), C("score_24h", "DOUBLE"), C("volatility_24h", "DOUBLE"), C("close_usd", "DOUBLE"),
        C("return_1h", "DOUBLE"), C("return_24h", "DOUBLE"), C("divergence", "BOOLEAN"),
        // §12 indicators on the hourly close series, then their hidden state (series position, Wilder averages)
        Indicator("sma_24h"), Indicator("ema_24h"), Indicator("rsi_14h"),
        Indicator("series_n", "BIGINT"), Indicator("rsi_14h_avg_gain"), Indicator("rsi_14h_avg_loss"),
    ], ["day"]);

    public static readonly TableDef GoldTopCoinDaily = new("gold/top_coin_daily",
    [
        C("day", "DATE", false), Code("coin", false), C("weighted_score", "DOUBLE"), C("mentions", "BIGINT", false),
    ], ["day"]);

    /// <summary>
    /// Alerts as data (ARCHITECTURE §10): one row per alert, recomputed with the gold days; <c>alert_id</c> is the MD5 (hex) of
    /// <c>kind|coin|first hour</c> (ISO-8601 UTC), so a recomputed day yields the same ids and a reload never duplicates.
    /// </summary>
    public static readonly TableDef GoldAlerts = new("gold/alerts",
    [
        C("alert_id", "VARCHAR", false), Code("kind", false), Code("coin"), C("hour", "TIMESTAMPTZ", false), C("day", "DATE", false),
        C("value", "DOUBLE"), C("baseline", "DOUBLE"), C("zscore", "DOUBLE"), Code("severity", false), C("message", "VARCHAR", false),
    ], ["day"]);

    /// <summary>Scorer drift (ARCHITECTURE §10): per day and scorer/model/prompt version, the label mix, its PSI against the trailing 14 days and the offline agreement.</summary>
    public static readonly TableDef GoldScorerDaily = new("gold/scorer_daily",
    [
        C("day", "DATE", false), Code("scorer", false), C("model", "VARCHAR"), C("prompt_version", "VARCHAR"), C("headlines", "BIGINT", false),
        C("share_positive", "DOUBLE", false), C("share_negative", "DOUBLE", false), C("share_neutral", "DOUBLE", false),
        C("mean_confidence", "DOUBLE"), C("fallback_share", "DOUBLE", false), C("psi", "DOUBLE"), C("agreement_offline", "DOUBLE"),
        C("drifted", "BOOLEAN", false),
    ], ["day"]);

    /// <summary>
    /// The webhook ledger of gold/alerts (ARCHITECTURE §10, <c>ALERT_WEBHOOK_URL</c>): per alert, a <c>claimed</c> row committed
    /// before the POST (the Delta commit is the claim: of two instances only one commits it) and a <c>sent</c> or <c>failed</c>
    /// row after. Small (a few rows per alert), unpartitioned.
    /// </summary>
    public static readonly TableDef GoldAlertNotifications = new("gold/alert_notifications",
    [
        C("alert_id", "VARCHAR", false), C("day", "DATE", false), Code("status", false), C("attempt", "INTEGER", false),
        C("instance", "VARCHAR", false), C("recorded_at", "TIMESTAMPTZ", false), C("detail", "VARCHAR"),
    ], []);

    /// <summary>
    /// The sentiment result cache (ARCHITECTURE §6): one row per answer of a paid scorer, keyed by
    /// SHA-256(normalised title | model | prompt version). Append-only; the first row of a key wins.
    /// </summary>
    public static readonly TableDef CacheSentiment = new("cache/sentiment",
    [
        C("key", "VARCHAR", false), C("label", "VARCHAR", false), C("confidence", "DOUBLE", false), C("coins", "VARCHAR"),
        C("context_summary", "VARCHAR"), C("scorer", "VARCHAR", false), C("model", "VARCHAR"), C("prompt_version", "VARCHAR"),
        C("tokens_in", "INTEGER"), C("tokens_out", "INTEGER"), C("created_at", "TIMESTAMPTZ", false),
    ], []);

    public static readonly IReadOnlyList<TableDef> All =
        [BronzeNews, BronzePrices, SilverNewsSentiment, SilverPrices, SilverQuarantine, SilverScorerAgreement, GoldCoinDaily, GoldCoinHourly, GoldTopCoinDaily, GoldAlerts, GoldScorerDaily, GoldAlertNotifications, CacheSentiment];
}
