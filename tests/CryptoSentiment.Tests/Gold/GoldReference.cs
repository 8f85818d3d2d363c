namespace CryptoSentiment.Tests.Gold;

/// <summary>
/// An independent, deliberately naive implementation of ARCHITECTURE.md §5 over in-memory silver rows
/// (no SQL, no bucket numbers: calendar arithmetic on UTC DateTimeOffsets).
/// </summary>
public sealed class GoldReference
{
    private readonly Dictionary<(string Coin, DateTimeOffset Hour), List<NewsRow>> _newsByHour;
    private readonly Dictionary<(string Coin, DateOnly Day), List<NewsRow>> _newsByDay;
    private readonly Dictionary<(string Coin, DateTimeOffset Hour), List<PriceRow>> _pricesByHour;
    private readonly Dictionary<(string Coin, DateOnly Day), List<PriceRow>> _pricesByDay;

    public GoldReference(IReadOnlyCollection<NewsRow> news, IReadOnlyCollection<PriceRow> prices)
    {
        _newsByHour = news.GroupBy(n => (n.Coin, HourOf(n.PublishedAt))).ToDictionary(g => g.Key, g => g.ToList());
        _newsByDay = news.GroupBy(n => (n.Coin, DayOf(n.PublishedAt))).ToDictionary(g => g.Key, g => g.ToList());
        _pricesByHour = prices.GroupBy(p => (p.Coin, HourOf(p.Ts))).ToDictionary(g => g.Key, g => g.ToList());
        _pricesByDay = prices.GroupBy(p => (p.Coin, DayOf(p.Ts))).ToDictionary(g => g.Key, g => g.ToList());
    }

    public static DateTimeOffset HourOf(DateTimeOffset t)
    {
        var u = t.ToUniversalTime();
        return new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, 0, 0, TimeSpan.Zero);
    }

    public static DateOnly DayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime);

    /// <summary>Σ w·p / Σ w; NULL for no rows or Σ w = 0.</summary>
    public static double? WeightedScore(IEnumerable<NewsRow> rows)
    {
        double sw = 0, swp = 0;
        foreach (var r in rows)
        {
            sw += r.Confidence;
            swp += r.Confidence * r.Polarity;
        }
        return sw == 0 ? null : swp / sw;
    }

    private IEnumerable<NewsRow> NewsIn(string coin, DateTimeOffset hour) =>
        _newsByHour.TryGetValue((coin, hour), out var l) ? l : [];

    public double? HourScore(string coin, DateTimeOffset hour) => WeightedScore(NewsIn(coin, hour));

    public double? HourClose(string coin, DateTimeOffset hour) =>
        _pricesByHour.TryGetValue((coin, hour), out var l) ? l.MaxBy(p => p.Ts)!.PriceUsd : null;

    public double? DayClose(string coin, DateOnly day) =>
        _pricesByDay.TryGetValue((coin, day), out var l) ? l.MaxBy(p => p.Ts)!.PriceUsd : null;

    private static double? LogReturn(double? now, double? before) => now is { } a && before is { } b ? Math.Log(a / b) : null;

    public double? Return1h(string coin, DateTimeOffset hour) => LogReturn(HourClose(coin, hour), HourClose(coin, hour.AddHours(-1)));

    public HourlyRow Hourly(string coin, DateTimeOffset hour)
    {
        var window = Enumerable.Range(0, 24).Select(k => hour.AddHours(-k)).ToList();
        var score24 = WeightedScore(window.SelectMany(h => NewsIn(coin, h)));
        var scores = window.Select(h => HourScore(coin, h)).Where(s => s.HasValue).Select(s => s!.Value).ToList();
        double? vol = null;
        if (scores.Count >= 2)
        {
            var mean = scores.Average();
            vol = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / scores.Count);
        }
        var close = HourClose(coin, hour);
        var r24 = LogReturn(close, HourClose(coin, hour.AddHours(-24)));
        bool? divergence = score24 is { } s24 && r24 is { } ret
            ? (s24 >= 0.2 && ret <= -0.02) || (s24 <= -0.2 && ret >= 0.02)
            : null;
        return new HourlyRow(coin, hour, DateOnly.FromDateTime(hour.UtcDateTime), NewsIn(coin, hour).Count(), HourScore(coin, hour),
            score24, vol, close, Return1h(coin, hour), r24, divergence);
    }

    public double? Corr7d(string coin, DateOnly day)
    {
        var first = new DateTimeOffset(day.AddDays(-6).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var xs = new List<double>();
        var ys = new List<double>();
        for (var k = 0; k < 168; k++)
        {
            var h = first.AddHours(k);
            if (HourScore(coin, h) is { } x && Return1h(coin, h) is { } y)
            {
                xs.Add(x);
                ys.Add(y);
            }
        }
        if (xs.Count < 24) return null;
        double mx = xs.Average(), my = ys.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
            syy += (ys[i] - my) * (ys[i] - my);
        }
        return sxx == 0 || syy == 0 ? null : sxy / Math.Sqrt(sxx * syy);
    }

    public DailyRow Daily(string coin, DateOnly day)
    {
        var rows = _newsByDay[(coin, day)];
        long n = rows.Count, pos = rows.Count(r => r.Polarity > 0), neg = rows.Count(r => r.Polarity < 0), neu = rows.Count(r => r.Polarity == 0);
        var close = DayClose(coin, day);
        return new DailyRow(coin, day, n, pos, neg, neu, 100.0 * pos / n, 100.0 * neg / n, 100.0 * neu / n,
            WeightedScore(rows), rows.Average(r => r.Confidence), close, LogReturn(close, DayClose(coin, day.AddDays(-1))), Corr7d(coin, day));
    }

    public List<HourlyRow> CoinHourly(IEnumerable<DateOnly> days)
    {
        var set = days.ToHashSet();
        return _newsByHour.Keys.Union(_pricesByHour.Keys)
            .Where(k => set.Contains(DayOf(k.Hour)))
            .Select(k => Hourly(k.Coin, k.Hour))
            .OrderBy(r => r.Coin, StringComparer.Ordinal).ThenBy(r => r.Hour).ToList();
    }

    public List<DailyRow> CoinDaily(IEnumerable<DateOnly> days)
    {
        var set = days.ToHashSet();
        return _newsByDay.Keys.Where(k => set.Contains(k.Day))
            .Select(k => Daily(k.Coin, k.Day))
            .OrderBy(r => r.Coin, StringComparer.Ordinal).ThenBy(r => r.Day).ToList();
    }

    public static List<TopRow> TopCoinDaily(IEnumerable<DailyRow> daily) =>
        daily.Where(d => d.Coin != "MARKET" && d.Mentions >= 3 && d.WeightedScore.HasValue)
            .GroupBy(d => d.Day)
            .Select(g => g.OrderByDescending(d => d.WeightedScore!.Value).ThenByDescending(d => d.Mentions)
                .ThenBy(d => d.Coin, StringComparer.Ordinal).First())
            .Select(d => new TopRow(d.Day, d.Coin, d.WeightedScore!.Value, d.Mentions))
            .OrderBy(t => t.Day).ToList();
}
