-- gold/coin_daily: one row per (coin, day) with at least one mention, for the days listed in
-- gold_target_days (ARCHITECTURE.md §5, contract). Reads gold_news and gold_prices, the silver rows staged by
-- silver_window.sql (the target days and the day before: return_1d), and gold_pairs, the hourly (score, return_1h)
-- buckets of the 7 days ending with each target day (hour_pairs_from_silver.sql or hour_pairs_from_gold.sql).
-- Days and hours are integer bucket numbers since the Unix epoch.
WITH target AS (
    SELECT DISTINCT CAST(day - DATE '1970-01-01' AS BIGINT) AS day_no FROM gold_target_days
),
pairs_by_day AS (  -- the buckets of the 7-day window ending on each target day (days t − 6 … t)
    SELECT p.coin, t.day_no, p.x, p.y
    FROM gold_pairs p JOIN target t ON p.hour_no // 24 BETWEEN t.day_no - 6 AND t.day_no
),
corr AS (
    SELECT coin, day_no,
           CASE WHEN count(*) >= 24 AND var_pop(x) > 0 AND var_pop(y) > 0 THEN corr(x, y) END AS corr_7d
    FROM pairs_by_day GROUP BY coin, day_no
),
price_day AS (  -- close = the last price by ts within the day
    SELECT coin, hour_no // 24 AS day_no, arg_max(price_usd, ts) AS close_usd
    FROM gold_prices GROUP BY coin, hour_no // 24
),
news_day AS (
    SELECT coin,
           hour_no // 24 AS day_no,
           count(*) AS mentions,
           count(*) FILTER (WHERE polarity > 0) AS positive,
           count(*) FILTER (WHERE polarity < 0) AS negative,
           count(*) FILTER (WHERE polarity = 0) AS neutral,
           sum(w) AS sw,
           sum(w * p) AS swp,
           avg(w) AS avg_confidence
    FROM gold_news
    WHERE hour_no // 24 IN (SELECT day_no FROM target)
    GROUP BY coin, hour_no // 24
)
SELECT d.coin,
       CAST(DATE '1970-01-01' + CAST(d.day_no AS INTEGER) AS DATE) AS day,
       d.mentions,
       d.positive,
       d.negative,
       d.neutral,
       d.positive * 100.0 / d.mentions AS pct_positive,
       d.negative * 100.0 / d.mentions AS pct_negative,
       d.neutral * 100.0 / d.mentions AS pct_neutral,
       CASE WHEN d.sw <> 0 THEN d.swp / d.sw END AS weighted_score,
       d.avg_confidence,
       c.close_usd,
       ln(c.close_usd / pc.close_usd) AS return_1d,
       r.corr_7d,
       -- §12 indicators and their hidden state: filled by GoldIndicators (a sequential pass over the close series)
       CAST(NULL AS DOUBLE) AS sma_7d,
       CAST(NULL AS DOUBLE) AS sma_30d,
       CAST(NULL AS DOUBLE) AS rsi_14d,
       CAST(NULL AS BIGINT) AS series_n,
       CAST(NULL AS DOUBLE) AS rsi_14d_avg_gain,
       CAST(NULL AS DOUBLE) AS rsi_14d_avg_loss
FROM news_day d
LEFT JOIN price_day c ON c.coin = d.coin AND c.day_no = d.day_no
LEFT JOIN price_day pc ON pc.coin = d.coin AND pc.day_no = d.day_no - 1
LEFT JOIN corr r ON r.coin = d.coin AND r.day_no = d.day_no
ORDER BY d.coin, d.day_no
