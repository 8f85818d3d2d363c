-- CryptoSentiment warehouse tables in Snowflake (the twin of the embedded DuckDB warehouse,
-- functions/CryptoSentiment.Core/Sql/warehouse/schema.sql: same tables, same columns, Snowflake types; a test
-- checks every DuckDB column exists here with a compatible type). Idempotent: the loader runs this file
-- (as one multi-statement SQL API request) before every load. Primary keys are informational in Snowflake;
-- the loader's MERGE keeps them unique.
CREATE TABLE IF NOT EXISTS COIN_DAILY (
    coin VARCHAR(32) NOT NULL,
    day DATE NOT NULL,
    mentions NUMBER(18,0) NOT NULL,
    positive NUMBER(18,0) NOT NULL,
    negative NUMBER(18,0) NOT NULL,
    neutral NUMBER(18,0) NOT NULL,
    pct_positive NUMBER(9,4),
    pct_negative NUMBER(9,4),
    pct_neutral NUMBER(9,4),
    weighted_score NUMBER(9,6),
    avg_confidence NUMBER(9,6),
    close_usd NUMBER(38,12),
    return_1d FLOAT,
    corr_7d NUMBER(9,6),
    sma_7d FLOAT,
    sma_30d FLOAT,
    rsi_14d FLOAT,
    PRIMARY KEY (coin, day)
);
CREATE TABLE IF NOT EXISTS COIN_HOURLY (
    coin VARCHAR(32) NOT NULL,
    hour TIMESTAMP_TZ NOT NULL,
    day DATE NOT NULL,
    mentions NUMBER(18,0) NOT NULL,
    score NUMBER(9,6),
    score_24h NUMBER(9,6),
    volatility_24h NUMBER(9,6),
    close_usd NUMBER(38,12),
    return_1h FLOAT,
    return_24h FLOAT,
    divergence BOOLEAN,
    sma_24h FLOAT,
    ema_24h FLOAT,
    rsi_14h FLOAT,
    PRIMARY KEY (coin, hour)
);
CREATE TABLE IF NOT EXISTS TOP_COIN_DAILY (
    day DATE NOT NULL,
    coin VARCHAR(32) NOT NULL,
    weighted_score NUMBER(9,6),
    mentions NUMBER(18,0) NOT NULL,
    PRIMARY KEY (day)
);
CREATE TABLE IF NOT EXISTS HEADLINES (
    article_id VARCHAR NOT NULL,
    coin VARCHAR(32) NOT NULL,
    published_at TIMESTAMP_TZ NOT NULL,
    title VARCHAR(4000) NOT NULL,
    source VARCHAR,
    url VARCHAR,
    label VARCHAR(16) NOT NULL,
    polarity NUMBER(2,0) NOT NULL,
    confidence NUMBER(9,6) NOT NULL,
    context_summary VARCHAR,
    scorer VARCHAR(16) NOT NULL,
    model VARCHAR,
    PRIMARY KEY (article_id, coin, published_at)
);
-- Alerts as data and scorer drift (ARCHITECTURE §10), from gold/alerts and gold/scorer_daily.
CREATE TABLE IF NOT EXISTS ALERTS (
    alert_id VARCHAR(32) NOT NULL,
    kind VARCHAR(32) NOT NULL,
    coin VARCHAR(32),
    hour TIMESTAMP_TZ NOT NULL,
    day DATE NOT NULL,
    value FLOAT,
    baseline FLOAT,
    zscore FLOAT,
    severity VARCHAR(16) NOT NULL,
    message VARCHAR(4000) NOT NULL,
    PRIMARY KEY (alert_id)
);
CREATE TABLE IF NOT EXISTS SCORER_DAILY (
    day DATE NOT NULL,
    scorer VARCHAR(16) NOT NULL,
    model VARCHAR,
    prompt_version VARCHAR,
    headlines NUMBER(18,0) NOT NULL,
    share_positive FLOAT NOT NULL,
    share_negative FLOAT NOT NULL,
    share_neutral FLOAT NOT NULL,
    mean_confidence FLOAT,
    fallback_share FLOAT NOT NULL,
    psi FLOAT,
    agreement_offline FLOAT,
    drifted BOOLEAN NOT NULL
);
-- The load watermark: per lake table, the Delta table id and version the warehouse reflects. Advanced in the same
-- transaction as the merges (merge_load_state.sql), so an incremental load sends only what changed after it.
CREATE TABLE IF NOT EXISTS LOAD_STATE (
    source VARCHAR(128) NOT NULL,
    table_id VARCHAR(64) NOT NULL,
    version NUMBER(19,0) NOT NULL,
    loaded_at TIMESTAMP_TZ NOT NULL,
    PRIMARY KEY (source)
);
-- Staging: each load inserts its rows here in chunks (tagged load_id + chunk, so a re-sent chunk replaces itself),
-- merges them into the table above in one transaction, then deletes them. TRANSIENT: no fail-safe for scratch rows.
CREATE TRANSIENT TABLE IF NOT EXISTS COIN_DAILY_STAGE (
    load_id VARCHAR(64) NOT NULL, chunk NUMBER(9,0) NOT NULL, staged_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
    coin VARCHAR(32), day DATE, mentions NUMBER(18,0), positive NUMBER(18,0), negative NUMBER(18,0), neutral NUMBER(18,0),
    pct_positive NUMBER(9,4), pct_negative NUMBER(9,4), pct_neutral NUMBER(9,4), weighted_score NUMBER(9,6),
    avg_confidence NUMBER(9,6), close_usd NUMBER(38,12), return_1d FLOAT, corr_7d NUMBER(9,6), sma_7d FLOAT, sma_30d FLOAT, rsi_14d FLOAT
);
CREATE TRANSIENT TABLE IF NOT EXISTS COIN_HOURLY_STAGE (
    load_id VARCHAR(64) NOT NULL, chunk NUMBER(9,0) NOT NULL, staged_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
    coin VARCHAR(32), hour TIMESTAMP_TZ, day DATE, mentions NUMBER(18,0), score NUMBER(9,6), score_24h NUMBER(9,6),
    volatility_24h NUMBER(9,6), close_usd NUMBER(38,12), return_1h FLOAT, return_24h FLOAT, divergence BOOLEAN,
    sma_24h FLOAT, ema_24h FLOAT, rsi_14h FLOAT
);
CREATE TRANSIENT TABLE IF NOT EXISTS TOP_COIN_DAILY_STAGE (
    load_id VARCHAR(64) NOT NULL, chunk NUMBER(9,0) NOT NULL, staged_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
    day DATE, coin VARCHAR(32), weighted_score NUMBER(9,6), mentions NUMBER(18,0)
);
CREATE TRANSIENT TABLE IF NOT EXISTS HEADLINES_STAGE (
    load_id VARCHAR(64) NOT NULL, chunk NUMBER(9,0) NOT NULL, staged_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
    article_id VARCHAR, coin VARCHAR(32), published_at TIMESTAMP_TZ, title VARCHAR(4000), source VARCHAR, url VARCHAR,
    label VARCHAR(16), polarity NUMBER(2,0), confidence NUMBER(9,6), context_summary VARCHAR, scorer VARCHAR(16), model VARCHAR
);
CREATE TRANSIENT TABLE IF NOT EXISTS ALERTS_STAGE (
    load_id VARCHAR(64) NOT NULL, chunk NUMBER(9,0) NOT NULL, staged_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
    alert_id VARCHAR(32), kind VARCHAR(32), coin VARCHAR(32), hour TIMESTAMP_TZ, day DATE, value FLOAT, baseline FLOAT, zscore FLOAT,
    severity VARCHAR(16), message VARCHAR(4000)
);
CREATE TRANSIENT TABLE IF NOT EXISTS SCORER_DAILY_STAGE (
    load_id VARCHAR(64) NOT NULL, chunk NUMBER(9,0) NOT NULL, staged_at TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
    day DATE, scorer VARCHAR(16), model VARCHAR, prompt_version VARCHAR, headlines NUMBER(18,0), share_positive FLOAT,
    share_negative FLOAT, share_neutral FLOAT, mean_confidence FLOAT, fallback_share FLOAT, psi FLOAT, agreement_offline FLOAT,
    drifted BOOLEAN
);
-- Columns added after the first version (the §12 price indicators): a warehouse created before them gets them here
-- (tables and their stages), NULL until the next load sends the rows.
ALTER TABLE COIN_DAILY ADD COLUMN IF NOT EXISTS sma_7d FLOAT;
ALTER TABLE COIN_DAILY ADD COLUMN IF NOT EXISTS sma_30d FLOAT;
ALTER TABLE COIN_DAILY ADD COLUMN IF NOT EXISTS rsi_14d FLOAT;
ALTER TABLE COIN_HOURLY ADD COLUMN IF NOT EXISTS sma_24h FLOAT;
ALTER TABLE COIN_HOURLY ADD COLUMN IF NOT EXISTS ema_24h FLOAT;
ALTER TABLE COIN_HOURLY ADD COLUMN IF NOT EXISTS rsi_14h FLOAT;
ALTER TABLE COIN_DAILY_STAGE ADD COLUMN IF NOT EXISTS sma_7d FLOAT;
ALTER TABLE COIN_DAILY_STAGE ADD COLUMN IF NOT EXISTS sma_30d FLOAT;
ALTER TABLE COIN_DAILY_STAGE ADD COLUMN IF NOT EXISTS rsi_14d FLOAT;
ALTER TABLE COIN_HOURLY_STAGE ADD COLUMN IF NOT EXISTS sma_24h FLOAT;
ALTER TABLE COIN_HOURLY_STAGE ADD COLUMN IF NOT EXISTS ema_24h FLOAT;
ALTER TABLE COIN_HOURLY_STAGE ADD COLUMN IF NOT EXISTS rsi_14h FLOAT;
