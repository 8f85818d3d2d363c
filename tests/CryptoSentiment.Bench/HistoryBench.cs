using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CryptoSentiment.Testing;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Pipeline.Warehouse;
using Spectre.Console;

namespace CryptoSentiment.Bench;

/// <summary>
/// <c>bench</c> history row (ARCHITECTURE §8/§9): builds a lake of ≥ 60 days of the generated stream replayed in batches of 25
/// (news and prices interleaved in time order, ingest time following the stream, gold refresh + warehouse load every 200
/// batches like the 5-minute timer), runs <c>maintain</c> (retention 0: the bench is the lake's only user), and measures,
/// side by side with an EMPTY lake, in child processes pinned to CPU 0:
/// a cold single 10-event batch in a new process (ingest + gold refresh + warehouse load; wall time and peak memory),
/// a warm batch, the refresh of the one touched day, the incremental warehouse load (time; rows sent vs rows of the touched
/// day), and an idle <c>reenrich</c> with the LLM scorer against the loopback server. Figures are medians of repeats;
/// ratios are history-lake / empty-lake. With <c>--history-keep</c> the temp folder (lakes and warehouses) is kept for inspection.
/// </summary>
internal static class HistoryBench
{
    public const int Days = 60;

    /// <summary>The look-back of the busiest recurring work (gold: the day and the 7 before it): the "window" lake, built with the
    /// same daily density over only this many days, shows what a batch costs when history adds nothing to read.</summary>
    public const int WindowDays = 8;
    public const int BatchSize = 25;
    public const int Partitions = 4;
    public const int RefreshEveryBatches = 200;
    public const int ProbeEvents = 10;
    public const double RatioTarget = 1.5;
    public const int FilesPerPartitionTarget = 2;
    public const double SentTarget = 2;

    private const int ColdRepeats = 5;
    private const int WarmRepeats = 9;
    private const int WarmRounds = 3;
    private const int ReenrichRepeats = 3;
    /// <summary>What a child process is told (hidden bench options: the lake, the warehouse file, the probe day and tag).</summary>
    public sealed record ChildArgs(string Lake, string Warehouse, DateOnly Day, string Tag)
    {
        public Settings Settings => new() { LakeUri = Lake, Warehouse = "duckdb:" + Warehouse };
    }

    private static readonly string[] Lakes = ["empty", "window", "history"];

    // ---------------------------------------------------------------- parent: build, maintain, measure in children

