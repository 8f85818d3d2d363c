using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// The dedupe keys already in a silver table, held per UTC day partition and loaded on demand: a batch loads only the
/// days its events need (their own day, and for keys compared across days the window around it), reading only files of
/// those partitions it has not read before — other writers' commits and compacted files included. Days not used for a
/// while are evicted, so memory and cold-start work follow the window, not the table's history (ARCHITECTURE §9).
/// </summary>
public sealed class DedupeIndex(string keyExpression, string dayColumn, int maxDays = DedupeIndex.DefaultMaxDays)
{
    /// <summary>Days kept in memory at most (least recently used go first); a window of ±7 days needs 15.</summary>
    public const int DefaultMaxDays = 64;

    private sealed class Day
    {
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public SeenFiles Files { get; } = new();
        public long LastUsed { get; set; }
    }

    private readonly Dictionary<DateOnly, Day> _days = new();
    private long _clock;

    /// <summary>Keys held, over every loaded day.</summary>
    public int Count => _days.Values.Sum(d => d.Keys.Count);

    /// <summary>Days held in memory.</summary>
    public int DaysLoaded => _days.Count;

    /// <summary>Files read so far by <see cref="LoadAsync"/> (for tests and the bench: cold-start work).</summary>
    public long FilesRead { get; private set; }

    public bool Contains(DateOnly day, string key) => _days.TryGetValue(day, out var d) && d.Keys.Contains(key);

    public bool Add(DateOnly day, string key) => Get(day).Keys.Add(key);

    public bool Remove(DateOnly day, string key) => _days.TryGetValue(day, out var d) && d.Keys.Remove(key);

    /// <summary>Makes sure the keys of <paramref name="days"/> in <paramref name="snapshot"/> are loaded (only unread files are read).</summary>
    public async Task LoadAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, IReadOnlySet<DateOnly> days, CancellationToken ct)
    {
        var stamp = ++_clock;
        var byDay = snapshot.FilesOnDays(dayColumn, days).GroupBy(a => Snapshot.PartitionDay(a.PartitionValues, dayColumn)!.Value)
            .ToDictionary(g => g.Key, g => g.Select(snapshot.StorePath).ToList());
        foreach (var day in days)
        {
            var d = Get(day);
            d.LastUsed = stamp;
            if (!byDay.TryGetValue(day, out var paths)) continue;
            var (fresh, locals) = await d.Files.UnseenAsync(store, paths, ct);
            if (fresh.Count == 0) continue;
            using (var r = c.Query($"SELECT k FROM (SELECT {keyExpression} AS k FROM read_parquet({DuckDbConnection.QuoteList(locals)}, union_by_name = true)) WHERE k IS NOT NULL"))
                while (r.Read()) d.Keys.Add(r.GetString(0));
            d.Files.MarkSeen(fresh);
            FilesRead += fresh.Count;
        }
        Evict(stamp);
    }

    /// <summary>Marks files this process wrote itself (their keys were added as they were accepted).</summary>
    public void MarkLoaded(string tablePath, IEnumerable<AddAction> adds)
    {
        foreach (var add in adds)
            if (Snapshot.PartitionDay(add.PartitionValues, dayColumn) is { } day && _days.TryGetValue(day, out var d))
                d.Files.MarkSeen([DeltaPaths.StorePath(tablePath, add)]);
    }

    private Day Get(DateOnly day)
    {
        if (!_days.TryGetValue(day, out var d)) _days[day] = d = new Day { LastUsed = _clock };
        return d;
    }

    /// <summary>Drops the least recently used days beyond <c>maxDays</c> (never those of the current load).</summary>
    private void Evict(long current)
    {
        if (_days.Count <= maxDays) return;
        foreach (var (day, _) in _days.Where(kv => kv.Value.LastUsed < current).OrderBy(kv => kv.Value.LastUsed).Take(_days.Count - maxDays).ToList())
            _days.Remove(day);
    }
}
