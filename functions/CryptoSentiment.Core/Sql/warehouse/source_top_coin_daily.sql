-- Rows for TOP_COIN_DAILY, read from the lake (gold/top_coin_daily).
SELECT day, coin, weighted_score, mentions
FROM gold_top_coin_daily
