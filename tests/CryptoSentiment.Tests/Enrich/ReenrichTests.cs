using System.Diagnostics;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Tests.GoldCheck;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Enrich;

public class ReenrichTests
{
    /// <summary>A lake whose news was ingested while the LLM was down for some batches (gold refreshed, warehouse loaded).</summary>
    private sealed class Outage : IDisposable
    {
        public TempLake T { get; } = new();
        public FakeLlmScorer Scorer { get; } = new();
        public required GeneratedStream Stream { get; init; }
        public required List<EventBatch> News { get; init; }
        public required List<EventBatch> Prices { get; init; }
        public DateTimeOffset Now => IngestTime(Stream);
        private readonly List<CryptoPipeline> _open = [];

        public CryptoPipeline Open(ISentimentScorer? scorer = null)
        {
            var p = new CryptoPipeline(T.Settings, scorer ?? Scorer, new FixedClock(Now));
            _open.Add(p);
            return p;
        }

        public static async Task<Outage> CreateAsync(int seed, Func<int, bool> downForBatch, int newsBatchesToIngest = int.MaxValue)
        {
            var stream = new SampleStreamGenerator(seed, Start).Generate(360, 48);
            var o = new Outage
            {
                Stream = stream, News = stream.ToBatches(EventStream.News, 20, 2).ToList(), Prices = stream.ToBatches(EventStream.Prices, 300, 2).ToList(),
            };
            var p = o.Open();
            foreach (var b in o.Prices) await p.IngestAsync(b);
            for (var i = 0; i < o.News.Count && i < newsBatchesToIngest; i++)
            {
                o.Scorer.Mode = downForBatch(i) ? FakeMode.Down : FakeMode.Healthy;
                Assert.True((await p.IngestAsync(o.News[i])).Reconciles);
            }
            o.Scorer.Mode = FakeMode.Healthy;
            o.Scorer.Reset();
            await p.RefreshGoldAsync();
            await p.LoadWarehouseAsync();
            return o;
        }

        public void Dispose()
        {
            foreach (var p in _open) p.Dispose();
            T.Dispose();
        }
    }

    private static readonly IReadOnlyList<ColumnDef> Columns = LakeTables.SilverNewsSentiment.Columns;
    private static int Col(string name) => Columns.ToList().FindIndex(c => c.Name == name);

    /// <summary>Every silver news row, keyed by (article_id, coin), all columns in table order.</summary>
    private static async Task<Dictionary<string, object?[]>> SilverAsync(Lakehouse lake)
    {
        using var c = await ViewsAsync(lake);
        var rows = new Dictionary<string, object?[]>();
        using var r = c.Query($"SELECT {string.Join(", ", Columns.Select(col => DuckDbConnection.QuoteIdentifier(col.Name)))} FROM silver_news_sentiment");
        while (r.Read())
        {
            var v = new object?[Columns.Count];
            for (var i = 0; i < v.Length; i++) v[i] = r.GetValue(i);
            rows.Add($"{v[0]}/{v[1]}", v);
        }
        return rows;
    }

    private static readonly string[] SentimentColumns = ["label", "polarity", "confidence", "context_summary", "scorer", "model", "prompt_version", "tokens_in", "tokens_out"];

