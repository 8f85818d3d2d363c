-- Embedded warehouse (DuckDB file): the analyst-facing tables, loaded from gold/silver by MERGE on their keys.
-- The Snowflake twin is infra/snowflake/02_tables.sql (same tables and columns; Snowflake types). A test checks they agree.
CREATE TABLE IF NOT EXISTS COIN_DAILY (
    coin VARCHAR NOT NULL, day DATE NOT NULL, mentions BIGINT NOT NULL, positive BIGINT NOT NULL, negative BIGINT NOT NULL,
    neutral BIGINT NOT NULL, pct_positive DOUBLE, pct_negative DOUBLE, pct_neutral DOUBLE, weighted_score DOUBLE,
    avg_confidence DOUBLE, close_usd DOUBLE, return_1d DOUBLE, corr_7d DOUBLE,
    PRIMARY KEY (coin, day));
CREATE TABLE IF NOT EXISTS COIN_HOURLY (
    coin VARCHAR NOT NULL, hour TIMESTAMPTZ NOT NULL, day DATE NOT NULL, mentions BIGINT NOT NULL, score DOUBLE,
    score_24h DOUBLE, volatility_24h DOUBLE, close_usd DOUBLE, return_1h DOUBLE, return_24h DOUBLE, divergence BOOLEAN,
    PRIMARY KEY (coin, hour));
CREATE TABLE IF NOT EXISTS TOP_COIN_DAILY (
    day DATE NOT NULL PRIMARY KEY, coin VARCHAR NOT NULL, weighted_score DOUBLE, mentions BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS HEADLINES (
    article_id VARCHAR NOT NULL, coin VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL, title VARCHAR NOT NULL,
    source VARCHAR, url VARCHAR, label VARCHAR NOT NULL, polarity INTEGER NOT NULL, confidence DOUBLE NOT NULL,
    context_summary VARCHAR, scorer VARCHAR NOT NULL, model VARCHAR,
    PRIMARY KEY (article_id, coin));
-- The dashboard views are shared with Snowflake: infra/snowflake/03_views.sql (embedded as Sql/warehouse/views.sql).
