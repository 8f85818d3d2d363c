-- gold/alerts: one row per alert whose first hour (day start for scorer_drift) falls on a day listed in gold_target_days
-- (ARCHITECTURE.md §10). Reads staged_coin_hourly (the target days just computed), gold_hourly_history (the
-- gold/coin_hourly rows of the 8 days before each target day), staged_scorer_daily and gold_alert_settings (thresholds).
--
-- Per coin and hour h (hour_no = bucket number since the epoch; D = the day of h; the baseline covers the 7 days
-- D−7 … D−1, 168 buckets, the current day excluded):
--   mentions_24h    = Σ mentions over the buckets [h − 23 h, h]
--   shift_z         = (score_24h − mean) / sd, mean and population sd of the coin's non-NULL hourly score_24h over the
--                     baseline (NULL unless the coin has rows on ≥ baseline_min_days of the 7 days, ≥ 24 such hours and sd > 0:
--                     a coin new to the lake has no behaviour to be far from yet)
--   sentiment_shift = |shift_z| ≥ shift_zscore, |score_24h − mean| ≥ shift_min_delta and mentions_24h ≥ shift_min_mentions
--   volume_z        = (mentions − m) / sd, m = Σ mentions / 168 and sd = √(Σ mentions² / 168 − m²) over the baseline
--                     (an hour without a row counts as 0 mentions; NULL when sd = 0 or < baseline_min_days days have rows)
--   volume_spike    = volume_z ≥ volume_zscore and mentions ≥ volume_min_mentions
--   divergence      = the §5 divergence flag of the hour is TRUE
-- An alert is raised at the first hour of each run of consecutive alert hours of one kind and coin: h is an alert hour
-- and h − 1 is not (the first hour of a target day looks at the last hour of the day before, whose baseline is the
-- 7 days before that). scorer_drift: one alert per day with a drifted gold/scorer_daily row.
-- alert_id = md5('kind|coin|first hour as YYYY-MM-DDTHH:MM:SSZ') (coin empty for scorer_drift): deterministic, so a
-- recomputed day gives the same ids. severity: critical when |z| ≥ critical_zscore (scorer_drift: PSI or fallback share at
-- least twice its threshold), info for divergence, else warning.
WITH s AS (SELECT * FROM gold_alert_settings),
target AS (
    SELECT DISTINCT CAST(day - DATE '1970-01-01' AS BIGINT) AS day_no FROM gold_target_days
),
eval_days AS (  -- the target days and the day before each (is a target day's first hour a run start?)
    SELECT day_no FROM target UNION SELECT day_no - 1 FROM target
),
hourly AS (
    SELECT coin, epoch_us(hour) // 3600000000 AS hour_no, mentions, score_24h, return_24h, divergence FROM staged_coin_hourly
    UNION ALL
    SELECT coin, epoch_us(hour) // 3600000000, mentions, score_24h, return_24h, divergence FROM gold_hourly_history
    WHERE day NOT IN (SELECT day FROM gold_target_days)
),
baseline AS (
    SELECT h.coin, e.day_no,
           avg(h.score_24h) AS score_mean,
           stddev_pop(h.score_24h) AS score_sd,
           count(h.score_24h) AS score_hours,
           count(DISTINCT h.hour_no // 24) AS baseline_days,
           sum(h.mentions) / 168.0 AS mentions_mean,
           sqrt(greatest(sum(h.mentions * h.mentions) / 168.0 - (sum(h.mentions) / 168.0) * (sum(h.mentions) / 168.0), 0)) AS mentions_sd
    FROM eval_days e JOIN hourly h ON h.hour_no // 24 BETWEEN e.day_no - 7 AND e.day_no - 1
    GROUP BY h.coin, e.day_no
),
windowed AS (
    SELECT h.*, sum(h.mentions) OVER (PARTITION BY h.coin ORDER BY h.hour_no RANGE BETWEEN 23 PRECEDING AND CURRENT ROW) AS mentions_24h
    FROM hourly h
),
scored AS (
    SELECT w.coin, w.hour_no, w.mentions, w.mentions_24h, w.score_24h, w.return_24h, w.divergence,
           b.score_mean, b.mentions_mean,
           CASE WHEN b.baseline_days >= s.baseline_min_days AND b.score_hours >= 24 AND b.score_sd > 0
                THEN (w.score_24h - b.score_mean) / b.score_sd END AS shift_z,
           CASE WHEN b.baseline_days >= s.baseline_min_days AND b.mentions_sd > 0 THEN (w.mentions - b.mentions_mean) / b.mentions_sd END AS volume_z
    FROM windowed w LEFT JOIN baseline b ON b.coin = w.coin AND b.day_no = w.hour_no // 24, s
    WHERE w.hour_no // 24 IN (SELECT day_no FROM eval_days)
),
flags AS (
    SELECT x.*,
           coalesce(abs(x.shift_z) >= s.shift_zscore AND abs(x.score_24h - x.score_mean) >= s.shift_min_delta
                    AND x.mentions_24h >= s.shift_min_mentions, false) AS is_shift,
           coalesce(x.volume_z >= s.volume_zscore AND x.mentions >= s.volume_min_mentions, false) AS is_volume,
           coalesce(x.divergence, false) AS is_divergence
    FROM scored x, s
),
starts AS (  -- the previous bucket's flags (absent bucket: not an alert hour)
    SELECT f.*, coalesce(p.is_shift, false) AS prev_shift, coalesce(p.is_volume, false) AS prev_volume,
           coalesce(p.is_divergence, false) AS prev_divergence
    FROM flags f LEFT JOIN flags p ON p.coin = f.coin AND p.hour_no = f.hour_no - 1
    WHERE f.hour_no // 24 IN (SELECT day_no FROM target)
),
alerts AS (
    SELECT 'sentiment_shift' AS kind, coin, hour_no, score_24h AS value, score_mean AS baseline, shift_z AS zscore,
           CASE WHEN abs(shift_z) >= (SELECT critical_zscore FROM s) THEN 'critical' ELSE 'warning' END AS severity,
           printf('%s 24 h sentiment %.2f vs 7-day mean %.2f (z %.1f, %d mentions in 24 h)',
                  coin, score_24h, score_mean, shift_z, mentions_24h) AS message
    FROM starts WHERE is_shift AND NOT prev_shift
    UNION ALL
    SELECT 'volume_spike', coin, hour_no, mentions::DOUBLE, mentions_mean, volume_z,
           CASE WHEN volume_z >= (SELECT critical_zscore FROM s) THEN 'critical' ELSE 'warning' END,
           printf('%s %d mentions in one hour vs 7-day hourly mean %.1f (z %.1f)', coin, mentions, mentions_mean, volume_z)
    FROM starts WHERE is_volume AND NOT prev_volume
    UNION ALL
    SELECT 'divergence', coin, hour_no, score_24h, NULL, NULL, 'info',
           printf('%s sentiment and price diverge: 24 h score %.2f, 24 h return %.2f%%', coin, score_24h, return_24h * 100)
    FROM starts WHERE is_divergence AND NOT prev_divergence
    UNION ALL
    SELECT 'scorer_drift', NULL, CAST(d.day - DATE '1970-01-01' AS BIGINT) * 24, max(d.psi), NULL, NULL,
           CASE WHEN max(d.psi) >= 2 * any_value(s.drift_psi) OR max(d.fallback_share) >= 2 * any_value(s.drift_fallback_share)
                THEN 'critical' ELSE 'warning' END,
           'scorer drift: ' || string_agg(
               printf('%s/%s/%s psi %s, fallback %.0f%%, %d headlines', d.scorer, coalesce(d.model, '-'), coalesce(d.prompt_version, '-'),
                      coalesce(printf('%.2f', d.psi), 'n/a'), d.fallback_share * 100, d.headlines), '; '
               ORDER BY d.scorer, d.model, d.prompt_version)
    FROM staged_scorer_daily d, s
    WHERE d.drifted
    GROUP BY d.day
)
SELECT md5(kind || '|' || coalesce(coin, '') || '|' || strftime(make_timestamp(hour_no * 3600000000), '%Y-%m-%dT%H:%M:%SZ')) AS alert_id,
       kind,
       coin,
       to_timestamp((hour_no * 3600)::DOUBLE) AS hour,
       CAST(DATE '1970-01-01' + CAST(hour_no // 24 AS INTEGER) AS DATE) AS day,
       value,
       baseline,
       zscore,
       severity,
       message
FROM alerts
ORDER BY hour_no, kind, coin
