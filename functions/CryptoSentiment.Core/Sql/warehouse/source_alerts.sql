-- Rows for ALERTS, read from the lake (gold/alerts).
SELECT alert_id, kind, coin, hour, day, value, baseline, zscore, severity, message
FROM gold_alerts
