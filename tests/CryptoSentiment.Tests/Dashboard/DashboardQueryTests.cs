using CryptoSentiment.Dashboard;
using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Tests.Dashboard;

/// <summary>The pieces under the API: VARCHAR[] parameters through the C API, and the filter's parsing rules.</summary>
public class DashboardQueryTests
{
    [Fact]
    public void StringArraysBindAsOneVarcharListParameter()
    {
        using var c = DuckDbConnection.Open();
        c.Execute("CREATE TABLE t AS SELECT * FROM (VALUES ('BTC'), ('ETH'), ('it''s'), ('Ünï😀'), ('SOL')) v(coin)");
        string[] wanted = ["ETH", "it's", "Ünï😀", "'); DROP TABLE t; --"];
        using (var r = c.Query("SELECT coin FROM t WHERE list_contains($1::VARCHAR[], coin) ORDER BY coin", [wanted]))
        {
            var got = new List<string>();
            while (r.Read()) got.Add(r.GetString(0));
            Assert.Equal(["ETH", "it's", "Ünï😀"], got);
        }
        Assert.Equal(5, c.Scalar<long>("SELECT count(*) FROM t"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM t WHERE list_contains($1::VARCHAR[], coin)", [Array.Empty<string>()]));
        Assert.Equal(4, c.Scalar<long>("SELECT len($1::VARCHAR[])", [wanted]));
        Assert.Equal(5, c.Scalar<long>("SELECT count(*) FROM t WHERE $1::VARCHAR[] IS NULL OR list_contains($1::VARCHAR[], coin)", [null]));
        // The same prepared statement re-bound with another list (values are copied at bind time).
        using var stmt = c.Prepare("SELECT count(*) FROM t WHERE list_contains($1::VARCHAR[], coin)");
        foreach (var (list, n) in new (string[], long)[] { (["BTC"], 1), (["BTC", "SOL", "XRP"], 2), ([], 0) })
        {
            using var r = stmt.Query([list]);
            Assert.True(r.Read());
            Assert.Equal(n, r.GetInt64(0));
        }
    }

    [Fact]
    public void FilterParsesDaysAndCoinsAndExplainsBadInput()
    {
        var (d1, d2) = (new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 14));
        var all = DashboardFilter.Parse(null, "", " ", d1, d2);
        Assert.Equal((d1, d2), (all.From, all.To));
        Assert.Null(all.Coins);
        var some = DashboardFilter.Parse("2026-03-02", "2026-03-02", " btc, ,ETH,btc ", d1, d2);
        Assert.Equal(new DateOnly(2026, 3, 2), some.From);
        Assert.Equal(["BTC", "ETH"], some.Coins!);
        Assert.Null(DashboardFilter.Parse(null, null, ",,", d1, d2).Coins);

        Assert.Contains("Bad 'from' date '03/01/2026': expected a calendar day as YYYY-MM-DD",
            Assert.Throws<DashboardInputException>(() => DashboardFilter.Parse("03/01/2026", null, null, d1, d2)).Message);
        Assert.Contains("'from' (2026-03-14) is after 'to' (2026-03-01)",
            Assert.Throws<DashboardInputException>(() => DashboardFilter.Parse("2026-03-14", "2026-03-01", null, d1, d2)).Message);
        Assert.Contains("Too many coins",
            Assert.Throws<DashboardInputException>(() => DashboardFilter.Parse(null, null, string.Join(',', Enumerable.Range(0, 65).Select(i => "C" + i)), d1, d2)).Message);
        Assert.Contains("longer than 64",
            Assert.Throws<DashboardInputException>(() => DashboardFilter.Parse(null, null, new string('X', 65), d1, d2)).Message);
    }

    [Fact]
    public void EveryDashboardSqlFileRunsOnAnEmptyWarehouse()
    {
        using var c = DuckDbConnection.Open();
        CryptoSentiment.Pipeline.Warehouse.DuckDbWarehouse.CreateSchema(c);
        var q = new DashboardQueries(c);
        var b = q.Bounds();
        Assert.Null(b.FirstDay);
        Assert.Empty(b.Coins);
        var f = q.Filter(null, null, "BTC");
        var o = q.Overview(f);
        Assert.Equal(0L, o.Distribution["mentions"]);
        Assert.Null(o.TopCoin);
        Assert.Empty(o.Trend);
        Assert.Empty(o.Headlines);
        Assert.Empty(q.SentimentPrice(f).Series);
        Assert.Empty(q.Volatility(f).Summary);
    }
}
