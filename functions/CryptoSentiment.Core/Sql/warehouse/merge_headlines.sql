-- HEADLINES ← silver/news_sentiment (the classified headlines), keyed by (article_id, coin).
MERGE INTO HEADLINES AS t
USING (SELECT article_id, coin, published_at, title, source, url, label, polarity, confidence, context_summary, scorer, model
       FROM silver_news_sentiment) AS s
ON t.article_id = s.article_id AND t.coin = s.coin
WHEN MATCHED AND (t.published_at, t.title, t.source, t.url, t.label, t.polarity, t.confidence, t.context_summary, t.scorer, t.model)
     IS DISTINCT FROM (s.published_at, s.title, s.source, s.url, s.label, s.polarity, s.confidence, s.context_summary, s.scorer, s.model)
    THEN UPDATE SET published_at = s.published_at, title = s.title, source = s.source, url = s.url, label = s.label,
        polarity = s.polarity, confidence = s.confidence, context_summary = s.context_summary, scorer = s.scorer, model = s.model
WHEN NOT MATCHED THEN INSERT (article_id, coin, published_at, title, source, url, label, polarity, confidence, context_summary, scorer, model)
    VALUES (s.article_id, s.coin, s.published_at, s.title, s.source, s.url, s.label, s.polarity, s.confidence, s.context_summary, s.scorer, s.model)
WHEN NOT MATCHED BY SOURCE THEN DELETE
