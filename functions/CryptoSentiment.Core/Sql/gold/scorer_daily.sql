-- gold/scorer_daily: one row per (day, scorer, model, prompt_version) with at least one headline, for the days listed in
-- gold_target_days (ARCHITECTURE.md §10). A headline is an article (silver has one row per article and coin; the label is
-- the article's). Reads the view silver_news_sentiment (the staged silver day partitions), gold_scorer_history (the
-- gold/scorer_daily rows of the 14 days before the target days), gold_scorer_agreement (the offline re-scores of the
-- sampled LLM headlines) and gold_alert_settings (the drift thresholds).
--   share_x          = headlines labelled x / headlines
--   fallback_share   = the day's fallback headlines / the day's headlines (all scorers): the same on every row of a day
--   psi              = Σ over the three labels (a − e) · ln(a / e), a = the row's share, e = the share over the same
--                      scorer's headlines of the 14 days before (any model or prompt version: a new deployment or prompt is
--                      compared with the old one); an empty bucket counts as half a headline (a = 0.5 / headlines,
--                      e = 0.5 / baseline headlines); NULL without a baseline
--   agreement_offline = sampled headlines whose offline label equals the row's label / sampled headlines; NULL without a sample
--   drifted          = (psi ≥ psi threshold and headlines ≥ min headlines) or fallback_share ≥ fallback threshold
WITH s AS (SELECT * FROM gold_alert_settings),
headlines AS (  -- day = the UTC date of published_at, computed without the session time zone
    SELECT DISTINCT CAST(DATE '1970-01-01' + CAST(epoch_us(published_at) // 86400000000 AS INTEGER) AS DATE) AS day,
           article_id, scorer, model, prompt_version, label, confidence
    FROM silver_news_sentiment
    WHERE CAST(DATE '1970-01-01' + CAST(epoch_us(published_at) // 86400000000 AS INTEGER) AS DATE) IN (SELECT day FROM gold_target_days)
),
mix AS (
    SELECT day, scorer, model, prompt_version,
           count(*) AS headlines,
           count(*) FILTER (WHERE label = 'Positive') AS positive,
           count(*) FILTER (WHERE label = 'Negative') AS negative,
           count(*) FILTER (WHERE label = 'Neutral') AS neutral,
           avg(confidence) AS mean_confidence
    FROM headlines
    GROUP BY day, scorer, model, prompt_version
),
day_total AS (
    SELECT day, count(*) AS headlines, count(*) FILTER (WHERE scorer = 'fallback') AS fallback
    FROM headlines GROUP BY day
),
history AS (  -- label counts per day and scorer: the target days just computed, earlier days from gold
    SELECT day, scorer, positive, negative, neutral FROM mix
    UNION ALL
    SELECT day, scorer,
           round(share_positive * headlines)::BIGINT, round(share_negative * headlines)::BIGINT, round(share_neutral * headlines)::BIGINT
    FROM gold_scorer_history
    WHERE day NOT IN (SELECT day FROM gold_target_days)
),
baseline AS (
    SELECT m.day, m.scorer, m.model, m.prompt_version,
           sum(h.positive) AS positive, sum(h.negative) AS negative, sum(h.neutral) AS neutral
    FROM mix m JOIN history h ON h.scorer = m.scorer AND h.day >= m.day - 14 AND h.day < m.day
    GROUP BY m.day, m.scorer, m.model, m.prompt_version
),
agreement AS (
    SELECT day, scorer, model, prompt_version, avg(CASE WHEN offline_label = label THEN 1.0 ELSE 0.0 END) AS agreement_offline
    FROM gold_scorer_agreement
    WHERE day IN (SELECT day FROM gold_target_days)
    GROUP BY day, scorer, model, prompt_version
),
scored AS (
    SELECT m.*, t.fallback::DOUBLE / t.headlines AS fallback_share,
           b.positive + b.negative + b.neutral AS base_n,
           b.positive AS base_positive, b.negative AS base_negative, b.neutral AS base_neutral,
           a.agreement_offline
    FROM mix m
    JOIN day_total t ON t.day = m.day
    LEFT JOIN baseline b ON b.day = m.day AND b.scorer = m.scorer AND b.model IS NOT DISTINCT FROM m.model
                        AND b.prompt_version IS NOT DISTINCT FROM m.prompt_version
    LEFT JOIN agreement a ON a.day = m.day AND a.scorer = m.scorer AND a.model IS NOT DISTINCT FROM m.model
                         AND a.prompt_version IS NOT DISTINCT FROM m.prompt_version
),
psi AS (
    SELECT x.*,
           CASE WHEN base_n > 0 THEN
               (greatest(positive, 0.5) / headlines - greatest(base_positive, 0.5) / base_n)
                   * ln((greatest(positive, 0.5) / headlines) / (greatest(base_positive, 0.5) / base_n))
             + (greatest(negative, 0.5) / headlines - greatest(base_negative, 0.5) / base_n)
                   * ln((greatest(negative, 0.5) / headlines) / (greatest(base_negative, 0.5) / base_n))
             + (greatest(neutral, 0.5) / headlines - greatest(base_neutral, 0.5) / base_n)
                   * ln((greatest(neutral, 0.5) / headlines) / (greatest(base_neutral, 0.5) / base_n))
           END AS psi
    FROM scored x
)
SELECT p.day, p.scorer, p.model, p.prompt_version, p.headlines,
       p.positive::DOUBLE / p.headlines AS share_positive,
       p.negative::DOUBLE / p.headlines AS share_negative,
       p.neutral::DOUBLE / p.headlines AS share_neutral,
       p.mean_confidence,
       p.fallback_share,
       p.psi,
       p.agreement_offline,
       coalesce(p.psi >= s.drift_psi AND p.headlines >= s.drift_min_headlines, false) OR p.fallback_share >= s.drift_fallback_share AS drifted
FROM psi p, s
ORDER BY p.day, p.scorer, p.model, p.prompt_version
