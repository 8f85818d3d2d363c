using CryptoSentiment.Configuration;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Tests.Pipeline;

/// <summary>A throw-away lake folder and warehouse file under the system temp directory, deleted on dispose.</summary>
internal sealed class TempLake : IDisposable
{
    public TempLake() => Root = Directory.CreateTempSubdirectory("cs-itest-").FullName;

    public string Root { get; }
    public string LakeDir => Path.Combine(Root, "lake");
    public string WarehouseFile => Path.Combine(Root, "warehouse.duckdb");
    public Settings Settings => new() { LakeUri = LakeDir, Warehouse = "duckdb:" + WarehouseFile };

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}

/// <summary>A clock that stands still (ingest time is part of validation: future timestamps).</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>What the lake holds: committed rows and Delta version per table, read through the lake's views.</summary>
internal sealed record LakeState(IReadOnlyDictionary<string, long> Rows, IReadOnlyDictionary<string, long> Versions);

internal static class PipelineTestKit
{
    /// <summary>A fixed generator start (whole hour, UTC) so streams are reproducible; ingest happens at <see cref="IngestTime"/>.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset IngestTime(Generator.GeneratedStream s) => s.End.AddHours(1);

    public static CryptoPipeline Open(TempLake t, DateTimeOffset now) => new(t.Settings, clock: new FixedClock(now));

    /// <summary>Opens an in-memory DuckDB connection with every lake view over committed files.</summary>
    public static async Task<DuckDbConnection> ViewsAsync(Lakehouse lake)
    {
        var c = DuckDbConnection.Open();
        await lake.CreateViewsAsync(c, LakeTables.All);
        return c;
    }

    public static async Task<long> CountAsync(Lakehouse lake, string sql)
    {
        using var c = await ViewsAsync(lake);
        return c.Scalar<long>(sql);
    }

    public static async Task<LakeState> StateAsync(Lakehouse lake)
    {
        using var c = await ViewsAsync(lake);
        var rows = new Dictionary<string, long>();
        var versions = new Dictionary<string, long>();
        foreach (var def in LakeTables.All)
        {
            rows[def.Path] = c.Scalar<long>($"SELECT count(*) FROM {def.ViewName}");
            versions[def.Path] = (await lake.SnapshotIfExistsAsync(def))?.Version ?? -1;
        }
        return new LakeState(rows, versions);
    }

    public static Dictionary<string, long> GroupCount(DuckDbConnection c, string sql)
    {
        var d = new Dictionary<string, long>();
        using var r = c.Query(sql);
        while (r.Read()) d[r.GetString(0)] = r.GetInt64(1);
        return d;
    }

    public static Dictionary<string, long> ToLong(IReadOnlyDictionary<string, int> d) => d.ToDictionary(kv => kv.Key, kv => (long)kv.Value);

    /// <summary>The same events, per partition in sequence order, cut into batches of another size.</summary>
    public static List<EventBatch> Reslice(IEnumerable<EventBatch> batches, int size) =>
        batches.GroupBy(b => (b.Stream, b.PartitionId))
            .SelectMany(g => g.SelectMany(b => b.Events).OrderBy(e => e.SequenceNumber).Chunk(size)
                .Select(chunk => new EventBatch(g.Key.Stream, g.Key.PartitionId, chunk)))
            .ToList();

    public static async Task<StreamTotals[]> IngestAllAsync(CryptoPipeline p, IEnumerable<EventBatch> batches)
    {
        var runner = new BatchRunner(p);
        foreach (var b in batches)
        {
            var o = await runner.RunAsync(b);
            Assert.True(o.Reconciles, $"batch {b.Stream}/{b.PartitionId} does not reconcile: {o}");
        }
        return [runner.News, runner.Prices];
    }

    /// <summary>Asserts <see cref="LakeVerifier"/> passes, printing every failed check.</summary>
    public static async Task<VerifyReport> AssertVerifiesAsync(Lakehouse lake)
    {
        var report = await LakeVerifier.VerifyAsync(lake);
        Assert.True(report.Ok, "verify failed: " + string.Join("; ", report.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")));
        return report;
    }
}
