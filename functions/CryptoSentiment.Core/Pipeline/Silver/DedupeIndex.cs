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
/// Not thread-safe by itself: callers hold <see cref="LockAsync"/> around every use (batches of several partitions share it).
/// </summary>
public sealed class DedupeIndex(string keyExpression, string dayColumn, int maxDays = DedupeIndex.DefaultMaxDays)
{
    /// <summary>Days kept in memory at most (least recently used go first); a window of ±7 days needs 15.</summary>
    public const int DefaultMaxDays = 64;

    private sealed class Day
    {
        /// <summary>Keys of committed files.</summary>
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        /// <summary>Keys claimed by batches in flight (not committed yet): released on failure, confirmed on commit.</summary>
        public HashSet<string> Claimed { get; } = new(StringComparer.Ordinal);
        public SeenFiles Files { get; } = new();
        public long LastUsed { get; set; }
    }

    private readonly Dictionary<DateOnly, Day> _days = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _clock;

    /// <summary>Exclusive use of the index until the returned handle is disposed.</summary>
    public async Task<IDisposable> LockAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        return new Release(_gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) gate.Release(); }
    }

    /// <summary>Keys held (committed and claimed), over every loaded day.</summary>
    public int Count => _days.Values.Sum(d => d.Keys.Count + d.Claimed.Count);

    /// <summary>Days held in memory.</summary>
    public int DaysLoaded => _days.Count;

    /// <summary>Files read so far by <see cref="LoadAsync"/> (for tests and the bench: cold-start work).</summary>
    public long FilesRead { get; private set; }

    /// <summary>True when a committed row or a batch in flight holds <paramref name="key"/> on <paramref name="day"/>.</summary>
    public bool Contains(DateOnly day, string key) => _days.TryGetValue(day, out var d) && (d.Keys.Contains(key) || d.Claimed.Contains(key));

    /// <summary>Claims a key for a batch in flight; false when it is already held.</summary>
    public bool Claim(DateOnly day, string key)
    {
        var d = Get(day);
        return !d.Keys.Contains(key) && d.Claimed.Add(key);
    }

    /// <summary>Gives a claim back (the batch did not commit); keys of committed files stay whatever is released.</summary>
    public void Unclaim(DateOnly day, string key)
    {
        if (_days.TryGetValue(day, out var d)) d.Claimed.Remove(key);
    }

    /// <summary>The batch holding the claim committed: the key is now a committed one.</summary>
    public void Confirm(DateOnly day, string key)
    {
        var d = Get(day);
        d.Claimed.Remove(key);
        d.Keys.Add(key);
    }

    /// <summary>Makes sure the keys of <paramref name="days"/> in <paramref name="snapshot"/> are loaded (only unread files are read, in one query).</summary>
    public async Task LoadAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, IReadOnlySet<DateOnly> days, CancellationToken ct)
    {
        var stamp = ++_clock;
        var byDay = snapshot.FilesOnDays(dayColumn, days).GroupBy(a => Snapshot.PartitionDay(a.PartitionValues, dayColumn)!.Value)
            .ToDictionary(g => g.Key, g => g.Select(snapshot.StorePath).ToList());
        var read = new List<(Day Day, IReadOnlyList<string> Fresh, IReadOnlyList<string> Locals)>();
        foreach (var day in days)
        {
            var d = Get(day);
            d.LastUsed = stamp;
            if (!byDay.TryGetValue(day, out var paths)) continue;
            var (fresh, locals) = await d.Files.UnseenAsync(store, paths, ct);
            if (fresh.Count > 0) read.Add((d, fresh, locals));
        }
        if (read.Count > 0)
        {
            ReadKeys(c, read.SelectMany(x => x.Locals.Select(l => (l, x.Day))), (day, key) => day.Keys.Add(key));
            foreach (var (d, fresh, _) in read)
            {
                d.Files.MarkSeen(fresh);
                FilesRead += fresh.Count;
            }
        }
        Evict(stamp);
    }

    /// <summary>
    /// Reads the keys of local parquet files in one query (a query per day costs a parse, a plan and a thread hand-off each:
    /// with several writers on one table, most batches have fresh files of others on several days).
    /// </summary>
    private void ReadKeys<T>(DuckDbConnection c, IEnumerable<(string Local, T Tag)> files, Action<T, string> onKey)
    {
        var tags = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var (local, t) in files) tags[local] = t;
        using var r = c.Query($"SELECT filename, k FROM (SELECT filename, {keyExpression} AS k FROM read_parquet({DuckDbConnection.QuoteList(tags.Keys)}, union_by_name = true, filename = true)) WHERE k IS NOT NULL");
        string? lastFile = null;
        T current = default!;
        while (r.Read())
        {
            var file = r.GetString(0);
            if (!ReferenceEquals(file, lastFile) && file != lastFile) { current = tags[file]; lastFile = file; }
            onKey(current, r.GetString(1));
        }
    }

    /// <summary>
    /// Reads the keys of <paramref name="adds"/> (files other writers committed after the snapshot a batch was checked against)
    /// that lie within <paramref name="window"/> days of a day in <paramref name="claims"/> (key → the days this batch claimed it
    /// on), adds them to the index, and answers whether any of them is a key this batch claimed within the window: a real
    /// duplicate between the two commits. Files of other days cannot hold one and are not read.
    /// </summary>
    public async Task<bool> CollidesAsync(DuckDbConnection c, ILakeStore store, string tablePath, IReadOnlyList<AddAction> adds,
        IReadOnlyDictionary<string, List<DateOnly>> claims, int window, CancellationToken ct)
    {
        var claimDays = claims.Values.SelectMany(d => d).ToHashSet();
        bool Near(DateOnly day) => claimDays.Any(d => Math.Abs(d.DayNumber - day.DayNumber) <= window);
        var near = adds.Select(a => (Add: a, Day: Snapshot.PartitionDay(a.PartitionValues, dayColumn)))
            .Where(x => x.Day is { } d && Near(d)).Select(x => (Path: DeltaPaths.StorePath(tablePath, x.Add), Day: x.Day!.Value)).ToList();
        if (near.Count == 0) return false;
        var locals = await store.MaterializeAllAsync(near.Select(x => x.Path).ToList(), ct: ct);
        var collides = false;
        ReadKeys(c, near.Select((x, i) => (locals[i], (Index: Get(x.Day), x.Day))), (at, key) =>
        {
            at.Index.Keys.Add(key);
            if (claims.TryGetValue(key, out var on) && on.Any(d => Math.Abs(d.DayNumber - at.Day.DayNumber) <= window)) collides = true;
        });
        foreach (var (path, day) in near) Get(day).Files.MarkSeen([path]);
        FilesRead += near.Count;
        return collides;
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

    /// <summary>Drops the least recently used days beyond <c>maxDays</c> (never those of the current load, nor days with claims in flight).</summary>
    private void Evict(long current)
    {
        if (_days.Count <= maxDays) return;
        foreach (var (day, _) in _days.Where(kv => kv.Value.LastUsed < current && kv.Value.Claimed.Count == 0)
                     .OrderBy(kv => kv.Value.LastUsed).Take(_days.Count - maxDays).ToList())
            _days.Remove(day);
    }
}
