using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Tests.DuckDb;

public class DuckDbTests
{
    [Fact]
    public void LibraryIsDuckDbNetsOfficialRelease()
    {
        // libduckdb comes from the NuGet package DuckDB.NET.Bindings.Full 1.5.6.1 (runtimes/<rid>/native): the loaded
        // library, and the engine a connection talks to, are DuckDB 1.5.6.
        Assert.Equal("v1.5.6", DuckDbDatabase.LibraryVersion);
        using var c = DuckDbConnection.Open();
        Assert.Equal("v1.5.6", c.Scalar<string>("SELECT version()"));
        Assert.Equal("UTC", c.Scalar<string>("SELECT current_setting('TimeZone')"));
    }

    [Fact]
    public void ConnectionsOfOneDatabaseShareItAndConfigIsApplied()
    {
        using var db = DuckDbDatabase.Open(null, new Dictionary<string, string> { ["threads"] = "1", ["memory_limit"] = "256MB" });
        using var a = db.Connect();
        using var b = db.Connect();
        a.Execute("CREATE TABLE shared (v INTEGER); INSERT INTO shared VALUES (41)");
        Assert.Equal(41L, b.Scalar<long>("SELECT v FROM shared"));
        Assert.Equal(1L, b.Scalar<long>("SELECT current_setting('threads')"));
        Assert.Equal(1L, a.ExecuteNonQuery("UPDATE shared SET v = v + $1", 1));
        using (var r = b.Query("DELETE FROM shared WHERE v = $1", 42)) { Assert.Equal(1L, r.RowsChanged); Assert.True(r.Read()); Assert.Equal(1L, r.GetInt64(0)); }
        Assert.Throws<DuckDbException>(() => DuckDbDatabase.Open(null, new Dictionary<string, string> { ["no_such_option"] = "1" }));
    }

