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
/// Keys are held as their <see cref="DedupeKeys"/> digests. A file whose <c>add</c> carries its keys (<see cref="DedupeKeys.Tag"/>,
/// written by every silver commit) is learnt from the log alone; only untagged files are downloaded and read.
/// Not thread-safe by itself: callers hold <see cref="LockAsync"/> around every use (batches of several partitions share it).
/// </summary>
/// <param name="keyExpression">SQL over a file's columns giving its keys (one or more rows per row, NULLs skipped).</param>
/// <param name="dayColumn">The table's day partition column.</param>
/// <param name="maxDays">Days kept in memory at most.</param>
/// <param name="readTags">Trust <see cref="DedupeKeys.Tag"/> on <c>add</c> actions: only for the key expression the silver step
/// writes those tags with.</param>
public sealed class DedupeIndex(string keyExpression, string dayColumn, int maxDays = DedupeIndex.DefaultMaxDays, bool readTags = false)
{
    /// <summary>Days kept in memory at most (least recently used go first); a window of ±7 days needs 15.</summary>
    public const int DefaultMaxDays = 64;

    private sealed class Day
    {
        /// <summary>Keys of committed files.</summary>
        public HashSet<UInt128> Keys { get; } = [];
        /// <summary>Keys claimed by batches in flight (not committed yet): released on failure, confirmed on commit.</summary>
        public HashSet<UInt128> Claimed { get; } = [];
        public SeenFiles Files { get; } = new();
        public long LastUsed { get; set; }
    }

    private readonly Dictionary<DateOnly, Day> _days = new();
    private readonly AsyncGate _gate = new();
    private long _clock;

    /// <summary>Exclusive use of the index until the returned handle is disposed.</summary>
    public Task<IDisposable> LockAsync(CancellationToken ct) => _gate.EnterAsync(ct);

    /// <summary>Keys held (committed and claimed), over every loaded day.</summary>
    public int Count => _days.Values.Sum(d => d.Keys.Count + d.Claimed.Count);

    /// <summary>Days held in memory.</summary>
    public int DaysLoaded => _days.Count;

    /// <summary>Files whose parquet was read for their keys so far (for tests and the bench: cold-start work).</summary>
    public long FilesRead { get; private set; }

    /// <summary>Files whose keys came from their <c>add</c> tag instead (nothing downloaded or read).</summary>
    public long FilesFromTags { get; private set; }

    /// <summary>True when a committed row or a batch in flight holds <paramref name="key"/> on <paramref name="day"/>.</summary>
    public bool Contains(DateOnly day, string key) => Contains(day, DedupeKeys.Hash(key));

    /// <inheritdoc cref="Contains(DateOnly, string)"/>
    public bool Contains(DateOnly day, UInt128 key) => _days.TryGetValue(day, out var d) && (d.Keys.Contains(key) || d.Claimed.Contains(key));

    /// <summary>Claims a key for a batch in flight; false when it is already held.</summary>
    public bool Claim(DateOnly day, UInt128 key)
    {
        var d = Get(day);
        return !d.Keys.Contains(key) && d.Claimed.Add(key);
    }

    /// <summary>Gives a claim back (the batch did not commit); keys of committed files stay whatever is released.</summary>
    public void Unclaim(DateOnly day, UInt128 key)
    {
        if (_days.TryGetValue(day, out var d)) d.Claimed.Remove(key);
    }

    /// <summary>The batch holding the claim committed: the key is now a committed one.</summary>
    public void Confirm(DateOnly day, UInt128 key)
    {
        var d = Get(day);
        d.Claimed.Remove(key);
        d.Keys.Add(key);
    }

