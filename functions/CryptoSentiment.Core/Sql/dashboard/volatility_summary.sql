-- Dashboard, volatility: per coin, the average, peak and latest Sentiment Volatility Index over the range.
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coin,
       avg(volatility_24h)              AS avg_volatility,
       max(volatility_24h)              AS max_volatility,
       arg_max(volatility_24h, hour)    AS last_volatility,
       count(volatility_24h)            AS hours
FROM COIN_HOURLY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
  AND volatility_24h IS NOT NULL
GROUP BY coin
ORDER BY avg_volatility DESC, coin;
