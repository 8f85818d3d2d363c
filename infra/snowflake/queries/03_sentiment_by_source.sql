-- Answers: how does sentiment differ between news sources? Per source: headlines, the share of Positive /
-- Neutral / Negative labels (per headline-coin row), average classifier confidence and the weighted score.
-- Portable: runs unchanged on Snowflake and on the DuckDB warehouse.
SELECT COALESCE(source, '(unknown)') AS news_source,
       COUNT(DISTINCT article_id) AS headlines,
       COUNT(*) AS coin_mentions,
       ROUND(100.0 * COUNT_IF(label = 'Positive') / COUNT(*), 1) AS pct_positive,
       ROUND(100.0 * COUNT_IF(label = 'Neutral') / COUNT(*), 1) AS pct_neutral,
       ROUND(100.0 * COUNT_IF(label = 'Negative') / COUNT(*), 1) AS pct_negative,
       ROUND(AVG(confidence), 3) AS avg_confidence,
       ROUND(SUM(confidence * polarity) / NULLIF(SUM(confidence), 0), 3) AS weighted_score
FROM HEADLINES
GROUP BY COALESCE(source, '(unknown)')
ORDER BY headlines DESC, news_source
