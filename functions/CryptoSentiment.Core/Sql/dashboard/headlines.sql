-- Dashboard overview: the latest AI-classified headlines (one row per article and coin), newest first.
-- $1 from DATE, $2 to DATE (inclusive, UTC days), $3 coins VARCHAR[] (NULL = every coin), $4 row limit.
SELECT title, coin, label, confidence, scorer, published_at, source, url
FROM LATEST_HEADLINES
WHERE CAST(published_at AS DATE) BETWEEN $1 AND $2
  AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
ORDER BY published_at DESC, article_id, coin
LIMIT $4;
