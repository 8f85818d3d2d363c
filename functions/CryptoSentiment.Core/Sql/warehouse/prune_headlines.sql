-- HEADLINES: delete the (article_id, coin) rows silver no longer has (e.g. re-enrichment moved a headline). Portable.
DELETE FROM HEADLINES AS t
WHERE NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.article_id = t.article_id AND s.coin = t.coin)
