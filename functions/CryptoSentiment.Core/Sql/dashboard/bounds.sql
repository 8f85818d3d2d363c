-- Dashboard: the first and last day the warehouse holds (the default date range).
SELECT min(day) AS first_day, max(day) AS last_day FROM COIN_DAILY;
