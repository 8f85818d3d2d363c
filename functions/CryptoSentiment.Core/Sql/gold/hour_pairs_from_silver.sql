-- gold_pairs for coin_daily.sql's corr_7d, computed from the staged silver rows (gold_news, gold_prices; staged with a
-- 7-day look-back): per (coin, hour bucket), the bucket's score Σ w·p / Σ w and return_1h = ln(close_h / close_{h-1 h}),
-- where both exist (ARCHITECTURE.md §5).
CREATE OR REPLACE TEMP TABLE gold_pairs AS
WITH news_hour AS (
    SELECT coin, hour_no, CASE WHEN sum(w) <> 0 THEN sum(w * p) / sum(w) END AS score
    FROM gold_news GROUP BY coin, hour_no
),
price_hour AS (
    SELECT coin, hour_no, arg_max(price_usd, ts) AS close_usd
    FROM gold_prices GROUP BY coin, hour_no
),
return_hour AS (  -- the previous bucket is joined on a plain key column
    SELECT c.coin, c.hour_no, ln(c.close_usd / p.close_usd) AS return_1h
    FROM price_hour c
    JOIN (SELECT coin, hour_no + 1 AS hour_no, close_usd FROM price_hour) p ON p.coin = c.coin AND p.hour_no = c.hour_no
)
SELECT n.coin, n.hour_no, n.score AS x, r.return_1h AS y
FROM news_hour n
JOIN return_hour r ON r.coin = n.coin AND r.hour_no = n.hour_no
WHERE n.score IS NOT NULL;
