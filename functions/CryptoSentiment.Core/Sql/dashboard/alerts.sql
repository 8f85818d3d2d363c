-- Dashboard Alerts & health: the latest alerts (ALERTS, ARCHITECTURE §10) whose first hour falls in the range, newest first.
-- $1 from DATE, $2 to DATE (inclusive, UTC days), $3 coins VARCHAR[] (NULL = every coin; scorer_drift, which has no coin,
-- is always shown), $4 row limit.
SELECT hour, kind, coin, severity, value, baseline, zscore, message, alert_id
FROM ALERTS
WHERE day BETWEEN $1 AND $2
  AND ($3::VARCHAR[] IS NULL OR coin IS NULL OR list_contains($3::VARCHAR[], coin))
ORDER BY hour DESC, kind, coin NULLS FIRST
LIMIT $4;
