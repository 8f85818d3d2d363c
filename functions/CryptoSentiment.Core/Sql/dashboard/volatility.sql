-- Dashboard, volatility: the Sentiment Volatility Index (volatility_24h = population std dev of the hourly
-- score over the 24 buckets ending with each hour) per coin and hour.
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coin, hour, volatility_24h
FROM COIN_HOURLY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
  AND volatility_24h IS NOT NULL
ORDER BY coin, hour;
