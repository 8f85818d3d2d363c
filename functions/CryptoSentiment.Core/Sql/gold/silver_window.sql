-- The silver rows the target days depend on, staged once for both KPI files (coin_hourly.sql, coin_daily.sql):
-- for each day in gold_target_days, that day and the {lookback_days} before it. Computing corr_7d from silver needs 7
-- (its 7 days, plus the previous day's last close for the first hour's return_1h); when the hourly scores and returns
-- of the earlier days come from gold/coin_hourly instead (hour_pairs_from_gold.sql), 1 is enough (the 24-hour windows
-- of coin_hourly, and return_1d).
-- Time is kept as integer bucket numbers since the Unix epoch (hour_no = µs / 3 600 000 000, day_no = hour_no / 24),
-- so results do not depend on the session time zone. The timestamp bounds let DuckDB skip files and row groups.
CREATE OR REPLACE TEMP TABLE gold_needed_days AS
    SELECT DISTINCT CAST(day - DATE '1970-01-01' AS BIGINT) - k AS day_no FROM gold_target_days, range(0, {lookback_days} + 1) AS r(k);

CREATE OR REPLACE TEMP TABLE gold_news AS
    WITH bounds AS (
        SELECT to_timestamp((min(day_no) * 86400)::DOUBLE) AS lo, to_timestamp(((max(day_no) + 1) * 86400)::DOUBLE) AS hi
        FROM gold_needed_days
    )
    SELECT n.coin,
           epoch_us(n.published_at) // 3600000000 AS hour_no,
           n.polarity AS polarity,
           n.polarity::DOUBLE AS p,
           n.confidence AS w
    FROM silver_news_sentiment n, bounds b
    WHERE n.published_at >= b.lo AND n.published_at < b.hi
      AND epoch_us(n.published_at) // 86400000000 IN (SELECT day_no FROM gold_needed_days);

CREATE OR REPLACE TEMP TABLE gold_prices AS
    WITH bounds AS (
        SELECT to_timestamp((min(day_no) * 86400)::DOUBLE) AS lo, to_timestamp(((max(day_no) + 1) * 86400)::DOUBLE) AS hi
        FROM gold_needed_days
    )
    SELECT s.coin, s.ts, s.price_usd, epoch_us(s.ts) // 3600000000 AS hour_no
    FROM silver_prices s, bounds b
    WHERE s.ts >= b.lo AND s.ts < b.hi
      AND epoch_us(s.ts) // 86400000000 IN (SELECT day_no FROM gold_needed_days);