    [Fact]
    public void ReadsEveryScalarTypeAndNulls()
    {
        using var c = DuckDbConnection.Open();
        using var r = c.Query("""
            SELECT 'Ünïcødé ₿ 🚀 ethereum''s' AS s, 'short' AS s2, 9223372036854775807::BIGINT AS big, 2.5::DOUBLE AS d,
                   true AS b, DATE '2026-11-21' AS dt, TIMESTAMP '2026-11-21 10:04:05.123456' AS ts,
                   TIMESTAMPTZ '2026-11-21 12:04:05+02:00' AS tstz, NULL::VARCHAR AS n, 12.34::DECIMAL(10,2) AS dec,
                   (-5)::INTEGER AS i, 1.5::FLOAT AS f, '\x00\xFF'::BLOB AS blob, 170141183460469231731687303715884105727::HUGEINT AS h
            """);
        Assert.True(r.Read());
        Assert.Equal("Ünïcødé ₿ 🚀 ethereum's", r.GetString(0));
        Assert.Equal("short", r.GetValue(1));
        Assert.Equal(long.MaxValue, r.GetInt64(2));
        Assert.Equal(2.5, r.GetDouble(3));
        Assert.True(r.GetBoolean(4));
        Assert.Equal(new DateOnly(2026, 11, 21), r.GetValue(5));
        Assert.Equal(new DateTime(2026, 11, 21, 10, 4, 5, DateTimeKind.Utc).AddTicks(1234560), r.GetValue(6));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 4, 5, TimeSpan.Zero), r.GetValue(7));
        Assert.True(r.IsNull(8));
        Assert.Null(r.GetValue(8));
        Assert.Equal(12.34m, r.GetValue(9));
        Assert.Equal(-5, r.GetValue(10));
        Assert.Equal(1.5f, r.GetValue(11));
        Assert.Equal(new byte[] { 0, 255 }, (byte[])r.GetValue(12)!);
        Assert.Equal(Int128.MaxValue, r.GetValue(13));
        Assert.Equal(DuckDbType.TimestampTz, r.ColumnType(7));
        Assert.Equal("tstz", r.ColumnName(7));
        Assert.False(r.Read());
    }

    [Fact]
    public void PreparedStatementsBindEveryParameterType()
    {
        using var c = DuckDbConnection.Open();
        var ts = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(5));
        using var r = c.Query("SELECT $1, $2, $3, $4, $5, $6, $7::VARCHAR, $8 IS NULL, $9",
            "naïve ✓", 42L, 0.125, false, new DateOnly(2024, 2, 29), ts, ts, null, 7);
        Assert.True(r.Read());
        Assert.Equal("naïve ✓", r.GetString(0));
        Assert.Equal(42L, r.GetInt64(1));
        Assert.Equal(0.125, r.GetDouble(2));
        Assert.False(r.GetBoolean(3));
        Assert.Equal(new DateOnly(2024, 2, 29), r.GetDate(4));
        Assert.Equal(ts.ToUniversalTime(), r.GetDateTimeOffset(5));
        Assert.Equal("2026-01-01 22:04:05+00", r.GetString(6)); // session time zone is UTC
        Assert.True(r.GetBoolean(7));
        Assert.Equal(7L, r.GetInt64(8));
    }

    [Fact]
    public void ErrorsCarryDuckDbsOwnMessage()
    {
        using var c = DuckDbConnection.Open();
        var e = Assert.Throws<DuckDbException>(() => c.Execute("SELECT * FROM no_such_table"));
        Assert.Contains("no_such_table", e.Message);
        Assert.Contains("Catalog Error", e.Message);
        var p = Assert.Throws<DuckDbException>(() => c.Query("SELECT 1 +"));
        Assert.Contains("Parser Error", p.Message);
        var runtime = Assert.Throws<DuckDbException>(() => c.Scalar<long>("SELECT CAST($1 AS INTEGER)", "not a number"));
        Assert.Contains("Conversion Error", runtime.Message);
        var arity = Assert.Throws<DuckDbException>(() => c.Query("SELECT $1, $2", 1));
        Assert.Contains("Expected 2, got 1", arity.Message);
        var app = Assert.Throws<DuckDbException>(() => c.CreateAppender("missing"));
        Assert.Contains("missing", app.Message);
    }

    [Fact]
    public void AppenderWritesTypedRowsIncludingNullsAndTimestampTz()
    {
        using var c = DuckDbConnection.Open();
        c.Execute("CREATE TABLE t (s VARCHAR, n BIGINT, d DOUBLE, b BOOLEAN, day DATE, seen TIMESTAMPTZ, raw BLOB)");
        var at = new DateTimeOffset(2026, 11, 21, 10, 4, 0, TimeSpan.FromHours(-3));
        using (var a = c.CreateAppender("t"))
        {
            a.Append("€ über").Append(1L).Append(0.5).Append(true).Append(new DateOnly(2026, 11, 21)).Append(at).AppendBlob([1, 2, 3]).EndRow();
            a.AppendNull().Append((long?)null).Append((double?)null).Append((bool?)null).AppendNull().Append((DateTimeOffset?)null).AppendNull().EndRow();
        }
        using var r = c.Query("SELECT s, n, d, b, day, seen, raw, strftime(seen, '%H:%M') FROM t ORDER BY n NULLS LAST");
        Assert.True(r.Read());
        Assert.Equal("€ über", r.GetString(0));
        Assert.Equal(at.ToUniversalTime(), r.GetValue(5));
        Assert.Equal("13:04", r.GetString(7));
        Assert.Equal(new byte[] { 1, 2, 3 }, (byte[])r.GetValue(6)!);
        Assert.True(r.Read());
        for (var i = 0; i < 7; i++) Assert.True(r.IsNull(i));
        Assert.False(r.Read());
    }

    [Fact]
    public void AppendsAndReadsAMillionRowsChunkByChunk()
    {
        using var c = DuckDbConnection.Open();
        c.Execute("CREATE TABLE big (i BIGINT, s VARCHAR, d DOUBLE)");
        const int n = 1_000_000;
        using (var a = c.CreateAppender("big"))
            for (long i = 0; i < n; i++)
            {
                a.Append(i).Append(i % 1000 == 0 ? "a longer string than twelve bytes " + i : "s" + (i % 97)).Append(i * 0.5);
                a.EndRow();
            }
        Assert.Equal(n, c.Scalar<long>("SELECT count(*) FROM big"));
        Assert.Equal((long)n * (n - 1) / 2, c.Scalar<long>("SELECT sum(i)::BIGINT FROM big"));
        long rows = 0, sum = 0, longStrings = 0;
        using var r = c.Query("SELECT i, s FROM big");
        while (r.Read())
        {
            rows++;
            sum += r.GetInt64(0);
            if (r.GetBytesSpan(1).Length > 12) longStrings++;
        }
        Assert.Equal(n, rows);
        Assert.Equal((long)n * (n - 1) / 2, sum);
        Assert.Equal(n / 1000, longStrings);
    }

    [Fact]
    public void WritesParquetThatDuckDbReadsBack()
    {
        var dir = Directory.CreateTempSubdirectory("duck-parquet-");
        try
        {
            using var c = DuckDbConnection.Open();
            var file = Path.Combine(dir.FullName, "x.parquet");
            c.Execute($"COPY (SELECT range AS i, 'v' || range AS s FROM range(5000)) TO {DuckDbConnection.QuoteLiteral(file)} (FORMAT parquet)");
            Assert.Equal(5000L, c.Scalar<long>("SELECT count(*) FROM read_parquet($1)", file));
            Assert.Equal("v4999", c.Scalar<string>("SELECT max_by(s, i) FROM read_parquet($1)", file));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void DatabaseFilePersistsAcrossOpens()
    {
        var path = Path.Combine(Path.GetTempPath(), $"duck-{Guid.NewGuid():N}.duckdb");
        try
        {
            using (var c = DuckDbConnection.Open(path)) c.Execute("CREATE TABLE k (v INTEGER); INSERT INTO k VALUES (1), (2)");
            using (var c = DuckDbConnection.Open(path, new Dictionary<string, string> { ["access_mode"] = "READ_ONLY" }))
            {
                Assert.Equal(3L, c.Scalar<long>("SELECT sum(v) FROM k"));
                Assert.Throws<DuckDbException>(() => c.Execute("INSERT INTO k VALUES (3)"));
            }
        }
        finally { File.Delete(path); File.Delete(path + ".wal"); }
    }
}
