-- Answers: whose news sentiment is swinging the most? Volatility leaders over the latest 7 days: the average and
-- peak Sentiment Volatility Index (COIN_HOURLY.volatility_24h, population std-dev of hourly scores over 24 h) per
-- coin, beside the hourly price volatility (std-dev of return_1h) for comparison. MARKET excluded.
-- Portable: runs unchanged on Snowflake and on the DuckDB warehouse.
SELECT h.coin,
       ROUND(AVG(h.volatility_24h), 4) AS avg_volatility_24h,
       ROUND(MAX(h.volatility_24h), 4) AS peak_volatility_24h,
       ROUND(STDDEV_POP(h.return_1h), 5) AS price_volatility_1h,
       SUM(h.mentions) AS mentions,
       COUNT(*) AS hours
FROM COIN_HOURLY AS h
WHERE h.day > (SELECT max(day) FROM COIN_HOURLY) - 7
  AND h.coin <> 'MARKET'
  AND h.volatility_24h IS NOT NULL
GROUP BY h.coin
ORDER BY avg_volatility_24h DESC, h.coin
LIMIT 10
