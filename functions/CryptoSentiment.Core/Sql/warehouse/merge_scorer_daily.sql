-- SCORER_DAILY ← the source relation, keyed by (day, scorer, model, prompt_version); model and prompt_version may be NULL,
-- so they are matched with IS NOT DISTINCT FROM. Portable (DuckDB and Snowflake), see merge_coin_daily.sql.
MERGE INTO SCORER_DAILY AS t
USING {source} AS s
ON t.day = s.day AND t.scorer = s.scorer AND t.model IS NOT DISTINCT FROM s.model
   AND t.prompt_version IS NOT DISTINCT FROM s.prompt_version AND {scope}
WHEN MATCHED AND (t.headlines IS DISTINCT FROM s.headlines OR t.share_positive IS DISTINCT FROM s.share_positive
        OR t.share_negative IS DISTINCT FROM s.share_negative OR t.share_neutral IS DISTINCT FROM s.share_neutral
        OR t.mean_confidence IS DISTINCT FROM s.mean_confidence OR t.fallback_share IS DISTINCT FROM s.fallback_share
        OR t.psi IS DISTINCT FROM s.psi OR t.agreement_offline IS DISTINCT FROM s.agreement_offline
        OR t.drifted IS DISTINCT FROM s.drifted)
    THEN UPDATE SET headlines = s.headlines, share_positive = s.share_positive, share_negative = s.share_negative,
        share_neutral = s.share_neutral, mean_confidence = s.mean_confidence, fallback_share = s.fallback_share, psi = s.psi,
        agreement_offline = s.agreement_offline, drifted = s.drifted
WHEN NOT MATCHED THEN INSERT (day, scorer, model, prompt_version, headlines, share_positive, share_negative, share_neutral,
        mean_confidence, fallback_share, psi, agreement_offline, drifted)
    VALUES (s.day, s.scorer, s.model, s.prompt_version, s.headlines, s.share_positive, s.share_negative, s.share_neutral,
        s.mean_confidence, s.fallback_share, s.psi, s.agreement_offline, s.drifted)
