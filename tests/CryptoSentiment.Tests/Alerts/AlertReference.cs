using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline.Gold;

namespace CryptoSentiment.Tests.Alerts;

/// <summary>
/// An independent C# recompute of the hourly alerts (sentiment_shift, volume_spike, divergence; README "Alerts and scorer drift")
/// from the gold/coin_hourly rows of the whole lake: plain loops over the rows, no SQL shared with the product.
/// </summary>
internal static class AlertReference
{
    private sealed record Hour(string Coin, long HourNo, long Mentions, double? Score24h, bool? Divergence);

    public static List<(string Kind, string Coin, DateTimeOffset Hour, double Value, double? Baseline, double? Z)> Compute(DuckDbConnection c, AlertThresholds t)
    {
        var rows = new List<Hour>();
        using (var r = c.Query("SELECT coin, epoch(hour)::BIGINT // 3600, mentions, score_24h, divergence FROM gold_coin_hourly"))
            while (r.Read())
                rows.Add(new Hour(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsNull(3) ? null : r.GetDouble(3), r.IsNull(4) ? null : r.GetBoolean(4)));
        var result = new List<(string, string, DateTimeOffset, double, double?, double?)>();
        foreach (var coin in rows.GroupBy(x => x.Coin))
        {
            var byHour = coin.ToDictionary(x => x.HourNo);
            var flags = new Dictionary<(string Kind, long HourNo), (double Value, double? Baseline, double? Z)>();
            foreach (var h in coin)
            {
                var day = Math.Floor(h.HourNo / 24.0);
                var window = coin.Where(x => Math.Floor(x.HourNo / 24.0) >= day - 7 && Math.Floor(x.HourNo / 24.0) <= day - 1).ToList();
                var fullBaseline = window.Select(x => Math.Floor(x.HourNo / 24.0)).Distinct().Count() >= t.BaselineMinDays;
                var scores = window.Where(x => x.Score24h.HasValue).Select(x => x.Score24h!.Value).ToList();
                double? shiftZ = null, mean = null;
                if (scores.Count > 0)
                {
                    mean = scores.Average();
                    var sd = Math.Sqrt(scores.Sum(s => (s - mean.Value) * (s - mean.Value)) / scores.Count);
                    if (fullBaseline && scores.Count >= 24 && sd > 1e-12 && h.Score24h is { } s24) shiftZ = (s24 - mean.Value) / sd;
                }
                var mentions24 = coin.Where(x => x.HourNo > h.HourNo - 24 && x.HourNo <= h.HourNo).Sum(x => x.Mentions);
                if (shiftZ is { } z && Math.Abs(z) >= t.ShiftZScore && Math.Abs(h.Score24h!.Value - mean!.Value) >= t.ShiftMinDelta
                    && mentions24 >= t.ShiftMinMentions)
                    flags[("sentiment_shift", h.HourNo)] = (h.Score24h.Value, mean, z);
                var m = window.Sum(x => (double)x.Mentions) / 168;
                var msd = Math.Sqrt(Math.Max(window.Sum(x => (double)x.Mentions * x.Mentions) / 168 - m * m, 0));
                if (fullBaseline && msd > 1e-12 && (h.Mentions - m) / msd >= t.VolumeZScore && h.Mentions >= t.VolumeMinMentions)
                    flags[("volume_spike", h.HourNo)] = (h.Mentions, m, (h.Mentions - m) / msd);
                if (h.Divergence == true) flags[("divergence", h.HourNo)] = (h.Score24h ?? double.NaN, null, null);
            }
            foreach (var ((kind, hourNo), v) in flags)
                if (!flags.ContainsKey((kind, hourNo - 1)))
                    result.Add((kind, coin.Key, DateTimeOffset.FromUnixTimeSeconds(hourNo * 3600), v.Value, v.Baseline, v.Z));
        }
        return result;
    }
}
