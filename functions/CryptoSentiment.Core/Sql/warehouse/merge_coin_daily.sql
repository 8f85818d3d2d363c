-- COIN_DAILY ← gold/coin_daily, keyed by (coin, day). Rows gold no longer has are deleted: the table mirrors gold.
MERGE INTO COIN_DAILY AS t
USING gold_coin_daily AS s
ON t.coin = s.coin AND t.day = s.day
WHEN MATCHED AND (t.mentions, t.positive, t.negative, t.neutral, t.pct_positive, t.pct_negative, t.pct_neutral,
                  t.weighted_score, t.avg_confidence, t.close_usd, t.return_1d, t.corr_7d)
     IS DISTINCT FROM (s.mentions, s.positive, s.negative, s.neutral, s.pct_positive, s.pct_negative, s.pct_neutral,
                       s.weighted_score, s.avg_confidence, s.close_usd, s.return_1d, s.corr_7d)
    THEN UPDATE SET mentions = s.mentions, positive = s.positive, negative = s.negative, neutral = s.neutral,
        pct_positive = s.pct_positive, pct_negative = s.pct_negative, pct_neutral = s.pct_neutral,
        weighted_score = s.weighted_score, avg_confidence = s.avg_confidence, close_usd = s.close_usd,
        return_1d = s.return_1d, corr_7d = s.corr_7d
WHEN NOT MATCHED THEN INSERT (coin, day, mentions, positive, negative, neutral, pct_positive, pct_negative, pct_neutral,
        weighted_score, avg_confidence, close_usd, return_1d, corr_7d)
    VALUES (s.coin, s.day, s.mentions, s.positive, s.negative, s.neutral, s.pct_positive, s.pct_negative, s.pct_neutral,
        s.weighted_score, s.avg_confidence, s.close_usd, s.return_1d, s.corr_7d)
WHEN NOT MATCHED BY SOURCE THEN DELETE
