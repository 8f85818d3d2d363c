-- TOP_COIN_DAILY ← gold/top_coin_daily, keyed by day.
MERGE INTO TOP_COIN_DAILY AS t
USING gold_top_coin_daily AS s
ON t.day = s.day
WHEN MATCHED AND (t.coin, t.weighted_score, t.mentions) IS DISTINCT FROM (s.coin, s.weighted_score, s.mentions)
    THEN UPDATE SET coin = s.coin, weighted_score = s.weighted_score, mentions = s.mentions
WHEN NOT MATCHED THEN INSERT (day, coin, weighted_score, mentions) VALUES (s.day, s.coin, s.weighted_score, s.mentions)
WHEN NOT MATCHED BY SOURCE THEN DELETE