    /// <summary>
    /// Makes sure the keys of <paramref name="days"/> in <paramref name="snapshot"/> are loaded: files not seen yet give their
    /// keys from their <c>add</c> tag, or else are read (all of them in one query).
    /// </summary>
    public async Task LoadAsync(DuckDbConnection c, ILakeStore store, Snapshot snapshot, IReadOnlySet<DateOnly> days, CancellationToken ct)
    {
        var stamp = ++_clock;
        var byDay = snapshot.FilesOnDays(dayColumn, days).GroupBy(a => Snapshot.PartitionDay(a.PartitionValues, dayColumn)!.Value)
            .ToDictionary(g => g.Key, g => g.ToList());
        var fresh = new List<(AddAction Add, string Path, DateOnly Day)>();
        foreach (var day in days)
        {
            var d = Get(day);
            d.LastUsed = stamp;
            if (!byDay.TryGetValue(day, out var adds)) continue;
            var paths = adds.Select(snapshot.StorePath).ToList();
            var unseen = d.Files.Unseen(paths).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < adds.Count; i++)
                if (unseen.Contains(paths[i])) fresh.Add((adds[i], paths[i], day));
        }
        await LearnAsync(c, store, fresh, (at, key) => at.Index.Keys.Add(key), ct);
        Evict(stamp);
    }

    /// <summary>
    /// Takes the keys of <paramref name="files"/> from their <c>add</c> tags, or else reads them (all untagged files in one
    /// query), hands each to <paramref name="onKey"/> with its day, and marks the files seen.
    /// </summary>
    private async Task LearnAsync(DuckDbConnection c, ILakeStore store, IReadOnlyList<(AddAction Add, string Path, DateOnly Day)> files,
        Action<(Day Index, DateOnly Day), UInt128> onKey, CancellationToken ct)
    {
        var untagged = new List<(string Path, DateOnly Day)>();
        foreach (var (add, path, day) in files)
        {
            if (!readTags || DedupeKeys.FromTags(add) is not { } keys) { untagged.Add((path, day)); continue; }
            var at = (Get(day), day);
            foreach (var key in keys) onKey(at, key);
            FilesFromTags++;
        }
        if (untagged.Count > 0)
        {
            var locals = await store.MaterializeAllAsync(untagged.Select(x => x.Path).ToList(), ct: ct);
            ReadKeys(c, untagged.Select((x, i) => (locals[i], (Index: Get(x.Day), x.Day))), onKey);
            FilesRead += untagged.Count;
        }
        foreach (var (_, path, day) in files) Get(day).Files.MarkSeen([path]);
    }

    /// <summary>
    /// Reads the keys of local parquet files in one query (a query per day costs a parse, a plan and a thread hand-off each:
    /// with several writers on one table, most batches have fresh files of others on several days).
    /// </summary>
    private void ReadKeys<T>(DuckDbConnection c, IEnumerable<(string Local, T Tag)> files, Action<T, UInt128> onKey)
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
            onKey(current, DedupeKeys.Hash(r.GetString(1)));
        }
    }

    /// <summary>
    /// Learns the keys of <paramref name="adds"/> (files other writers committed after the snapshot a batch was checked against)
    /// that lie within <paramref name="window"/> days of a day in <paramref name="claims"/> (key → the days this batch claimed it
    /// on) — from their tags, or by reading the untagged ones — adds them to the index, and answers whether any of them is a
    /// key this batch claimed within the window: a real duplicate between the two commits. Files of other days cannot hold
    /// one and are not looked at.
    /// </summary>
    public async Task<bool> CollidesAsync(DuckDbConnection c, ILakeStore store, string tablePath, IReadOnlyList<AddAction> adds,
        IReadOnlyDictionary<UInt128, List<DateOnly>> claims, int window, CancellationToken ct)
    {
        var claimDays = claims.Values.SelectMany(d => d).ToHashSet();
        bool Near(DateOnly day) => claimDays.Any(d => Math.Abs(d.DayNumber - day.DayNumber) <= window);
        var near = adds.Select(a => (Add: a, Day: Snapshot.PartitionDay(a.PartitionValues, dayColumn)))
            .Where(x => x.Day is { } d && Near(d)).Select(x => (x.Add, Path: DeltaPaths.StorePath(tablePath, x.Add), Day: x.Day!.Value)).ToList();
        if (near.Count == 0) return false;
        var collides = false;
        void Learn((Day Index, DateOnly Day) at, UInt128 key)
        {
            at.Index.Keys.Add(key);
            if (claims.TryGetValue(key, out var on) && on.Any(d => Math.Abs(d.DayNumber - at.Day.DayNumber) <= window)) collides = true;
        }
        await LearnAsync(c, store, near, Learn, ct);
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
