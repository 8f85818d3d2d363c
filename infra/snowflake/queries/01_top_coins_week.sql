-- Answers: which coins had the most positive news this week? Weighted sentiment (Σ confidence·polarity / Σ confidence,
-- the §5 weighted_score) over the latest 7 days in COIN_DAILY, recomputed exactly from the daily rows
-- (Σ w per day = avg_confidence × mentions). Coins with at least 3 mentions; MARKET (no coin named) excluded.
-- Portable: runs unchanged on Snowflake and on the DuckDB warehouse.
WITH week AS (
    SELECT max(day) AS last_day FROM COIN_DAILY
)
SELECT d.coin,
       ROUND(SUM(d.weighted_score * d.avg_confidence * d.mentions) / NULLIF(SUM(d.avg_confidence * d.mentions), 0), 4) AS weighted_score,
       SUM(d.mentions) AS mentions,
       ROUND(100.0 * SUM(d.positive) / SUM(d.mentions), 1) AS pct_positive,
       ROUND(100.0 * SUM(d.negative) / SUM(d.mentions), 1) AS pct_negative,
       COUNT(*) AS days_mentioned,
       MIN(d.day) AS first_day,
       MAX(d.day) AS last_day
FROM COIN_DAILY AS d
CROSS JOIN week AS w
WHERE d.day > w.last_day - 7
  AND d.coin <> 'MARKET'
GROUP BY d.coin
HAVING SUM(d.mentions) >= 3
ORDER BY weighted_score DESC NULLS LAST, mentions DESC, d.coin
LIMIT 10
