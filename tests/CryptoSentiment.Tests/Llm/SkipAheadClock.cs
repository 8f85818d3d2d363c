namespace CryptoSentiment.Tests.Llm;

/// <summary>
/// A virtual clock for retry delays, the circuit breaker and the quota limiter: every timer fires at once and moves the
/// clock forward by its due time (so a 30 s Retry-After costs no real time), and <see cref="Advance"/> moves it by hand.
/// The requested delays are recorded in order.
/// </summary>
internal sealed class SkipAheadClock : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _delays = [];

    public IReadOnlyList<TimeSpan> Delays { get { lock (_gate) return [.. _delays]; } }
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => Epoch + Elapsed;
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Timer(this, callback, state, dueTime);

    private sealed class Timer : ITimer
    {
        private readonly SkipAheadClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private int _disposed;

        public Timer(SkipAheadClock clock, TimerCallback callback, object? state, TimeSpan due)
        {
            (_clock, _callback, _state) = (clock, callback, state);
            Change(due, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime == Timeout.InfiniteTimeSpan || Volatile.Read(ref _disposed) == 1) return true;
            lock (_clock._gate) _clock._delays.Add(dueTime);
            _clock.Advance(dueTime);
            ThreadPool.QueueUserWorkItem(_ => { if (Volatile.Read(ref _disposed) == 0) _callback(_state); });
            return true;
        }

        public void Dispose() => Interlocked.Exchange(ref _disposed, 1);
        public ValueTask DisposeAsync() { Dispose(); return default; }
    }
}
