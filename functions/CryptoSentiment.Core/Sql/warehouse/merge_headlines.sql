-- HEADLINES ← the source relation (the classified headlines): one row per silver row, keyed by (article_id, coin) and the UTC
-- day of published_at (an article id accepted again beyond the dedupe window, ARCHITECTURE §9, is another article on
-- another day). {scope}: the days the load sends, see merge_coin_daily.sql. Portable (DuckDB and Snowflake).
MERGE INTO HEADLINES AS t
USING {source} AS s
ON t.article_id = s.article_id AND t.coin = s.coin AND CAST(t.published_at AS DATE) = CAST(s.published_at AS DATE) AND {scope}
WHEN MATCHED AND (t.published_at IS DISTINCT FROM s.published_at OR t.title IS DISTINCT FROM s.title
        OR t.source IS DISTINCT FROM s.source OR t.url IS DISTINCT FROM s.url OR t.label IS DISTINCT FROM s.label
        OR t.polarity IS DISTINCT FROM s.polarity OR t.confidence IS DISTINCT FROM s.confidence
        OR t.context_summary IS DISTINCT FROM s.context_summary OR t.scorer IS DISTINCT FROM s.scorer
        OR t.model IS DISTINCT FROM s.model)
    THEN UPDATE SET published_at = s.published_at, title = s.title, source = s.source, url = s.url, label = s.label,
        polarity = s.polarity, confidence = s.confidence, context_summary = s.context_summary, scorer = s.scorer, model = s.model
WHEN NOT MATCHED THEN INSERT (article_id, coin, published_at, title, source, url, label, polarity, confidence, context_summary, scorer, model)
    VALUES (s.article_id, s.coin, s.published_at, s.title, s.source, s.url, s.label, s.polarity, s.confidence, s.context_summary, s.scorer, s.model)
