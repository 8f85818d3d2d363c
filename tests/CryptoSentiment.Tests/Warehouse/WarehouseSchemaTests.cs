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
}
