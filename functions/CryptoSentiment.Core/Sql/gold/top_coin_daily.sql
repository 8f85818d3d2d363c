-- gold/top_coin_daily: per day, the coin with the highest weighted_score among the day's coin_daily rows
-- with coin <> 'MARKET', mentions >= 3 and a non-NULL weighted_score; ties → more mentions, then the
-- alphabetically first coin (ARCHITECTURE.md §5, contract). Reads staged_coin_daily (coin_daily output
-- for the target days). Days without an eligible coin have no row.
SELECT day, coin, weighted_score, mentions
FROM staged_coin_daily
WHERE coin <> 'MARKET'
  AND mentions >= 3
  AND weighted_score IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY day ORDER BY weighted_score DESC, mentions DESC, coin ASC) = 1
ORDER BY day
