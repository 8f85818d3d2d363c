using System.Globalization;
using CryptoSentiment.DuckDb;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>One close series of ARCHITECTURE §12: the gold table it lives in and the indicators computed on it.</summary>
/// <param name="Name">hourly or daily (the suffix of its <c>Sql/gold/indicator_*_{name}.sql</c> files).</param>
/// <param name="Staged">The staged temp table the pass reads its points from and writes its values into.</param>
/// <param name="Smas">The SMA lengths (column <c>sma1</c>, <c>sma2</c> of the values table, in order).</param>
/// <param name="Ema">The EMA length, or null (no EMA on this series).</param>
/// <param name="Rsi">The RSI length (Wilder).</param>
/// <param name="LookBackDays">The first look-back (days before the recomputed range) for the carried-over state.</param>
public sealed record IndicatorSeries(string Name, string Staged, int[] Smas, int? Ema, int Rsi, int LookBackDays)
{
    /// <summary>
    /// How many earlier points the pass needs per coin: the SMA windows (N − 1 earlier closes), the EMA seed (an SMA) and
    /// the first Wilder averages (the N changes before t = N + 1 need N earlier closes). With them and the last point's stored
    /// state (series_n, EMA, average gain and loss) the pass continues exactly as a pass from the start of the series would.
    /// </summary>
    public int Keep => Math.Max(Math.Max(Smas.Max() - 1, (Ema ?? 1) - 1), Rsi);
}

/// <summary>
/// The price indicators of ARCHITECTURE §12 (TA-Lib conventions) on the gold close series: hourly <c>sma_24h</c>,
/// <c>ema_24h</c>, <c>rsi_14h</c> in gold/coin_hourly; daily <c>sma_7d</c>, <c>sma_30d</c>, <c>rsi_14d</c> in gold/coin_daily.
/// </summary>
/// <remarks>
/// EMA and Wilder's RSI are recursions: each value depends on every earlier close. SQL cannot express them except as a
/// recursive CTE (one iteration per point), so the pass is a plain sequential loop here; the SQL around it — which rows
/// are points, where the carried-over state comes from, how values are written back — is in <c>Sql/gold/indicator_*.sql</c>.
/// A gold row keeps, besides its indicators, the hidden state the recursion needs to continue from it: <c>series_n</c>
/// (its position t in the coin's series) and the Wilder average gain and loss (the EMA is its own state). A refresh that
/// recomputes from day F therefore reads only the last <see cref="IndicatorSeries.Keep"/> points before F (a few days of
/// gold) plus the gold rows from F to the end of the table, and gives exactly what a pass over the whole history gives —
/// the same additions in the same order.
/// </remarks>
public static class GoldIndicators
{
    /// <summary>Gold table txn id marking that every row's indicators are computed (absent on tables of the previous version).</summary>
    public const string MarkerId = "gold:indicators";

    /// <summary>The indicator definitions the marker vouches for; bump it to recompute every table's indicators once.</summary>
    public const long MarkerVersion = 1;

    public const string ValuesTable = "gold_indicator_values";

    public static readonly IndicatorSeries Hourly = new("hourly", GoldCalculator.StagedCoinHourly, [24], Ema: 24, Rsi: 14, LookBackDays: 2);

    public static readonly IndicatorSeries Daily = new("daily", GoldCalculator.StagedCoinDaily, [7, 30], Ema: null, Rsi: 14, LookBackDays: 45);

