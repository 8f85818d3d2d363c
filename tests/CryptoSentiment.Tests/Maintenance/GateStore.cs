using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Maintenance;

/// <summary>
/// A store that holds a writer at the moment it is about to commit: the first <see cref="ILakeStore.PutIfAbsentAsync"/> whose path
/// matches an armed gate waits until the test releases it. A deterministic interleaving: the test runs another writer in between.
/// </summary>
internal sealed class GateStore(ILakeStore inner) : DelegatingStore(inner)
{
    private Func<string, bool>? _when;
    private TaskCompletionSource? _reached, _release;

    /// <summary>Arms the gate; the returned task completes when a matching put is waiting.</summary>
    public Task Arm(Func<string, bool> when)
    {
        _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _when, when);
        return _reached.Task;
    }

    /// <summary>A pipeline on <paramref name="t"/>'s lake through a gate (the pipeline owns the lake).</summary>
    public static CryptoPipeline OpenPipeline(TempLake t, DateTimeOffset now, out GateStore gate)
    {
        gate = new GateStore(new LocalLakeStore(t.LakeDir));
        return new CryptoPipeline(t.Settings, new Lakehouse(gate), clock: new FixedClock(now));
    }

    /// <summary>Lets the waiting put go on.</summary>
    public void Release() => _release!.TrySetResult();

    public override async Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        await HoldIfArmedAsync(path, ct);
        return await Inner.PutIfAbsentAsync(path, content, ct);
    }

    /// <summary>Data files (parquet) go through here: a gate on one holds a writer between deciding and committing.</summary>
    public override async Task PutFileAsync(string path, string localFile, CancellationToken ct = default)
    {
        await HoldIfArmedAsync(path, ct);
        await Inner.PutFileAsync(path, localFile, ct);
    }

    /// <summary>A path the gate is armed for has no local path: the writer uploads it (PutFileAsync) and is held there.</summary>
    public override string? LocalPath(string path) => Volatile.Read(ref _when) is { } when && when(path) ? null : base.LocalPath(path);

    private async Task HoldIfArmedAsync(string path, CancellationToken ct)
    {
        var when = Volatile.Read(ref _when);
        if (when is not null && when(path) && Interlocked.CompareExchange(ref _when, null, when) == when)
        {
            _reached!.TrySetResult();
            await _release!.Task.WaitAsync(ct);
        }
    }
}
