using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Functions.Host;
using CryptoSentiment.Configuration;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Bench;

/// <summary>
/// <c>bench</c> scale-out row (ARCHITECTURE §8): 1, 2 and 4 Functions handler processes (the built handler, started as the
/// host starts it) on one lake, 4 Event Hubs partitions × 60 batches × 50 news events in the host's payload shape, each
/// partition's batches posted in order to the instance holding its lease and the partitions in parallel (as the host
/// does). Each instance is pinned to one core (<c>taskset</c>), as a 2 GB Flex Consumption instance has one vCPU: instance i
/// runs on core i mod the cores here, so on 2 cores the 4-instance run shares them. Reports events/s per instance count,
/// the ratio to one instance, CPU seconds, and the silver commits that were rebased or redone.
/// For diagnosis (environment): SCALEOUT_INSTANCES (e.g. <c>1,2</c>) and SCALEOUT_ROUNDS shorten the run; SCALEOUT_HANDLER_X=v
/// gives the handlers X=v (e.g. <c>SCALEOUT_HANDLER_DOTNET_TieredPGO=1</c>); SCALEOUT_JITLOG=dir keeps each handler's JIT log
/// there and reports the methods compiled during the measured run (<c>jit_methods_n</c>).
/// </summary>
internal static class ScaleOutBench
{
    public const int Partitions = 4, BatchesPerPartition = 60, BatchSize = 50, WarmupBatches = 120;
    public static readonly int[] InstanceCounts = Knob("SCALEOUT_INSTANCES")?.Split(',').Select(int.Parse).ToArray() ?? [1, 2, 4];

    /// <summary>Each instance count is measured this many times, the counts interleaved, and the median kept (a shared machine is noisy).</summary>
    public static readonly int Rounds = Knob("SCALEOUT_ROUNDS") is { } rounds ? int.Parse(rounds, CultureInfo.InvariantCulture) : 3;

    /// <summary>SCALEOUT_JITLOG: the folder for the handlers' JIT logs (null: no logs).</summary>
    private static readonly string? JitLogDir = Knob("SCALEOUT_JITLOG");

