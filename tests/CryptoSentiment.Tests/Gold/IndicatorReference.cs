using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Tests.Gold;

/// <summary>
/// ARCHITECTURE §12 written out independently of the product (plain loops over a whole series, 1-based t as in the
/// contract): SMA, EMA seeded with the SMA at t = N, Wilder's RSI. Used to check gold's indicator columns.
/// </summary>
public static class IndicatorReference
{
    /// <summary>sma_N: mean(x_{t−N+1} … x_t); NULL for t &lt; N.</summary>
    public static double?[] Sma(IReadOnlyList<double> x, int n)
    {
        var r = new double?[x.Count];
        for (var t = 1; t <= x.Count; t++)
        {
            if (t < n) continue;
            var sum = 0.0;
            for (var k = t - n + 1; k <= t; k++) sum += x[k - 1];
            r[t - 1] = sum / n;
        }
        return r;
    }

    /// <summary>ema_N: α = 2/(N+1); EMA_N = sma_N at t = N; EMA_t = α·x_t + (1−α)·EMA_{t−1}; NULL for t &lt; N.</summary>
    public static double?[] Ema(IReadOnlyList<double> x, int n)
    {
        var r = new double?[x.Count];
        var sma = Sma(x, n);
        var alpha = 2.0 / (n + 1);
        for (var t = n; t <= x.Count; t++)
            r[t - 1] = t == n ? sma[t - 1] : alpha * x[t - 1] + (1 - alpha) * r[t - 2]!.Value;
        return r;
    }

    /// <summary>rsi_N (Wilder) with the average gain and loss at each t; NULL for t ≤ N.</summary>
    public static (double?[] Rsi, double?[] AvgGain, double?[] AvgLoss) Rsi(IReadOnlyList<double> x, int n)
    {
        var rsi = new double?[x.Count];
        var g = new double?[x.Count];
        var l = new double?[x.Count];
        for (var t = n + 1; t <= x.Count; t++)
        {
            if (t == n + 1)
            {
                double sg = 0, sl = 0;
                for (var k = 2; k <= n + 1; k++)
                {
                    var d = x[k - 1] - x[k - 2];
                    sg += d > 0 ? d : 0;
                    sl += d < 0 ? -d : 0;
                }
                g[t - 1] = sg / n;
                l[t - 1] = sl / n;
            }
            else
            {
                var d = x[t - 1] - x[t - 2];
                g[t - 1] = (g[t - 2]!.Value * (n - 1) + (d > 0 ? d : 0)) / n;
                l[t - 1] = (l[t - 2]!.Value * (n - 1) + (d < 0 ? -d : 0)) / n;
            }
            rsi[t - 1] = l[t - 1] == 0 ? 100 : 100 - 100 / (1 + g[t - 1]!.Value / l[t - 1]!.Value);
        }
        return (rsi, g, l);
    }

    /// <summary>
    /// Adds the §12 columns (indicators and the hidden state series_n, Wilder averages) to a check table with the gold
    /// table's key and close_usd, computed here: hourly (<paramref name="hourly"/>) or daily.
    /// </summary>
    public static void AddTo(DuckDbConnection c, string table, bool hourly)
    {
        var key = hourly ? "epoch_us(hour)" : "CAST(day - DATE '1970-01-01' AS BIGINT)";
        string[] cols = hourly
            ? ["sma_24h", "ema_24h", "rsi_14h", "series_n", "rsi_14h_avg_gain", "rsi_14h_avg_loss"]
            : ["sma_7d", "sma_30d", "rsi_14d", "series_n", "rsi_14d_avg_gain", "rsi_14d_avg_loss"];
        var series = new Dictionary<string, List<(long Key, double Close)>>(StringComparer.Ordinal);
        using (var r = c.Query($"SELECT coin, {key}, close_usd FROM {table} WHERE close_usd IS NOT NULL ORDER BY coin, 2"))
            while (r.Read())
            {
                if (!series.TryGetValue(r.GetString(0), out var list)) series[r.GetString(0)] = list = [];
                list.Add((r.GetInt64(1), r.GetDouble(2)));
            }
        c.Execute($"CREATE OR REPLACE TEMP TABLE ref_indicators (coin VARCHAR, k BIGINT, v1 DOUBLE, v2 DOUBLE, v3 DOUBLE, n BIGINT, g DOUBLE, l DOUBLE)");
        using (var a = c.CreateAppender("ref_indicators"))
            foreach (var (coin, points) in series)
            {
                var x = points.Select(p => p.Close).ToList();
                var v1 = Sma(x, hourly ? 24 : 7);
                var v2 = hourly ? Ema(x, 24) : Sma(x, 30);
                var (rsi, g, l) = Rsi(x, 14);
                for (var i = 0; i < x.Count; i++)
                {
                    a.Append(coin).Append(points[i].Key).Append(v1[i]).Append(v2[i]).Append(rsi[i]).Append((long)(i + 1)).Append(g[i]).Append(l[i]);
                    a.EndRow();
                }
            }
        foreach (var col in cols) c.Execute($"ALTER TABLE {table} ADD COLUMN {col} {(col == "series_n" ? "BIGINT" : "DOUBLE")}");
        c.Execute($"UPDATE {table} AS t SET {cols[0]} = r.v1, {cols[1]} = r.v2, {cols[2]} = r.v3, {cols[3]} = r.n, {cols[4]} = r.g, {cols[5]} = r.l " +
                  $"FROM ref_indicators r WHERE r.coin = t.coin AND r.k = {key.Replace("hour", "t.hour").Replace("day -", "t.day -")}");
    }
}
