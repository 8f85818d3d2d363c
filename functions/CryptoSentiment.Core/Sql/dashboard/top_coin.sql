-- Dashboard overview: the top coin of the latest day in the range (gold/top_coin_daily: coin <> MARKET,
-- mentions >= 3, highest weighted_score). Market-wide by definition, so the coin filter does not apply.
-- $1 from DATE, $2 to DATE (inclusive).
SELECT day, coin, weighted_score, mentions
FROM TOP_COIN_DAILY
WHERE day BETWEEN $1 AND $2
ORDER BY day DESC
LIMIT 1;
