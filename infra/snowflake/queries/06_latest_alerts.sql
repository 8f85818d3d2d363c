-- Answers: what needs attention? The alerts of the latest 7 days (ALERTS, ARCHITECTURE §10: sentiment shifts, volume
-- spikes, divergence runs and scorer drift, one row per run of alert hours), critical first, then newest, with the day's
-- scorer health beside each (SCORER_DAILY: the label mix's PSI against the trailing 14 days and the fallback share).
-- Portable: runs unchanged on Snowflake and on the DuckDB warehouse.
WITH health AS (
    SELECT day, MAX(psi) AS max_psi, MAX(fallback_share) AS fallback_share, MAX(CASE WHEN drifted THEN 1 ELSE 0 END) AS drifted
    FROM SCORER_DAILY
    GROUP BY day
)
SELECT a.hour AS alert_hour,
       a.kind,
       a.coin,
       a.severity,
       ROUND(a.value, 3) AS value,
       ROUND(a.baseline, 3) AS baseline,
       ROUND(a.zscore, 2) AS zscore,
       a.message,
       ROUND(h.max_psi, 3) AS scorer_psi,
       ROUND(100 * h.fallback_share, 1) AS fallback_pct,
       h.drifted AS scorer_drifted
FROM ALERTS a
LEFT JOIN health h ON h.day = a.day
WHERE a.day > (SELECT MAX(day) FROM ALERTS) - 7
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.hour DESC, a.kind, a.coin
LIMIT 100
