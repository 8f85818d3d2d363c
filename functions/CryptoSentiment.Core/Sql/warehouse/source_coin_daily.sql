-- Rows for COIN_DAILY, read from the lake (gold/coin_daily). Column order = the warehouse table's.
SELECT coin, day, mentions, positive, negative, neutral, pct_positive, pct_negative, pct_neutral,
       weighted_score, avg_confidence, close_usd, return_1d, corr_7d, sma_7d, sma_30d, rsi_14d
FROM gold_coin_daily
