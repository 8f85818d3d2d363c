-- ALERTS: delete the alerts gold no longer has (a recomputed day without them), within {scope}. Portable.
DELETE FROM ALERTS AS t
WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.alert_id = t.alert_id)
