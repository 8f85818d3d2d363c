-- Embedded warehouse (DuckDB file): the analyst-facing tables, loaded from gold/silver by MERGE on their keys.
-- The Snowflake twin is infra/snowflake/02_tables.sql (same tables and columns; Snowflake types). A test checks they agree.
-- Keys (the MERGE keys, informational as in Snowflake): COIN_DAILY (coin, day), COIN_HOURLY (coin, hour),
-- TOP_COIN_DAILY (day), HEADLINES (article_id, coin, UTC day of published_at: one row per silver row), ALERTS (alert_id),
-- SCORER_DAILY (day, scorer, model, prompt_version), LOAD_STATE (source). The loader's MERGE keeps them unique; no
-- PRIMARY KEY index is declared: DuckDB rewrites such an index whole at every checkpoint, a cost that would grow with
-- the warehouse on every load (ARCHITECTURE §9), and it buys nothing the MERGE does not already guarantee.
CREATE TABLE IF NOT EXISTS COIN_DAILY (
    coin VARCHAR NOT NULL, day DATE NOT NULL, mentions BIGINT NOT NULL, positive BIGINT NOT NULL, negative BIGINT NOT NULL,
    neutral BIGINT NOT NULL, pct_positive DOUBLE, pct_negative DOUBLE, pct_neutral DOUBLE, weighted_score DOUBLE,
    avg_confidence DOUBLE, close_usd DOUBLE, return_1d DOUBLE, corr_7d DOUBLE, sma_7d DOUBLE, sma_30d DOUBLE, rsi_14d DOUBLE);
CREATE TABLE IF NOT EXISTS COIN_HOURLY (
    coin VARCHAR NOT NULL, hour TIMESTAMPTZ NOT NULL, day DATE NOT NULL, mentions BIGINT NOT NULL, score DOUBLE,
    score_24h DOUBLE, volatility_24h DOUBLE, close_usd DOUBLE, return_1h DOUBLE, return_24h DOUBLE, divergence BOOLEAN,
    sma_24h DOUBLE, ema_24h DOUBLE, rsi_14h DOUBLE);
CREATE TABLE IF NOT EXISTS TOP_COIN_DAILY (
    day DATE NOT NULL, coin VARCHAR NOT NULL, weighted_score DOUBLE, mentions BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS HEADLINES (
    article_id VARCHAR NOT NULL, coin VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL, title VARCHAR NOT NULL,
    source VARCHAR, url VARCHAR, label VARCHAR NOT NULL, polarity INTEGER NOT NULL, confidence DOUBLE NOT NULL,
    context_summary VARCHAR, scorer VARCHAR NOT NULL, model VARCHAR);
-- Alerts as data and scorer drift (ARCHITECTURE §10), from gold/alerts and gold/scorer_daily. Keys: ALERTS (alert_id),
-- SCORER_DAILY (day, scorer, model, prompt_version).
CREATE TABLE IF NOT EXISTS ALERTS (
    alert_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, coin VARCHAR, hour TIMESTAMPTZ NOT NULL, day DATE NOT NULL, value DOUBLE,
    baseline DOUBLE, zscore DOUBLE, severity VARCHAR NOT NULL, message VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS SCORER_DAILY (
    day DATE NOT NULL, scorer VARCHAR NOT NULL, model VARCHAR, prompt_version VARCHAR, headlines BIGINT NOT NULL,
    share_positive DOUBLE NOT NULL, share_negative DOUBLE NOT NULL, share_neutral DOUBLE NOT NULL, mean_confidence DOUBLE,
    fallback_share DOUBLE NOT NULL, psi DOUBLE, agreement_offline DOUBLE, drifted BOOLEAN NOT NULL);
-- Columns added after the first version (the §12 price indicators): a warehouse created before them gets them here,
-- NULL until the next load sends the rows (gold rewrites every day once when it first computes them).
ALTER TABLE COIN_DAILY ADD COLUMN IF NOT EXISTS sma_7d DOUBLE;
ALTER TABLE COIN_DAILY ADD COLUMN IF NOT EXISTS sma_30d DOUBLE;
ALTER TABLE COIN_DAILY ADD COLUMN IF NOT EXISTS rsi_14d DOUBLE;
ALTER TABLE COIN_HOURLY ADD COLUMN IF NOT EXISTS sma_24h DOUBLE;
ALTER TABLE COIN_HOURLY ADD COLUMN IF NOT EXISTS ema_24h DOUBLE;
ALTER TABLE COIN_HOURLY ADD COLUMN IF NOT EXISTS rsi_14h DOUBLE;
-- The load watermark: per lake table, the Delta table id and version the warehouse reflects (merge_load_state.sql).
CREATE TABLE IF NOT EXISTS LOAD_STATE (
    source VARCHAR NOT NULL, table_id VARCHAR NOT NULL, version BIGINT NOT NULL, loaded_at TIMESTAMPTZ NOT NULL);
-- The dashboard views are shared with Snowflake: infra/snowflake/03_views.sql (embedded as Sql/warehouse/views.sql).
