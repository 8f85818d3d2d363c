-- Dashboard overview: coin-wise daily trend (weighted_score = sum(w*p)/sum(w) per coin and day).
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coin, day, weighted_score, mentions, pct_positive, pct_negative, pct_neutral
FROM COIN_DAILY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
ORDER BY coin, day;
