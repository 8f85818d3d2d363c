-- Dashboard, sentiment vs price: per coin, hours flagged as divergent out of hours where both inputs exist,
-- and the correlation of score_24h with return_24h over the range.
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coin,
       count(*) FILTER (WHERE divergence)   AS divergent_hours,
       count(divergence)                    AS compared_hours,
       corr(score_24h, return_24h)          AS correlation
FROM COIN_HOURLY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin))
GROUP BY coin
ORDER BY divergent_hours DESC, coin;
