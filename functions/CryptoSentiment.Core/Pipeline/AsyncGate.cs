namespace CryptoSentiment.Pipeline;

/// <summary>An async mutual-exclusion gate: <see cref="EnterAsync"/> returns a handle whose disposal (once) lets the next one in.</summary>
public sealed class AsyncGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Waits for exclusive use; dispose the returned handle to release it.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        return new Release(_gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) gate.Release(); }
    }
}
