-- Dashboard, volatility: the daily mean of the hourly Sentiment Volatility Index per coin (a readable line over
-- long ranges; the hourly series is volatility.sql).
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coin, day, avg(volatility_24h) AS volatility_24h, count(volatility_24h) AS hours
FROM COIN_HOURLY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
  AND volatility_24h IS NOT NULL
GROUP BY coin, day
ORDER BY coin, day;
