-- The daily close series the §12 indicator pass scans (GoldIndicators.Apply): per coin, in day order, every staged row
-- with a close (each coin's series continues from its carried-over points, GoldIndicators.ReadPrior). Rows with a NULL
-- close are not points. key = days since the Unix epoch.
SELECT coin, CAST(day - DATE '1970-01-01' AS BIGINT) AS key, close_usd
FROM staged_coin_daily
WHERE close_usd IS NOT NULL
ORDER BY coin, key
