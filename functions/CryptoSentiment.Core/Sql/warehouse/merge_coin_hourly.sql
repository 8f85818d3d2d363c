-- COIN_HOURLY ← gold/coin_hourly, keyed by (coin, hour).
MERGE INTO COIN_HOURLY AS t
USING gold_coin_hourly AS s
ON t.coin = s.coin AND t.hour = s.hour
WHEN MATCHED AND (t.day, t.mentions, t.score, t.score_24h, t.volatility_24h, t.close_usd, t.return_1h, t.return_24h, t.divergence)
     IS DISTINCT FROM (s.day, s.mentions, s.score, s.score_24h, s.volatility_24h, s.close_usd, s.return_1h, s.return_24h, s.divergence)
    THEN UPDATE SET day = s.day, mentions = s.mentions, score = s.score, score_24h = s.score_24h,
        volatility_24h = s.volatility_24h, close_usd = s.close_usd, return_1h = s.return_1h,
        return_24h = s.return_24h, divergence = s.divergence
WHEN NOT MATCHED THEN INSERT (coin, hour, day, mentions, score, score_24h, volatility_24h, close_usd, return_1h, return_24h, divergence)
    VALUES (s.coin, s.hour, s.day, s.mentions, s.score, s.score_24h, s.volatility_24h, s.close_usd, s.return_1h, s.return_24h, s.divergence)
WHEN NOT MATCHED BY SOURCE THEN DELETE
