-- gold/coin_hourly: one row per (coin, hour bucket) with a mention or a price, for the days listed in
-- gold_target_days (ARCHITECTURE.md §5, contract). Reads gold_news and gold_prices, the silver rows staged by
-- silver_window.sql.
--
-- Time is handled as integer bucket numbers since the Unix epoch (hour_no = µs / 3 600 000 000,
-- day_no = hour_no / 24), so the result does not depend on the session time zone and a 24-hour window is a range of
-- bucket numbers: hours without data are simply absent, never counted as rows. (A range self-join rather than a RANGE
-- window frame: the same rows, and about 30 % less time in DuckDB on a day of data.)
WITH target AS (
    SELECT DISTINCT CAST(day - DATE '1970-01-01' AS BIGINT) AS day_no FROM gold_target_days
),
hourly_days AS (  -- every window here looks back at most 24 hours: the target days and the day before each
    SELECT day_no FROM target UNION SELECT day_no - 1 FROM target
),
news_hour AS (
    SELECT coin, hour_no, count(*) AS mentions, sum(w) AS sw, sum(w * p) AS swp
    FROM gold_news WHERE hour_no // 24 IN (SELECT day_no FROM hourly_days) GROUP BY coin, hour_no
),
price_hour AS (  -- close = the last price by ts within the bucket
    SELECT coin, hour_no, arg_max(price_usd, ts) AS close_usd
    FROM gold_prices WHERE hour_no // 24 IN (SELECT day_no FROM hourly_days) GROUP BY coin, hour_no
),
grid AS (
    SELECT coalesce(n.coin, p.coin) AS coin,
           coalesce(n.hour_no, p.hour_no) AS hour_no,
           coalesce(n.mentions, 0) AS mentions,
           n.sw, n.swp,
           CASE WHEN n.sw <> 0 THEN n.swp / n.sw END AS score,
           p.close_usd
    FROM news_hour n FULL OUTER JOIN price_hour p ON n.coin = p.coin AND n.hour_no = p.hour_no
),
windowed AS (  -- each target hour with the 24 buckets [hour − 23 h, hour] of its coin (buckets without data are absent)
    SELECT g.coin, g.hour_no,
           any_value(g.mentions) AS mentions, any_value(g.score) AS score, any_value(g.close_usd) AS close_usd,
           -- Σ w·p / Σ w over the raw rows of the 24 buckets
           sum(h.swp) AS swp_24h,
           sum(h.sw) AS sw_24h,
           -- population stddev of the non-NULL hourly scores in the same 24 buckets
           count(h.score) AS scored_24h,
           stddev_pop(h.score) AS sd_24h
    FROM grid g
    JOIN grid h ON h.coin = g.coin AND h.hour_no BETWEEN g.hour_no - 23 AND g.hour_no
    WHERE g.hour_no // 24 IN (SELECT day_no FROM target)
    GROUP BY g.coin, g.hour_no
),
result AS (
    SELECT w.coin,
           w.hour_no,
           w.mentions,
           w.score,
           CASE WHEN w.sw_24h <> 0 THEN w.swp_24h / w.sw_24h END AS score_24h,
           CASE WHEN w.scored_24h >= 2 THEN w.sd_24h END AS volatility_24h,
           w.close_usd,
           ln(w.close_usd / h1.close_usd) AS return_1h,
           ln(w.close_usd / h24.close_usd) AS return_24h
    FROM windowed w
    LEFT JOIN price_hour h1 ON h1.coin = w.coin AND h1.hour_no = w.hour_no - 1
    LEFT JOIN price_hour h24 ON h24.coin = w.coin AND h24.hour_no = w.hour_no - 24
    WHERE w.hour_no // 24 IN (SELECT day_no FROM target)
)
SELECT coin,
       to_timestamp((hour_no * 3600)::DOUBLE) AS hour,
       CAST(DATE '1970-01-01' + CAST(hour_no // 24 AS INTEGER) AS DATE) AS day,
       mentions,
       score,
       score_24h,
       volatility_24h,
       close_usd,
       return_1h,
       return_24h,
       CASE
           WHEN score_24h IS NULL OR return_24h IS NULL THEN NULL
           WHEN (score_24h >= 0.2 AND return_24h <= -0.02) OR (score_24h <= -0.2 AND return_24h >= 0.02) THEN TRUE
           ELSE FALSE
       END AS divergence,
       -- §12 indicators and their hidden state: filled by GoldIndicators (a sequential pass over the close series)
       CAST(NULL AS DOUBLE) AS sma_24h,
       CAST(NULL AS DOUBLE) AS ema_24h,
       CAST(NULL AS DOUBLE) AS rsi_14h,
       CAST(NULL AS BIGINT) AS series_n,
       CAST(NULL AS DOUBLE) AS rsi_14h_avg_gain,
       CAST(NULL AS DOUBLE) AS rsi_14h_avg_loss
FROM result
ORDER BY coin, hour_no
