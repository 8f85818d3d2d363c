-- HEADLINES: delete the (article_id, coin) rows silver no longer has (e.g. re-enrichment moved a headline), within
-- {scope} (the UTC days of published_at this load sent, or 1 = 1). Portable (DuckDB and Snowflake).
DELETE FROM HEADLINES AS t
WHERE {scope} AND NOT EXISTS (SELECT 1 FROM {source} AS s WHERE s.article_id = t.article_id AND s.coin = t.coin
                                                      AND CAST(s.published_at AS DATE) = CAST(t.published_at AS DATE))