    /// <summary>
    /// Reads the carried-over points of <paramref name="series"/>: per coin, the last <see cref="IndicatorSeries.Keep"/>
    /// points before <paramref name="firstDay"/> in <paramref name="history"/> (a relation with the gold table's columns:
    /// the gold rows of some days before it) with their stored state (<c>Sql/gold/indicator_prior_{name}.sql</c>).
    /// <paramref name="reachesStart"/>: <paramref name="history"/> holds every earlier day of the table (no coin's state
    /// can reach further back).
    /// </summary>
    public static IndicatorPrior ReadPrior(DuckDbConnection c, IndicatorSeries series, string history, DateOnly firstDay, bool reachesStart)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(series);
        var coins = new Dictionary<string, List<PriorPoint>>(StringComparer.Ordinal);
        var sql = GoldSql.Load($"Sql/gold/indicator_prior_{series.Name}.sql")
            .Replace("{history}", $"({history})")
            .Replace("{first_day}", $"DATE '{firstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'")
            .Replace("{keep}", series.Keep.ToString(CultureInfo.InvariantCulture));
        using (var r = c.Query(sql))
            while (r.Read())
            {
                var coin = r.GetString(0);
                if (!coins.TryGetValue(coin, out var list)) coins[coin] = list = [];
                list.Add(new PriorPoint(r.GetDouble(1), r.IsNull(2) ? null : r.GetInt64(2), Nullable(r, 3), Nullable(r, 4), Nullable(r, 5)));
            }
        return new IndicatorPrior(coins.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal), reachesStart);
    }

    /// <summary>
    /// Computes the indicators of every staged row with a close, each coin's series continuing from its carried-over points
    /// in <paramref name="prior"/>, and writes them (and the hidden state) into the staged table. Returns the points
    /// computed, or null — nothing written — when some coin's carried-over state is incomplete
    /// (<see cref="IndicatorPrior.Covers"/>): the caller reads a longer look-back and calls again.
    /// </summary>
    public static long? Apply(DuckDbConnection c, IndicatorSeries series, IndicatorPrior prior)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(prior);
        c.Execute($"CREATE OR REPLACE TEMP TABLE {ValuesTable} (coin VARCHAR, key BIGINT, sma1 DOUBLE, sma2 DOUBLE, ema DOUBLE, rsi DOUBLE, " +
                  "series_n BIGINT, avg_gain DOUBLE, avg_loss DOUBLE)");
        long points = 0;
        using (var a = c.CreateAppender(ValuesTable))
        using (var r = c.Query(GoldSql.Load($"Sql/gold/indicator_points_{series.Name}.sql")))
        {
            var scan = new IndicatorScan(series);
            string? coin = null;
            while (r.Read())
            {
                var rowCoin = r.GetString(0);
                if (!string.Equals(rowCoin, coin, StringComparison.Ordinal))
                {
                    if (!prior.Covers(rowCoin, series)) return null;
                    scan.Reset();
                    coin = rowCoin;
                    foreach (var p in prior.Of(coin)) scan.Carry(p.Close, p.SeriesN, p.Ema, p.AvgGain, p.AvgLoss);
                }
                var v = scan.Next(r.GetDouble(2));
                a.Append(rowCoin).Append(r.GetInt64(1)).Append(v.Sma1).Append(v.Sma2).Append(v.Ema).Append(v.Rsi)
                 .Append(v.SeriesN).Append(v.AvgGain).Append(v.AvgLoss);
                a.EndRow();
                points++;
            }
        }
        c.Execute(GoldSql.Load($"Sql/gold/indicator_apply_{series.Name}.sql"));
        return points;
    }

    private static double? Nullable(DuckDbResult r, int col) => r.IsNull(col) ? null : r.GetDouble(col);
}

/// <summary>A point before the recomputed range: its close and the state stored with it in gold.</summary>
public readonly record struct PriorPoint(double Close, long? SeriesN, double? Ema, double? AvgGain, double? AvgLoss);

/// <summary>
/// The carried-over points of one close series, per coin (oldest first), read from the gold rows of a look-back before
/// the first recomputed day. Immutable: a refresh of the same first day over the same gold files may reuse it.
/// </summary>
public sealed class IndicatorPrior(IReadOnlyDictionary<string, PriorPoint[]> coins, bool reachesStart)
{
    /// <summary>No earlier points: every series starts in the staged rows (a full recompute).</summary>
    public static readonly IndicatorPrior None = new(new Dictionary<string, PriorPoint[]>(StringComparer.Ordinal), reachesStart: true);

    /// <summary>The carried-over points of <paramref name="coin"/>, oldest first (none: its series starts in range).</summary>
    public IReadOnlyList<PriorPoint> Of(string coin) => coins.TryGetValue(coin, out var p) ? p : [];

