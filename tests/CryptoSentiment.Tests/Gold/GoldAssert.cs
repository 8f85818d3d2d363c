namespace CryptoSentiment.Tests.Gold;

/// <summary>Row-by-row comparison of gold outputs: keys and counts exact, NULLs exact, booleans exact, doubles within a tolerance.</summary>
public static class GoldAssert
{
    public const double Tolerance = 1e-9;

    public static void Close(double? expected, double? actual, string what, double tol = Tolerance)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{what}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        Assert.False(double.IsNaN(actual.Value), $"{what}: got NaN");
        Assert.True(Math.Abs(expected.Value - actual.Value) <= tol,
            $"{what}: expected {expected.Value:R}, got {actual.Value:R} (|Δ| = {Math.Abs(expected.Value - actual.Value):E2})");
    }

    private static string Show(double? v) => v is { } d ? d.ToString("R") : "NULL";

    public static void Hourly(IReadOnlyList<HourlyRow> expected, IReadOnlyList<HourlyRow> actual, double tol = Tolerance)
    {
        var act = actual.OrderBy(r => r.Coin, StringComparer.Ordinal).ThenBy(r => r.Hour).ToList();
        Assert.Equal(expected.Select(r => (r.Coin, r.Hour)), act.Select(r => (r.Coin, r.Hour)));
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], act[i]);
            var at = $"coin_hourly {e.Coin} {e.Hour:u}";
            Assert.Equal(e.Day, a.Day);
            Assert.True(e.Mentions == a.Mentions, $"{at} mentions: expected {e.Mentions}, got {a.Mentions}");
            Close(e.Score, a.Score, at + " score", tol);
            Close(e.Score24h, a.Score24h, at + " score_24h", tol);
            Close(e.Volatility24h, a.Volatility24h, at + " volatility_24h", tol);
            Close(e.CloseUsd, a.CloseUsd, at + " close_usd", tol);
            Close(e.Return1h, a.Return1h, at + " return_1h", tol);
            Close(e.Return24h, a.Return24h, at + " return_24h", tol);
            Assert.True(e.Divergence == a.Divergence, $"{at} divergence: expected {e.Divergence?.ToString() ?? "NULL"}, got {a.Divergence?.ToString() ?? "NULL"}");
        }
    }

    public static void Daily(IReadOnlyList<DailyRow> expected, IReadOnlyList<DailyRow> actual, double tol = Tolerance)
    {
        var act = actual.OrderBy(r => r.Coin, StringComparer.Ordinal).ThenBy(r => r.Day).ToList();
        Assert.Equal(expected.Select(r => (r.Coin, r.Day)), act.Select(r => (r.Coin, r.Day)));
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], act[i]);
            var at = $"coin_daily {e.Coin} {e.Day:yyyy-MM-dd}";
            Assert.True((e.Mentions, e.Positive, e.Negative, e.Neutral) == (a.Mentions, a.Positive, a.Negative, a.Neutral),
                $"{at} counts: expected {(e.Mentions, e.Positive, e.Negative, e.Neutral)}, got {(a.Mentions, a.Positive, a.Negative, a.Neutral)}");
            Close(e.PctPositive, a.PctPositive, at + " pct_positive", tol);
            Close(e.PctNegative, a.PctNegative, at + " pct_negative", tol);
            Close(e.PctNeutral, a.PctNeutral, at + " pct_neutral", tol);
            Close(e.WeightedScore, a.WeightedScore, at + " weighted_score", tol);
            Close(e.AvgConfidence, a.AvgConfidence, at + " avg_confidence", tol);
            Close(e.CloseUsd, a.CloseUsd, at + " close_usd", tol);
            Close(e.Return1d, a.Return1d, at + " return_1d", tol);
            Close(e.Corr7d, a.Corr7d, at + " corr_7d", tol);
        }
    }

    public static void Top(IReadOnlyList<TopRow> expected, IReadOnlyList<TopRow> actual, double tol = Tolerance)
    {
        var act = actual.OrderBy(r => r.Day).ToList();
        Assert.Equal(expected.Select(r => (r.Day, r.Coin, r.Mentions)), act.Select(r => (r.Day, r.Coin, r.Mentions)));
        for (var i = 0; i < expected.Count; i++)
            Close(expected[i].WeightedScore, act[i].WeightedScore, $"top_coin_daily {expected[i].Day}", tol);
    }
}
