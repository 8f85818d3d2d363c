-- The views the dashboards read (Power BI over Snowflake; the local dashboard over the DuckDB warehouse).
-- Portable SQL: this same file is embedded in the CLI/Functions build as Sql/warehouse/views.sql and created in the
-- DuckDB warehouse on every load; in Snowflake run it once after 02_tables.sql (and after changing it).
-- The classified headlines, newest first.
CREATE OR REPLACE VIEW LATEST_HEADLINES AS
    SELECT * FROM HEADLINES ORDER BY published_at DESC, article_id, coin;
-- One row per coin: its latest hourly bucket (24-hour trend, Sentiment Volatility Index, last close, divergence flag).
CREATE OR REPLACE VIEW COIN_LATEST AS
    SELECT coin, hour, score_24h, volatility_24h, close_usd, return_24h, divergence
    FROM COIN_HOURLY
    QUALIFY row_number() OVER (PARTITION BY coin ORDER BY hour DESC) = 1;
-- Hours where the 24-hour sentiment trend and the 24-hour price move point opposite ways (§5 divergence rule).
CREATE OR REPLACE VIEW DIVERGENCE_ALERTS AS
    SELECT coin, hour, score_24h, return_24h, close_usd,
           CASE WHEN score_24h > 0 THEN 'bullish news, falling price' ELSE 'bearish news, rising price' END AS kind
    FROM COIN_HOURLY
    WHERE divergence;
-- Daily leaderboard: the top coin per day with that day's market-wide (MARKET) score beside it.
CREATE OR REPLACE VIEW DAILY_LEADERS AS
    SELECT t.day, t.coin, t.weighted_score, t.mentions, m.weighted_score AS market_score
    FROM TOP_COIN_DAILY AS t
    LEFT JOIN COIN_DAILY AS m ON m.coin = 'MARKET' AND m.day = t.day
