using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Tests.Enrich;
using CryptoSentiment.Tests.Pipeline;
using Xunit.Abstractions;

namespace CryptoSentiment.Tests.Alerts;

/// <summary>
/// gold/alerts and gold/scorer_daily (ARCHITECTURE §10) on generated streams: a calm stream, the same stream with an injected
/// sentiment swing, a day whose label mix shifts, and the LLM agreement sample; plus an independent recompute of the hourly
/// alerts from gold/coin_hourly.
/// </summary>
public sealed class AlertTests(CalmLakeFixture calm, ITestOutputHelper output) : IClassFixture<CalmLakeFixture>
{
    [Fact]
    public async Task CalmStream_RaisesNoSentimentShiftAndNoScorerDrift_AndAlertsMatchTheIndependentRecompute()
    {
        using var t = new TempLake();
        calm.CopyTo(t);
        using var p = PipelineTestKit.Open(t, calm.Now);
        var alerts = await AlertKit.AlertsAsync(p.Lake);
        output.WriteLine(string.Join("\n", alerts.GroupBy(a => a.Kind).Select(g => $"{g.Key}: {g.Count()}")));
        foreach (var a in alerts.Where(a => a.Kind == "sentiment_shift")) output.WriteLine($"{a.Hour:O} {a.Message}");
        Assert.DoesNotContain(alerts, a => a.Kind == "sentiment_shift");
        Assert.DoesNotContain(alerts, a => a.Kind == "scorer_drift");
        // the stream's news bursts and price moves do raise the other kinds: the table is not simply empty
        Assert.Contains(alerts, a => a.Kind == "volume_spike");
        Assert.Contains(alerts, a => a.Kind == "divergence");

        using var c = await PipelineTestKit.ViewsAsync(p.Lake);
        // scorer_daily: one offline row per day, a PSI from the second day on, never drifted
        var days = c.Scalar<long>("SELECT count(*) FROM gold_scorer_daily");
        Assert.Equal(CalmLakeFixture.Days, days);
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM gold_scorer_daily WHERE drifted"));
        Assert.Equal(CalmLakeFixture.Days - 1, c.Scalar<long>("SELECT count(psi) FROM gold_scorer_daily"));
        Assert.True(c.Scalar<double>("SELECT max(psi) FROM gold_scorer_daily") < 0.1);
        Assert.Equal(0, c.Scalar<long>("SELECT count(agreement_offline) FROM gold_scorer_daily")); // no LLM, no sample

        // independent recompute of the hourly kinds: the same (kind, coin, first hour), values and z-scores
        var expected = AlertReference.Compute(c, AlertThresholds.Default);
        var actual = alerts.Where(a => a.Kind != "scorer_drift").ToList();
        Assert.Equal(expected.Select(e => (e.Kind, e.Coin, e.Hour)).Order().ToList(), actual.Select(a => (a.Kind, a.Coin!, a.Hour)).Order().ToList());
        foreach (var e in expected)
        {
            var a = actual.Single(x => x.Kind == e.Kind && x.Coin == e.Coin && x.Hour == e.Hour);
            Assert.Equal(e.Value, a.Value!.Value, 9);
            if (e.Baseline is { } b) Assert.Equal(b, a.Baseline!.Value, 9);
            if (e.Z is { } z) Assert.Equal(z, a.ZScore!.Value, 9);
            Assert.Equal(e.Kind == "divergence" ? "info" : Math.Abs(e.Z!.Value) >= 6 ? "critical" : "warning", a.Severity);
        }
        Assert.Equal(alerts.Count, alerts.Select(a => a.AlertId).Distinct().Count());
        await PipelineTestKit.AssertVerifiesAsync(p.Lake);
    }

