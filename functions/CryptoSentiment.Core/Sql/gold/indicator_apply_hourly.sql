-- Writes the values of the hourly indicator pass (gold_indicator_values, one row per point) into staged_coin_hourly.
-- Rows with a NULL close are not points: they keep the NULL indicators and state coin_hourly.sql gives every row (and
-- gold stores for them), so only points are written.
UPDATE staged_coin_hourly AS s
SET sma_24h = v.sma1, ema_24h = v.ema, rsi_14h = v.rsi,
    series_n = v.series_n, rsi_14h_avg_gain = v.avg_gain, rsi_14h_avg_loss = v.avg_loss
FROM gold_indicator_values AS v
WHERE v.coin = s.coin AND v.key = epoch_us(s.hour);
