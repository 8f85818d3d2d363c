using System.Globalization;
using CryptoSentiment.Configuration;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>
/// The thresholds of gold/alerts and gold/scorer_daily (ARCHITECTURE §10; settings <c>ALERT_*</c> and <c>SCORER_DRIFT_*</c>,
/// see <see cref="Settings"/>). The gold SQL reads them from the one-row temp table <see cref="Table"/>.
/// </summary>
/// <param name="ShiftZScore">sentiment_shift: |z| of score_24h against the coin's trailing 7 days at least this.</param>
/// <param name="ShiftMinDelta">sentiment_shift: |score_24h − 7-day mean| at least this (score units, −1 … +1).</param>
/// <param name="ShiftMinMentions">sentiment_shift: mentions in the 24-hour window at least this (one headline cannot trigger it).</param>
/// <param name="VolumeZScore">volume_spike: z of the hour's mentions against the coin's trailing 7-day hourly counts at least this.</param>
/// <param name="VolumeMinMentions">volume_spike: mentions in the hour at least this.</param>
/// <param name="CriticalZScore">severity critical from this |z| on (else warning).</param>
/// <param name="DriftPsi">scorer_daily.drifted: PSI of the label mix at least this ...</param>
/// <param name="DriftFallbackShare">... or the day's fallback share at least this.</param>
/// <param name="DriftMinHeadlines">PSI counts towards drift only for rows with at least this many headlines (tiny samples are noise).</param>
/// <param name="BaselineMinDays">sentiment_shift and volume_spike need the coin to have hourly rows on at least this many of the 7 baseline days.</param>
public sealed record AlertThresholds(
    double ShiftZScore = 4.0, double ShiftMinDelta = 0.4, int ShiftMinMentions = 30,
    double VolumeZScore = 4.0, int VolumeMinMentions = 10, double CriticalZScore = 6.0,
    double DriftPsi = 0.2, double DriftFallbackShare = 0.2, int DriftMinHeadlines = 30, int BaselineMinDays = 5)
{
    /// <summary>The temp table the gold SQL reads the thresholds from.</summary>
    public const string Table = "gold_alert_settings";

    public static readonly AlertThresholds Default = new();

    /// <summary>The thresholds the settings give.</summary>
    public static AlertThresholds From(Settings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.AlertShiftZScore, s.AlertShiftMinDelta, s.AlertShiftMinMentions, s.AlertVolumeZScore, s.AlertVolumeMinMentions,
            s.AlertCriticalZScore, s.ScorerDriftPsi, s.ScorerDriftFallbackShare, s.ScorerDriftMinHeadlines, s.AlertBaselineMinDays);
    }

    /// <summary>SQL that (re)creates <see cref="Table"/> with these values.</summary>
    public string CreateSql() => string.Create(CultureInfo.InvariantCulture,
        $"CREATE OR REPLACE TEMP TABLE {Table} AS SELECT {ShiftZScore}::DOUBLE AS shift_zscore, {ShiftMinDelta}::DOUBLE AS shift_min_delta, " +
        $"{ShiftMinMentions}::BIGINT AS shift_min_mentions, {VolumeZScore}::DOUBLE AS volume_zscore, {VolumeMinMentions}::BIGINT AS volume_min_mentions, " +
        $"{CriticalZScore}::DOUBLE AS critical_zscore, {DriftPsi}::DOUBLE AS drift_psi, {DriftFallbackShare}::DOUBLE AS drift_fallback_share, " +
        $"{DriftMinHeadlines}::BIGINT AS drift_min_headlines, {BaselineMinDays}::BIGINT AS baseline_min_days");
}