    /// <summary>
    /// True when the pass can continue <paramref name="coin"/>'s series from these points exactly: the look-back held every
    /// earlier day, or the coin has <see cref="IndicatorSeries.Keep"/> points, or its points reach back to the start of
    /// its series (series_n = 1). Otherwise (prices that resume after a gap longer than the look-back) the look-back widens.
    /// </summary>
    public bool Covers(string coin, IndicatorSeries series) =>
        reachesStart || coins.TryGetValue(coin, out var p) && (p.Length >= series.Keep || p[0].SeriesN == 1);
}

/// <summary>The §12 values of one point (and the state stored with it).</summary>
public readonly record struct IndicatorValues(double? Sma1, double? Sma2, double? Ema, double? Rsi, long? SeriesN, double? AvgGain, double? AvgLoss);

/// <summary>
/// The §12 recursion over one coin's close series, point by point: <see cref="Carry"/> the points before the recomputed
/// range (with their stored state), then <see cref="Next"/> each new close in order.
/// </summary>
public sealed class IndicatorScan(IndicatorSeries series)
{
    private readonly List<double> _closes = [];  // the last Keep + 1 closes, oldest first
    private long? _n;                              // series position of the last point (null: none yet)
    private double? _ema, _avgGain, _avgLoss;

    public void Reset()
    {
        _closes.Clear();
        _n = null;
        _ema = _avgGain = _avgLoss = null;
    }

    /// <summary>A point before the range, with its stored state (the last one carried wins).</summary>
    public void Carry(double close, long? seriesN, double? ema, double? avgGain, double? avgLoss)
    {
        Push(close);
        _n = seriesN;
        _ema = ema;
        _avgGain = avgGain;
        _avgLoss = avgLoss;
    }

    /// <summary>The next close of the series: its indicators.</summary>
    public IndicatorValues Next(double close)
    {
        // A state that cannot continue (a stored row without state) restarts nothing silently: its values come out NULL.
        var n = (_n ?? (_closes.Count == 0 ? 0 : long.MinValue / 2)) + 1;
        Push(close);
        _n = n;
        var smas = series.Smas;
        double? sma1 = smas.Length > 0 ? Sma(smas[0], n) : null;
        double? sma2 = smas.Length > 1 ? Sma(smas[1], n) : null;

        if (series.Ema is { } e)
        {
            var alpha = 2.0 / (e + 1);
            _ema = n < e ? null
                 : n == e ? Sma(e, n)
                 : _ema is { } prev ? alpha * close + (1 - alpha) * prev : null;
        }

        var N = series.Rsi;
        double? rsi = null;
        if (n <= N) { _avgGain = _avgLoss = null; }
        else if (n == N + 1)
        {
            double gains = 0, losses = 0;
            var first = _closes.Count - (N + 1);   // x_{t−N} … x_t: the first N changes
            for (var i = first + 1; i < _closes.Count; i++)
            {
                var d = _closes[i] - _closes[i - 1];
                gains += Math.Max(d, 0);
                losses += Math.Max(-d, 0);
            }
            _avgGain = gains / N;
            _avgLoss = losses / N;
        }
        else if (_avgGain is { } g && _avgLoss is { } l)
        {
            var d = close - _closes[^2];
            _avgGain = (g * (N - 1) + Math.Max(d, 0)) / N;
            _avgLoss = (l * (N - 1) + Math.Max(-d, 0)) / N;
        }
        if (n > N && _avgGain is { } ag && _avgLoss is { } al)
            rsi = al == 0 ? 100.0 : 100.0 - 100.0 / (1.0 + ag / al);

        return new IndicatorValues(sma1, sma2, series.Ema is null ? null : _ema, rsi, n > 0 ? n : null, _avgGain, _avgLoss);
    }

    private double? Sma(int length, long n)
    {
        if (n < length || _closes.Count < length) return null;
        var sum = 0.0;
        for (var i = _closes.Count - length; i < _closes.Count; i++) sum += _closes[i];
        return sum / length;
    }

    private void Push(double close)
    {
        _closes.Add(close);
        if (_closes.Count > series.Keep + 1) _closes.RemoveAt(0);
    }
}
