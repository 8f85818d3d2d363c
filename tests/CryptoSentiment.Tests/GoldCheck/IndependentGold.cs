using System.Globalization;
using System.Text;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Tests.GoldCheck;

/// <summary>Counts over the checked gold tables, so a test can prove the comparison was not vacuous.</summary>
public sealed record GoldCheckReport(
    long HourlyRows, long DailyRows, long TopRows,
    long Score, long Score24h, long Volatility24h, long Return1h, long Return24h,
    long DivergenceTrue, long DivergenceFalse, long DivergenceNull,
    long CloseDaily, long Return1d, long Corr7d, long WeightedScoreNull, long MarketRows)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"hourly={HourlyRows} daily={DailyRows} top={TopRows} score={Score} score_24h={Score24h} volatility_24h={Volatility24h} " +
        $"return_1h={Return1h} return_24h={Return24h} divergence(T/F/NULL)={DivergenceTrue}/{DivergenceFalse}/{DivergenceNull} " +
        $"close_usd(daily)={CloseDaily} return_1d={Return1d} corr_7d={Corr7d} weighted_score NULL={WeightedScoreNull} MARKET rows={MarketRows}");
}

/// <summary>
/// The acceptance check "gold equals the §5 formulas when recomputed independently from silver with plain SQL":
/// opens the lake read-only in a fresh DuckDB connection, creates the lake views, recomputes every gold column
/// from silver with <c>GoldCheck/gold_from_silver.sql</c> (written from ARCHITECTURE.md §5, not from the
/// product's SQL) and compares every row and column of the three gold tables: same key sets, no duplicate keys,
/// NULLs and booleans exactly, doubles to 1e-9 (absolute, relative above magnitude 1), never NaN or ±∞.
/// </summary>
public static class IndependentGold
{
    public const double Tolerance = 1e-9;