    [Fact]
    public async Task InjectedSwing_RaisesExactlyOneSentimentShiftForThatCoinWithinTwoHours()
    {
        using var t = new TempLake();
        calm.CopyTo(t);
        var swing = CalmLakeFixture.Start.AddDays(8).AddHours(12);
        using var p = PipelineTestKit.Open(t, calm.Now);
        var before = await AlertKit.AlertsAsync(p.Lake);
        foreach (var b in AlertKit.Batches(AlertKit.NegativeSwing("SOL", "Solana", swing, hours: 3, perHour: 25), "swing", calm.Now))
            Assert.True((await p.IngestAsync(b)).Reconciles);
        var o = await p.RefreshGoldAsync();
        Assert.Equal(swing.UtcDateTime.Date, o.RecomputedDays.Min().ToDateTime(TimeOnly.MinValue)); // incremental: from the swing's day on

        var alerts = await AlertKit.AlertsAsync(p.Lake);
        var shift = Assert.Single(alerts, a => a.Kind == "sentiment_shift");
        output.WriteLine($"{shift.Hour:O} {shift.Message}");
        Assert.Equal("SOL", shift.Coin);
        Assert.InRange(shift.Hour, swing, swing.AddHours(2));
        Assert.True(shift.ZScore <= -4 && shift.Value <= shift.Baseline - 0.4, shift.Message);
        Assert.Equal(shift.AlertId, Md5($"sentiment_shift|SOL|{shift.Hour.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}"));
        // the alerts of the days before the swing are untouched (same ids)
        Assert.Equal(before.Where(a => a.Day < DateOnly.FromDateTime(swing.UtcDateTime)).Select(a => a.AlertId),
            alerts.Where(a => a.Day < DateOnly.FromDateTime(swing.UtcDateTime)).Select(a => a.AlertId));
        // a second refresh changes nothing; verify passes
        Assert.Same(GoldOutcome.Nothing, await p.RefreshGoldAsync());
        await PipelineTestKit.AssertVerifiesAsync(p.Lake);
    }

