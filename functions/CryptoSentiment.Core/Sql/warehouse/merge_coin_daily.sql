-- COIN_DAILY ← the source relation, keyed by (coin, day): insert new keys, update changed rows, leave equal rows alone.
-- Portable: this exact text runs on DuckDB (embedded warehouse) and Snowflake. The source relation is the lake's
-- source_coin_daily.sql (DuckDB) or the load's rows in COIN_DAILY_STAGE (Snowflake). {scope} limits the target rows to the
-- days the load sends (1 = 1 for a full load): the key holds the day, so no match is lost, and both engines skip the rest.
MERGE INTO COIN_DAILY AS t
USING {source} AS s
ON t.coin = s.coin AND t.day = s.day AND {scope}
WHEN MATCHED AND (t.mentions IS DISTINCT FROM s.mentions OR t.positive IS DISTINCT FROM s.positive
        OR t.negative IS DISTINCT FROM s.negative OR t.neutral IS DISTINCT FROM s.neutral
        OR t.pct_positive IS DISTINCT FROM s.pct_positive OR t.pct_negative IS DISTINCT FROM s.pct_negative
        OR t.pct_neutral IS DISTINCT FROM s.pct_neutral OR t.weighted_score IS DISTINCT FROM s.weighted_score
        OR t.avg_confidence IS DISTINCT FROM s.avg_confidence OR t.close_usd IS DISTINCT FROM s.close_usd
        OR t.return_1d IS DISTINCT FROM s.return_1d OR t.corr_7d IS DISTINCT FROM s.corr_7d
        OR t.sma_7d IS DISTINCT FROM s.sma_7d OR t.sma_30d IS DISTINCT FROM s.sma_30d OR t.rsi_14d IS DISTINCT FROM s.rsi_14d)
    THEN UPDATE SET mentions = s.mentions, positive = s.positive, negative = s.negative, neutral = s.neutral,
        pct_positive = s.pct_positive, pct_negative = s.pct_negative, pct_neutral = s.pct_neutral,
        weighted_score = s.weighted_score, avg_confidence = s.avg_confidence, close_usd = s.close_usd,
        return_1d = s.return_1d, corr_7d = s.corr_7d, sma_7d = s.sma_7d, sma_30d = s.sma_30d, rsi_14d = s.rsi_14d
WHEN NOT MATCHED THEN INSERT (coin, day, mentions, positive, negative, neutral, pct_positive, pct_negative, pct_neutral,
        weighted_score, avg_confidence, close_usd, return_1d, corr_7d, sma_7d, sma_30d, rsi_14d)
    VALUES (s.coin, s.day, s.mentions, s.positive, s.negative, s.neutral, s.pct_positive, s.pct_negative, s.pct_neutral,
        s.weighted_score, s.avg_confidence, s.close_usd, s.return_1d, s.corr_7d, s.sma_7d, s.sma_30d, s.rsi_14d)
