-- The state the daily indicator pass starts from (GoldIndicators): per coin, the last {keep} gold/coin_daily rows with a
-- close before {first_day} (the first recomputed day), read from {history} (the gold rows of some days before it), with
-- their series position (series_n) and the Wilder averages of rsi_14d; the SMA windows get their earlier closes.
CREATE OR REPLACE TEMP TABLE gold_indicator_prior_daily AS
SELECT coin, CAST(day - DATE '1970-01-01' AS BIGINT) AS key, close_usd, series_n, rsi_14d_avg_gain, rsi_14d_avg_loss
FROM {history}
WHERE close_usd IS NOT NULL AND day < {first_day}
QUALIFY row_number() OVER (PARTITION BY coin ORDER BY day DESC) <= {keep};