    private static string? Knob(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static string JitLog(int n, int i) => Path.Combine(JitLogDir!, $"jit-{n}-{i}.txt");

    /// <param name="lake">The lake for instance count n (a fresh folder or container each), and its settings as environment.</param>
    /// <param name="storeCpuSeconds">CPU seconds used so far by the storage emulator when it runs on this machine (Azurite), else
    /// null. With it the bench reports what the cores allow: on 2 cores one handler and the emulator already use both.</param>
    public static async Task<Dictionary<string, double>> RunAsync(Func<int, Dictionary<string, string>> lake, CancellationToken ct,
        Func<double>? storeCpuSeconds = null)
    {
        var exe = FindHandler();
        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-3), TimeSpan.Zero);
        var stream = new SampleStreamGenerator(29, start).Generate(Partitions * BatchesPerPartition * BatchSize + 400, 72);
        var measured = stream.ToBatches(EventStream.News, BatchSize, Partitions).GroupBy(b => b.PartitionId)
            .Select(g => g.Take(BatchesPerPartition).ToList()).ToList();
        var batches = measured.Select(p => p.Select(b => HostPayloadWriter.EventHubBatch(b, "news")).ToList()).ToList();
        var events = measured.Sum(p => p.Sum(b => b.Events.Count));
        var r = new Dictionary<string, double> { ["events"] = events, ["partitions"] = Partitions, ["published_handler"] = exe.Contains("/dist/") ? 1 : 0 };
        var runs = InstanceCounts.ToDictionary(n => n, _ => new List<Dictionary<string, double>>());
        for (var round = 0; round < Rounds; round++)
            foreach (var n in InstanceCounts)
                runs[n].Add(await RunOnceAsync(exe, n, lake(n * 10 + round), batches, events, start, ct, storeCpuSeconds));
        foreach (var n in InstanceCounts)
        {
            var median = runs[n].OrderBy(x => x["eps"]).ElementAt(Rounds / 2);
            foreach (var (k, v) in median) r[$"{k}_{n}"] = v;
            r[$"eps_runs_{n}"] = runs[n].Count;
        }
        // The most the cores allow: every core busy at the CPU per event the run measured (handlers + emulator), over one instance.
        foreach (var n in InstanceCounts.Where(n => n > 1))
        {
            r[$"scaleout_{n}_ratio"] = r[$"eps_{n}"] / r["eps_1"];
            r[$"cpu_bound_{n}_ratio"] = r[$"cpu_bound_eps_{n}"] / r["eps_1"];
        }
        if (storeCpuSeconds is not null && r.ContainsKey("commits_1"))
        {
            // The Delta protocol's floor with n writers on an emulator sharing the cores: one instance's CPU (handler + emulator)
            // plus, per commit, a read of each other writer's commit and one look past the tip (a read answered 404) — no lost
            // race, no redo, no other cost of more processes, every core busy. Both operations measured here, client + emulator.
            var (read, pastTip) = await OperationCpuAsync(lake(99), storeCpuSeconds, ct);
            r["op_read_commit_cpu_ms"] = read * 1000;
            r["op_read_past_tip_cpu_ms"] = pastTip * 1000;
            foreach (var n in InstanceCounts.Where(n => n > 1))
                r[$"protocol_bound_{n}_ratio"] = Environment.ProcessorCount * events
                    / (r["cpu_s_1"] + r["store_cpu_s_1"] + r["commits_1"] * ((n - 1) * read + pastTip)) / r["eps_1"];
        }
        return r;
    }

    private static async Task<Dictionary<string, double>> RunOnceAsync(string exe, int n, Dictionary<string, string> settings,
        List<List<byte[]>> batches, int events, DateTimeOffset start, CancellationToken ct, Func<double>? storeCpuSeconds)
    {
        var r = new Dictionary<string, double>();
        var instances = new List<Instance>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                var s = new Dictionary<string, string>(settings);
                if (JitLogDir is not null) { s["DOTNET_JitStdOutFile"] = JitLog(n, i); s["DOTNET_JitDisasmSummary"] = "1"; }
                instances.Add(await Instance.StartAsync(exe, s, i % Environment.ProcessorCount, ct));
            }
            // Warm up outside the measurement on 4 partitions of their own, spread over the instances as the measured ones are:
            // every instance count then starts from the same lake (same files, keys and log), and each instance sees at least
            // WarmupBatches batches, enough for the runtime to tier up the hot path (a real instance runs for hours): with the
            // handler's runtime settings (no dynamic PGO, call counting from the first call) its JIT compiles 20-150 methods
            // per instance in the measured run (SCALEOUT_JITLOG), against 800-3,400 with the .NET defaults; then a pause for
            // the last background compiles to land.
            await Task.WhenAll(Enumerable.Range(0, Partitions).Select(w => Task.Run(async () =>
            {
                var id = "warmup-" + w;
                var warmup = new SampleStreamGenerator(31 + w, start).Generate(WarmupBatches * BatchSize, 72).ToBatches(EventStream.News, BatchSize, 1);
                foreach (var b in warmup)
                    await instances[w % n].PostAsync(HostPayloadWriter.EventHubBatch(b with
                    {
                        PartitionId = id, Events = b.Events.Select(e => e with { PartitionId = id }).ToList(),
                    }, "news"), ct);
            }, ct)));
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var cpuBefore = instances.Sum(x => x.CpuSeconds);
            var storeBefore = storeCpuSeconds?.Invoke() ?? 0;
            var (rebasesBefore, redosBefore) = (instances.Sum(x => x.LastRebases), instances.Sum(x => x.LastRedos));
            long? commitsBefore = storeCpuSeconds is not null && n == 1 ? await CommitsAsync(settings) : null;
            var jitMarks = JitLogDir is null ? null : Enumerable.Range(0, n).Select(i => new FileInfo(JitLog(n, i)).Length).ToList();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => Task.Run(async () =>
            {
                foreach (var payload in batches[p]) await instances[p % n].PostAsync(payload, ct);
            }, ct)));
            var seconds = sw.Elapsed.TotalSeconds;
            if (jitMarks is not null) r["jit_methods"] = JitCompiledSince(n, jitMarks);
            if (commitsBefore is not null) r["commits"] = await CommitsAsync(settings) - commitsBefore.Value;
            r["eps"] = events / seconds;
            r["seconds"] = seconds;
            r["cpu_s"] = instances.Sum(x => x.CpuSeconds) - cpuBefore; // CPU of the measured run only
            r["store_cpu_s"] = (storeCpuSeconds?.Invoke() ?? 0) - storeBefore;
            r["cpu_bound_eps"] = Environment.ProcessorCount * events / (r["cpu_s"] + r["store_cpu_s"]);
            r["silver_rebases"] = instances.Sum(x => x.LastRebases) - rebasesBefore; // the measured run only
            r["silver_redos"] = instances.Sum(x => x.LastRedos) - redosBefore;
        }
        finally
        {
            foreach (var x in instances) x.Dispose();
        }
        return r;
    }

    private static Settings SettingsOf(Dictionary<string, string> env) => Settings.From(k => env.GetValueOrDefault(k));

    /// <summary>The commits in the lake so far: the sum of every table's latest version.</summary>
    private static async Task<long> CommitsAsync(Dictionary<string, string> env)
    {
        using var lake = new Lakehouse(Lakehouse.OpenStore(SettingsOf(env)));
        var commits = 0L;
        foreach (var def in LakeTables.All)
            if (await lake.SnapshotIfExistsAsync(def) is { } s) commits += s.Version;
        return commits;
    }

    /// <summary>CPU seconds (this process as the client + the emulator) of reading a commit-sized blob, and of a read answered 404.</summary>
    private static async Task<(double Read, double PastTip)> OperationCpuAsync(Dictionary<string, string> env, Func<double> storeCpu, CancellationToken ct)
    {
        const int n = 400, warm = 40;
        var store = Lakehouse.OpenStore(SettingsOf(env));
        static string Commit(int v) => $"costs/_delta_log/{v:D20}.json";
        for (var v = 0; v < warm + n; v++) await store.PutAsync(Commit(v), new byte[1500], ct); // as large as a silver commit
        async Task<double> Cpu(int from) // reads versions from, from + 1, …: each once, as a writer reads another's commits
        {
            for (var i = 0; i < warm; i++) await store.ReadAsync(Commit(from + i), ct);
            var (client, emulator) = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, storeCpu());
            for (var i = warm; i < warm + n; i++) await store.ReadAsync(Commit(from + i), ct);
            return (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - client + storeCpu() - emulator) / n;
        }
        return (await Cpu(0), await Cpu(warm + n));
    }

    /// <summary>Methods the instances' JIT compiled in the measured run (SCALEOUT_JITLOG: each instance's JIT log, from its marks on).</summary>
    private static double JitCompiledSince(int n, List<long> marks)
    {
        var compiled = 0;
        for (var i = 0; i < n; i++)
        {
            using var log = File.OpenRead(JitLog(n, i));
            log.Seek(marks[i], SeekOrigin.Begin);
            using var reader = new StreamReader(log);
            while (reader.ReadLine() is { } line) if (line.Contains("JIT compiled", StringComparison.Ordinal)) compiled++;
        }
        return compiled;
    }

    /// <summary>
    /// The handler to run: the published package (<c>make publish</c>: self-contained, ReadyToRun — what azd ships) when it is
    /// newer than the build, else the build output beside the Functions project (same configuration as this CLI).
    /// </summary>
    private static string FindHandler()
    {
        var config = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release"; // bin/<config>/net10.0/
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, "functions", "CryptoSentiment.Functions", "bin", config, "net10.0", "CryptoSentiment.Functions");
            if (!File.Exists(built)) continue;
            var published = Path.Combine(dir.FullName, "dist", "functionapp", "CryptoSentiment.Functions");
            var core = Path.Combine(Path.GetDirectoryName(built)!, "CryptoSentiment.Core.dll");
            return File.Exists(published) && File.GetLastWriteTimeUtc(Path.Combine(Path.GetDirectoryName(published)!, "CryptoSentiment.Core.dll")) >= File.GetLastWriteTimeUtc(core)
                ? published : built;
        }
        throw new FileNotFoundException($"the built Functions handler (functions/CryptoSentiment.Functions/bin/{config}/net10.0) was not found above {AppContext.BaseDirectory}");
    }

    /// <summary>One handler process on a free loopback port, with the app settings as environment.</summary>
    private sealed class Instance : IDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;
        private Instance(Process process, HttpClient http) { _process = process; _http = http; }

        public long LastRebases { get; private set; }

        /// <summary>CPU time the process has used so far (user + system), in seconds.</summary>
        public double CpuSeconds { get { _process.Refresh(); return _process.TotalProcessorTime.TotalSeconds; } }
        public long LastRedos { get; private set; }

        public static async Task<Instance> StartAsync(string exe, Dictionary<string, string> settings, int core, CancellationToken ct)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; }
            // taskset pins every thread of the instance (runtime, GC, DuckDB) to its core.
            var psi = new ProcessStartInfo("taskset") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(exe)! };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(core.ToString(CultureInfo.InvariantCulture));
            psi.ArgumentList.Add(exe);
            psi.Environment["DOTNET_GCHeapAffinitizeMask"] = (1L << core).ToString(CultureInfo.InvariantCulture);
            foreach (var (k, v) in settings) psi.Environment[k] = v; // secrets through the environment, never argv
            foreach (var (k, v) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                         .Where(e => ((string)e.Key).StartsWith("SCALEOUT_HANDLER_", StringComparison.Ordinal)))
                psi.Environment[((string)k)["SCALEOUT_HANDLER_".Length..]] = (string?)v;
            psi.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            var process = Process.Start(psi)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                if (process.HasExited) throw new InvalidOperationException($"the handler exited with {process.ExitCode} while starting");
                try
                {
                    using var ready = await http.GetAsync("/", ct);
                    if (ready.IsSuccessStatusCode) return new Instance(process, http);
                }
                catch (HttpRequestException) { }
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the handler did not answer GET / within 60 s");
                await Task.Delay(50, ct);
            }
        }

        public async Task PostAsync(byte[] payload, CancellationToken ct)
        {
            using var content = new ByteArrayContent(payload);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync("/NewsIngest", content, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /NewsIngest: HTTP {(int)response.StatusCode}: {body}");
            using var doc = JsonDocument.Parse(body);
            var value = doc.RootElement.GetProperty("ReturnValue");
            lock (this)
            {
                LastRebases = Math.Max(LastRebases, value.GetProperty("silverRebases").GetInt64());
                LastRedos = Math.Max(LastRedos, value.GetProperty("silverRedos").GetInt64());
            }
        }

        public void Dispose()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }
}
