using CryptoSentiment.Api;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Api;

/// <summary>
/// Requests never block ingest (issue 13): an API request held in the middle of its work — snapshot read, engine connection
/// rented, a gold file being fetched — while the same instance (one <see cref="Lakehouse"/>, as in the Functions app) ingests.
/// </summary>
public class ApiBesideIngestTests
{
    /// <summary>A store seen as remote (no local paths: files are fetched), whose first fetch of a matching path waits for the test.</summary>
    private sealed class HeldFetchStore(ILakeStore inner) : DelegatingStore(inner)
    {
        private Func<string, bool>? _when;
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arm(Func<string, bool> when) { Volatile.Write(ref _when, when); return _reached.Task; }
        public void Release() => _release.TrySetResult();
        public override string? LocalPath(string path) => null;

        public override async Task<string> MaterializeAsync(string path, CancellationToken ct = default)
        {
            var when = Volatile.Read(ref _when);
            if (when is not null && when(path) && Interlocked.CompareExchange(ref _when, null, when) == when)
            {
                _reached.TrySetResult();
                await _release.Task.WaitAsync(ct);
            }
            return await Inner.MaterializeAsync(path, ct);
        }
    }

    [Fact]
    public async Task IngestCompletesWhileARequestIsHeldWithAnEngineRented()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(71, Start).Generate(600, 48);
        var now = IngestTime(stream);
        var batches = stream.ToBatches(EventStream.News, 100, 1).ToList();
        var store = new HeldFetchStore(new LocalLakeStore(t.LakeDir));
        using var lake = new Lakehouse(store);
        using var p = new CryptoPipeline(t.Settings, lake, clock: new FixedClock(now));
        await p.IngestAsync(batches[0]);
        await p.IngestAsync(stream.ToBatches(EventStream.Prices, 5000, 1).First());
        await p.RefreshGoldAsync();
        var api = new LakeApi(lake);

        var held = store.Arm(path => path.StartsWith("gold/coin_hourly/", StringComparison.Ordinal) && path.EndsWith(".parquet", StringComparison.Ordinal));
        var request = Task.Run(() => api.HandleAsync(ApiRequest.Get("/api/v1/coins")));
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, lake.EnginesInUse); // the request holds its engine connection

        var o = await p.IngestAsync(batches[1]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(o.Accepted > 0);
        Assert.False(request.IsCompleted);

        store.Release();
        var answer = await request.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(answer.Status == 200, answer.BodyText);
        Assert.Equal(0, lake.EnginesInUse);
        await AssertVerifiesAsync(lake);
    }
}
