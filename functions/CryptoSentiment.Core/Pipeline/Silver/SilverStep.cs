using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// Silver: parse and validate every event, quarantine the bad ones with their reason, skip duplicates
/// (news: same article id, canonical URL, or source + normalised headline; prices: same coin and timestamp), enrich news with sentiment,
/// and commit. Each silver commit records its tally (events, accepted, quarantined, duplicates) in
/// commitInfo.operationMetrics so <c>verify</c> can reconcile every bronze event.
/// </summary>
public sealed class SilverStep(Lakehouse lake, EventParser parser, Enricher enricher)
{
    /// <summary>The name of the silver commit metric counting skipped duplicates.</summary>
    public const string DuplicatesMetric = "numDuplicates";
    public const string MarketCoin = "MARKET";

    private readonly DedupeIndex _articles = new("unnest([article_id, 'url:' || canonical_url, 'title:' || title_key])");
    private readonly DedupeIndex _prices = new("coin || '@' || epoch_us(ts)::VARCHAR");

    public static TableDef TableFor(EventStream stream) =>
        stream == EventStream.News ? LakeTables.SilverNewsSentiment : LakeTables.SilverPrices;

    /// <summary>Attempts before giving up when other writers keep committing to the same silver table.</summary>
    public const int MaxAttempts = 20;

