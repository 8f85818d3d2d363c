using CryptoSentiment.Lake.Stores;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Sql;

namespace CryptoSentiment.Pipeline.Enrich;

/// <summary>What one re-enrichment did.</summary>
public sealed record ReenrichOutcome
{
    /// <summary>Silver rows with scorer <c>fallback</c> found (before this run).</summary>
    public int FallbackRows { get; init; }
    /// <summary>Distinct articles behind <see cref="FallbackRows"/>.</summary>
    public int FallbackArticles { get; init; }
    /// <summary>Articles that got a real answer this time (their rows were replaced).</summary>
    public int RescoredArticles { get; init; }
    /// <summary>Silver rows replaced (scorer no longer <c>fallback</c>).</summary>
    public int ReplacedRows { get; init; }
    /// <summary>Silver files removed and rewritten (their other rows unchanged).</summary>
    public int FilesRewritten { get; init; }
    /// <summary>Silver files read to find fallback rows: only those whose <c>scorer</c> statistics may hold <c>fallback</c>.</summary>
    public int FilesScanned { get; init; }
    /// <summary>The silver version of the replacing commit; null when nothing changed.</summary>
    public long? Version { get; init; }
    /// <summary>Why nothing was attempted (e.g. the configured scorer is the offline one); null otherwise.</summary>
    public string? Skipped { get; init; }
    public SentimentUsage Sentiment { get; init; } = new();

    public bool Changed => Version is not null;
}

/// <summary>
/// Re-enrichment (ARCHITECTURE §6): finds the silver news rows scored <c>fallback</c> (the LLM could not answer when
/// they were ingested), re-scores their headlines with the configured scorer through the cache, and replaces them in
/// silver with ONE commit that removes every file holding a row that got a real answer and adds a rewritten copy of
/// those files: all their other rows unchanged, rows that are still <c>fallback</c> unchanged. Article ids, coins,
/// lineage and row counts never change, so the bronze/silver reconciliation of <c>verify</c> still holds, and gold
/// sees the days of the rewritten rows as touched (they are in the added file).
/// Idempotent: with the LLM still down nothing is committed; after a success there are no fallback rows left to find.
/// Concurrent ingest appends are kept (the commit lands after them); if another writer removed one of the same files,
/// the attempt is redone on the new snapshot.
/// </summary>
public sealed class ReenrichStep(Lakehouse lake, Enricher enricher)
{
    public const string Operation = "REENRICH";
    public const int MaxAttempts = 5;
    private const string Staged = "stage_reenrich";
    private const string Answers = "stage_reenrich_answers";

    private static TableDef Silver => LakeTables.SilverNewsSentiment;

