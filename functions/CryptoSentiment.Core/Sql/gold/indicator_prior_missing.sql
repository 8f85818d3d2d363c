-- Coins whose indicator state is not yet complete: they have closes in {staged} but fewer than {keep} earlier points in
-- {prior} and those do not reach back to the start of their series (series_n = 1). GoldStep widens its look-back
-- into older gold days until this is 0 or the table's first day is reached (then the series really starts in range).
SELECT count(*)
FROM (SELECT DISTINCT coin FROM {staged} WHERE close_usd IS NOT NULL) s
LEFT JOIN (SELECT coin, count(*) AS points, min(series_n) AS first_n FROM {prior} GROUP BY coin) p ON p.coin = s.coin
WHERE coalesce(p.points, 0) < {keep} AND coalesce(p.first_n, 0) <> 1
