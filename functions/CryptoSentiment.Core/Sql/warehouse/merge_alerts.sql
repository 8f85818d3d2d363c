-- ALERTS ← the source relation, keyed by alert_id (deterministic from kind, coin and first hour). Portable (DuckDB and
-- Snowflake), see merge_coin_daily.sql.
MERGE INTO ALERTS AS t
USING {source} AS s
ON t.alert_id = s.alert_id AND {scope}
WHEN MATCHED AND (t.kind IS DISTINCT FROM s.kind OR t.coin IS DISTINCT FROM s.coin OR t.hour IS DISTINCT FROM s.hour
        OR t.day IS DISTINCT FROM s.day OR t.value IS DISTINCT FROM s.value OR t.baseline IS DISTINCT FROM s.baseline
        OR t.zscore IS DISTINCT FROM s.zscore OR t.severity IS DISTINCT FROM s.severity OR t.message IS DISTINCT FROM s.message)
    THEN UPDATE SET kind = s.kind, coin = s.coin, hour = s.hour, day = s.day, value = s.value, baseline = s.baseline,
        zscore = s.zscore, severity = s.severity, message = s.message
WHEN NOT MATCHED THEN INSERT (alert_id, kind, coin, hour, day, value, baseline, zscore, severity, message)
    VALUES (s.alert_id, s.kind, s.coin, s.hour, s.day, s.value, s.baseline, s.zscore, s.severity, s.message)
