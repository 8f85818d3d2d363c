using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CryptoSentiment.Testing;
using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using Spectre.Console;

namespace CryptoSentiment.Bench;

/// <summary>
/// <c>bench</c>: ingest throughput (bronze + silver, offline scorer, one core) against DuckDB's own
/// read_json → parquet on the same bytes, and gold recompute time for 1M silver rows. Each phase runs in
/// its own child process pinned to one CPU, so its peak memory is its own.
/// </summary>
internal static class BenchCommand
{
    public static RootCommand Create()
    {
        var events = new Option<int>("--events") { Description = "News events for the ingest phase.", DefaultValueFactory = _ => 200_000 };
        var silverRows = new Option<int>("--silver-rows") { Description = "Silver rows for the gold phase.", DefaultValueFactory = _ => 1_000_000 };
        var handlerEvents = new Option<int>("--handler-events") { Description = "News events sent through the Functions handler in 256-event batches.", DefaultValueFactory = _ => 25_600 };
        var phase = new Option<string?>("--phase") { Hidden = true };
        var historyNews = new Option<int>("--history-news") { Hidden = true, DefaultValueFactory = _ => 60_000 };
        var historyKeep = new Option<bool>("--history-keep") { Hidden = true };
        var historyLake = new Option<string?>("--history-lake") { Hidden = true };
        var historyWarehouse = new Option<string?>("--history-warehouse") { Hidden = true };
        var historyDay = new Option<string?>("--history-day") { Hidden = true };
        var historyTag = new Option<string?>("--history-tag") { Hidden = true };
        var azurite = new Option<bool>("--azurite")
        {
            Description = "Also measure ingest with the lake on a local Azurite (Azure.Storage.Blobs, SharedKey); installs Azurite into tests/tools when needed.",
        };
        var cmd = new RootCommand("crypto-sentiment-bench (make bench): ingest events/s vs DuckDB read_json→parquet, gold recompute for 1M silver rows, Functions handler latency, peak memory.")
            { events, silverRows, handlerEvents, phase, azurite, historyNews, historyKeep, historyLake, historyWarehouse, historyDay, historyTag };
        cmd.SetAction(async (r, ct) =>
        {
            HistoryBench.ChildArgs HistoryChild() => new(r.GetValue(historyLake)!, r.GetValue(historyWarehouse)!,
                DateOnly.ParseExact(r.GetValue(historyDay)!, "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetValue(historyTag) ?? "probe");
            switch (r.GetValue(phase))
            {
                case "ingest": Emit(await IngestPhase(r.GetValue(events), null, ct)); return 0;
                case "ingest-blob": Emit(await IngestPhase(r.GetValue(events), Settings.FromEnvironment(), ct)); return 0;
                case "handler-blob": Emit(await HandlerPhase(r.GetValue(handlerEvents), ct, Settings.FromEnvironment())); return 0;
                case "duckdb": Emit(DuckDbPhase(r.GetValue(events))); return 0;
                case "gold": Emit(await GoldPhase(r.GetValue(silverRows), ct)); return 0;
                case "handler": Emit(await HandlerPhase(r.GetValue(handlerEvents), ct)); return 0;
                case "enrich": Emit(await BenchEnrich.RunAsync(ct)); return 0;
                case "api": Emit(await ApiBench.RunAsync(ct)); return 0;
                case "scaleout": Emit(await ScaleOutPhase(null, ct)); return 0;
                case "blob-ops": Emit(await BlobOpsBench.RunAsync(Settings.FromEnvironment(), 1000, ct)); return 0;
                case "scaleout-blob":
                {
                    // LAKE_URI on Blob: that account (nothing known of its CPU); else a fresh Azurite on this machine.
                    var given = Settings.FromEnvironment();
                    if (given.LakeUri.StartsWith("http", StringComparison.OrdinalIgnoreCase)) { Emit(await ScaleOutPhase(BlobEnvironment(given), ct)); return 0; }
                    using var server = await AzuriteServer.StartAsync(ct: ct);
                    Emit(await ScaleOutPhase(BlobEnvironment(server.LakeSettings("bench-" + Guid.NewGuid().ToString("N"))), ct, () => server.CpuSeconds));
                    return 0;
                }
                case "history": return await HistoryBench.RunAloneAsync(r.GetValue(historyNews), r.GetValue(historyKeep), ct);
                case "history-cold": Emit(await HistoryBench.ColdAsync(HistoryChild(), ct)); return 0;
                case "history-warm": Emit(await HistoryBench.WarmAsync(HistoryChild(), ct)); return 0;
            }
            var results = new Dictionary<string, Dictionary<string, double>>();
            await AnsiConsole.Status().StartAsync("benchmarking", async ctx =>
            {
                foreach (var p in new[] { "ingest", "duckdb", "gold", "handler", "api" })
                {
                    ctx.Status($"bench: {p} phase (child process, one core)");
                    results[p] = await Child(p, r.GetValue(events), r.GetValue(silverRows), ct, handlerEvents: r.GetValue(handlerEvents));
                }
                ctx.Status("bench: enrichment (LLM scorer against the loopback server)");
                results["enrich"] = await BenchEnrich.RunAsync(ct);
                ctx.Status("bench: scale-out (1, 2 and 4 handler processes on one lake, 4 partitions)");
                results["scaleout"] = await ScaleOutPhase(null, ct);
                // History (§9): builds a 60-day lake here, measures in child processes pinned to one core.
                results["history"] = await HistoryBench.RunAsync(r.GetValue(historyNews), s => ctx.Status(Markup.Escape(s)), ct);
                if (r.GetValue(azurite))
                {
                    // Azurite runs outside the pinned child (its own cores), like a remote storage account would.
                    ctx.Status("bench: starting Azurite");
                    using var server = await AzuriteServer.StartAsync(ct: ct);
                    var lake = server.LakeSettings("bench-" + Guid.NewGuid().ToString("N"));
                    ctx.Status("bench: ingest with the lake on Azurite (child process, one core)");
                    var env = BlobEnvironment(lake);
                    results["ingest-blob"] = await Child("ingest-blob", r.GetValue(events), r.GetValue(silverRows), ct, env);
                    ctx.Status("bench: Functions handler with the lake on Azurite (child process, one core)");
                    results["handler-blob"] = await Child("handler-blob", r.GetValue(events), r.GetValue(silverRows), ct, env, r.GetValue(handlerEvents));
                    ctx.Status("bench: scale-out with the lake on Azurite (1, 2 and 4 handler processes)");
                    results["scaleout-blob"] = await ScaleOutPhase(env, ct, () => server.CpuSeconds);
                }
            });
            Print(results);
            return 0;
        });
        return cmd;
    }

    /// <summary>Ingest throughput into a temp folder lake, or into <paramref name="blobLake"/> (a Blob container) when given.</summary>
    private static async Task<Dictionary<string, double>> IngestPhase(int n, Settings? blobLake, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("cs-bench-ingest-");
        try
        {
            var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-30), TimeSpan.Zero);
            var stream = new SampleStreamGenerator(7, start).Generate(n, 30 * 24);
            var batches = stream.ToBatches(EventStream.News, 10_000, 1).Concat(stream.ToBatches(EventStream.Prices, 10_000, 1)).ToList();
            var events = batches.Sum(b => b.Events.Count);
            long bytes = batches.Sum(b => b.Events.Sum(e => (long)e.Body.Length));
            using var pipeline = new CryptoPipeline(blobLake ?? new Settings { LakeUri = dir.FullName }, engineThreads: 1);
            await pipeline.IngestAsync(new EventBatch(EventStream.News, "warmup", []), ct);
            var sw = Stopwatch.StartNew();
            foreach (var b in batches) await pipeline.IngestAsync(b, ct);
            var s = sw.Elapsed.TotalSeconds;
            if (pipeline.Lake.Store is BlobLakeStore blob && Directory.Exists(blob.CacheRoot)) Directory.Delete(blob.CacheRoot, true);
            return new() { ["events"] = events, ["bytes"] = bytes, ["seconds"] = s, ["events_per_s"] = events / s, ["peak_mib"] = PeakMiB() };
        }
        finally { dir.Delete(true); }
    }