    [Fact]
    public async Task LabelMixShift_MarksThatDayDrifted_AndRaisesOneScorerDriftAlert()
    {
        // The first 9 days scored normally; on the last day the scorer answers Neutral for everything (a broken cache).
        using var t = new TempLake();
        var last = DateOnly.FromDateTime(calm.Stream.End.UtcDateTime.AddHours(-1));
        var early = calm.Stream.News.Where(b => DayOf(b) < last).ToList();
        var lastDay = calm.Stream.News.Where(b => DayOf(b) >= last).ToList();
        using (var p = PipelineTestKit.Open(t, calm.Now))
        {
            foreach (var b in calm.Stream.ToBatches(EventStream.Prices, 400, 1)) await p.IngestAsync(b);
            foreach (var b in EventBatcher.ToBatches(early, EventStream.News, 200, 1, calm.Now)) await p.IngestAsync(b);
            await p.RefreshGoldAsync();
        }
        using (var p = new CryptoPipeline(t.Settings, new NeutralScorer(), new FixedClock(calm.Now)))
        {
            foreach (var b in EventBatcher.ToBatches(lastDay, EventStream.News, 200, 1, calm.Now, firstSequenceNumber: early.Count)) await p.IngestAsync(b);
            await p.RefreshGoldAsync();
            using var c = await PipelineTestKit.ViewsAsync(p.Lake);
            var drifted = PipelineTestKit.GroupCount(c, "SELECT CAST(day AS VARCHAR), count(*) FROM gold_scorer_daily WHERE drifted GROUP BY day");
            Assert.Equal([last.ToString("yyyy-MM-dd")], drifted.Keys);
            Assert.True(c.Scalar<double>($"SELECT max(psi) FROM gold_scorer_daily WHERE day = DATE '{last:yyyy-MM-dd}'") > 1);
            Assert.Equal(1.0, c.Scalar<double>($"SELECT max(share_neutral) FROM gold_scorer_daily WHERE day = DATE '{last:yyyy-MM-dd}'"), 9);
            var alert = Assert.Single(AlertKit.Alerts(c), a => a.Kind == "scorer_drift");
            Assert.Equal(last, alert.Day);
            Assert.Null(alert.Coin);
            Assert.Equal(new DateTimeOffset(last.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), alert.Hour);
            Assert.Equal("critical", alert.Severity); // PSI far above twice the threshold
        }

        // the UTC day of a news body (malformed ones: the first day)
        static DateOnly DayOf(byte[] body)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(body);
                return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("published_at", out var at)
                    && at.ValueKind == System.Text.Json.JsonValueKind.String
                    && DateTimeOffset.TryParse(at.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                        System.Globalization.DateTimeStyles.AssumeUniversal, out var t) && t.Year < 2050
                    ? DateOnly.FromDateTime(t.UtcDateTime) : DateOnly.MinValue;
            }
            catch (System.Text.Json.JsonException) { return DateOnly.MinValue; }
        }
    }

    [Fact]
    public async Task LlmSample_RecordsOfflineAgreementPerDay()
    {
        using var t = new TempLake();
        var settings = t.Settings with { ScorerAgreementSample = 0.5 };
        var news = calm.Stream.ToBatches(EventStream.News, 200, 1).Take(6).ToList();
        using var p = new CryptoPipeline(settings, new FakeLlmScorer(), new FixedClock(calm.Now));
        foreach (var b in news) { await p.IngestAsync(b); await p.IngestAsync(b); } // a redelivery adds no sample twice
        await p.RefreshGoldAsync();
        using var c = await PipelineTestKit.ViewsAsync(p.Lake);
        var sampled = c.Scalar<long>("SELECT count(*) FROM silver_scorer_agreement");
        var llm = c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment WHERE scorer = 'llm'");
        Assert.Equal(c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_scorer_agreement"), sampled);
        Assert.InRange(sampled, llm / 4, llm * 3 / 4); // about half, by hash
        // independent: per day, the share of sampled headlines whose offline label equals the fake LLM's
        var titles = new Dictionary<string, (DateOnly Day, string Title, string Label)>();
        using (var r = c.Query("SELECT DISTINCT article_id, day, title, label FROM silver_news_sentiment WHERE scorer = 'llm'"))
            while (r.Read()) titles[r.GetString(0)] = (r.GetDate(1), r.GetString(2), r.GetString(3));
        var ids = new List<string>();
        using (var r = c.Query("SELECT article_id FROM silver_scorer_agreement")) while (r.Read()) ids.Add(r.GetString(0));
        Assert.All(ids, id => Assert.True(ScorerAgreementSampled(id)));
        var expected = ids.GroupBy(id => titles[id].Day).ToDictionary(g => g.Key,
            g => g.Average(id => OfflineScorer.Default.Evaluate(titles[id].Title).Label.ToString() == titles[id].Label ? 1.0 : 0.0));
        using (var r = c.Query("SELECT day, agreement_offline FROM gold_scorer_daily WHERE scorer = 'llm'"))
            while (r.Read())
                if (expected.TryGetValue(r.GetDate(0), out var e)) Assert.Equal(e, r.GetDouble(1), 9);
                else Assert.True(r.IsNull(1));
        Assert.NotEmpty(expected);
        await PipelineTestKit.AssertVerifiesAsync(p.Lake);

        static bool ScorerAgreementSampled(string id) => CryptoSentiment.Pipeline.Silver.ScorerAgreement.Sampled(id, 0.5);
    }

    private static string Md5(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(s)));

    /// <summary>A scorer that answers Neutral for every headline, as the offline scorer would be named (a broken model/cache).</summary>
    private sealed class NeutralScorer : ISentimentScorer
    {
        public string Name => OfflineScorer.ScorerName;

        public ValueTask<IReadOnlyList<SentimentResult>> ScoreAsync(IReadOnlyList<SentimentRequest> batch, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<SentimentResult>>(batch.Select(q =>
                new SentimentResult(q.Id, SentimentLabel.Neutral, 0.9, [], "", OfflineScorer.ScorerName, OfflineScorer.Default.Model, "", 0, 0)).ToList());
    }
}
