-- The hourly close series the §12 indicator pass scans (GoldIndicators, ARCHITECTURE.md §12): per coin, in hour order,
-- first the points carried over from before the recomputed range (gold_indicator_prior_hourly: the last gold rows with a
-- close and their stored state), then every staged row with a close. Rows with a NULL close are not points: missing
-- hours and NULL closes are skipped, never filled. key = µs since the Unix epoch (time-zone independent).
SELECT coin, key, close_usd, is_prior, series_n, ema, avg_gain, avg_loss
FROM (
    SELECT coin, key, close_usd, TRUE AS is_prior, series_n, ema_24h AS ema, rsi_14h_avg_gain AS avg_gain, rsi_14h_avg_loss AS avg_loss
    FROM gold_indicator_prior_hourly
    UNION ALL
    SELECT coin, epoch_us(hour) AS key, close_usd, FALSE, NULL, NULL, NULL, NULL
    FROM staged_coin_hourly
    WHERE close_usd IS NOT NULL
)
ORDER BY coin, key, is_prior DESC
