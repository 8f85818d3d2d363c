-- Answers: which headlines moved a coin's sentiment score the most? For each headline-coin row, its impact on the
-- coin's hourly score (§5: Σ confidence·polarity / Σ confidence in the hour bucket) = the score with the headline
-- minus the score without it (a headline alone in its bucket moves the score from neutral 0). Largest |impact| first.
-- Portable: runs unchanged on Snowflake and on the DuckDB warehouse.
WITH buckets AS (
    SELECT coin, article_id, title, source, label, confidence, polarity, published_at,
           DATE_TRUNC('hour', published_at) AS hour,
           SUM(confidence * polarity) OVER (PARTITION BY coin, DATE_TRUNC('hour', published_at)) AS sum_wp,
           SUM(confidence) OVER (PARTITION BY coin, DATE_TRUNC('hour', published_at)) AS sum_w,
           COUNT(*) OVER (PARTITION BY coin, DATE_TRUNC('hour', published_at)) AS headlines_in_hour
    FROM HEADLINES
    WHERE coin <> 'MARKET'
),
impacts AS (
    SELECT coin, hour, article_id, title, source, label, confidence, headlines_in_hour, published_at,
           sum_wp / NULLIF(sum_w, 0) AS score,
           CASE WHEN headlines_in_hour = 1 OR sum_w - confidence <= 0 THEN 0
                ELSE (sum_wp - confidence * polarity) / (sum_w - confidence) END AS score_without
    FROM buckets
)
SELECT coin, hour, title, source, label,
       ROUND(confidence, 3) AS confidence,
       ROUND(score, 3) AS hour_score,
       ROUND(score - score_without, 3) AS impact,
       headlines_in_hour
FROM impacts
WHERE score IS NOT NULL
ORDER BY ABS(score - score_without) DESC, published_at DESC, article_id, coin
LIMIT 20
