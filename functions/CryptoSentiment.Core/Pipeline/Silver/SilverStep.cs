using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// Silver: parse and validate every event, quarantine the bad ones with their reason, skip duplicates
/// (news: same article id, canonical URL, or source + normalised headline on the same UTC day; prices: same coin and timestamp),
/// enrich news with sentiment, and commit. Each silver commit records its tally (events, accepted,
/// quarantined, duplicates) in commitInfo.operationMetrics so <c>verify</c> can reconcile every bronze event.
/// </summary>
public sealed class SilverStep(Lakehouse lake, EventParser parser, Enricher enricher)
{
    /// <summary>The name of the silver commit metric counting skipped duplicates.</summary>
    public const string DuplicatesMetric = "numDuplicates";
    public const string MarketCoin = "MARKET";
    private const string Staged = "stage_silver";

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
        var tally = new Tally(index);
        try
        {
            var c = lake.Engine;
            // Scoring may use the engine (the sentiment cache), so it runs before the staging appender is opened.
            var news = batch.Stream == EventStream.News ? await ScoreNewsAsync(pending, now, tally, ct) : null;
            c.Execute($"CREATE OR REPLACE TEMP TABLE {Staged} ({def.DuckDbColumnList()})");
            using (var appender = c.CreateAppender(Staged))
            {
                if (news is not null) StageNews(appender, news, now, tally);
                else StagePrices(appender, pending, now, tally);
            }
            await Quarantine.WriteAsync(lake, batch, tally.Rejected, now, ct);
            var adds = await ParquetWriter.WriteAsync(c, Staged, def, lake.Store, ct);
            var tx = table.BeginTransaction();
            foreach (var add in adds) tx.Add(add);
            tx.SetTxn(appId, pending[^1].SequenceNumber);
            tx.FailOnConcurrentAdd(_ => true); // concurrent rows were not in our dedupe index: redo (see ProcessAsync)
            tx.CommitInfo("WRITE",
                new Dictionary<string, string> { ["mode"] = "Append", ["partitionId"] = batch.PartitionId },
                new Dictionary<string, long>
                {
                    ["numBronzeEvents"] = pending.Count, ["numAccepted"] = tally.Accepted, ["numQuarantined"] = tally.Rejected.Count,
                    [DuplicatesMetric] = tally.Duplicates, ["numOutputRows"] = tally.Rows,
                });
            if (!(await tx.CommitAsync(ct)).Committed)
            {
                tally.ReleaseClaims(); // another writer committed this batch first
                return outcome;
            }
            index.MarkLoaded(def.Path, adds);
        }
        catch
        {
            tally.ReleaseClaims(); // nothing of ours was committed: the keys we claimed must not turn a retry into duplicates
            throw;
        }

