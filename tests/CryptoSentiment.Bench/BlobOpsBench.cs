using System.Diagnostics;
using CryptoSentiment.Configuration;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Bench;

/// <summary>
/// Diagnosis phase <c>blob-ops</c> (not part of <c>make bench</c>): CPU and wall time per lake-store operation against the Blob lake
/// in <c>LAKE_URI</c> (run pinned to one core beside Azurite), to compare store builds side by side.
/// </summary>
internal static class BlobOpsBench
{
    public static async Task<Dictionary<string, double>> RunAsync(Settings settings, int n, CancellationToken ct)
    {
        var store = BlobLakeStore.FromSettings(settings);
        var small = new byte[800];
        var file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, new byte[20_000], ct);
        var r = new Dictionary<string, double>();
        async Task Measure(string name, Func<int, Task> op)
        {
            for (var i = 0; i < 50; i++) await op(-1 - i);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var storeCpu = StoreCpu();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) await op(i);
            r[name + "_wall_us"] = sw.Elapsed.TotalMicroseconds / n;
            r[name + "_cpu_us"] = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / n;
            if (storeCpu is not null) r[name + "_store_cpu_us"] = (StoreCpu()!.Value - storeCpu.Value).TotalMicroseconds / n;
        }
        await Measure("put_if_absent", i => store.PutIfAbsentAsync($"ops/log/{i:D20}.json", small, ct));
        await Measure("put_file", i => store.PutFileAsync($"ops/data/part-{i}.parquet", file, ct));
        await Measure("put_if_absent_lost", i => store.PutIfAbsentAsync($"ops/log/{Math.Abs(i) % n:D20}.json", small, ct));
        await Measure("read_404", i => store.ReadAsync($"ops/missing/{i:D20}.json", ct));
        await Measure("read_small", i => store.ReadAsync($"ops/log/{Math.Abs(i) % n:D20}.json", ct));
        await Measure("materialize", i => store.MaterializeAsync($"ops/data/part-{Math.Abs(i) % n}.parquet", ct));
        File.Delete(file);
        return r;
    }

    /// <summary>CPU time of the storage emulator whose process id is in BLOBOPS_STORE_PID (an emulator on this machine), else null.</summary>
    private static TimeSpan? StoreCpu() =>
        Environment.GetEnvironmentVariable("BLOBOPS_STORE_PID") is { Length: > 0 } pid
            ? Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)).TotalProcessorTime
            : null;
}
