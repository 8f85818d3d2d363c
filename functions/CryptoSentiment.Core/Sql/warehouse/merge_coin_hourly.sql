-- COIN_HOURLY ← the source relation, keyed by (coin, hour). Portable (DuckDB and Snowflake), see merge_coin_daily.sql.
MERGE INTO COIN_HOURLY AS t
USING {source} AS s
ON t.coin = s.coin AND t.hour = s.hour AND {scope}
WHEN MATCHED AND (t.day IS DISTINCT FROM s.day OR t.mentions IS DISTINCT FROM s.mentions
        OR t.score IS DISTINCT FROM s.score OR t.score_24h IS DISTINCT FROM s.score_24h
        OR t.volatility_24h IS DISTINCT FROM s.volatility_24h OR t.close_usd IS DISTINCT FROM s.close_usd
        OR t.return_1h IS DISTINCT FROM s.return_1h OR t.return_24h IS DISTINCT FROM s.return_24h
        OR t.divergence IS DISTINCT FROM s.divergence OR t.sma_24h IS DISTINCT FROM s.sma_24h
        OR t.ema_24h IS DISTINCT FROM s.ema_24h OR t.rsi_14h IS DISTINCT FROM s.rsi_14h)
    THEN UPDATE SET day = s.day, mentions = s.mentions, score = s.score, score_24h = s.score_24h,
        volatility_24h = s.volatility_24h, close_usd = s.close_usd, return_1h = s.return_1h,
        return_24h = s.return_24h, divergence = s.divergence, sma_24h = s.sma_24h, ema_24h = s.ema_24h, rsi_14h = s.rsi_14h
WHEN NOT MATCHED THEN INSERT (coin, hour, day, mentions, score, score_24h, volatility_24h, close_usd, return_1h, return_24h, divergence, sma_24h, ema_24h, rsi_14h)
    VALUES (s.coin, s.hour, s.day, s.mentions, s.score, s.score_24h, s.volatility_24h, s.close_usd, s.return_1h, s.return_24h, s.divergence, s.sma_24h, s.ema_24h, s.rsi_14h)
