-- COIN_HOURLY: delete the (coin, hour) rows gold no longer has. Portable (DuckDB and Snowflake).
DELETE FROM COIN_HOURLY AS t
WHERE NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.coin = t.coin AND s.hour = t.hour)
