-- Dashboard, sentiment vs price: rolling 24 h sentiment against the 24 h log return per coin and hour,
-- with the divergence flag (score_24h >= 0.2 and return_24h <= -0.02, or the mirror case), and the §12 price indicators
-- of the hourly close series (sma_24h, ema_24h, rsi_14h) for the price and RSI panels.
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coin, hour, score_24h, return_24h, close_usd, divergence, sma_24h, ema_24h, rsi_14h
FROM COIN_HOURLY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
ORDER BY coin, hour;
