namespace CryptoSentiment.Testing.Otlp;

/// <summary>One data point of a received metric: its attributes and its value (sum or gauge value; a histogram's sum and count).</summary>
public sealed record OtlpPoint(IReadOnlyDictionary<string, string> Attributes, double Value, ulong Count);

/// <summary>One metric of an OTLP export: name, unit, kind (<c>sum</c> | <c>gauge</c> | <c>histogram</c> | other) and points.</summary>
public sealed record OtlpMetric(string Scope, string Name, string Unit, string Kind, IReadOnlyList<OtlpPoint> Points);

/// <summary>One span of an OTLP export; ids in lower-case hex (ParentSpanId empty for a root span).</summary>
public sealed record OtlpSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Decodes the parts of OTLP protobuf export requests the tests look at (opentelemetry/proto/collector/*/v1):
/// ExportMetricsServiceRequest → resource_metrics(1) → scope_metrics(2) → scope(1).name(1), metrics(2): name(1), unit(3),
/// gauge(5) / sum(7) / histogram(9) → data_points(1): NumberDataPoint attributes(7), as_double(4), as_int(6);
/// HistogramDataPoint attributes(9), count(4), sum(5). ExportTraceServiceRequest → resource_spans(1) → scope_spans(2) →
/// spans(2): trace_id(1), span_id(2), parent_span_id(4), name(5), attributes(9). KeyValue: key(1), value(2) = AnyValue
/// string(1) | bool(2) | int(3) | double(4).
/// </summary>
public static class OtlpDecoder
{
    public static List<OtlpMetric> Metrics(ReadOnlySpan<byte> request)
    {
        var result = new List<OtlpMetric>();
        foreach (var resourceMetrics in Repeated(request, 1))
            foreach (var scopeMetrics in Repeated(resourceMetrics, 2))
            {
                var scope = ScopeName(scopeMetrics);
                foreach (var metric in Repeated(scopeMetrics, 2)) result.Add(Metric(scope, metric));
            }
        return result;
    }

    public static List<OtlpSpan> Spans(ReadOnlySpan<byte> request)
    {
        var result = new List<OtlpSpan>();
        foreach (var resourceSpans in Repeated(request, 1))
            foreach (var scopeSpans in Repeated(resourceSpans, 2))
            {
                var scope = ScopeName(scopeSpans);
                foreach (var span in Repeated(scopeSpans, 2)) result.Add(Span(scope, span));
            }
        return result;
    }

    private static OtlpMetric Metric(string scope, byte[] m)
    {
        string name = "", unit = "", kind = "other";
        var points = new List<OtlpPoint>();
        var r = new ProtoReader(m);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1 when wire == 2: name = r.ReadString(); break;
                case 3 when wire == 2: unit = r.ReadString(); break;
                case 5 or 7 when wire == 2:
                    kind = field == 5 ? "gauge" : "sum";
                    foreach (var p in Repeated(r.ReadBytes(), 1)) points.Add(NumberPoint(p));
                    break;
                case 9 when wire == 2:
                    kind = "histogram";
                    foreach (var p in Repeated(r.ReadBytes(), 1)) points.Add(HistogramPoint(p));
                    break;
                default: r.Skip(wire); break;
            }
        }
        return new OtlpMetric(scope, name, unit, kind, points);
    }

    private static OtlpPoint NumberPoint(byte[] p)
    {
        var attributes = new Dictionary<string, string>();
        double value = 0;
        var r = new ProtoReader(p);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 7 when wire == 2: Attribute(r.ReadBytes(), attributes); break;
                case 4 when wire == 1: value = r.ReadDouble(); break;
                case 6 when wire == 1: value = (long)r.ReadFixed64(); break;
                default: r.Skip(wire); break;
            }
        }
        return new OtlpPoint(attributes, value, 1);
    }

    private static OtlpPoint HistogramPoint(byte[] p)
    {
        var attributes = new Dictionary<string, string>();
        double sum = 0;
        ulong count = 0;
        var r = new ProtoReader(p);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 9 when wire == 2: Attribute(r.ReadBytes(), attributes); break;
                case 4 when wire == 1: count = r.ReadFixed64(); break;
                case 5 when wire == 1: sum = r.ReadDouble(); break;
                default: r.Skip(wire); break;
            }
        }
        return new OtlpPoint(attributes, sum, count);
    }

    private static OtlpSpan Span(string scope, byte[] s)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var attributes = new Dictionary<string, string>();
        var r = new ProtoReader(s);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1 when wire == 2: traceId = Convert.ToHexStringLower(r.ReadBytes()); break;
                case 2 when wire == 2: spanId = Convert.ToHexStringLower(r.ReadBytes()); break;
                case 4 when wire == 2: parent = Convert.ToHexStringLower(r.ReadBytes()); break;
                case 5 when wire == 2: name = r.ReadString(); break;
                case 9 when wire == 2: Attribute(r.ReadBytes(), attributes); break;
                default: r.Skip(wire); break;
            }
        }
        return new OtlpSpan(scope, traceId, spanId, parent, name, attributes);
    }

    private static void Attribute(ReadOnlySpan<byte> keyValue, Dictionary<string, string> into)
    {
        string key = "", value = "";
        var r = new ProtoReader(keyValue);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2) key = r.ReadString();
            else if (field == 2 && wire == 2) value = AnyValue(r.ReadBytes());
            else r.Skip(wire);
        }
        into[key] = value;
    }

    private static string AnyValue(ReadOnlySpan<byte> any)
    {
        var r = new ProtoReader(any);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            switch (field)
            {
                case 1 when wire == 2: return r.ReadString();
                case 2 when wire == 0: return r.ReadVarint() != 0 ? "true" : "false";
                case 3 when wire == 0: return ((long)r.ReadVarint()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4 when wire == 1: return r.ReadDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                default: r.Skip(wire); break;
            }
        }
        return "";
    }

    private static string ScopeName(ReadOnlySpan<byte> scoped)
    {
        foreach (var scope in Repeated(scoped, 1))
        {
            var r = new ProtoReader(scope);
            while (!r.End)
            {
                var (field, wire) = r.ReadTag();
                if (field == 1 && wire == 2) return r.ReadString();
                r.Skip(wire);
            }
        }
        return "";
    }

    /// <summary>The length-delimited occurrences of field <paramref name="number"/> in a message (copied out: spans cannot be listed).</summary>
    private static List<byte[]> Repeated(ReadOnlySpan<byte> message, int number)
    {
        var items = new List<byte[]>();
        var r = new ProtoReader(message);
        while (!r.End)
        {
            var (field, wire) = r.ReadTag();
            if (field == number && wire == 2) items.Add(r.ReadBytes().ToArray());
            else r.Skip(wire);
        }
        return items;
    }
}
