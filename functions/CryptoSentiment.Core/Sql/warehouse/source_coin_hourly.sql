-- Rows for COIN_HOURLY, read from the lake (gold/coin_hourly).
SELECT coin, hour, day, mentions, score, score_24h, volatility_24h, close_usd, return_1h, return_24h, divergence, sma_24h, ema_24h, rsi_14h
FROM gold_coin_hourly
