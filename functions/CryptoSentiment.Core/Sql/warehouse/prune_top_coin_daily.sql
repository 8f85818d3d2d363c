-- TOP_COIN_DAILY: delete the days gold no longer has a top coin for, within {scope}. Portable (DuckDB and Snowflake).
DELETE FROM TOP_COIN_DAILY AS t
WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.day = t.day)
