-- COIN_HOURLY: delete the (coin, hour) rows gold no longer has, within {scope} (see prune_coin_daily.sql). Portable.
DELETE FROM COIN_HOURLY AS t
WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.coin = t.coin AND s.hour = t.hour)
