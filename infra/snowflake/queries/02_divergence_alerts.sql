-- Answers: where do news sentiment and price disagree right now? Sentiment–price divergence alerts over the
-- latest 7 days: an alert is the first hour of each run of divergent hours for a coin (COIN_HOURLY.divergence:
-- 24-hour sentiment trend ≥ 0.2 while the price fell ≥ 2% in 24 h, or ≤ −0.2 while it rose ≥ 2%), newest first.
-- Portable: runs unchanged on Snowflake and on the DuckDB warehouse.
WITH hours AS (
    SELECT coin, hour, day, mentions, score_24h, return_24h, close_usd, divergence,
           LAG(divergence) OVER (PARTITION BY coin ORDER BY hour) AS was_divergent
    FROM COIN_HOURLY
    WHERE day > (SELECT max(day) FROM COIN_HOURLY) - 7
)
SELECT coin,
       hour AS alert_hour,
       CASE WHEN score_24h > 0 THEN 'bullish news, falling price' ELSE 'bearish news, rising price' END AS alert,
       ROUND(score_24h, 3) AS score_24h,
       ROUND(100 * return_24h, 2) AS return_24h_pct,
       close_usd,
       mentions
FROM hours
WHERE divergence AND COALESCE(was_divergent, FALSE) = FALSE
ORDER BY alert_hour DESC, ABS(score_24h) DESC, coin
LIMIT 50
