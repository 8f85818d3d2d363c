-- Independent recompute of the gold tables from silver, written from the text of ARCHITECTURE.md §5 only
-- (it deliberately does not share code or structure with functions/CryptoSentiment.Core/Sql/gold/*.sql).
-- Input: the lake views silver_news_sentiment and silver_prices. Output: the temp tables
-- chk_coin_hourly, chk_coin_daily and chk_top_coin_daily.
--
-- Style: timestamps are converted to naive UTC wall-clock values (AT TIME ZONE 'UTC'), buckets are
-- date_trunc values, look-back windows are explicit grids (a cell × range(k)) equi-joined to the data,
-- "last price" is a self-join on max(ts), statistics are two-pass sums. No window functions.
SET TimeZone = 'UTC';

-- one row per silver news row: p = polarity, w = confidence, its hour bucket and its UTC day
CREATE OR REPLACE TEMP TABLE chk_news AS
SELECT coin,
       polarity,
       CAST(polarity AS DOUBLE) AS p,
       CAST(confidence AS DOUBLE) AS w,
       date_trunc('hour', published_at AT TIME ZONE 'UTC') AS bucket,
       CAST(published_at AT TIME ZONE 'UTC' AS DATE) AS d
FROM silver_news_sentiment;

CREATE OR REPLACE TEMP TABLE chk_ticks AS
SELECT coin, ts AT TIME ZONE 'UTC' AS t, price_usd,
       date_trunc('hour', ts AT TIME ZONE 'UTC') AS bucket,
       CAST(ts AT TIME ZONE 'UTC' AS DATE) AS d
FROM silver_prices;

-- close of an hour bucket / of a day: the price of the tick with the greatest ts in it
CREATE OR REPLACE TEMP TABLE chk_close_hour AS
SELECT t.coin, t.bucket, t.price_usd AS close_usd
FROM chk_ticks t
JOIN (SELECT coin, bucket, max(t) AS last_t FROM chk_ticks GROUP BY coin, bucket) m
  ON m.coin = t.coin AND m.bucket = t.bucket AND m.last_t = t.t;

CREATE OR REPLACE TEMP TABLE chk_close_day AS
SELECT t.coin, t.d, t.price_usd AS close_usd
FROM chk_ticks t
JOIN (SELECT coin, d, max(t) AS last_t FROM chk_ticks GROUP BY coin, d) m
  ON m.coin = t.coin AND m.d = t.d AND m.last_t = t.t;

-- every (coin, hour bucket) with a mention or a price
CREATE OR REPLACE TEMP TABLE chk_cells AS
SELECT coin, bucket FROM chk_news
UNION
SELECT coin, bucket FROM chk_close_hour;

-- per bucket: mentions and score = Σ w·p / Σ w (NULL when Σ w = 0)
CREATE OR REPLACE TEMP TABLE chk_bucket AS
SELECT coin, bucket, count(*) AS mentions, sum(w) AS sw, sum(w * p) AS swp,
       CASE WHEN sum(w) = 0 THEN NULL ELSE sum(w * p) / sum(w) END AS score
FROM chk_news
GROUP BY coin, bucket;

-- the 24 buckets [hour − 23 h, hour] of every cell, as an explicit grid
CREATE OR REPLACE TEMP TABLE chk_grid24 AS
SELECT c.coin, c.bucket, c.bucket - to_hours(g.k) AS member
FROM chk_cells c CROSS JOIN range(0, 24) AS g(k);

-- score_24h over the raw silver rows whose bucket is in the window
CREATE OR REPLACE TEMP TABLE chk_trend AS
SELECT g.coin, g.bucket, sum(n.w * n.p) AS swp, sum(n.w) AS sw
FROM chk_grid24 g
JOIN chk_news n ON n.coin = g.coin AND n.bucket = g.member
GROUP BY g.coin, g.bucket;

-- volatility_24h: population standard deviation (two-pass) of the non-NULL bucket scores in the window
CREATE OR REPLACE TEMP TABLE chk_vol AS
WITH members AS (
    SELECT g.coin, g.bucket, b.score
    FROM chk_grid24 g
    JOIN chk_bucket b ON b.coin = g.coin AND b.bucket = g.member
    WHERE b.score IS NOT NULL
),
mean AS (
    SELECT coin, bucket, count(*) AS n, sum(score) / count(*) AS mu FROM members GROUP BY coin, bucket
)
SELECT mean.coin, mean.bucket, mean.n,
       sqrt(sum((members.score - mean.mu) * (members.score - mean.mu)) / mean.n) AS sd
FROM mean JOIN members ON members.coin = mean.coin AND members.bucket = mean.bucket
GROUP BY mean.coin, mean.bucket, mean.n, mean.mu;

CREATE OR REPLACE TEMP TABLE chk_hourly_base AS
SELECT c.coin,
       c.bucket,
       coalesce(b.mentions, 0) AS mentions,
       b.score,
       CASE WHEN tr.sw IS NULL OR tr.sw = 0 THEN NULL ELSE tr.swp / tr.sw END AS score_24h,
       CASE WHEN v.n >= 2 THEN v.sd ELSE NULL END AS volatility_24h,
       h0.close_usd,
       ln(h0.close_usd / h1.close_usd) AS return_1h,
       ln(h0.close_usd / h24.close_usd) AS return_24h
FROM chk_cells c
LEFT JOIN chk_bucket b ON b.coin = c.coin AND b.bucket = c.bucket
LEFT JOIN chk_trend tr ON tr.coin = c.coin AND tr.bucket = c.bucket
LEFT JOIN chk_vol v ON v.coin = c.coin AND v.bucket = c.bucket
LEFT JOIN chk_close_hour h0 ON h0.coin = c.coin AND h0.bucket = c.bucket
LEFT JOIN chk_close_hour h1 ON h1.coin = c.coin AND h1.bucket = c.bucket - INTERVAL 1 HOUR
LEFT JOIN chk_close_hour h24 ON h24.coin = c.coin AND h24.bucket = c.bucket - INTERVAL 24 HOUR;

CREATE OR REPLACE TEMP TABLE chk_coin_hourly AS
SELECT coin,
       bucket AT TIME ZONE 'UTC' AS hour,
       CAST(bucket AS DATE) AS day,
       mentions, score, score_24h, volatility_24h, close_usd, return_1h, return_24h,
       CASE
           WHEN score_24h IS NULL OR return_24h IS NULL THEN NULL
           WHEN score_24h >= 0.2 AND return_24h <= -0.02 THEN TRUE
           WHEN score_24h <= -0.2 AND return_24h >= 0.02 THEN TRUE
           ELSE FALSE
       END AS divergence
FROM chk_hourly_base;

-- daily counts and weighted score over the day's silver rows
CREATE OR REPLACE TEMP TABLE chk_day AS
SELECT coin, d,
       count(*) AS mentions,
       sum(CASE WHEN polarity = 1 THEN 1 ELSE 0 END) AS positive,
       sum(CASE WHEN polarity = -1 THEN 1 ELSE 0 END) AS negative,
       sum(CASE WHEN polarity = 0 THEN 1 ELSE 0 END) AS neutral,
       sum(w) AS sw, sum(w * p) AS swp, sum(w) / count(*) AS avg_confidence
FROM chk_news
GROUP BY coin, d;

-- corr_7d: the 168 buckets of the 7 days ending with the day (d−6 00:00 … d 23:00), buckets where both the
-- hourly score and the hourly return_1h exist; two-pass Pearson; NULL below 24 pairs (or with a constant side)
CREATE OR REPLACE TEMP TABLE chk_corr AS
WITH pairs AS (
    SELECT coin, bucket, score AS x, return_1h AS y
    FROM chk_hourly_base
    WHERE score IS NOT NULL AND return_1h IS NOT NULL
),
win AS (
    SELECT dd.coin, dd.d, pr.x, pr.y
    FROM chk_day dd
    CROSS JOIN range(0, 168) AS g(k)
    JOIN pairs pr ON pr.coin = dd.coin AND pr.bucket = CAST(dd.d - 6 AS TIMESTAMP) + to_hours(g.k)
),
mean AS (
    SELECT coin, d, count(*) AS n, sum(x) / count(*) AS mx, sum(y) / count(*) AS my,
           min(x) AS x_lo, max(x) AS x_hi, min(y) AS y_lo, max(y) AS y_hi
    FROM win GROUP BY coin, d
),
sums AS (
    SELECT mean.coin, mean.d, mean.n, mean.x_lo, mean.x_hi, mean.y_lo, mean.y_hi,
           sum((win.x - mean.mx) * (win.y - mean.my)) AS sxy,
           sum((win.x - mean.mx) * (win.x - mean.mx)) AS sxx,
           sum((win.y - mean.my) * (win.y - mean.my)) AS syy
    FROM mean JOIN win ON win.coin = mean.coin AND win.d = mean.d
    GROUP BY mean.coin, mean.d, mean.n, mean.x_lo, mean.x_hi, mean.y_lo, mean.y_hi
)
SELECT coin, d, n,
       CASE WHEN n >= 24 AND x_hi > x_lo AND y_hi > y_lo THEN sxy / sqrt(sxx * syy) ELSE NULL END AS corr_7d
FROM sums;

CREATE OR REPLACE TEMP TABLE chk_coin_daily AS
SELECT dd.coin,
       dd.d AS day,
       dd.mentions, dd.positive, dd.negative, dd.neutral,
       CAST(dd.positive AS DOUBLE) / dd.mentions * 100 AS pct_positive,
       CAST(dd.negative AS DOUBLE) / dd.mentions * 100 AS pct_negative,
       CAST(dd.neutral AS DOUBLE) / dd.mentions * 100 AS pct_neutral,
       CASE WHEN dd.sw = 0 THEN NULL ELSE dd.swp / dd.sw END AS weighted_score,
       dd.avg_confidence,
       c0.close_usd,
       ln(c0.close_usd / c1.close_usd) AS return_1d,
       cr.corr_7d
FROM chk_day dd
LEFT JOIN chk_close_day c0 ON c0.coin = dd.coin AND c0.d = dd.d
LEFT JOIN chk_close_day c1 ON c1.coin = dd.coin AND c1.d = dd.d - 1
LEFT JOIN chk_corr cr ON cr.coin = dd.coin AND cr.d = dd.d;

-- top coin: an eligible row that no other eligible row of the day beats (score, then mentions, then name).
-- Scores within 1e-12 count as a tie, so two mathematically equal scores that were summed in a different
-- order (last-bit differences) are still resolved by mentions and name, as §5 says.
CREATE OR REPLACE TEMP TABLE chk_top_coin_daily AS
WITH eligible AS (
    SELECT day, coin, weighted_score, mentions
    FROM chk_coin_daily
    WHERE coin <> 'MARKET' AND mentions >= 3 AND weighted_score IS NOT NULL
)
SELECT a.day, a.coin, a.weighted_score, a.mentions
FROM eligible a
WHERE NOT EXISTS (
    SELECT 1 FROM eligible b
    WHERE b.day = a.day
      AND (b.weighted_score > a.weighted_score + 1e-12
           OR (abs(b.weighted_score - a.weighted_score) <= 1e-12 AND b.mentions > a.mentions)
           OR (abs(b.weighted_score - a.weighted_score) <= 1e-12 AND b.mentions = a.mentions AND b.coin < a.coin))
);
