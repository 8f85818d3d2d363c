-- LOAD_STATE ← the lake versions this load brought the warehouse to (one row per lake table: its Delta table id and
-- version). Runs in the same transaction as the table merges, so the watermark moves only with the data. The next
-- load reads the Delta log after these versions and sends only the days that changed. Portable (DuckDB and Snowflake).
MERGE INTO LOAD_STATE AS t
USING {source} AS s
ON t.source = s.source
WHEN MATCHED THEN UPDATE SET table_id = s.table_id, version = s.version, loaded_at = CURRENT_TIMESTAMP
WHEN NOT MATCHED THEN INSERT (source, table_id, version, loaded_at) VALUES (s.source, s.table_id, s.version, CURRENT_TIMESTAMP)
