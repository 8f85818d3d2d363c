-- Dashboard: the coins the warehouse holds (filter choices), most mentioned first.
SELECT coin, sum(mentions)::BIGINT AS mentions FROM COIN_DAILY GROUP BY coin ORDER BY mentions DESC, coin;