    /// <summary>The whole history phase; <paramref name="status"/> gets progress text (plain, not markup).</summary>
    public static async Task<Dictionary<string, double>> RunAsync(int newsEvents, Action<string> status, CancellationToken ct, bool keep = false)
    {
        var root = Directory.CreateTempSubdirectory("cs-bench-history-");
        try
        {
            var r = new Dictionary<string, double>();
            var (lake, warehouse, lastDay) = await PrepareAsync(root.FullName, "history", Days, newsEvents, "", r, status, ct);
            var (windowLake, windowWarehouse, windowLastDay) =
                await PrepareAsync(root.FullName, "window", WindowDays, Math.Max(1, newsEvents * WindowDays / Days), "window_", r, status, ct);
            if (windowLastDay != lastDay) throw new InvalidOperationException($"the window lake ends on {windowLastDay}, the history lake on {lastDay}");
            (string, string) LakeOf(string name, string run) => name switch
            {
                "history" => (lake, warehouse),
                "window" => (windowLake, windowWarehouse),
                _ => EmptyLake(root.FullName, run),
            };

            // Runs of one child process per lake, the lakes taking turns in each run, so a slow spell of the machine falls on all of
            // them alike. The empty lake is a fresh folder each run; the others keep the earlier runs' probe events. Each result
            // also holds the child's wall time (wall_s).
            async Task<Dictionary<string, List<Dictionary<string, double>>>> RunsAsync(string phase, string name, int runs, string what)
            {
                var results = Lakes.ToDictionary(l => l, _ => new List<Dictionary<string, double>>());
                for (var i = 1; i <= runs; i++)
                    foreach (var l in Lakes)
                    {
                        status($"history: {what}, {l} lake, run {i}/{runs} (one process, one core)");
                        var (dir, wh) = LakeOf(l, $"{name}-{i}");
                        var (res, wall) = await SpawnAsync(phase, dir, wh, lastDay, $"{name}-{i}", ct);
                        res["wall_s"] = wall;
                        results[l].Add(res);
                    }
                return results;
            }

            // Cold: a new process per single batch.
            var cold = await RunsAsync("history-cold", "cold", ColdRepeats, "cold single batch");
            foreach (var l in Lakes)
            {
                r[l + "_cold_wall_s"] = Median(cold[l].Select(x => x["wall_s"]));
                r[l + "_cold_work_s"] = Median(cold[l].Select(x => x["work_s"]));
                r[l + "_cold_ingest_s"] = Median(cold[l].Select(x => x["ingest_s"]));
                r[l + "_cold_refresh_s"] = Median(cold[l].Select(x => x["refresh_s"]));
                r[l + "_cold_load_s"] = Median(cold[l].Select(x => x["load_s"]));
                r[l + "_cold_peak_mib"] = Median(cold[l].Select(x => x["peak_mib"]));
            }

            // Warm: rounds of one process per lake; each figure is the median of the rounds' medians (the child's own figures).
            var warm = await RunsAsync("history-warm", "warm", WarmRounds, "warm batches, refresh, load and idle reenrich");
            foreach (var l in Lakes)
                foreach (var k in warm[l][0].Keys.Where(k => k != "wall_s"))
                    r[l + "_" + k] = Median(warm[l].Select(x => x[k]));

            double Ratio(string key) => r["history_" + key] / Math.Max(r["empty_" + key], 1e-9);
            r["cold_ratio"] = Ratio("cold_wall_s");
            r["warm_ratio"] = Ratio("warm_s");
            r["refresh_ratio"] = Ratio("refresh_s");
            r["load_ratio"] = Ratio("load_s");
            r["reenrich_ratio"] = Ratio("reenrich_s");
            r["reenrich_fresh_ratio"] = Ratio("reenrich_fresh_s");
            r["cold_peak_mem_ratio"] = Ratio("cold_peak_mib");
            // Growth with history at the same daily density: the 60-day lake against the 8-day one.
            double Growth(string key) => r["history_" + key] / Math.Max(r["window_" + key], 1e-9);
            r["growth_cold_ratio"] = Growth("cold_wall_s");
            r["growth_warm_ratio"] = Growth("warm_s");
            r["growth_refresh_ratio"] = Growth("refresh_s");
            r["growth_load_ratio"] = Growth("load_s");
            r["growth_reenrich_ratio"] = Growth("reenrich_s");
            r["growth_cold_peak_mem_ratio"] = Growth("cold_peak_mib");
            return r;
        }
        finally { if (!keep) root.Delete(true); else Console.Error.WriteLine("kept " + root.FullName); }
    }

    /// <summary>
    /// Builds a lake of <paramref name="days"/> days ending yesterday, runs <c>maintain</c> (retention 0: the bench is the lake's
    /// only user) and one refresh + load as the timer would next; figures go to <paramref name="r"/> under <paramref name="prefix"/>.
    /// </summary>
    private static async Task<(string Lake, string Warehouse, DateOnly LastDay)> PrepareAsync(string root, string name, int days, int newsEvents,
        string prefix, Dictionary<string, double> r, Action<string> status, CancellationToken ct)
    {
        var lake = Path.Combine(root, name, "lake");
        var warehouse = Path.Combine(root, name, "warehouse.duckdb");
        var built = new Dictionary<string, double>();
        var lastDay = await BuildAsync(lake, warehouse, days, newsEvents, built, status, ct);
        status($"history: maintain the {days}-day lake (optimize, vacuum, checkpoint, log cleanup; retention 0)");
        built["lake_mib_before_maintain"] = DirMiB(lake);
        using (var p = new CryptoPipeline(new Settings { LakeUri = lake, Warehouse = "duckdb:" + warehouse }, engineThreads: 1))
        {
            var sw = Stopwatch.StartNew();
            var tables = await p.MaintainAsync(new MaintenanceOptions { Retention = TimeSpan.Zero }, null, ct);
            built["maintain_s"] = sw.Elapsed.TotalSeconds;
            foreach (var t in tables.Where(t => t.Skipped is null))
            {
                built["files_before:" + t.Table] = t.LiveFilesBefore;
                built["files_after:" + t.Table] = t.LiveFilesAfter;
                built["max_files_per_partition:" + t.Table] = t.MaxFilesPerPartition;
            }
            // What the GoldRefresh timer does next (within 5 minutes): settle gold and the warehouse on the maintained lake, so
            // the measurements see the steady state. Its cost is reported on its own.
            status($"history: first gold refresh + warehouse load after maintain ({days}-day lake)");
            sw.Restart();
            var gold = await p.RefreshGoldAsync(ct);
            built["settle_refresh_s"] = sw.Elapsed.TotalSeconds;
            built["settle_refresh_days"] = gold.RecomputedDays.Count;
            sw.Restart();
            var load = await p.LoadWarehouseAsync(null, null, ct);
            built["settle_load_s"] = sw.Elapsed.TotalSeconds;
            built["settle_load_sent"] = load.Sent.Values.Sum();
            built["settle_load_full_tables"] = load.Modes.Values.Count(m => m.StartsWith("full", StringComparison.Ordinal));
        }
        built["lake_mib_after_maintain"] = DirMiB(lake);
        foreach (var (k, v) in built) r[prefix + k] = v;
        return (lake, warehouse, lastDay);
    }

