-- Rows for SCORER_DAILY, read from the lake (gold/scorer_daily).
SELECT day, scorer, model, prompt_version, headlines, share_positive, share_negative, share_neutral, mean_confidence,
       fallback_share, psi, agreement_offline, drifted
FROM gold_scorer_daily
