using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Pipeline.Enrich;

/// <summary>One cached answer of a paid scorer (a row of <c>cache/sentiment</c>).</summary>
public sealed record CachedSentiment(
    string Key,
    SentimentLabel Label,
    double Confidence,
    IReadOnlyList<string> Coins,
    string ContextSummary,
    string Scorer,
    string Model,
    string PromptVersion,
    int TokensIn,
    int TokensOut,
    DateTimeOffset CreatedAt)
{
    /// <summary>The answer for request <paramref name="id"/>. A cache hit costs nothing: its tokens are 0 (the row keeps what the first call cost).</summary>
    public SentimentResult ToResult(string id) => new(id, Label, Confidence, Coins, ContextSummary, Scorer, Model, PromptVersion, 0, 0);

    public static CachedSentiment From(string key, SentimentResult r, DateTimeOffset now) =>
        new(key, r.Label, r.Confidence, r.Coins, r.ContextSummary, r.Scorer, r.Model, r.PromptVersion, r.TokensIn, r.TokensOut, now);
}

/// <summary>
/// The sentiment result cache, persisted in the lake as the append-only Delta table <c>cache/sentiment</c> so it survives
/// restarts and is shared by every instance. Keyed by SHA-256(normalised title | model | prompt version). Loaded
/// incrementally: only files of the table not read before are scanned (other instances' entries are picked up).
/// Thread-safe: batches of several partitions share it; it reads and writes on engine connections of its own.
/// </summary>
public sealed class SentimentCache(Lakehouse lake)
{
    private const string Staged = "stage_sentiment_cache";
    private readonly ConcurrentDictionary<string, CachedSentiment> _entries = new(StringComparer.Ordinal);
    private readonly SeenFiles _files = new();
    private readonly SemaphoreSlim _loading = new(1, 1);

    public static TableDef Table => LakeTables.CacheSentiment;

    /// <summary>Entries known to this instance.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// SHA-256 (lower-case hex) of <c>normalised title | model | prompt version</c>, where the title is normalised by
    /// <see cref="EventParser.NormaliseTitle"/> (case, punctuation and spacing do not matter). A title with no letter or
    /// digit is keyed by its trimmed text.
    /// </summary>
    public static string Key(string title, string model, string promptVersion)
    {
        var normalised = EventParser.NormaliseTitle(title);
        if (normalised.Length == 0) normalised = title.Trim();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised + "|" + model + "|" + promptVersion)));
    }

    public bool TryGet(string key, out CachedSentiment entry) => _entries.TryGetValue(key, out entry!);

    /// <summary>Reads the entries of committed files not read yet (nothing when the table does not exist).</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        if (await lake.SnapshotIfExistsAsync(Table, ct) is not { } snapshot) return;
        await _loading.WaitAsync(ct);
        try { await LoadFilesAsync(snapshot, ct); }
        finally { _loading.Release(); }
    }

    private async Task LoadFilesAsync(Snapshot snapshot, CancellationToken ct)
    {
        var (fresh, locals) = await _files.UnseenAsync(lake.Store, snapshot, ct);
        if (fresh.Count == 0) return;
        using var engine = lake.RentEngine();
        using (var r = engine.Connection.Query(
            "SELECT key, label, confidence, coins, context_summary, scorer, model, prompt_version, tokens_in, tokens_out, created_at " +
            $"FROM ({LakeViews.SelectSql(Table, locals)}) ORDER BY created_at"))
        {
            while (r.Read())
            {
                if (!Enum.TryParse<SentimentLabel>(r.GetString(1), ignoreCase: false, out var label)) continue; // not an answer: a miss
                var entry = new CachedSentiment(r.GetString(0), label, r.GetDouble(2),
                    r.IsNull(3) || r.GetString(3).Length == 0 ? [] : r.GetString(3).Split(','),
                    Text(r, 4), r.GetString(5), Text(r, 6), Text(r, 7),
                    r.IsNull(8) ? 0 : (int)r.GetInt64(8), r.IsNull(9) ? 0 : (int)r.GetInt64(9), r.GetDateTimeOffset(10));
                _entries.TryAdd(entry.Key, entry); // the first answer of a key wins (two instances may have paid for the same one)
            }
        }
        _files.MarkSeen(fresh);
    }

    /// <summary>Appends <paramref name="entries"/> to the table (one commit) and to this instance. Only answers worth keeping belong here.</summary>
    public async Task AddAsync(IReadOnlyCollection<CachedSentiment> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0) return;
        using var engine = lake.RentEngine();
        var c = engine.Connection;
        c.Execute($"CREATE OR REPLACE TEMP TABLE {Staged} ({Table.DuckDbColumnList()})");
        try
        {
            using (var a = c.CreateAppender(Staged))
            {
                foreach (var e in entries)
                {
                    a.Append(e.Key).Append(e.Label.ToString()).Append(e.Confidence).Append(string.Join(',', e.Coins)).Append(e.ContextSummary)
                     .Append(e.Scorer).Append(e.Model).Append(e.PromptVersion).Append(e.TokensIn).Append(e.TokensOut).Append(e.CreatedAt);
                    a.EndRow();
                }
            }
            var adds = await ParquetWriter.WriteAsync(c, Staged, Table, lake.Store, ct);
            var table = await lake.TableAsync(Table, ct);
            var tx = table.BeginTransaction();
            foreach (var add in adds) tx.Add(add);
            tx.CommitInfo("WRITE", new Dictionary<string, string> { ["mode"] = "Append" },
                new Dictionary<string, long> { ["numOutputRows"] = entries.Count });
            await tx.CommitAsync(ct); // appends never conflict: a lost race is retried at the next version
            foreach (var e in entries) _entries.TryAdd(e.Key, e);
            await _loading.WaitAsync(CancellationToken.None);
            try { _files.MarkSeen(Table.Path, adds); }
            finally { _loading.Release(); }
        }
        finally { c.Execute($"DROP TABLE IF EXISTS {Staged}"); }
    }

    private static string Text(DuckDbResult r, int col) => r.IsNull(col) ? "" : r.GetString(col);
}