    /// <summary>Builds a lake of <paramref name="days"/> days of the stream ending yesterday; returns its last day (where the probe batches are dated).</summary>
    private static async Task<DateOnly> BuildAsync(string lake, string warehouse, int days, int newsEvents, Dictionary<string, double> r,
        Action<string> status, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-days), TimeSpan.Zero);
        status($"history: generating {newsEvents:N0} headlines over {days} days");
        var stream = new SampleStreamGenerator(11, start).Generate(newsEvents, days * 24);
        var queues = stream.ToBatches(EventStream.News, BatchSize, Partitions).Concat(stream.ToBatches(EventStream.Prices, BatchSize, Partitions))
            .GroupBy(b => (b.Stream, b.PartitionId))
            .Select(g => new Queue<(EventBatch Batch, DateTimeOffset Key, DateTimeOffset Latest)>(g.Select(b => Timed(b, stream.End))))
            .ToList();
        var total = queues.Sum(q => q.Count);
        // Event Hubs partitions are read in order: merge the per-(stream, partition) queues by time, never reordering within one.
        var heads = new PriorityQueue<int, DateTimeOffset>();
        for (var i = 0; i < queues.Count; i++) if (queues[i].Count > 0) heads.Enqueue(i, queues[i].Peek().Key);

        var clock = new StreamClock(start);
        int batches = 0, refreshes = 0, quarantined = 0, duplicates = 0;
        double ingestS = 0, refreshS = 0, loadS = 0;
        using (var p = new CryptoPipeline(new Settings { LakeUri = lake, Warehouse = "duckdb:" + warehouse }, clock: clock, engineThreads: 1))
        {
            var sw = new Stopwatch();
            async Task RefreshAndLoadAsync()
            {
                sw.Restart();
                await p.RefreshGoldAsync(ct);
                refreshS += sw.Elapsed.TotalSeconds;
                sw.Restart();
                await p.LoadWarehouseAsync(null, null, ct);
                loadS += sw.Elapsed.TotalSeconds;
                refreshes++;
            }
            while (heads.TryDequeue(out var qi, out _))
            {
                var (batch, _, latest) = queues[qi].Dequeue();
                if (queues[qi].Count > 0) heads.Enqueue(qi, queues[qi].Peek().Key);
                // Ingest time follows the stream (bronze/quarantine ingest_date, the future_timestamp check) and never goes back.
                if (latest.AddMinutes(1) > clock.Now) clock.Now = latest.AddMinutes(1);
                sw.Restart();
                var outcome = await p.IngestAsync(batch, ct);
                ingestS += sw.Elapsed.TotalSeconds;
                quarantined += outcome.Quarantined;
                duplicates += outcome.Duplicates;
                if (++batches % RefreshEveryBatches == 0) await RefreshAndLoadAsync();
                if (batches % 50 == 0)
                    status($"history: building the {days}-day lake: batch {batches:N0}/{total:N0} (stream at {clock.Now:yyyy-MM-dd HH:mm}), " +
                           $"{started.Elapsed.TotalSeconds:0} s");
            }
            clock.Now = stream.End.AddMinutes(1);
            await RefreshAndLoadAsync();
        }
        r["build_s"] = started.Elapsed.TotalSeconds;
        r["build_ingest_s"] = ingestS;
        r["build_refresh_s"] = refreshS;
        r["build_load_s"] = loadS;
        r["build_refreshes"] = refreshes;
        r["build_batches"] = batches;
        r["build_news"] = stream.News.Count;
        r["build_prices"] = stream.Prices.Count;
        r["build_days"] = days;
        // Ingest time followed the stream: nothing beyond the generator's own malformed events is quarantined (e.g. as future_timestamp).
        r["build_quarantined"] = quarantined;
        r["build_expected_quarantined"] = stream.Expected.NewsRejected.Values.Sum() + stream.Expected.PricesRejected.Values.Sum();
        r["build_duplicates"] = duplicates;
        r["build_expected_news_duplicates"] = stream.Expected.NewsDuplicates;
        return DateOnly.FromDateTime(stream.End.UtcDateTime.AddDays(-1));
    }

    /// <summary>
    /// A batch with its merge key and its latest event time (both: when the batch is complete). Malformed events dated 50 years
    /// ahead are left out; malformed price events carry a random time within the stream, so price times more than 12 hours after
    /// the batch's median are left out too (a price batch spans ~3 hours; news are never filtered, their batches can span days
    /// when the stream is sparse).
    /// </summary>
    private static (EventBatch, DateTimeOffset, DateTimeOffset) Timed(EventBatch b, DateTimeOffset end)
    {
        var times = new List<DateTimeOffset>(b.Events.Count);
        foreach (var e in b.Events)
            if (EventTime(e.Body, b.Stream) is { } t && t < end) times.Add(t);
        if (times.Count == 0) return (b, end, end);
        times.Sort();
        var latest = b.Stream == EventStream.News ? times[^1] : times.Where(t => t <= times[times.Count / 2].AddHours(12)).Max();
        return (b, latest, latest);
    }

    private static DateTimeOffset? EventTime(ReadOnlyMemory<byte> body, EventStream stream)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                   && doc.RootElement.TryGetProperty(stream == EventStream.News ? "published_at" : "ts", out var v)
                   && v.ValueKind == JsonValueKind.String
                   && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                ? t.ToUniversalTime() : null;
        }
        catch (JsonException) { return null; }
        catch (ArgumentException) { return null; } // invalid UTF-8
    }

    private static (string Lake, string Warehouse) EmptyLake(string root, string name)
    {
        var dir = Path.Combine(root, "empty-" + name);
        Directory.CreateDirectory(Path.Combine(dir, "lake"));
        return (Path.Combine(dir, "lake"), Path.Combine(dir, "warehouse.duckdb"));
    }

    /// <summary>Runs a hidden bench phase in a new process pinned to CPU 0 (like the other phases); returns its JSON line and wall seconds.</summary>
    private static Task<(Dictionary<string, double> Result, double WallSeconds)> SpawnAsync(string phase, string lake, string warehouse,
        DateOnly day, string tag, CancellationToken ct) =>
        BenchCommand.RunPinnedAsync(phase, ["--history-lake", lake, "--history-warehouse", warehouse,
            "--history-day", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--history-tag", tag], null, ct);

    // ---------------------------------------------------------------- children

    /// <summary><c>--phase history-cold</c>: this new process ingests one 10-event news batch, refreshes gold and loads the warehouse.</summary>
    public static async Task<Dictionary<string, double>> ColdAsync(ChildArgs args, CancellationToken ct)
    {
        var (settings, day, tag) = (args.Settings, args.Day, args.Tag);
        var work = Stopwatch.StartNew();
        using var p = new CryptoPipeline(settings, engineThreads: 1);
        var sw = Stopwatch.StartNew();
        var batch = Accepted(await p.IngestAsync(Probe(day, tag), ct));
        var ingest = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var gold = await p.RefreshGoldAsync(ct);
        var refresh = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var load = await p.LoadWarehouseAsync(null, null, ct);
        var loadS = sw.Elapsed.TotalSeconds;
        return new()
        {
            ["work_s"] = work.Elapsed.TotalSeconds,
            ["since_start_s"] = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds,
            ["ingest_s"] = ingest, ["refresh_s"] = refresh, ["load_s"] = loadS,
            ["accepted"] = batch.Accepted, ["refresh_days"] = gold.RecomputedDays.Count, ["load_sent"] = load.Sent.Values.Sum(),
            ["peak_mib"] = BenchCommand.PeakMiB(),
        };
    }

    /// <summary>
    /// <c>--phase history-warm</c>: after one batch (warm caches and dedupe index), the next batches' ingest, one-day refresh and
    /// incremental load (medians), the rows that load sent vs the rows of the touched day, and an idle <c>reenrich</c> with the
    /// LLM scorer against the loopback server: after each batch on the same lake instance (as the Functions host's Reenrich timer
    /// runs it), and on a fresh pipeline (as the <c>reenrich</c> command does, the silver log read from the lake).
    /// </summary>
    public static async Task<Dictionary<string, double>> WarmAsync(ChildArgs args, CancellationToken ct)
    {
        var (settings, day, tag) = (args.Settings, args.Day, args.Tag);
        var r = new Dictionary<string, double>();
        var key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        await using var server = await OpenAiLoopbackServer.StartAsync(apiKey: key, ct: ct);
        var llm = settings with
        {
            SentimentScorer = "llm", OpenAiBaseUrl = server.BaseUrl.ToString(), AzureOpenAiDeployment = "bench-deployment", AzureOpenAiApiKey = key,
        };
        using (var p = new CryptoPipeline(settings, engineThreads: 1))
        {
            // The same lake instance (snapshots, engine) with the LLM scorer: not disposed, p owns the lake.
            var timer = new CryptoPipeline(llm, p.Lake);
            Accepted(await p.IngestAsync(Probe(day, tag + "-first"), ct));
            await p.RefreshGoldAsync(ct);
            await p.LoadWarehouseAsync(null, null, ct);
            await timer.ReenrichAsync(ct);
            List<double> ingest = [], refresh = [], load = [], reenrich = [], indicators = [], priorFiles = [];
            var sw = new Stopwatch();
            for (var i = 1; i <= WarmRepeats; i++)
            {
                sw.Restart();
                var batch = Accepted(await p.IngestAsync(Probe(day, $"{tag}-{i}"), ct));
                ingest.Add(sw.Elapsed.TotalSeconds);
                sw.Restart();
                var gold = await p.RefreshGoldAsync(ct);
                refresh.Add(sw.Elapsed.TotalSeconds);
                indicators.Add(gold.IndicatorTime.TotalSeconds);
                priorFiles.Add(gold.PriorFilesRead);
                sw.Restart();
                var loaded = await p.LoadWarehouseAsync(null, null, ct);
                load.Add(sw.Elapsed.TotalSeconds);
                sw.Restart();
                var idle = await timer.ReenrichAsync(ct);
                reenrich.Add(sw.Elapsed.TotalSeconds);
                if (i < WarmRepeats) continue;
                r["accepted"] = batch.Accepted;
                r["refresh_days"] = gold.RecomputedDays.Count;
                r["refresh_silver_files"] = gold.SilverFilesRead;
                r["refresh_silver_fetched"] = gold.SilverFilesFetched;
                r["load_sent"] = loaded.Sent.Values.Sum();
                r["load_incremental_tables"] = loaded.Modes.Values.Count(m => m.StartsWith("incremental", StringComparison.Ordinal));
                r["load_full_tables"] = loaded.Modes.Values.Count(m => m.StartsWith("full", StringComparison.Ordinal));
                r["load_touched"] = TouchedDayRows(settings.WarehouseDuckDbPath!, day);
                r["reenrich_files_scanned"] = idle.FilesScanned;
                r["reenrich_fallback_rows"] = idle.FallbackRows;
                r["reenrich_llm_calls"] = idle.Sentiment.Calls;
            }
            r["warm_ingest_s"] = Median(ingest);
            r["refresh_s"] = Median(refresh);
            r["refresh_indicators_s"] = Median(indicators);
            r["refresh_prior_files"] = Median(priorFiles);
            r["load_s"] = Median(load);
            r["warm_s"] = Median(ingest.Select((x, i) => x + refresh[i] + load[i]));
            r["reenrich_s"] = Median(reenrich);
        }

        var fresh = new List<double>();
        for (var i = 0; i <= ReenrichRepeats; i++) // the first run warms the code paths, not timed
        {
            using var p = new CryptoPipeline(llm, engineThreads: 1);
            var sw = Stopwatch.StartNew();
            await p.ReenrichAsync(ct);
            if (i > 0) fresh.Add(sw.Elapsed.TotalSeconds);
        }
        r["reenrich_fresh_s"] = Median(fresh);
        r["peak_mib"] = BenchCommand.PeakMiB();
        return r;
    }

    /// <summary>A probe batch that was not accepted whole (duplicates, quarantine, skipped) would measure something else: stop.</summary>
    private static BatchOutcome Accepted(BatchOutcome o) => o.Accepted == ProbeEvents ? o
        : throw new InvalidOperationException($"bench probe batch {o.PartitionId}: {o.Accepted} of {ProbeEvents} events accepted " +
                                              $"({o.Quarantined} quarantined, {o.Duplicates} duplicates)");

    /// <summary>Rows the warehouse holds for <paramref name="day"/>, over every warehouse table (by its UTC day).</summary>
    private static double TouchedDayRows(string warehouseFile, DateOnly day)
    {
        using var c = WarehouseFile.OpenReadOnly(warehouseFile);
        var d = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return WarehouseTable.All.Sum(t => c.Scalar<long>($"SELECT count(*) FROM {t.Name} AS t WHERE {t.DayExpression} = DATE '{d}'"));
    }

    /// <summary>Ten new headlines dated on <paramref name="day"/>, on their own partition id (not duplicates, not skipped as already ingested).</summary>
    private static EventBatch Probe(DateOnly day, string tag)
    {
        string[] coins = ["Bitcoin", "Ethereum", "Solana", "XRP", "Cardano", "Dogecoin", "Litecoin", "Chainlink", "Polkadot", "Avalanche"];
        string[] what =
        [
            "surges to a record high as ETF inflows jump", "slides after exchange hack drains hot wallet", "holds steady ahead of Fed decision",
            "rallies as whales accumulate", "drops as SEC sues developer", "gains after network upgrade ships", "falls amid liquidations",
            "climbs on partnership news", "dips as traders take profits", "trades flat in quiet session",
        ];
        var now = DateTimeOffset.UtcNow;
        var events = new List<RawEvent>(ProbeEvents);
        for (var k = 0; k < ProbeEvents; k++)
        {
            var published = new DateTimeOffset(day.ToDateTime(new TimeOnly(20, 0)), TimeSpan.Zero).AddMinutes(k * 7);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("id", $"bench-probe-{tag}-{k}");
                w.WriteString("title", $"{coins[k]} {what[k]} (probe {tag} {k})");
                w.WriteString("url", $"https://probe.example/news/{tag}-{k}");
                w.WriteString("source", "Bench Probe");
                w.WriteString("published_at", published.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            events.Add(new RawEvent("bench-probe-" + tag, k, now.AddMilliseconds(k), buffer.WrittenSpan.ToArray()));
        }
        return new EventBatch(EventStream.News, "bench-probe-" + tag, events);
    }

    // ---------------------------------------------------------------- output

    /// <summary>The history rows of the bench table.</summary>
    public static void AddRows(Table t, Dictionary<string, double> h)
    {
        string S(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        string R(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        string M(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        var target = $"ratio ≤ {R(RatioTarget)}";
        t.AddRow($"history: {M(h["build_days"])}-day lake after maintain vs empty lake (built in {h["build_s"]:0} s: {M(h["build_news"])} news + " +
                 $"{M(h["build_prices"])} prices, {M(h["build_batches"])} batches of {BatchSize})", "", "", "");
        t.AddRow("  cold single batch: new process, 10 events + refresh + load",
            $"{S(h["history_cold_wall_s"])} s vs {S(h["empty_cold_wall_s"])} s (ratio {R(h["cold_ratio"])}; in-process {S(h["history_cold_work_s"])} vs {S(h["empty_cold_work_s"])} s)",
            target, $"{M(h["history_cold_peak_mib"])} vs {M(h["empty_cold_peak_mib"])} MiB (ratio {R(h["cold_peak_mem_ratio"])}, ≤ {R(RatioTarget)})");
        t.AddRow("  warm batch: 10 events + refresh + load",
            $"{S(h["history_warm_s"])} s vs {S(h["empty_warm_s"])} s (ratio {R(h["warm_ratio"])}; ingest {S(h["history_warm_ingest_s"])} vs {S(h["empty_warm_ingest_s"])} s)",
            target, "-");
        t.AddRow("  gold refresh of one touched day",
            $"{S(h["history_refresh_s"])} s vs {S(h["empty_refresh_s"])} s (ratio {R(h["refresh_ratio"])}; {M(h["history_refresh_days"])} day(s), " +
            $"{M(h["history_refresh_silver_files"])} silver files used, {M(h["history_refresh_silver_fetched"])} fetched)", target, "-");
        t.AddRow("  warehouse load after one batch (incremental)",
            $"{S(h["history_load_s"])} s vs {S(h["empty_load_s"])} s (ratio {R(h["load_ratio"])}); {M(h["history_load_sent"])} rows sent, " +
            $"{M(h["history_load_touched"])} rows on the touched day", $"{target}; sent ≤ {SentTarget:0} × touched", "-");
        t.AddRow("  reenrich with no fallback rows (LLM scorer, loopback; after a batch, same lake instance as ingest)",
            $"{S(h["history_reenrich_s"])} s vs {S(h["empty_reenrich_s"])} s (ratio {R(h["reenrich_ratio"])}; {M(h["history_reenrich_files_scanned"])} files scanned; " +
            $"new pipeline {S(h["history_reenrich_fresh_s"])} s vs {S(h["empty_reenrich_fresh_s"])} s, ratio {R(h["reenrich_fresh_ratio"])})",
            target, "-");
        t.AddRow($"  growth with history: the {M(h["build_days"])}-day lake vs a {M(h["window_build_days"])}-day lake of the same daily density " +
                 $"({M(h["window_build_news"])} news; the look-back of gold)",
            $"cold {R(h["growth_cold_ratio"])}, warm {R(h["growth_warm_ratio"])}, refresh {R(h["growth_refresh_ratio"])}, load {R(h["growth_load_ratio"])}, " +
            $"reenrich {R(h["growth_reenrich_ratio"])}, cold peak memory {R(h["growth_cold_peak_mem_ratio"])}", "≈ 1 (no growth)", "-");
        var tables = Tables(h);
        t.AddRow("  live files per table, before → after maintain",
            string.Join(", ", tables.Select(x => $"{x} {M(h["files_before:" + x])} → {M(h["files_after:" + x])}")), "-", "-");
        t.AddRow("  max live files per partition after maintain",
            string.Join(", ", tables.Select(x => $"{x} {M(h["max_files_per_partition:" + x])}")), $"≤ {FilesPerPartitionTarget}", "-");
    }

    /// <summary>The history lines printed after the bench table.</summary>
    public static void PrintLines(Dictionary<string, double> h)
    {
        string R(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        string S(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        string N(double v) => v.ToString("0", CultureInfo.InvariantCulture);
        Console.WriteLine($"history_cold_ratio={R(h["cold_ratio"])} history_warm_ratio={R(h["warm_ratio"])} history_refresh_ratio={R(h["refresh_ratio"])} " +
                          $"history_load_ratio={R(h["load_ratio"])} history_reenrich_ratio={R(h["reenrich_ratio"])} " +
                          $"history_cold_peak_mem_ratio={R(h["cold_peak_mem_ratio"])}");
        Console.WriteLine($"history_growth_cold_ratio={R(h["growth_cold_ratio"])} history_growth_warm_ratio={R(h["growth_warm_ratio"])} " +
                          $"history_growth_refresh_ratio={R(h["growth_refresh_ratio"])} history_growth_load_ratio={R(h["growth_load_ratio"])} " +
                          $"history_growth_reenrich_ratio={R(h["growth_reenrich_ratio"])} history_growth_cold_peak_mem_ratio={R(h["growth_cold_peak_mem_ratio"])} " +
                          $"({N(h["build_days"])}-day lake / {N(h["window_build_days"])}-day lake, same events per day)");
        var ratios = new[] { "cold_ratio", "warm_ratio", "refresh_ratio", "load_ratio", "reenrich_ratio", "cold_peak_mem_ratio" };
        var over = ratios.Where(k => h[k] > RatioTarget).ToList();
        Console.WriteLine($"history_ratio_target={R(RatioTarget)} history_ratios_over_target={(over.Count == 0 ? "none" : string.Join(",", over.Select(k => k[..^6])))}");
        foreach (var l in Lakes)
            Console.WriteLine($"history_{l}_cold_s={S(h[l + "_cold_wall_s"])} history_{l}_cold_in_process_s={S(h[l + "_cold_work_s"])} " +
                              $"history_{l}_cold_ingest_s={S(h[l + "_cold_ingest_s"])} history_{l}_cold_refresh_s={S(h[l + "_cold_refresh_s"])} " +
                              $"history_{l}_cold_load_s={S(h[l + "_cold_load_s"])} history_{l}_cold_peak_mib={N(h[l + "_cold_peak_mib"])} " +
                              $"history_{l}_warm_s={S(h[l + "_warm_s"])} history_{l}_warm_ingest_s={S(h[l + "_warm_ingest_s"])} " +
                              $"history_{l}_refresh_s={S(h[l + "_refresh_s"])} history_{l}_load_s={S(h[l + "_load_s"])} history_{l}_reenrich_s={S(h[l + "_reenrich_s"])} " +
                              $"history_{l}_reenrich_fresh_pipeline_s={S(h[l + "_reenrich_fresh_s"])}");
        Console.WriteLine($"history_reenrich_fresh_pipeline_ratio={R(h["reenrich_fresh_ratio"])} (reenrich on a new pipeline, as the reenrich command; " +
                          $"history_reenrich_ratio is on the ingesting lake instance, as the Functions Reenrich timer)");
        var sent = h["history_load_sent"];
        var touched = h["history_load_touched"];
        Console.WriteLine($"history_load_rows_sent={N(sent)} history_load_rows_touched_days={N(touched)} " +
                          $"(target sent ≤ {SentTarget:0} × touched: {(sent <= SentTarget * touched ? "met" : "NOT met")})");
        var tables = Tables(h);
        Console.WriteLine("history_live_files_before_maintain " + string.Join(" ", tables.Select(x => $"{x}={N(h["files_before:" + x])}")));
        Console.WriteLine("history_live_files_after_maintain " + string.Join(" ", tables.Select(x => $"{x}={N(h["files_after:" + x])}")));
        var maxFiles = tables.Max(x => h["max_files_per_partition:" + x]);
        Console.WriteLine("history_max_files_per_partition " + string.Join(" ", tables.Select(x => $"{x}={N(h["max_files_per_partition:" + x])}")) +
                          $" (target ≤ {FilesPerPartitionTarget}: {(maxFiles <= FilesPerPartitionTarget ? "met" : "NOT met")})");
        Console.WriteLine($"history_build_s={N(h["build_s"])} history_build_ingest_s={N(h["build_ingest_s"])} history_build_refresh_s={N(h["build_refresh_s"])} " +
                          $"history_build_load_s={N(h["build_load_s"])} history_days={N(h["build_days"])} history_news={N(h["build_news"])} " +
                          $"history_prices={N(h["build_prices"])} history_batches={N(h["build_batches"])} history_refreshes={N(h["build_refreshes"])} " +
                          $"history_maintain_s={S(h["maintain_s"])} history_lake_mib_before_maintain={N(h["lake_mib_before_maintain"])} " +
                          $"history_lake_mib_after_maintain={N(h["lake_mib_after_maintain"])}");
        Console.WriteLine($"history_build_quarantined={N(h["build_quarantined"])} (generator's malformed events: {N(h["build_expected_quarantined"])}) " +
                          $"history_build_duplicates={N(h["build_duplicates"])} (generator's news duplicates: {N(h["build_expected_news_duplicates"])})");
        Console.WriteLine($"history_after_maintain_refresh_s={S(h["settle_refresh_s"])} history_after_maintain_refresh_days={N(h["settle_refresh_days"])} " +
                          $"history_after_maintain_load_s={S(h["settle_load_s"])} history_after_maintain_load_sent={N(h["settle_load_sent"])} " +
                          $"history_after_maintain_load_full_tables={N(h["settle_load_full_tables"])}");
    }

    /// <summary><c>--phase history</c> on its own: the phase with progress, then its table rows and lines.</summary>
    public static async Task<int> RunAloneAsync(int newsEvents, bool keep, CancellationToken ct)
    {
        Dictionary<string, double>? h = null;
        await AnsiConsole.Status().StartAsync("benchmarking", async ctx =>
            h = await RunAsync(newsEvents, s => { ctx.Status(Markup.Escape(s)); if (Console.IsErrorRedirected) Console.Error.WriteLine(s); }, ct, keep));
        var t = new Table().Title("[bold]make bench[/] history phase (measurements: one core per process)").AddColumns("benchmark", "figure", "target", "peak memory");
        AddRows(t, h!);
        AnsiConsole.Write(t);
        PrintLines(h!);
        return 0;
    }

    private static List<string> Tables(Dictionary<string, double> h) =>
        LakeTables.All.Select(d => d.Path).Where(p => h.ContainsKey("files_before:" + p)).ToList();

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    private static double DirMiB(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / 1048576.0 : 0;

    /// <summary>Ingest time for the history build: follows the stream, set before each batch.</summary>
    private sealed class StreamClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