        return outcome with
        {
            SilverConsidered = pending.Count, Accepted = tally.Accepted, SilverRows = tally.Rows, Quarantined = tally.Rejected.Count,
            Duplicates = tally.Duplicates, Reasons = tally.Reasons, Sentiment = tally.Usage,
        };
    }

    private sealed record ScoredNews(List<(NewsArticle Article, RawEvent Event, string TitleKey)> Articles, IReadOnlyDictionary<string, SentimentResult> Results);

    private async Task<ScoredNews> ScoreNewsAsync(IReadOnlyList<RawEvent> events, DateTimeOffset now, Tally tally, CancellationToken ct)
    {
        var articles = new List<(NewsArticle Article, RawEvent Event, string TitleKey)>();
        foreach (var e in events)
        {
            var r = parser.ParseNews(e.Body.Span, now);
            if (!r.IsValid) { tally.Reject(e, r.Reason!); continue; }
            var article = r.Value!;
            var titleKey = TitleKey(article);
            if (!tally.Claim(article.ArticleId, "title:" + titleKey, article.CanonicalUrl is null ? null : "url:" + article.CanonicalUrl))
                continue;
            articles.Add((article, e, titleKey));
        }
        var requests = articles.Select(x => new SentimentRequest(x.Article.ArticleId, x.Article.Title)).ToList();
        var (results, usage) = await enricher.ScoreAsync(requests, ct);
        tally.Usage = usage;
        return new ScoredNews(articles, results);
    }

    private static void StageNews(DuckDbAppender a, ScoredNews news, DateTimeOffset now, Tally tally)
    {
        foreach (var (article, e, titleKey) in news.Articles)
        {
            var s = news.Results[article.ArticleId];
            var coins = article.Coins.Count > 0 ? article.Coins : s.Coins.Count > 0 ? s.Coins : [MarketCoin];
            foreach (var coin in coins)
            {
                a.Append(article.ArticleId).Append(coin).Append(article.Title).Append(article.Source).Append(article.Url)
                 .Append(article.CanonicalUrl).Append(titleKey).Append(article.PublishedAt).Append(s.Label.ToString()).Append((int)s.Label)
                 .Append(s.Confidence).Append(s.ContextSummary).Append(s.Scorer).Append(s.Model).Append(s.PromptVersion)
                 .Append(s.TokensIn).Append(s.TokensOut).Append(e.PartitionId).Append(e.SequenceNumber).Append(now);
                a.EndRow();
                tally.Rows++;
            }
        }
    }

    /// <summary>
    /// The same headline from the same source on the same UTC day is the same story (re-published under another URL);
    /// a template headline repeated on other days is not.
    /// </summary>
    private static string TitleKey(NewsArticle a)
    {
        var day = a.PublishedAt.UtcDateTime;
        var hash = "t:" + EventParser.TitleHash(a.Source, a.Title);
        return string.Create(9 + hash.Length, (day, hash), static (span, x) =>
        {
            x.day.TryFormat(span, out _, "yyyyMMdd", CultureInfo.InvariantCulture);
            span[8] = ':';
            x.hash.AsSpan().CopyTo(span[9..]);
        });
    }

    private void StagePrices(DuckDbAppender a, IReadOnlyList<RawEvent> events, DateTimeOffset now, Tally tally)
    {
        foreach (var e in events)
        {
            var r = parser.ParsePrice(e.Body.Span, now);
            if (!r.IsValid) { tally.Reject(e, r.Reason!); continue; }
            var tick = r.Value!;
            if (!tally.Claim(tick.Coin + "@" + DuckDbValues.ToMicros(tick.Ts).ToString(CultureInfo.InvariantCulture))) continue;
            a.Append(tick.Coin).Append(tick.Ts).Append(tick.PriceUsd).Append(tick.VolumeUsd).Append(tick.Source)
             .Append(e.PartitionId).Append(e.SequenceNumber).Append(now);
            a.EndRow();
            tally.Rows++;
        }
    }

    /// <summary>One batch's bookkeeping: rejections by reason, accepted and duplicate counts, and the dedupe keys it claimed.</summary>
    private sealed class Tally(DedupeIndex index)
    {
        private readonly List<string> _claimed = [];
        public List<Rejected> Rejected { get; } = [];
        public Dictionary<string, int> Reasons { get; } = [];
        public int Accepted { get; private set; }
        public int Duplicates { get; private set; }
        public int Rows { get; set; }
        public SentimentUsage Usage { get; set; } = new();

        public void Reject(RawEvent e, string reason)
        {
            Rejected.Add(new Rejected(e, reason));
            Reasons[reason] = Reasons.GetValueOrDefault(reason) + 1;
        }

        /// <summary>Claims the keys of a new item; false (and counted as a duplicate) when any key is already known.</summary>
        public bool Claim(string key, string? key2 = null, string? key3 = null)
        {
            if (index.Contains(key) || (key2 is not null && index.Contains(key2)) || (key3 is not null && index.Contains(key3)))
            {
                Duplicates++;
                return false;
            }
            Take(key);
            if (key2 is not null) Take(key2);
            if (key3 is not null) Take(key3);
            Accepted++;
            return true;
        }

        private void Take(string key)
        {
            if (index.Add(key)) _claimed.Add(key);
        }

        public void ReleaseClaims()
        {
            foreach (var k in _claimed) index.Remove(k);
            _claimed.Clear();
        }
    }
}