    /// <summary>
    /// Processes the batch's events not yet in silver. Dedupe is checked against the silver snapshot the attempt read;
    /// when another writer (another instance, another partition) commits to the table meanwhile, its rows may hold the
    /// same keys, so the attempt is redone on top of that commit instead of committing a possible duplicate.
    /// </summary>
    public async Task<BatchOutcome> ProcessAsync(EventBatch batch, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await ProcessOnceAsync(batch, now, ct); }
            catch (DeltaConflictException e) when (e.Kind == ConflictKind.ConcurrentAppend && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(0, 1 + Math.Min(50, attempt * 5)), ct);
            }
        }
    }

    private async Task<BatchOutcome> ProcessOnceAsync(EventBatch batch, DateTimeOffset now, CancellationToken ct)
    {
        var def = TableFor(batch.Stream);
        var table = await lake.TableAsync(def, ct);
        var appId = TxnIds.For(def, batch);
        var pending = TxnIds.Pending(batch.Events, table.Snapshot.TxnVersion(appId));
        var outcome = new BatchOutcome { Stream = batch.Stream, PartitionId = batch.PartitionId, Received = batch.Events.Count };
        if (pending.Count == 0) return outcome;

        var index = batch.Stream == EventStream.News ? _articles : _prices;
        await index.CatchUpAsync(lake.Engine, lake.Store, table.Snapshot, ct);

        var rejected = new List<Rejected>();
        var reasons = new Dictionary<string, int>();
        var accepted = 0;
        var duplicates = 0;
        var newKeys = new List<string>();
        var c = lake.Engine;
        c.Execute($"CREATE OR REPLACE TEMP TABLE stage_silver ({def.DuckDbColumnList()})");
        SentimentUsage usage = new();
        int rows;
        using (var a = c.CreateAppender("stage_silver"))
        {
            if (batch.Stream == EventStream.News)
            {
                var articles = new List<(NewsArticle Article, RawEvent Event, string TitleKey)>();
                foreach (var e in pending)
                {
                    var r = parser.ParseNews(e.Body.Span, now);
                    if (!r.IsValid) { Reject(e, r.Reason!); continue; }
                    var article = r.Value!;
                    // Duplicates: the same article id, the same canonical URL, or the same headline from the same source.
                    var titleKey = EventParser.DeriveArticleId(null, article.Source, article.Title);
                    var urlKey = article.CanonicalUrl is null ? null : "url:" + article.CanonicalUrl;
                    if (index.Contains(article.ArticleId) || index.Contains("title:" + titleKey) || (urlKey is not null && index.Contains(urlKey)))
                    {
                        duplicates++;
                        continue;
                    }
                    foreach (var key in new[] { article.ArticleId, "title:" + titleKey, urlKey })
                        if (key is not null && index.Add(key)) newKeys.Add(key);
                    articles.Add((article, e, titleKey));
                }
                accepted = articles.Count;
                var requests = articles.Select(x => new SentimentRequest(x.Article.ArticleId, x.Article.Title)).ToList();
                var (results, used) = await enricher.ScoreAsync(requests, ct);
                usage = used;
                rows = AppendNews(a, articles, results, now);
            }
            else
            {
                rows = 0;
                foreach (var e in pending)
                {
                    var r = parser.ParsePrice(e.Body.Span, now);
                    if (!r.IsValid) { Reject(e, r.Reason!); continue; }
                    var tick = r.Value!;
                    var key = tick.Coin + "@" + DuckDbValues.ToMicros(tick.Ts).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!index.Add(key)) { duplicates++; continue; }
                    newKeys.Add(key);
                    a.Append(tick.Coin).Append(tick.Ts).Append(tick.PriceUsd).Append(tick.VolumeUsd).Append(tick.Source)
                     .Append(e.PartitionId).Append(e.SequenceNumber).Append(now);
                    a.EndRow();
                    rows++;
                }
                accepted = rows;
            }
        }

        try
        {
            await Quarantine.WriteAsync(lake, batch, rejected, now, ct);
            var adds = await ParquetWriter.WriteAsync(c, "stage_silver", def, lake.Store, ct);
            var tx = table.BeginTransaction();
            foreach (var add in adds) tx.Add(add);
            tx.SetTxn(appId, pending[^1].SequenceNumber);
            tx.FailOnConcurrentAdd(_ => true); // concurrent rows were not in our dedupe index: redo (see ProcessAsync)
            tx.CommitInfo("WRITE",
                new Dictionary<string, string> { ["mode"] = "Append", ["partitionId"] = batch.PartitionId },
                new Dictionary<string, long>
                {
                    ["numBronzeEvents"] = pending.Count, ["numAccepted"] = accepted, ["numQuarantined"] = rejected.Count,
                    [DuplicatesMetric] = duplicates, ["numOutputRows"] = rows,
                });
            var result = await tx.CommitAsync(ct);
            if (!result.Committed) { Forget(); return outcome; }
            index.MarkLoaded(adds.Select(add => DeltaPaths.Join(def.Path, DeltaPaths.DecodeActionPath(add.Path))));
        }
        catch
        {
            Forget();
            throw;
        }

        return outcome with
        {
            SilverConsidered = pending.Count, Accepted = accepted, SilverRows = rows, Quarantined = rejected.Count,
            Duplicates = duplicates, Reasons = reasons, Sentiment = usage,
        };

        void Reject(RawEvent e, string reason)
        {
            rejected.Add(new Rejected(e, reason));
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }

        void Forget()
        {
            // Nothing was committed by us: the keys we claimed must not block a retry.
            foreach (var k in newKeys) index.Remove(k);
        }
    }

    private static int AppendNews(DuckDbAppender a, List<(NewsArticle Article, RawEvent Event, string TitleKey)> articles,
        IReadOnlyDictionary<string, SentimentResult> results, DateTimeOffset now)
    {
        var rows = 0;
        foreach (var (article, e, titleKey) in articles)
        {
            var s = results[article.ArticleId];
            var coins = article.Coins.Count > 0 ? article.Coins : s.Coins.Count > 0 ? s.Coins : [MarketCoin];
            foreach (var coin in coins)
            {
                a.Append(article.ArticleId).Append(coin).Append(article.Title).Append(article.Source).Append(article.Url)
                 .Append(article.CanonicalUrl).Append(titleKey).Append(article.PublishedAt).Append(s.Label.ToString()).Append((int)s.Label)
                 .Append(s.Confidence).Append(s.ContextSummary).Append(s.Scorer).Append(s.Model).Append(s.PromptVersion)
                 .Append(s.TokensIn).Append(s.TokensOut).Append(e.PartitionId).Append(e.SequenceNumber).Append(now);
                a.EndRow();
                rows++;
            }
        }
        return rows;
    }
}
