-- Writes the values of the daily indicator pass (gold_indicator_values, one row per point) into staged_coin_daily.
-- Rows with a NULL close are not points: they keep the NULL indicators and state coin_daily.sql gives every row (and
-- gold stores for them), so only points are written.
UPDATE staged_coin_daily AS s
SET sma_7d = v.sma1, sma_30d = v.sma2, rsi_14d = v.rsi,
    series_n = v.series_n, rsi_14d_avg_gain = v.avg_gain, rsi_14d_avg_loss = v.avg_loss
FROM gold_indicator_values AS v
WHERE v.coin = s.coin AND v.key = CAST(s.day - DATE '1970-01-01' AS BIGINT);