    private static Dictionary<string, double> DuckDbPhase(int n)
    {
        var dir = Directory.CreateTempSubdirectory("cs-bench-duckdb-");
        try
        {
            var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-30), TimeSpan.Zero);
            var stream = new SampleStreamGenerator(7, start).Generate(n, 30 * 24);
            var file = Path.Combine(dir.FullName, "events.ndjson");
            using (var f = File.Create(file))
                foreach (var body in stream.News.Concat(stream.Prices)) { f.Write(body); f.WriteByte((byte)'\n'); }
            using var c = DuckDbConnection.Open(null, new Dictionary<string, string> { ["threads"] = "1" });
            var sw = Stopwatch.StartNew();
            c.Execute($"COPY (SELECT * FROM read_json({DuckDbConnection.QuoteLiteral(file)}, format = 'newline_delimited', ignore_errors = true, " +
                      $"maximum_object_size = 2000000)) TO {DuckDbConnection.QuoteLiteral(Path.Combine(dir.FullName, "out.parquet"))} (FORMAT parquet)");
            var s = sw.Elapsed.TotalSeconds;
            var events = stream.News.Count + stream.Prices.Count;
            return new() { ["events"] = events, ["seconds"] = s, ["events_per_s"] = events / s, ["peak_mib"] = PeakMiB() };
        }
        finally { dir.Delete(true); }
    }

    private static async Task<Dictionary<string, double>> GoldPhase(int rows, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("cs-bench-gold-");
        try
        {
            using var pipeline = new CryptoPipeline(new Settings { LakeUri = dir.FullName }, engineThreads: 1);
            await BenchData.WriteSilverAsync(pipeline.Lake, rows, ct);
            var sw = Stopwatch.StartNew();
            var gold = await pipeline.RefreshGoldAsync(ct);
            var s = sw.Elapsed.TotalSeconds;
            return new() { ["silver_rows"] = rows, ["days"] = gold.RecomputedDays.Count, ["seconds"] = s, ["peak_mib"] = PeakMiB(),
                ["gold_rows"] = gold.RowsWritten.Values.Sum() };
        }
        finally { dir.Delete(true); }
    }

    /// <summary>The app settings (environment) of a SharedKey Blob lake.</summary>
    private static Dictionary<string, string> BlobEnvironment(Settings lake) => new()
    {
        ["LAKE_URI"] = lake.LakeUri,
        ["LAKE_AUTH"] = "sharedkey",
        ["LAKE_ACCOUNT_KEY"] = lake.LakeAccountKey ?? throw new ArgumentException("LAKE_ACCOUNT_KEY is not set"),
    };

    /// <summary>The scale-out phase on a temp folder lake per instance count, or on fresh containers of the Blob lake in <paramref name="blob"/>.</summary>
    private static async Task<Dictionary<string, double>> ScaleOutPhase(Dictionary<string, string>? blob, CancellationToken ct,
        Func<double>? storeCpuSeconds = null)
    {
        var dir = Directory.CreateTempSubdirectory("cs-bench-scaleout-");
        try
        {
            return await ScaleOutBench.RunAsync(n => blob is null
                ? new Dictionary<string, string> { ["LAKE_URI"] = Path.Combine(dir.FullName, $"lake-{n}"), ["WAREHOUSE"] = "duckdb:" + Path.Combine(dir.FullName, $"wh-{n}.duckdb") }
                : new Dictionary<string, string>(blob) { ["LAKE_URI"] = blob["LAKE_URI"].TrimEnd('/') + $"/scaleout-{n}", ["WAREHOUSE"] = "duckdb:" + Path.Combine(dir.FullName, $"wh-{n}.duckdb") },
                ct, storeCpuSeconds);
        }
        finally { dir.Delete(true); }
    }

    private static async Task<Dictionary<string, double>> HandlerPhase(int events, CancellationToken ct, Settings? lake = null)
    {
        var result = await HandlerBench.RunAsync(events, ct, lake);
        result["peak_mib"] = PeakMiB();
        return result;
    }

    private static async Task<Dictionary<string, double>> Child(string phase, int events, int silverRows, CancellationToken ct,
        Dictionary<string, string>? env = null, int handlerEvents = 25_600) =>
        (await RunPinnedAsync(phase, ["--events", events.ToString(CultureInfo.InvariantCulture), "--silver-rows", silverRows.ToString(CultureInfo.InvariantCulture),
            "--handler-events", handlerEvents.ToString(CultureInfo.InvariantCulture)], env, ct)).Result;

    /// <summary>
    /// Runs <c>crypto-sentiment-bench --phase <paramref name="phase"/></c> in a new process pinned to CPU 0 with a 1 GiB managed heap (as on a Flex
    /// instance) and returns the JSON line it prints and its wall time. Secrets go through <paramref name="env"/>, never argv.
    /// </summary>
    internal static async Task<(Dictionary<string, double> Result, double WallSeconds)> RunPinnedAsync(string phase, IEnumerable<string> args,
        Dictionary<string, string>? env, CancellationToken ct)
    {
        // taskset pins every thread of the child (runtime, GC, DuckDB) to CPU 0; Process.ProcessorAffinity would pin only one thread on Linux.
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("0");
        psi.ArgumentList.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        foreach (var a in new[] { "--phase", phase }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_GCHeapAffinitizeMask"] = "1";
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x40000000";
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var wall = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"bench phase {phase} failed (exit {p.ExitCode})");
        var line = output.Split('\n').Last(l => l.StartsWith("{", StringComparison.Ordinal));
        return (JsonSerializer.Deserialize<Dictionary<string, double>>(line)!, wall);
    }

    private static void Emit(Dictionary<string, double> result) => Console.WriteLine(JsonSerializer.Serialize(result));

    /// <summary>Peak resident memory of this process (VmHWM), in MiB.</summary>
    internal static double PeakMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
    }

    private static void Print(Dictionary<string, Dictionary<string, double>> r)
    {
        string F(double v, string fmt = "N0") => v.ToString(fmt, CultureInfo.InvariantCulture);
        var ingest = r["ingest"];
        var duck = r["duckdb"];
        var gold = r["gold"];
        var t = new Table().Title("[bold]make bench[/] (one core per phase)").AddColumns("benchmark", "figure", "target", "peak memory");
        t.AddRow("ingest bronze+silver (offline scorer)", $"{F(ingest["events_per_s"])} events/s ({F(ingest["events"])} events, {F(ingest["seconds"], "0.00")} s)",
            "≥ 50,000 events/s", $"{F(ingest["peak_mib"])} MiB");
        t.AddRow("DuckDB read_json → parquet, same bytes", $"{F(duck["events_per_s"])} events/s ({F(duck["seconds"], "0.00")} s)", "reference", $"{F(duck["peak_mib"])} MiB");
        t.AddRow("gold recompute", $"{F(gold["seconds"], "0.00")} s for {F(gold["silver_rows"])} silver rows, {F(gold["days"])} days, {F(gold["gold_rows"])} gold rows",
            "≤ 5 s", $"{F(gold["peak_mib"])} MiB");
        var handler = r["handler"];
        t.AddRow("Functions handler: POST /NewsIngest, 256-event batch", $"p50 {F(handler["latency_p50_ms"], "0")} ms, p95 {F(handler["latency_p95_ms"], "0")} ms per batch; " +
            $"{F(handler["handler_events_per_s"])} events/s ({F(handler["events"])} events; direct pipeline {F(handler["direct_events_per_s"])} events/s)",
            "p95 ≤ 1 s", $"{F(handler["peak_mib"])} MiB");
        if (r.TryGetValue("api", out var api))
            t.AddRow($"HTTP API: {F(api["requests"])} mixed /api/v1 requests, warm (demo lake; Functions host path)",
                $"p50 {F(api["api_p50_ms"], "0.00")} ms, p95 {F(api["api_p95_ms"], "0.00")} ms (in-process LakeApi p50 {F(api["api_core_p50_ms"], "0.000")} / p95 " +
                $"{F(api["api_core_p95_ms"], "0.000")} ms; first answer p50 {F(api["api_cold_p50_ms"], "0.0")} ms; {F(api["not_modified"])} × 304; {F(api["warm_rescans"])} rescans)",
                "p95 ≤ 20 ms", $"{F(api["peak_mib"])} MiB");
        var e = r["enrich"];
        t.AddRow("enrichment: LLM calls per 1,000 headlines (batch 25, loopback)",
            $"{F(e["calls_per_1000"])} calls ({F(e["headlines_per_call"], "0.0")} headlines/call); {F(e["tokens_per_headline"], "0.0")} tokens/headline " +
            $"({F(e["tokens_in_per_headline"], "0.0")} in + {F(e["tokens_out_per_headline"], "0.0")} out; {F(e["prompt_chars_per_headline"], "0")} prompt chars/headline)",
            "≥ 25 headlines/call; ≤ 60 tokens/headline", "-");
        if (e.ContainsKey("real_calls"))
            t.AddRow("  same, 1,000 real titles (shared/data replay CSV)",
                $"{F(e["real_calls_per_1000"])} calls; {F(e["real_tokens_per_headline"], "0.0")} tokens/headline ({F(e["real_tokens_in_per_headline"], "0.0")} in + " +
                $"{F(e["real_tokens_out_per_headline"], "0.0")} out; {F(e["real_headline_chars_avg"], "0")} chars/title)", "≤ 60 tokens/headline", "-");
        if (r.TryGetValue("handler-blob", out var handlerBlob))
            t.AddRow("Functions handler, lake on Azurite: POST /NewsIngest, 256-event batch",
                $"p50 {F(handlerBlob["latency_p50_ms"], "0")} ms, p95 {F(handlerBlob["latency_p95_ms"], "0")} ms per batch; {F(handlerBlob["handler_events_per_s"])} events/s " +
                $"(direct pipeline {F(handlerBlob["direct_events_per_s"])} events/s)", "p95 ≤ 1 s", $"{F(handlerBlob["peak_mib"])} MiB");
        if (r.TryGetValue("ingest-blob", out var blob))
            t.AddRow("ingest bronze+silver, lake on Azurite (Blob SDK)", $"{F(blob["events_per_s"])} events/s ({F(blob["events"])} events, {F(blob["seconds"], "0.00")} s)",
                "reference: local folder lake", $"{F(blob["peak_mib"])} MiB");
        foreach (var (key, where) in new[] { ("scaleout", "local lake"), ("scaleout-blob", "lake on Azurite") })
            if (r.TryGetValue(key, out var so))
                t.AddRow($"scale-out: 1 / 2 / 4 handler processes on one {where}, {ScaleOutBench.Partitions} partitions × {ScaleOutBench.BatchesPerPartition} batches × {ScaleOutBench.BatchSize} events",
                    $"{F(so["eps_1"])} / {F(so["eps_2"])} / {F(so["eps_4"])} events/s (× {so["scaleout_2_ratio"]:0.00} and × {so["scaleout_4_ratio"]:0.00}); " +
                    $"silver rebased {F(so["silver_rebases_2"])} / {F(so["silver_rebases_4"])}, redone {F(so["silver_redos_2"])} / {F(so["silver_redos_4"])} (2 / 4 processes)",
                    "2: ≥ 1.3×, 4: ≥ 1.2×", "-");
        if (r.TryGetValue("history", out var history)) HistoryBench.AddRows(t, history);
        AnsiConsole.Write(t);
        Console.WriteLine($"enrich_calls_per_1000={F(e["calls_per_1000"], "0")} enrich_headlines_per_call={F(e["headlines_per_call"], "0.0")} " +
                          $"enrich_tokens_per_headline={F(e["tokens_per_headline"], "0.0")} enrich_tokens_per_1000={F(e["tokens_per_1000"], "0")} " +
                          $"(tokens = loopback usage: ceil(chars/4) per message + 4, + schema, + 3)");
        Console.WriteLine($"ratio ingest/duckdb_read_json_to_parquet={ingest["events_per_s"] / duck["events_per_s"]:0.00}");
        Console.WriteLine($"ratio handler/direct_pipeline_256={handler["handler_events_per_s"] / handler["direct_events_per_s"]:0.00} " +
                          $"handler_p50_ms={F(handler["latency_p50_ms"], "0")} handler_p95_ms={F(handler["latency_p95_ms"], "0")} " +
                          $"handler_events_per_s={F(handler["handler_events_per_s"], "0")}");
        if (handlerBlob is not null)
            Console.WriteLine($"handler_azurite_p50_ms={F(handlerBlob["latency_p50_ms"], "0")} handler_azurite_p95_ms={F(handlerBlob["latency_p95_ms"], "0")} " +
                              $"handler_azurite_events_per_s={F(handlerBlob["handler_events_per_s"], "0")}");
        if (blob is not null)
            Console.WriteLine($"ratio ingest_azurite/ingest_local={blob["events_per_s"] / ingest["events_per_s"]:0.00} ingest_azurite_events_per_s={F(blob["events_per_s"], "0")}");
        if (api is not null)
            Console.WriteLine($"api_p50_ms={F(api["api_p50_ms"], "0.00")} api_p95_ms={F(api["api_p95_ms"], "0.00")} " +
                              $"api_core_p50_ms={F(api["api_core_p50_ms"], "0.000")} api_core_p95_ms={F(api["api_core_p95_ms"], "0.000")} api_cold_p50_ms={F(api["api_cold_p50_ms"], "0.0")}");
        Console.WriteLine($"ingest_events_per_s={F(ingest["events_per_s"], "0")} gold_1m_seconds={F(gold["seconds"], "0.00")} " +
                          $"peak_mib_ingest={F(ingest["peak_mib"], "0")} peak_mib_gold={F(gold["peak_mib"], "0")}");
        foreach (var (key, prefix) in new[] { ("scaleout", "scaleout"), ("scaleout-blob", "scaleout_azurite") })
            if (r.TryGetValue(key, out var so))
                Console.WriteLine($"{prefix}_2_ratio={so["scaleout_2_ratio"]:0.00} {prefix}_4_ratio={so["scaleout_4_ratio"]:0.00} " +
                                  $"{prefix}_events_per_s_1={F(so["eps_1"], "0")} {prefix}_events_per_s_2={F(so["eps_2"], "0")} {prefix}_events_per_s_4={F(so["eps_4"], "0")} " +
                                  $"{prefix}_silver_rebases_2={F(so["silver_rebases_2"], "0")} {prefix}_silver_redos_2={F(so["silver_redos_2"], "0")} " +
                                  $"{prefix}_silver_rebases_4={F(so["silver_rebases_4"], "0")} {prefix}_silver_redos_4={F(so["silver_redos_4"], "0")} " +
                                  // what the cores allow at the CPU per event measured (handlers, and the emulator when it runs here)
                                  $"{prefix}_cpu_bound_2_ratio={so["cpu_bound_2_ratio"]:0.00} {prefix}_cpu_bound_4_ratio={so["cpu_bound_4_ratio"]:0.00} " +
                                  $"{prefix}_store_cpu_share_1={so["store_cpu_s_1"] / Math.Max(1e-9, so["store_cpu_s_1"] + so["cpu_s_1"]):0.00}" +
                                  // the Delta protocol's floor alone (each writer reads the others' commits, looks past the tip once a commit)
                                  (so.ContainsKey("protocol_bound_2_ratio")
                                      ? $" {prefix}_protocol_bound_2_ratio={so["protocol_bound_2_ratio"]:0.00} {prefix}_protocol_bound_4_ratio={so["protocol_bound_4_ratio"]:0.00}" +
                                        $" {prefix}_commits_1={F(so["commits_1"], "0")} {prefix}_op_read_commit_cpu_ms={so["op_read_commit_cpu_ms"]:0.00} {prefix}_op_read_past_tip_cpu_ms={so["op_read_past_tip_cpu_ms"]:0.00}"
                                      : ""));
        if (history is not null) HistoryBench.PrintLines(history);
    }
}
