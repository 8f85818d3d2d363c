-- COIN_DAILY: delete the (coin, day) rows gold no longer has, so the table mirrors gold. Portable (DuckDB and
-- Snowflake): Snowflake's MERGE has no WHEN NOT MATCHED BY SOURCE, so this is a separate statement on both.
-- {scope} limits the prune to the days this load sent (incremental load), or is 1 = 1 (full load).
DELETE FROM COIN_DAILY AS t
WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.coin = t.coin AND s.day = t.day)
