using System.Text.Json;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Producers;

/// <summary>
/// What a producer already sent, kept in the lake as one small JSON object
/// (<c>_state/producers/&lt;name&gt;.json</c>): key → time (news: article id → first sent; prices: coin → last
/// quote time sent). Bounded: beyond <see cref="Capacity"/> entries the oldest times are forgotten. A missing or
/// unreadable object starts empty (at worst items are sent again, and silver dedupes them).
/// </summary>
public sealed class ProducerState
{
    public const string Prefix = "_state/producers/";

    private readonly Dictionary<string, DateTimeOffset> _entries;

    private ProducerState(string path, int capacity, Dictionary<string, DateTimeOffset> entries, string? loadProblem)
    {
        Path = path;
        Capacity = capacity;
        _entries = entries;
        LoadProblem = loadProblem;
    }

    public string Path { get; }
    public int Capacity { get; }
    public int Count => _entries.Count;
    /// <summary>Why the stored object was ignored (unreadable JSON), or null.</summary>
    public string? LoadProblem { get; }

    public bool TryGet(string key, out DateTimeOffset time) => _entries.TryGetValue(key, out time);
    public bool Contains(string key) => _entries.ContainsKey(key);
    public void Set(string key, DateTimeOffset time) => _entries[key] = time;

    public static async Task<ProducerState> LoadAsync(ILakeStore store, string name, int capacity, CancellationToken ct)
    {
        var path = Prefix + name + ".json";
        var bytes = await store.ReadAsync(path, ct);
        var entries = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (bytes is null) return new ProducerState(path, capacity, entries, null);
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            foreach (var e in doc.RootElement.GetProperty("entries").EnumerateObject())
                entries[e.Name] = DateTimeOffset.FromUnixTimeMilliseconds(e.Value.GetInt64());
            return new ProducerState(path, capacity, entries, null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            return new ProducerState(path, capacity, new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal),
                $"state {store.Root}/{path} is unreadable ({e.Message}); starting empty");
        }
    }

    /// <summary>Trims to <see cref="Capacity"/> (newest kept) and writes the object (atomic replace).</summary>
    public async Task SaveAsync(ILakeStore store, CancellationToken ct)
    {
        if (_entries.Count > Capacity)
            foreach (var old in _entries.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(_entries.Count - Capacity).ToList())
                _entries.Remove(old.Key);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteStartObject("entries");
            foreach (var (k, v) in _entries.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteNumber(k, v.ToUnixTimeMilliseconds());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        await store.PutAsync(Path, buffer.ToArray(), ct);
    }
}
