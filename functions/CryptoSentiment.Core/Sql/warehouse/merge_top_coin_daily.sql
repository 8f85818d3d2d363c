-- TOP_COIN_DAILY ← the source relation, keyed by day. Portable (DuckDB and Snowflake), see merge_coin_daily.sql.
MERGE INTO TOP_COIN_DAILY AS t
USING {source} AS s
ON t.day = s.day AND {scope}
WHEN MATCHED AND (t.coin IS DISTINCT FROM s.coin OR t.weighted_score IS DISTINCT FROM s.weighted_score
        OR t.mentions IS DISTINCT FROM s.mentions)
    THEN UPDATE SET coin = s.coin, weighted_score = s.weighted_score, mentions = s.mentions
WHEN NOT MATCHED THEN INSERT (day, coin, weighted_score, mentions) VALUES (s.day, s.coin, s.weighted_score, s.mentions)