    private static readonly Lazy<string> Script = new(() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GoldCheck", "gold_from_silver.sql")));

    private static readonly (TableDef Def, string Check, string[] Keys)[] Tables =
    [
        (LakeTables.GoldCoinHourly, "chk_coin_hourly", ["coin", "hour"]),
        (LakeTables.GoldCoinDaily, "chk_coin_daily", ["coin", "day"]),
        (LakeTables.GoldTopCoinDaily, "chk_top_coin_daily", ["day"]),
    ];

    /// <summary>Recomputes gold from the lake's silver and asserts it equals the lake's gold.</summary>
    public static async Task<GoldCheckReport> VerifyAsync(Settings settings, string label)
    {
        using var lake = Lakehouse.Open(settings);
        using var c = DuckDbConnection.Open();
        await lake.CreateViewsAsync(c);
        c.Execute(Script.Value);
        // §12 price indicators (and their hidden state) from the check tables' closes, with plain C# loops
        Gold.IndicatorReference.AddTo(c, "chk_coin_hourly", hourly: true);
        Gold.IndicatorReference.AddTo(c, "chk_coin_daily", hourly: false);

        var problems = new List<string>();
        var perColumn = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (def, check, keys) in Tables)
            Compare(c, def, check, keys, problems, perColumn);

        if (problems.Count > 0)
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"[{label}] gold differs from the independent §5 recompute: {problems.Count} problem(s); per column: ");
            sb.AppendJoin(", ", perColumn.Select(kv => $"{kv.Key}={kv.Value}")).AppendLine();
            foreach (var p in problems.Take(40)) sb.AppendLine(p);
            Assert.Fail(sb.ToString());
        }

        long N(string sql) => c.Scalar<long>(sql);
        return new GoldCheckReport(
            N("SELECT count(*) FROM gold_coin_hourly"), N("SELECT count(*) FROM gold_coin_daily"), N("SELECT count(*) FROM gold_top_coin_daily"),
            N("SELECT count(score) FROM gold_coin_hourly"), N("SELECT count(score_24h) FROM gold_coin_hourly"),
            N("SELECT count(volatility_24h) FROM gold_coin_hourly"), N("SELECT count(return_1h) FROM gold_coin_hourly"),
            N("SELECT count(return_24h) FROM gold_coin_hourly"),
            N("SELECT count(*) FROM gold_coin_hourly WHERE divergence IS TRUE"),
            N("SELECT count(*) FROM gold_coin_hourly WHERE divergence IS FALSE"),
            N("SELECT count(*) FROM gold_coin_hourly WHERE divergence IS NULL"),
            N("SELECT count(close_usd) FROM gold_coin_daily"), N("SELECT count(return_1d) FROM gold_coin_daily"),
            N("SELECT count(corr_7d) FROM gold_coin_daily"),
            N("SELECT count(*) FROM gold_coin_daily WHERE weighted_score IS NULL"),
            N("SELECT count(*) FROM gold_coin_daily WHERE coin = 'MARKET'"));
    }

    /// <summary>Every row of a lake gold view, keyed — for before/after comparisons in tests.</summary>
    public static async Task<IReadOnlyDictionary<string, object?[]>> SnapshotAsync(Settings settings, TableDef def, string[] keys)
    {
        using var lake = Lakehouse.Open(settings);
        using var c = DuckDbConnection.Open();
        await lake.CreateViewsAsync(c, [def]);
        var rows = Read(c, def.ViewName, def, keys, cast: false, out var dups);
        Assert.Empty(dups);
        return rows;
    }

    private static void Compare(DuckDbConnection c, TableDef def, string check, string[] keys, List<string> problems, IDictionary<string, int> perColumn)
    {
        var actual = Read(c, def.ViewName, def, keys, cast: false, out var dupActual);
        var expected = Read(c, check, def, keys, cast: true, out var dupExpected);
        void Problem(string column, string text)
        {
            var k = def.ViewName + "." + column;
            perColumn[k] = perColumn.TryGetValue(k, out var n) ? n + 1 : 1;
            problems.Add(text);
        }
        foreach (var d in dupActual) Problem("<duplicate key>", $"{def.ViewName}: duplicate key {d}");
        foreach (var d in dupExpected) Problem("<duplicate key in check>", $"{check}: duplicate key {d}");
        foreach (var key in expected.Keys.Where(k => !actual.ContainsKey(k)).Order(StringComparer.Ordinal))
            Problem("<missing row>", $"{def.ViewName}: missing row {key} (expected {string.Join("|", expected[key].Select(Text))})");
        foreach (var key in actual.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
            Problem("<extra row>", $"{def.ViewName}: unexpected row {key} ({string.Join("|", actual[key].Select(Text))})");

        var columns = def.Columns;
        foreach (var (key, exp) in expected.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(key, out var act)) continue;
            for (var i = 0; i < columns.Count; i++)
                if (!Same(exp[i], act[i]))
                    Problem(columns[i].Name, $"{def.ViewName} {key}: {columns[i].Name} = {Text(act[i])}, expected {Text(exp[i])}");
        }
    }

    /// <summary>Equal under the check's rules: NULL only equals NULL, doubles finite and within tolerance, anything else exactly.</summary>
    /// <summary>
    /// Asserts that table <paramref name="def"/> holds the same rows (by <paramref name="keys"/>, every column within
    /// <see cref="Same"/>) in lake <paramref name="actual"/> as in lake <paramref name="expected"/> (e.g. incremental
    /// refreshes against one refresh over everything); returns the rows of <paramref name="actual"/> by key.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, object?[]>> AssertSameRowsAsync(Settings actual, Settings expected, TableDef def, string[] keys)
    {
        var a = await SnapshotAsync(actual, def, keys);
        var b = await SnapshotAsync(expected, def, keys);
        Assert.Equal(b.Keys.Order(StringComparer.Ordinal), a.Keys.Order(StringComparer.Ordinal));
        var columns = def.Columns.Select(col => col.Name).ToList();
        foreach (var (key, row) in b)
            for (var i = 0; i < columns.Count; i++)
                Assert.True(Same(row[i], a[key][i]), $"{def.Path} {key} {columns[i]}: {a[key][i]}, expected {row[i]}");
        return a;
    }

    public static bool Same(object? expected, object? actual)
    {
        if (expected is double e && !double.IsFinite(e)) return false;
        if (actual is double a0 && !double.IsFinite(a0)) return false;
        if (expected is null || actual is null) return expected is null && actual is null;
        if (expected is double x && actual is double y) return Math.Abs(x - y) <= Tolerance * Math.Max(1.0, Math.Abs(x));
        return expected.GetType() == actual.GetType() && expected.Equals(actual);
    }

    private static Dictionary<string, object?[]> Read(DuckDbConnection c, string relation, TableDef def, string[] keys, bool cast, out List<string> duplicates)
    {
        var select = string.Join(", ", def.Columns.Select(col => cast
            ? $"CAST({DuckDbConnection.QuoteIdentifier(col.Name)} AS {col.DuckDbType}) AS {DuckDbConnection.QuoteIdentifier(col.Name)}"
            : DuckDbConnection.QuoteIdentifier(col.Name)));
        var keyIndex = keys.Select(k => def.Columns.ToList().FindIndex(col => col.Name == k)).ToArray();
        Assert.DoesNotContain(-1, keyIndex);
        var rows = new Dictionary<string, object?[]>(StringComparer.Ordinal);
        duplicates = [];
        using var r = c.Query($"SELECT {select} FROM {relation}");
        while (r.Read())
        {
            var values = new object?[def.Columns.Count];
            for (var i = 0; i < values.Length; i++) values[i] = r.GetValue(i);
            var key = string.Join(" / ", keyIndex.Select(i => Text(values[i])));
            if (!rows.TryAdd(key, values)) duplicates.Add(key);
        }
        return rows;
    }

    private static string Text(object? v) => v switch
    {
        null => "NULL",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
