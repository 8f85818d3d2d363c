-- Dashboard overview: sentiment distribution and totals over the filter.
-- $1 from DATE, $2 to DATE (inclusive), $3 coins VARCHAR[] (NULL = every coin).
SELECT coalesce(sum(positive), 0)::BIGINT AS positive,
       coalesce(sum(negative), 0)::BIGINT AS negative,
       coalesce(sum(neutral), 0)::BIGINT  AS neutral,
       coalesce(sum(mentions), 0)::BIGINT AS mentions,
       count(DISTINCT coin)       AS coins,
       count(DISTINCT day)        AS days
FROM COIN_DAILY
WHERE day BETWEEN $1 AND $2 AND ($3::VARCHAR[] IS NULL OR list_contains($3::VARCHAR[], coin));
