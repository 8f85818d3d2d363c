using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Warehouse;

/// <summary>The embedded warehouse's schema: no PRIMARY KEY index (rewritten whole at every checkpoint), and older files are migrated.</summary>
public class WarehouseSchemaTests
{
    [Fact]
    public void AWarehouseFileWithPrimaryKeyIndexesIsRebuiltWithoutThemKeepingEveryRow()
    {
        using var t = new TempLake();
        using (var c = DuckDbConnection.Open(t.WarehouseFile))
        {
            // What the previous release created: the same tables with PRIMARY KEY constraints (and views over them).
            c.Execute("""
                CREATE TABLE TOP_COIN_DAILY (day DATE NOT NULL PRIMARY KEY, coin VARCHAR NOT NULL, weighted_score DOUBLE, mentions BIGINT NOT NULL);
                INSERT INTO TOP_COIN_DAILY VALUES (DATE '2026-03-01', 'BTC', 0.5, 4), (DATE '2026-03-02', 'ETH', -0.25, 3);
                CREATE TABLE HEADLINES (
                    article_id VARCHAR NOT NULL, coin VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL, title VARCHAR NOT NULL,
                    source VARCHAR, url VARCHAR, label VARCHAR NOT NULL, polarity INTEGER NOT NULL, confidence DOUBLE NOT NULL,
                    context_summary VARCHAR, scorer VARCHAR NOT NULL, model VARCHAR, PRIMARY KEY (article_id, coin));
                INSERT INTO HEADLINES VALUES ('a1', 'BTC', TIMESTAMPTZ '2026-03-01 10:00:00+00', 'Bitcoin up', 'wire', NULL, 'Positive', 1, 0.9, NULL, 'offline', NULL);
                CREATE VIEW OLD_VIEW AS SELECT * FROM HEADLINES;
                """);
            DuckDbWarehouse.CreateSchema(c);
            DuckDbWarehouse.CreateSchema(c); // idempotent
            Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"));
            Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM duckdb_indexes()"));
            Assert.Equal("BTC,ETH", c.Scalar<string>("SELECT string_agg(coin, ',' ORDER BY day) FROM TOP_COIN_DAILY"));
            Assert.Equal(1, c.Scalar<long>("SELECT count(*) FROM LATEST_HEADLINES WHERE title = 'Bitcoin up' AND confidence = 0.9"));
            // NOT NULL constraints stay.
            Assert.Throws<DuckDbException>(() => c.Execute("INSERT INTO TOP_COIN_DAILY VALUES (NULL, 'X', 0, 1)"));
            foreach (var table in WarehouseTable.All)
                Assert.Equal(1, c.Scalar<long>($"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table.Name}'"));
        }
    }

    /// <summary>
    /// A warehouse made by the version before the §12 indicators (COIN_DAILY with a PRIMARY KEY, COIN_HOURLY without the
    /// columns): the schema step adds the columns and keeps the rows, and an incremental load then fills them.
    /// </summary>
    [Fact]
    public async Task AWarehouseOfThePreviousVersionGetsTheIndicatorColumnsAndLoadsIncrementally()
    {
        using var t = new TempLake();
        using (var c = DuckDbConnection.Open(t.WarehouseFile))
            c.Execute("""
                CREATE TABLE COIN_DAILY (
                    coin VARCHAR NOT NULL, day DATE NOT NULL, mentions BIGINT NOT NULL, positive BIGINT NOT NULL, negative BIGINT NOT NULL,
                    neutral BIGINT NOT NULL, pct_positive DOUBLE, pct_negative DOUBLE, pct_neutral DOUBLE, weighted_score DOUBLE,
                    avg_confidence DOUBLE, close_usd DOUBLE, return_1d DOUBLE, corr_7d DOUBLE, PRIMARY KEY (coin, day));
                INSERT INTO COIN_DAILY VALUES ('OLD', DATE '2020-01-01', 1, 1, 0, 0, 100, 0, 0, 1, 1, 5, NULL, NULL);
                CREATE TABLE COIN_HOURLY (
                    coin VARCHAR NOT NULL, hour TIMESTAMPTZ NOT NULL, day DATE NOT NULL, mentions BIGINT NOT NULL, score DOUBLE,
                    score_24h DOUBLE, volatility_24h DOUBLE, close_usd DOUBLE, return_1h DOUBLE, return_24h DOUBLE, divergence BOOLEAN);
                """);

        var stream = IncrementalKit.Stream(3, 3, 120);
        using (var p = PipelineTestKit.Open(t, PipelineTestKit.IngestTime(stream)))
        {
            await PipelineTestKit.IngestAllAsync(p, IncrementalKit.Batches(stream, 40, 200));
            await p.RefreshGoldAsync();
            var load = await p.LoadWarehouseAsync();
            Assert.True(load.Changed.Values.Sum() > 0);
        }
        using var w = DuckDbConnection.Open(t.WarehouseFile);
        foreach (var col in new[] { "COIN_HOURLY.sma_24h", "COIN_HOURLY.ema_24h", "COIN_HOURLY.rsi_14h", "COIN_DAILY.sma_7d", "COIN_DAILY.sma_30d", "COIN_DAILY.rsi_14d" })
            Assert.Equal("DOUBLE", w.Scalar<string>($"SELECT data_type FROM information_schema.columns WHERE table_name = '{col.Split('.')[0]}' AND column_name = '{col.Split('.')[1]}'"));
        Assert.Equal(0, w.Scalar<long>("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"));
        Assert.True(w.Scalar<long>("SELECT count(rsi_14h) FROM COIN_HOURLY") > 0);
        Assert.True(w.Scalar<long>("SELECT count(ema_24h) FROM COIN_HOURLY") > 0);
        Assert.Equal(w.Scalar<long>("SELECT count(*) FROM COIN_HOURLY"), w.Scalar<long>("SELECT count(*) FROM COIN_HOURLY WHERE close_usd IS NOT NULL OR rsi_14h IS NULL"));
    }
}
