-- SCORER_DAILY: delete the (day, scorer, model, prompt_version) rows gold no longer has, within {scope}. Portable.
DELETE FROM SCORER_DAILY AS t
WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.day = t.day AND s.scorer = t.scorer
    AND s.model IS NOT DISTINCT FROM t.model AND s.prompt_version IS NOT DISTINCT FROM t.prompt_version)