    /// <summary>Runs the re-enrichment (on its own engine connection).</summary>
    public async Task<ReenrichOutcome> RunAsync(CancellationToken ct = default)
    {
        if (enricher.Scorer.Name == OfflineScorer.ScorerName)
            return new ReenrichOutcome { Skipped = "SENTIMENT_SCORER is offline: fallback rows wait for the LLM (set SENTIMENT_SCORER=llm)" };
        var usage = new SentimentUsage();
        using var engine = lake.RentEngine();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await ReplaceAsync(engine.Connection, u => usage += u, ct);
                return outcome with { Sentiment = usage };
            }
            catch (DeltaConflictException e) when (e.Kind == ConflictKind.ConcurrentDeleteDelete && attempt < MaxAttempts)
            {
                // Another writer replaced some of the same files: redo on its result (answers come from the cache now).
                await Task.Delay(Random.Shared.Next(0, 1 + attempt * 10), ct);
            }
            finally { engine.Connection.Execute($"DROP TABLE IF EXISTS {Staged}; DROP TABLE IF EXISTS {Answers};"); }
        }
    }

    private async Task<ReenrichOutcome> ReplaceAsync(DuckDbConnection c, Action<SentimentUsage> spent, CancellationToken ct)
    {
        if (await lake.SnapshotIfExistsAsync(Silver, ct) is null) return new ReenrichOutcome();
        var table = await lake.TableAsync(Silver, ct); // upgrades an older layout first
        var snapshot = table.Snapshot;

        // 1. The fallback rows: which file, which article, which headline. Only files whose scorer statistics may hold
        //    'fallback' are read (data skipping): with nothing to re-score, nothing is read, however long silver's history.
        var live = snapshot.Files.Values.Where(a => FileSkipping.MayContain(a, "scorer", ScorerNames.Fallback)).ToList();
        if (live.Count == 0) return new ReenrichOutcome();
        var locals = await lake.Store.MaterializeAllAsync(live.Select(snapshot.StorePath).ToList(), ct: ct);
        var fileByLocal = new Dictionary<string, AddAction>(StringComparer.Ordinal);
        for (var i = 0; i < live.Count; i++) fileByLocal[locals[i]] = live[i];
        var filesByArticle = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        var fallbackRows = 0;
        using (var r = c.Query($"SELECT filename, article_id, any_value(title), count(*) FROM read_parquet({DuckDbConnection.QuoteList(fileByLocal.Keys)}, filename = true) " +
                               $"WHERE scorer = '{ScorerNames.Fallback}' GROUP BY ALL ORDER BY 2, 1"))
        {
            while (r.Read())
            {
                var article = r.GetString(1);
                if (!filesByArticle.TryGetValue(article, out var files)) filesByArticle[article] = files = new(StringComparer.Ordinal);
                files.Add(r.GetString(0));
                titles.TryAdd(article, r.GetString(2));
                fallbackRows += (int)r.GetInt64(3);
            }
        }
        var found = new ReenrichOutcome { FallbackRows = fallbackRows, FallbackArticles = titles.Count, FilesScanned = live.Count };
        if (titles.Count == 0) return found;

        // 2. Re-score (cache first; fallback answers are not cached, so a later run tries them again).
        var (results, usage) = await enricher.ScoreAsync(titles.Select(kv => new SentimentRequest(kv.Key, kv.Value)).ToList(), ct);
        spent(usage);
        var answered = results.Values.Where(r => r.Scorer is not (ScorerNames.Fallback or ScorerNames.Offline)).ToList();
        if (answered.Count == 0) return found; // the LLM is still down: nothing changes

        // 3. Rewrite the files holding those rows, with the new answers applied to their fallback rows only.
        var rewrite = answered.SelectMany(a => filesByArticle[a.Id]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        c.Execute($"CREATE OR REPLACE TEMP TABLE {Answers} (article_id VARCHAR, label VARCHAR, polarity INTEGER, confidence DOUBLE, " +
                  "context_summary VARCHAR, scorer VARCHAR, model VARCHAR, prompt_version VARCHAR, tokens_in INTEGER, tokens_out INTEGER)");
        using (var a = c.CreateAppender(Answers))
        {
            foreach (var s in answered)
            {
                a.Append(s.Id).Append(s.Label.ToString()).Append((int)s.Label).Append(s.Confidence).Append(s.ContextSummary).Append(s.Scorer)
                 .Append(s.Model).Append(s.PromptVersion).Append(s.TokensIn).Append(s.TokensOut);
                a.EndRow();
            }
        }
        c.Execute($"CREATE OR REPLACE TEMP TABLE {Staged} ({Silver.DuckDbColumnList()})");
        c.Execute($"INSERT INTO {Staged} {LakeViews.SelectSql(Silver, rewrite)}");
        long replaced;
        using (var r = c.Query(SqlFiles.Get("enrich/apply_rescored.sql"))) replaced = r.RowsChanged;
        var rows = c.Scalar<long>($"SELECT count(*) FROM {Staged}");
        var adds = await ParquetWriter.WriteAsync(c, Staged, Silver, lake.Store, ct);

        // 4. One commit: remove the old files, add the rewritten ones. No txn and no numDuplicates: no article is added.
        var tx = table.BeginTransaction();
        foreach (var local in rewrite) tx.Remove(fileByLocal[local]);
        foreach (var add in adds) tx.Add(add);
        tx.CommitInfo(Operation,
            new Dictionary<string, string> { ["scorer"] = enricher.Scorer.Name },
            new Dictionary<string, long>
            {
                ["numRemovedFiles"] = rewrite.Count, ["numAddedFiles"] = adds.Count, ["numCopiedRows"] = rows - replaced,
                ["numReplacedRows"] = replaced, ["numRescoredArticles"] = answered.Count,
            });
        try
        {
            var committed = await tx.CommitAsync(ct);
            return found with
            {
                RescoredArticles = answered.Count, ReplacedRows = (int)replaced, FilesRewritten = rewrite.Count, Version = committed.Version,
            };
        }
        catch (DeltaConflictException)
        {
            // A definite conflict: the commit did not land, so nothing references the rewritten files. Any other failure
            // (a timeout, a lost answer) may hide a commit that did land: those files stay, and vacuum deletes them only
            // if no version references them.
            await Lake.Maintenance.LayoutUpgrade.DeleteQuietlyAsync(lake.Store, Silver.Path, adds);
            throw;
        }
    }
}
