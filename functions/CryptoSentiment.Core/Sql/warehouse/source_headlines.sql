-- Rows for HEADLINES: the classified headlines, read from the lake (silver/news_sentiment).
SELECT article_id, coin, published_at, title, source, url, label, polarity, confidence, context_summary, scorer, model
FROM silver_news_sentiment
