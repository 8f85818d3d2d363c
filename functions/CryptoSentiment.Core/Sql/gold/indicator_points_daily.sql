-- The daily close series the §12 indicator pass scans (GoldIndicators, ARCHITECTURE.md §12): per coin, in day order,
-- first the points carried over from before the recomputed range (gold_indicator_prior_daily: the last gold rows with a
-- close and their stored state), then every staged row with a close. Rows with a NULL close are not points.
-- key = days since the Unix epoch. The daily series has no EMA.
SELECT coin, key, close_usd, is_prior, series_n, ema, avg_gain, avg_loss
FROM (
    SELECT coin, key, close_usd, TRUE AS is_prior, series_n, CAST(NULL AS DOUBLE) AS ema, rsi_14d_avg_gain AS avg_gain, rsi_14d_avg_loss AS avg_loss
    FROM gold_indicator_prior_daily
    UNION ALL
    SELECT coin, CAST(day - DATE '1970-01-01' AS BIGINT) AS key, close_usd, FALSE, NULL, NULL, NULL, NULL
    FROM staged_coin_daily
    WHERE close_usd IS NOT NULL
)
ORDER BY coin, key, is_prior DESC
