namespace CryptoSentiment.Sentiment.Llm;

/// <summary>
/// A continuous token bucket on a <see cref="TimeProvider"/>: holds up to <c>perMinute</c> units, refills at
/// <c>perMinute / 60</c> per second, and makes callers wait (on the time provider) until their units are available.
/// The balance may go negative when a call turns out larger than its estimate (<see cref="Adjust"/>); later callers then
/// wait for the debt to be repaid. <c>perMinute = 0</c> means unlimited.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly double _capacity;
    private readonly double _perSecond;
    private readonly Lock _gate = new();
    private double _balance;
    private long _stamp;

    public TokenBucket(int perMinute, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perMinute);
        _time = time ?? TimeProvider.System;
        _capacity = perMinute;
        _perSecond = perMinute / 60.0;
        _balance = perMinute;
        _stamp = _time.GetTimestamp();
    }

    public bool Unlimited => _capacity == 0;

    /// <summary>Total time callers were made to wait.</summary>
    public TimeSpan Waited { get; private set; }

    /// <summary>Units available now (may be negative).</summary>
    public double Available { get { lock (_gate) { Refill(); return _balance; } } }

    /// <summary>Takes <paramref name="units"/> (capped at the capacity), waiting as long as needed; returns the units taken.</summary>
    public async ValueTask<double> AcquireAsync(double units, CancellationToken ct)
    {
        if (Unlimited || units <= 0) return 0;
        units = Math.Min(units, _capacity);
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                Refill();
                if (_balance >= units) { _balance -= units; return units; }
                wait = TimeSpan.FromSeconds(Math.Max((units - _balance) / _perSecond, 0.001));
                Waited += wait;
            }
            await Task.Delay(wait, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Corrects the balance after the fact (positive = the call used more than acquired).</summary>
    public void Adjust(double extraUnits)
    {
        if (Unlimited || extraUnits == 0) return;
        lock (_gate) { Refill(); _balance = Math.Min(_capacity, _balance - extraUnits); }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_stamp, now).TotalSeconds;
        _stamp = now;
        if (elapsed > 0) _balance = Math.Min(_capacity, _balance + elapsed * _perSecond);
    }
}