    [Fact]
    public async Task FallbackRowsAreReplacedAndGoldAndWarehouseFollow()
    {
        using var x = await Outage.CreateAsync(31, i => i % 3 != 1);
        var p = x.Open();
        var before = await SilverAsync(p.Lake);
        var fallback = before.Where(kv => (string)kv.Value[Col("scorer")]! == "fallback").Select(kv => kv.Key).ToHashSet();
        Assert.True(fallback.Count >= 50 && before.Count - fallback.Count >= 20, $"{fallback.Count} fallback of {before.Count} rows");
        var fallbackDays = fallback.Select(k => DateOnly.FromDateTime(((DateTimeOffset)before[k][Col("published_at")]!).UtcDateTime)).ToHashSet();
        var dailyBefore = await IndependentGold.SnapshotAsync(x.T.Settings, LakeTables.GoldCoinDaily, ["coin", "day"]);
        var silverVersion = (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!.Version;

        var o = await p.ReenrichAsync();

        // One commit replaced exactly the fallback rows.
        Assert.True(o.Changed);
        Assert.Equal(silverVersion + 1, o.Version);
        Assert.Equal((fallback.Count, fallback.Count, o.FallbackArticles), (o.FallbackRows, o.ReplacedRows, o.RescoredArticles));
        Assert.Equal(o.FallbackArticles, o.Sentiment.Headlines);
        Assert.True(o.Sentiment.CacheHits > 0, "headlines answered while the LLM was up are not paid for again");
        Assert.Equal(o.Sentiment.Headlines, o.Sentiment.CacheHits + o.Sentiment.CacheMisses);
        Assert.Equal(o.Sentiment.CacheMisses - o.Sentiment.Deduplicated, x.Scorer.ScoredTexts.Count());
        Assert.Equal((o.Sentiment.CacheMisses - o.Sentiment.Deduplicated + 24) / 25, x.Scorer.CallCount);
        var after = await SilverAsync(p.Lake);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (key, was) in before)
        {
            var now = after[key];
            if (!fallback.Contains(key)) { Assert.Equal(was, now); continue; }
            for (var i = 0; i < Columns.Count; i++)
                if (!SentimentColumns.Contains(Columns[i].Name)) Assert.Equal(was[i], now[i]);
            var (label, confidence) = FakeLlmScorer.Answer((string)was[Col("title")]!);
            Assert.Equal(("llm", label.ToString(), (int)label, confidence, "fake-gpt", "p1"),
                ((string)now[Col("scorer")]!, (string)now[Col("label")]!, (int)now[Col("polarity")]!, (double)now[Col("confidence")]!,
                 (string)now[Col("model")]!, (string)now[Col("prompt_version")]!));
        }

        // Gold: the days of the replaced rows are recomputed, and gold equals an independent full recompute from silver.
        var gold = await p.RefreshGoldAsync();
        Assert.Subset(gold.TouchedDays.ToHashSet(), fallbackDays);
        await IndependentGold.VerifyAsync(x.T.Settings, "after reenrich");
        var dailyAfter = await IndependentGold.SnapshotAsync(x.T.Settings, LakeTables.GoldCoinDaily, ["coin", "day"]);
        Assert.Equal(dailyBefore.Keys.Order(), dailyAfter.Keys.Order());
        Assert.Contains(dailyBefore, kv => !kv.Value.SequenceEqual(dailyAfter[kv.Key], new SameValue()));

        // Warehouse: HEADLINES takes the new answers (only those rows change).
        var load = await p.LoadWarehouseAsync();
        Assert.Equal(fallback.Count, load.Changed["HEADLINES"]);
        await EndToEndTests.AssertWarehouseMirrorsLakeAsync(p.Lake, x.T.WarehouseFile);
        await AssertVerifiesAsync(p.Lake);

        // Again (and after a restart): nothing left to do, nothing changes.
        var state = await StateAsync(p.Lake);
        foreach (var q in new[] { p, x.Open() })
        {
            var again = await q.ReenrichAsync();
            Assert.Equal((0, false), (again.FallbackRows, again.Changed));
            Assert.Same(GoldOutcome.Nothing, await q.RefreshGoldAsync());
            Assert.Equal(state, await StateAsync(q.Lake), new LakeStateComparer());
        }
    }

    [Fact]
    public async Task WithTheScorerStillFailingNothingChanges()
    {
        using var x = await Outage.CreateAsync(32, _ => true);   // never answered: nothing in the cache either
        var p = x.Open();
        var state = await StateAsync(p.Lake);
        var rows = await SilverAsync(p.Lake);
        var fallbackArticles = rows.Values.Where(v => (string)v[Col("scorer")]! == "fallback").Select(v => v[0]).Distinct().Count();
        Assert.True(fallbackArticles > 20);

        x.Scorer.Mode = FakeMode.Down;
        for (var run = 0; run < 2; run++)
        {
            var o = await p.ReenrichAsync();
            Assert.False(o.Changed);
            Assert.Equal((fallbackArticles, 0, 0), (o.FallbackArticles, o.ReplacedRows, o.FilesRewritten));
            Assert.Equal(new Dictionary<string, int> { ["fallback"] = fallbackArticles }, o.Sentiment.HeadlinesByScorer);
            Assert.Equal(state, await StateAsync(p.Lake), new LakeStateComparer());   // not even the cache table moved
        }
        Assert.True(x.Scorer.CallCount >= 2);   // it did try

        x.Scorer.Mode = FakeMode.Throws;
        await Assert.ThrowsAsync<HttpRequestException>(() => p.ReenrichAsync());
        Assert.Equal(state, await StateAsync(p.Lake), new LakeStateComparer());
        Assert.Equal(rows.Keys.Order(), (await SilverAsync(p.Lake)).Keys.Order());
        Assert.Same(GoldOutcome.Nothing, await p.RefreshGoldAsync());
        await AssertVerifiesAsync(p.Lake);
    }

