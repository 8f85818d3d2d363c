using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CryptoSentiment.Sentiment;

/// <summary>
/// The offline v2 model as stored in <c>Sentiment/Model/offline-v2.json</c> (embedded resource <c>Sentiment/offline-v2.json</c>):
/// a multinomial logistic regression over <see cref="HeadlineFeaturizer"/> features. Weights only — no training rows.
/// Classes are always in the order negative, neutral, positive.
/// </summary>
public sealed class OfflineModelDefinition
{
    public string Name { get; init; } = "offline-v2";
    public string? Description { get; init; }
    /// <summary>Must equal <see cref="HeadlineFeaturizer.FeatureSet"/>.</summary>
    public string FeatureSet { get; init; } = HeadlineFeaturizer.FeatureSet;
    /// <summary>How the weights were trained (data, options, sizes); informational.</summary>
    public SortedDictionary<string, string> Training { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Per-class bias: negative, neutral, positive.</summary>
    public double[] Bias { get; init; } = [0, 0, 0];
    /// <summary>Feature name → per-class weights (negative, neutral, positive).</summary>
    public SortedDictionary<string, double[]> Weights { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Logical name of the embedded default model.</summary>
    public const string EmbeddedResourceName = "Sentiment/offline-v2.json";

    /// <summary>Digits kept for every weight in the JSON file (what makes training output byte-for-byte reproducible).</summary>
    public const int Decimals = 4;

    /// <summary>Loads the embedded default model.</summary>
    public static OfflineModelDefinition LoadEmbedded()
    {
        using var stream = typeof(OfflineModelDefinition).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{EmbeddedResourceName}' not found in {typeof(OfflineModelDefinition).Assembly.GetName().Name}.");
        return Load(stream);
    }

    /// <summary>Loads a model from JSON and checks its shape.</summary>
    public static OfflineModelDefinition Load(Stream json)
    {
        var model = JsonSerializer.Deserialize(json, OfflineModelJsonContext.Default.OfflineModelDefinition)
            ?? throw new InvalidDataException("Offline sentiment model JSON is empty.");
        if (model.FeatureSet != HeadlineFeaturizer.FeatureSet)
            throw new InvalidDataException($"Offline model '{model.Name}' uses feature set '{model.FeatureSet}', this build computes '{HeadlineFeaturizer.FeatureSet}': retrain with `crypto-sentiment train`.");
        if (model.Bias.Length != 3) throw new InvalidDataException($"Offline model '{model.Name}': bias must have 3 values.");
        foreach (var (name, w) in model.Weights)
            if (w.Length != 3) throw new InvalidDataException($"Offline model '{model.Name}': feature '{name}' must have 3 weights.");
        return model;
    }

    /// <summary>Writes the canonical JSON form (sorted, fixed decimals, one feature per line): same model, same bytes.</summary>
    public byte[] ToJson()
    {
        var sb = new StringBuilder(64 * (Weights.Count + 16));
        sb.Append("{\n");
        sb.Append(" \"name\": ").Append(Str(Name)).Append(",\n");
        if (Description is not null) sb.Append(" \"description\": ").Append(Str(Description)).Append(",\n");
        sb.Append(" \"featureSet\": ").Append(Str(FeatureSet)).Append(",\n");
        sb.Append(" \"training\": {");
        var first = true;
        foreach (var (k, v) in Training)
        {
            sb.Append(first ? "\n  " : ",\n  ").Append(Str(k)).Append(": ").Append(Str(v));
            first = false;
        }
        sb.Append(first ? "},\n" : "\n },\n");
        sb.Append(" \"bias\": ").Append(Vec(Bias)).Append(",\n");
        sb.Append(" \"weights\": {");
        first = true;
        foreach (var (k, w) in Weights)
        {
            sb.Append(first ? "\n  " : ",\n  ").Append(Str(k)).Append(": ").Append(Vec(w));
            first = false;
        }
        sb.Append(first ? "}\n}\n" : "\n }\n}\n");
        return Encoding.UTF8.GetBytes(sb.ToString());

        static string Str(string s)
        {
            var e = new StringBuilder(s.Length + 2).Append('"');
            foreach (var c in s)
            {
                if (c is '"' or '\\') e.Append('\\').Append(c);
                else if (c < ' ') e.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else e.Append(c);
            }
            return e.Append('"').ToString();
        }
        static string Vec(double[] v) => "[" + string.Join(",", v.Select(Num)) + "]";
    }

    /// <summary>A weight as written to JSON: rounded to <see cref="Decimals"/>, invariant culture, no exponent.</summary>
    public static string Num(double v)
    {
        var r = Math.Round(v, Decimals, MidpointRounding.ToEven);
        if (r == 0) return "0";
        return r.ToString("0.####", CultureInfo.InvariantCulture);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(OfflineModelDefinition))]
internal sealed partial class OfflineModelJsonContext : JsonSerializerContext;

/// <summary>
/// Read-only open-addressing table from a 64-bit hash (already well mixed: FNV-1a) to a non-zero int; linear probing,
/// power-of-two capacity at most half full. Faster than <see cref="Dictionary{TKey, TValue}"/> on the scoring hot path.
/// </summary>
internal sealed class HashTable64
{
    private readonly ulong[] _keys;
    private readonly int[] _values;
    private readonly int _mask;

    public HashTable64(IEnumerable<KeyValuePair<ulong, int>> entries)
    {
        var list = entries.ToList();
        var capacity = 16;
        while (capacity < list.Count * 2) capacity <<= 1;
        _keys = new ulong[capacity];
        _values = new int[capacity];
        _mask = capacity - 1;
        foreach (var (key, value) in list)
        {
            if (value == 0) throw new ArgumentException("Values must be non-zero.", nameof(entries));
            var i = Slot(key);
            while (_values[i] != 0 && _keys[i] != key) i = (i + 1) & _mask;
            _keys[i] = key;
            _values[i] = value;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key) => (int)((key ^ (key >> 29)) & (ulong)_mask);

    /// <summary>The value of <paramref name="key"/>, or 0 when absent.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public int Get(ulong key)
    {
        var i = Slot(key);
        while (true)
        {
            var v = _values[i];
            if (v == 0 || _keys[i] == key) return v;
            i = (i + 1) & _mask;
        }
    }
}

/// <summary>The runtime form of <see cref="OfflineModelDefinition"/>: feature hash → row of three float weights.</summary>
internal sealed class SoftmaxWeights
{
    private readonly HashTable64 _table;
    private readonly int _count;
    private readonly float[] _weights;
    private readonly double[] _bias;

    public SoftmaxWeights(OfflineModelDefinition model)
    {
        _bias = [.. model.Bias];
        var index = new Dictionary<ulong, int>(model.Weights.Count);
        _weights = new float[model.Weights.Count * 3];
        var row = 0;
        foreach (var (name, w) in model.Weights)
        {
            // rows are stored 1-based in the table (0 = absent)
            if (!index.TryAdd(HeadlineFeaturizer.Hash(name), row + 1))
                throw new InvalidDataException($"Offline model '{model.Name}': feature '{name}' collides with another feature's hash.");
            for (var k = 0; k < 3; k++) _weights[row * 3 + k] = (float)w[k];
            row++;
        }
        _table = new HashTable64(index);
        _count = index.Count;
    }

    public int Count => _count;

    /// <summary>Class probabilities (negative, neutral, positive) for the given features.</summary>
    public void Predict(ReadOnlySpan<ulong> hashes, ReadOnlySpan<float> values, Span<double> probabilities)
    {
        double z0 = _bias[0], z1 = _bias[1], z2 = _bias[2];
        for (var i = 0; i < hashes.Length; i++)
        {
            var row = _table.Get(hashes[i]);
            if (row == 0) continue;
            var v = values[i];
            var o = (row - 1) * 3;
            z0 += v * _weights[o];
            z1 += v * _weights[o + 1];
            z2 += v * _weights[o + 2];
        }
        var max = Math.Max(z0, Math.Max(z1, z2));
        double e0 = Math.Exp(z0 - max), e1 = Math.Exp(z1 - max), e2 = Math.Exp(z2 - max);
        var sum = e0 + e1 + e2;
        probabilities[0] = e0 / sum;
        probabilities[1] = e1 / sum;
        probabilities[2] = e2 / sum;
    }
}
