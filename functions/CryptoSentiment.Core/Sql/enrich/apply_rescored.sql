-- Re-enrichment: in the staged copy of the silver files that hold fallback rows, every fallback row of an article
-- that got a real answer takes that answer. Every other row (and column: coin, lineage, ingested_at) stays as it was.
UPDATE stage_reenrich AS s
SET label = a.label, polarity = a.polarity, confidence = a.confidence, context_summary = a.context_summary,
    scorer = a.scorer, model = a.model, prompt_version = a.prompt_version, tokens_in = a.tokens_in, tokens_out = a.tokens_out
FROM stage_reenrich_answers AS a
WHERE s.article_id = a.article_id AND s.scorer = 'fallback';
