-- The state the hourly indicator pass starts from (GoldIndicators.ReadPrior): per coin, the last {keep} gold/coin_hourly
-- rows with a close before {first_day} (the first recomputed day), read from {history} (the gold rows of a few days
-- before it), oldest first. Each row carries its close, its position in the series (series_n), ema_24h and the Wilder
-- averages of rsi_14h, so the pass continues the recursion exactly where the stored gold left it, and the SMA window
-- gets its earlier closes.
SELECT coin, close_usd, series_n, ema_24h, rsi_14h_avg_gain, rsi_14h_avg_loss
FROM {history}
WHERE close_usd IS NOT NULL AND day < {first_day}
QUALIFY row_number() OVER (PARTITION BY coin ORDER BY hour DESC) <= {keep}
ORDER BY coin, hour