    [Fact]
    public async Task CachedAnswersReplaceFallbackRowsEvenWhileTheLlmIsDown()
    {
        using var x = await Outage.CreateAsync(37, i => i % 3 != 1);
        var p = x.Open();
        x.Scorer.Mode = FakeMode.Down;
        var o = await p.ReenrichAsync();
        Assert.True(o.Changed && o.Sentiment.CacheHits > 0, $"cache hits {o.Sentiment.CacheHits}");
        Assert.Equal(o.Sentiment.CacheHits, o.RescoredArticles);
        Assert.Equal(0L, o.Sentiment.TokensIn + o.Sentiment.TokensOut);
        Assert.Equal(o.FallbackArticles - o.RescoredArticles,
            await CountAsync(p.Lake, "SELECT count(DISTINCT article_id) FROM silver_news_sentiment WHERE scorer = 'fallback'"));
        await p.RefreshGoldAsync();
        await AssertVerifiesAsync(p.Lake);
        await IndependentGold.VerifyAsync(x.T.Settings, "cached answers while down");
    }

    [Fact]
    public async Task PartialAnswersReplaceOnlyTheAnsweredRows()
    {
        using var x = await Outage.CreateAsync(33, _ => true);
        var p = x.Open();
        static bool Stubborn(string title) => FakeLlmScorer.Answer(title).Confidence < 0.65;
        x.Scorer.FallsBackOn = Stubborn;

        var first = await p.ReenrichAsync();
        Assert.True(first.Changed);
        var rows = await SilverAsync(p.Lake);
        Assert.All(rows.Values, v => Assert.Equal(Stubborn((string)v[Col("title")]!) ? "fallback" : "llm", (string)v[Col("scorer")]!));
        Assert.Contains(rows.Values, v => (string)v[Col("scorer")]! == "fallback");
        await p.RefreshGoldAsync();
        await AssertVerifiesAsync(p.Lake);

        // The same partial outage again: the stubborn ones are asked again (not cached), nothing changes.
        var state = await StateAsync(p.Lake);
        x.Scorer.Reset();
        var second = await p.ReenrichAsync();
        Assert.False(second.Changed);
        Assert.Equal(first.FallbackArticles - first.RescoredArticles, second.FallbackArticles);
        Assert.Equal(second.FallbackArticles, x.Scorer.ScoredTexts.Count() + second.Sentiment.Deduplicated);
        Assert.Equal(state, await StateAsync(p.Lake), new LakeStateComparer());

        // Healthy: the rest is replaced.
        x.Scorer.FallsBackOn = null;
        var third = await p.ReenrichAsync();
        Assert.True(third.Changed);
        Assert.Equal(0, await CountAsync(p.Lake, "SELECT count(*) FROM silver_news_sentiment WHERE scorer <> 'llm'"));
        await p.RefreshGoldAsync();
        await IndependentGold.VerifyAsync(x.T.Settings, "after partial reenrich");
        await AssertVerifiesAsync(p.Lake);
    }

    [Fact]
    public async Task IngestCommittingDuringReenrichLosesNothing()
    {
        using var x = await Outage.CreateAsync(34, _ => true, newsBatchesToIngest: 8);
        var reenricher = x.Open();
        var ingester = x.Open(new FakeLlmScorer());
        var ingested = false;
        x.Scorer.OnCall = async _ =>
        {
            if (ingested) return;
            ingested = true;   // another instance commits the rest of the stream while the LLM answers
            foreach (var b in x.News.Skip(8)) Assert.True((await ingester.IngestAsync(b)).Reconciles);
        };
        var o = await reenricher.ReenrichAsync();
        Assert.True(ingested && o.Changed);

        var e = x.Stream.Expected;
        using var c = await ViewsAsync(reenricher.Lake);
        Assert.Equal(e.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) - count(DISTINCT (article_id, coin)) FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE scorer = 'fallback'"));
        // The reenrich commit landed after the concurrent ingest commits.
        var log = await DeltaLog.ReadCommitAsync(reenricher.Lake.Store, LakeTables.SilverNewsSentiment.Path, o.Version!.Value) ?? [];
        var info = log.Single(a => a.CommitInfo is not null).CommitInfo!;
        Assert.Equal(ReenrichStep.Operation, info.Operation);
        Assert.True(o.Version > info.ReadVersion + 1, $"read v{info.ReadVersion}, committed v{o.Version}");
        await reenricher.RefreshGoldAsync();
        await AssertVerifiesAsync(reenricher.Lake);
        await IndependentGold.VerifyAsync(x.T.Settings, "ingest during reenrich");
    }

