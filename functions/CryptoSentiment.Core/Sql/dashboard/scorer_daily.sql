-- Dashboard Alerts & health: the scorer mix and drift per day (SCORER_DAILY): label shares, confidence, fallback share,
-- the PSI of the label mix against the trailing 14 days and the offline agreement, per scorer/model/prompt version.
-- $1 from DATE, $2 to DATE (inclusive). Not filtered by coin (a scorer scores headlines, whatever their coins).
SELECT day, scorer, model, prompt_version, headlines, share_positive, share_negative, share_neutral, mean_confidence,
       fallback_share, psi, agreement_offline, drifted
FROM SCORER_DAILY
WHERE day BETWEEN $1 AND $2
ORDER BY day, scorer, model, prompt_version;
