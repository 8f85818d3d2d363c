-- The state the daily indicator pass starts from (GoldIndicators.ReadPrior): per coin, the last {keep} gold/coin_daily
-- rows with a close before {first_day} (the first recomputed day), read from {history} (the gold rows of some days
-- before it), oldest first, with their series position (series_n) and the Wilder averages of rsi_14d; the SMA windows
-- get their earlier closes. The daily series has no EMA.
SELECT coin, close_usd, series_n, CAST(NULL AS DOUBLE) AS ema, rsi_14d_avg_gain, rsi_14d_avg_loss
FROM {history}
WHERE close_usd IS NOT NULL AND day < {first_day}
QUALIFY row_number() OVER (PARTITION BY coin ORDER BY day DESC) <= {keep}
ORDER BY coin, day