    [Fact]
    public async Task TwoReenrichesAtOnceReplaceOnce()
    {
        using var x = await Outage.CreateAsync(35, i => i % 2 == 0);
        var first = x.Open();
        var second = x.Open(new FakeLlmScorer());
        var before = await SilverAsync(first.Lake);
        ReenrichOutcome? other = null;
        x.Scorer.OnCall = async _ => other ??= await second.ReenrichAsync();   // the other instance wins the race

        var o = await first.ReenrichAsync();
        Assert.True(other!.Changed);
        Assert.False(o.Changed);                      // redone on the winner's result: nothing left
        Assert.Equal(0, o.FallbackRows);
        Assert.True(o.Sentiment.Headlines > 0);       // what the lost attempt asked for is still accounted for

        var after = await SilverAsync(first.Lake);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(after.Values, v => Assert.Equal("llm", (string)v[Col("scorer")]!));
        // The loser's rewritten file was deleted: every parquet file on disk is one the log added.
        var table = LakeTables.SilverNewsSentiment;
        var snapshot = (await first.Lake.SnapshotIfExistsAsync(table))!;
        var added = new HashSet<string>();
        for (var v = 0L; v <= snapshot.Version; v++)
            foreach (var a in await DeltaLog.ReadCommitAsync(first.Lake.Store, table.Path, v) ?? [])
                if (a.Add is { } add) added.Add(DeltaPaths.DecodeActionPath(add.Path));
        var dir = Path.Combine(x.T.LakeDir, table.Path);
        Assert.Equal(added.Order(), Directory.GetFiles(dir, "*.parquet", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Where(f => !f.StartsWith("_delta_log/", StringComparison.Ordinal)).Order());
        await first.RefreshGoldAsync();
        await AssertVerifiesAsync(first.Lake);
    }

    [Fact]
    public async Task OfflineScorerSkipsReenrich()
    {
        using var x = await Outage.CreateAsync(36, i => i < 3, newsBatchesToIngest: 4);
        var p = x.Open(OfflineScorer.Default);
        var state = await StateAsync(p.Lake);
        var o = await p.ReenrichAsync();
        Assert.NotNull(o.Skipped);
        Assert.False(o.Changed);
        Assert.Equal(state, await StateAsync(p.Lake), new LakeStateComparer());
    }

    [Fact]
    public async Task CliReenrichRunsAndExplainsWhenTheScorerIsOffline()
    {
        using var t = new TempLake();
        var dll = Path.Combine(AppContext.BaseDirectory, "crypto-sentiment.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = t.Root };
        foreach (var a in new[] { dll, "reenrich", "--lake", t.LakeDir, "--warehouse", t.WarehouseFile }) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "LAKE_URI", "WAREHOUSE", "SENTIMENT_SCORER", "AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL" }) psi.Environment.Remove(v);
        psi.Environment["NO_COLOR"] = "1";
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        await proc.WaitForExitAsync();
        Assert.True(proc.ExitCode == 0, $"exit {proc.ExitCode}\n{await stdout}\n{await stderr}");
        Assert.Contains("reenrich: skipped", await stdout);
    }

    private sealed class SameValue : IEqualityComparer<object?>
    {
        public new bool Equals(object? a, object? b) => IndependentGold.Same(a, b);
        public int GetHashCode(object? o) => 0;
    }

    private sealed class LakeStateComparer : IEqualityComparer<LakeState>
    {
        public bool Equals(LakeState? a, LakeState? b) =>
            a is not null && b is not null && a.Rows.OrderBy(kv => kv.Key).SequenceEqual(b.Rows.OrderBy(kv => kv.Key))
            && a.Versions.OrderBy(kv => kv.Key).SequenceEqual(b.Versions.OrderBy(kv => kv.Key));
        public int GetHashCode(LakeState s) => 0;
    }
}
