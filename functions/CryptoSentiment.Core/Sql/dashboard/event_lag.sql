-- Dashboard Alerts & health: event lag per ingest hour and stream, the §10 measure cryptosentiment.event.lag
-- (ingested_at − enqueued_at, seconds), read from bronze (views bronze_news and bronze_prices over the newest ingest
-- days only). $1: the hours to show, counted back from the newest ingested event's hour. Events without an enqueued time
-- (nothing to measure from) are counted in `unmeasured`, never as a lag of 0. Connections run with TimeZone = UTC.
WITH events AS (
    SELECT 'news' AS stream, ingested_at, enqueued_at FROM bronze_news
    UNION ALL
    SELECT 'prices' AS stream, ingested_at, enqueued_at FROM bronze_prices
),
newest AS (SELECT date_trunc('hour', max(ingested_at)) AS hour FROM events)
SELECT e.stream,
       date_trunc('hour', e.ingested_at) AS hour,
       count(*) AS events,
       count(*) - count(e.enqueued_at) AS unmeasured,
       quantile_cont(epoch(e.ingested_at) - epoch(e.enqueued_at), 0.5) AS lag_p50_s,
       quantile_cont(epoch(e.ingested_at) - epoch(e.enqueued_at), 0.95) AS lag_p95_s,
       max(epoch(e.ingested_at) - epoch(e.enqueued_at)) AS lag_max_s
FROM events AS e, newest AS n
WHERE e.ingested_at >= n.hour - to_hours(CAST($1 AS BIGINT) - 1)
GROUP BY ALL
ORDER BY hour, stream;
