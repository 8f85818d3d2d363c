-- gold_pairs for coin_daily.sql's corr_7d, from hourly gold rows instead of silver: the hours of the target days from
-- staged_coin_hourly (just computed), the hours of the 6 days before them that are not targets from gold_hourly_history
-- (the gold/coin_hourly rows of those days, still current: a silver change of day e makes e … e+7 targets). The same
-- numbers as hour_pairs_from_silver.sql (coin_hourly's score and return_1h are the same formulas), at a fraction of the
-- reading: a refresh no longer needs 8 days of silver.
CREATE OR REPLACE TEMP TABLE gold_pairs AS
SELECT coin, epoch_us(hour) // 3600000000 AS hour_no, score AS x, return_1h AS y
FROM staged_coin_hourly
WHERE score IS NOT NULL AND return_1h IS NOT NULL
UNION ALL
SELECT coin, epoch_us(hour) // 3600000000 AS hour_no, score AS x, return_1h AS y
FROM gold_hourly_history
WHERE score IS NOT NULL AND return_1h IS NOT NULL
  AND day NOT IN (SELECT day FROM gold_target_days);
