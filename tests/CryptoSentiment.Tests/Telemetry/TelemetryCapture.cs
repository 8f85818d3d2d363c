using System.Diagnostics;
using System.Diagnostics.Metrics;
using CryptoSentiment.Telemetry;

namespace CryptoSentiment.Tests.Telemetry;

/// <summary>
/// The <c>CryptoSentiment</c> tests that read exact metric values: they run alone (no other test's pipeline records into
/// the process-wide Meter meanwhile).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetrySerial
{
    public const string Name = "Telemetry (serial)";
}

/// <summary>
/// Listens to the <c>CryptoSentiment</c> Meter and ActivitySource in-process (a <see cref="MeterListener"/> and an
/// <see cref="ActivityListener"/>, no exporter): every measurement with its tags, and every span when it stops.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;
    private readonly List<(string Name, double Value, Dictionary<string, string> Tags)> _measurements = [];
    private readonly List<Activity> _stopped = [];

    public TelemetryCapture()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineTelemetry.Name) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i.Name, v, tags));
        _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i.Name, v, tags));
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = s => s.Name == PipelineTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (_stopped) _stopped.Add(a); },
        };
        ActivitySource.AddActivityListener(_spans);
    }

    public IReadOnlyList<Activity> Spans { get { lock (_stopped) return _stopped.ToList(); } }

    /// <summary>Sum of the measurements of <paramref name="instrument"/> whose tags include every pair of <paramref name="where"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] where) => Matching(instrument, where).Sum(m => m.Value);

    /// <summary>How many measurements of <paramref name="instrument"/> match (a histogram's recordings).</summary>
    public int Count(string instrument, params (string Key, string Value)[] where) => Matching(instrument, where).Count;

    /// <summary>The values of tag <paramref name="key"/> seen on <paramref name="instrument"/> with a non-zero measurement.</summary>
    public Dictionary<string, double> SumBy(string instrument, string key)
    {
        lock (_measurements)
            return _measurements.Where(m => m.Name == instrument && m.Value != 0 && m.Tags.ContainsKey(key))
                .GroupBy(m => m.Tags[key]).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
    }

    private List<(string Name, double Value, Dictionary<string, string> Tags)> Matching(string instrument, (string Key, string Value)[] where)
    {
        lock (_measurements)
            return _measurements.Where(m => m.Name == instrument && where.All(w => m.Tags.GetValueOrDefault(w.Key) == w.Value)).ToList();
    }

    private void Add(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, string>();
        foreach (var t in tags) d[t.Key] = Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        lock (_measurements) _measurements.Add((name, value, d));
    }

    public void Dispose()
    {
        _meters.Dispose();
        _spans.Dispose();
    }
}
