-- Dashboard Alerts & health: alerts per day and kind in the range (same filter as alerts.sql), and the critical ones.
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT day, kind, count(*) AS alerts, count(*) FILTER (WHERE severity = 'critical') AS critical
FROM ALERTS
WHERE day BETWEEN $1 AND $2
  AND ($3::VARCHAR[] IS NULL OR coin IS NULL OR list_contains($3::VARCHAR[], coin))
GROUP BY day, kind
ORDER BY day, kind;
