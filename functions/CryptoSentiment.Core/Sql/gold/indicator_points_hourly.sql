-- The hourly close series the §12 indicator pass scans (GoldIndicators.Apply): per coin, in hour order, every staged row
-- with a close (each coin's series continues from its carried-over points, GoldIndicators.ReadPrior). Rows with a NULL
-- close are not points: missing hours and NULL closes are skipped, never filled. key = µs since the Unix epoch (time-zone
-- independent).
SELECT coin, epoch_us(hour) AS key, close_usd
FROM staged_coin_hourly
WHERE close_usd IS NOT NULL
ORDER BY coin, key
