using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline.Enrich;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Telemetry;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// Silver: parse and validate every event, quarantine the bad ones with their reason, skip duplicates
/// (news: same article id or canonical URL published within <c>DEDUPE_WINDOW_DAYS</c> days, or same source + normalised
/// headline on the same UTC day; prices: same coin and timestamp), enrich news with sentiment, and commit into the UTC day
/// partitions of <c>published_at</c> / <c>ts</c>. Each silver commit records its tally (events, accepted, quarantined,
/// duplicates) in commitInfo.operationMetrics and adds its duplicates to the partition's <see cref="DuplicateTally"/>
/// counter, so <c>verify</c> can reconcile every bronze event even after log cleanup.
/// </summary>
/// <remarks>
/// Dedupe state is bounded by the window, not by history (ARCHITECTURE §9): for an article published on day d, ids and
/// URLs are compared with the articles published on d − W … d + W (W = <c>DEDUPE_WINDOW_DAYS</c>, default 7), whatever
/// day it arrives; a re-publication whose <c>published_at</c> is more than W days from the original's is accepted as a new
/// article. Title keys include the day, so only day d is compared for them. Price keys (coin, ts) live in ts's day.
/// </remarks>
public sealed class SilverStep(Lakehouse lake, EventParser parser, Enricher enricher, int dedupeWindowDays = SilverStep.DefaultDedupeWindowDays,
    double agreementSample = 0.02)
{
    /// <summary>The name of the silver commit metric counting skipped duplicates.</summary>
    public const string DuplicatesMetric = "numDuplicates";
    public const string MarketCoin = "MARKET";
    public const int DefaultDedupeWindowDays = 7;
    private const string Staged = "stage_silver";

    // The key expressions give, from a file, exactly the keys Tally claims for its rows (the add tags carry those).
    public const string ArticleKeys = "unnest([article_id, 'url:' || canonical_url, 'title:' || title_key])";
    public const string PriceKeys = "coin || '@' || epoch_us(ts)::VARCHAR";

    private readonly DedupeIndex _articles = new(ArticleKeys, "day", Math.Max(DedupeIndex.DefaultMaxDays, 4 * (2 * dedupeWindowDays + 1)), readTags: true);
    private readonly DedupeIndex _prices = new(PriceKeys, "day", readTags: true);

    /// <summary>Days either side of an article's day within which its id and URL count as duplicates.</summary>
    public int DedupeWindowDays { get; } = dedupeWindowDays >= 0 ? dedupeWindowDays : throw new ArgumentOutOfRangeException(nameof(dedupeWindowDays));

    /// <summary>The dedupe index of a stream (tests and the bench look at what it holds).</summary>
    public DedupeIndex IndexFor(EventStream stream) => stream == EventStream.News ? _articles : _prices;

    public static TableDef TableFor(EventStream stream) =>
        stream == EventStream.News ? LakeTables.SilverNewsSentiment : LakeTables.SilverPrices;

    /// <summary>Attempts before giving up when other writers keep committing to the same silver table.</summary>
    public const int MaxAttempts = 20;

    private long _rebases, _redos;

    /// <summary>Silver commits that lost their version to another writer's and were rebased onto it (no common dedupe key).</summary>
    public long Rebases => Interlocked.Read(ref _rebases);

    /// <summary>Batches redone because another writer's commit held one of their dedupe keys, a part of their range, or a new layout.</summary>
    public long Redos => Interlocked.Read(ref _redos);

    /// <summary>
    /// Processes the batch's events not yet in silver, with the engine connection <paramref name="c"/>. Dedupe is checked
    /// against the silver snapshot the attempt read. When another writer (another instance, another partition) commits to
    /// the table meanwhile, the keys of the files it added are read: only if one of them is a key of this batch (a real
    /// duplicate between the two) is the batch redone on top of that commit; otherwise the commit is simply rebased.
    /// </summary>
    public async Task<BatchOutcome> ProcessAsync(DuckDbConnection c, EventBatch batch, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await ProcessOnceAsync(c, batch, now, attempt > 1, ct); }
            catch (DeltaConflictException e) when (e.Kind is ConflictKind.ConcurrentAppend or ConflictKind.MetadataChanged or ConflictKind.ConcurrentTxn
                                                   && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _redos);
                if (attempt > 1) await Task.Delay(Random.Shared.Next(0, 1 + Math.Min(50, attempt * 5)), ct);
            }
        }
    }

    private async Task<BatchOutcome> ProcessOnceAsync(DuckDbConnection c, EventBatch batch, DateTimeOffset now, bool redo, CancellationToken ct)
    {
        var def = TableFor(batch.Stream);
        var table = await lake.AppendTableAsync(def, fresh: redo, ct);
        var appId = TxnIds.For(def, batch);
        var read = table.Snapshot; // pending events and the dedupe index are decided on this snapshot: the commit checks everything after it
        var pending = TxnIds.Pending(batch.Events, read.TxnVersion(appId));
        var outcome = new BatchOutcome { Stream = batch.Stream, PartitionId = batch.PartitionId, Received = batch.Events.Count };
        if (pending.Count == 0) return outcome;

        var index = IndexFor(batch.Stream);
        var tally = new Tally(index);
        try
        {
            var news = batch.Stream == EventStream.News ? await ScoreNewsAsync(c, read, pending, now, tally, ct) : null;
            var prices = news is null ? await ClaimPricesAsync(c, read, pending, now, tally, ct) : null;
            c.Execute($"CREATE OR REPLACE TEMP TABLE {Staged} ({def.DuckDbColumnList()})");
            using (var appender = c.CreateAppender(Staged))
            {
                if (news is not null) StageNews(appender, news, now, tally);
                else StagePrices(appender, prices!, now, tally);
            }
            await Quarantine.WriteAsync(lake, c, batch, tally.Rejected, now, ct);
            if (news is { Samples.Count: > 0 }) await ScorerAgreement.WriteAsync(lake, c, batch, news.Samples, now, ct);
            // Each file carries its dedupe keys in its add: other writers learn them from the log, without reading the file.
            var adds = DedupeKeys.TagFiles(await ParquetWriter.WriteAsync(c, Staged, def, lake.Store, ct), "day", tally.KeysByDay);
            var tx = table.BeginTransaction(read);
            foreach (var add in adds) tx.Add(add);
            tx.SetTxn(appId, pending[^1].SequenceNumber);
            if (tally.Duplicates > 0) tx.AddToCounter(DuplicateTally.CounterId(def, batch.Stream, batch.PartitionId), tally.Duplicates);
            // Rows other writers commit meanwhile were not in our dedupe index: a conflict only if they share one of our keys.
            var window = batch.Stream == EventStream.News ? DedupeWindowDays : 0;
            tx.CheckConcurrentAdds(async (added, token) =>
            {
                bool collides;
                using (await index.LockAsync(token))
                    collides = await index.CollidesAsync(c, lake.Store, def.Path, added, tally.ClaimsByKey, window, token);
                if (!collides) Interlocked.Increment(ref _rebases);
                return collides;
            });
            tx.CommitInfo("WRITE",
                new Dictionary<string, string> { ["mode"] = "Append", ["partitionId"] = batch.PartitionId },
                new Dictionary<string, long>
                {
                    ["numBronzeEvents"] = pending.Count, ["numAccepted"] = tally.Accepted, ["numQuarantined"] = tally.Rejected.Count,
                    [DuplicatesMetric] = tally.Duplicates, ["numOutputRows"] = tally.Rows,
                });
            var result = await PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Commit, _ => AppendCommit.CommitAsync(lake, table, tx, ct));
            using (await index.LockAsync(CancellationToken.None))
            {
                if (!result.Committed)
                {
                    tally.ReleaseClaims(); // another writer committed this batch first
                    return outcome;
                }
                tally.ConfirmClaims();
                index.MarkLoaded(def.Path, adds);
            }
        }
        catch
        {
            // Nothing of ours was committed: the keys we claimed must not turn a retry into duplicates.
            using (await index.LockAsync(CancellationToken.None)) tally.ReleaseClaims();
            throw;
        }

        return outcome with
        {
            SilverConsidered = pending.Count, Accepted = tally.Accepted, SilverRows = tally.Rows, Quarantined = tally.Rejected.Count,
            Duplicates = tally.Duplicates, Reasons = tally.Reasons, Sentiment = tally.Usage,
        };
    }

    private sealed record ParsedNews(NewsArticle Article, RawEvent Event, string TitleKey, DateOnly Day);

    private sealed record ScoredNews(List<ParsedNews> Articles, IReadOnlyDictionary<string, SentimentResult> Results, List<AgreementSample> Samples);

    private async Task<ScoredNews> ScoreNewsAsync(DuckDbConnection c, Snapshot silver, IReadOnlyList<RawEvent> events, DateTimeOffset now, Tally tally,
        CancellationToken ct)
    {
        var parsed = new List<ParsedNews>(events.Count);
        foreach (var e in events)
        {
            var r = parser.ParseNews(e.Body.Span, now);
            if (!r.IsValid) { tally.Reject(e, r.Reason!); continue; }
            var article = r.Value!;
            parsed.Add(new ParsedNews(article, e, TitleKey(article), DayOf(article.PublishedAt)));
        }
        var window = new HashSet<DateOnly>();
        foreach (var day in parsed.Select(p => p.Day).Distinct())
            for (var k = -DedupeWindowDays; k <= DedupeWindowDays; k++)
                if (day.DayNumber + k >= DateOnly.MinValue.DayNumber && day.DayNumber + k <= DateOnly.MaxValue.DayNumber) window.Add(day.AddDays(k));
        var articles = new List<ParsedNews>(parsed.Count);
        using (await _articles.LockAsync(ct))
        {
            await _articles.LoadAsync(c, lake.Store, silver, window, ct);
            foreach (var p in parsed)
                if (tally.ClaimArticle(p.Day, DedupeWindowDays, p.Article.ArticleId, "title:" + p.TitleKey,
                        p.Article.CanonicalUrl is null ? null : "url:" + p.Article.CanonicalUrl))
                    articles.Add(p);
        }
        var requests = articles.Select(x => new SentimentRequest(x.Article.ArticleId, x.Article.Title)).ToList();
        var (results, usage) = await PipelineTelemetry.StepAsync(PipelineTelemetry.Steps.Enrich, _ => enricher.ScoreAsync(requests, ct));
        tally.Usage = usage;
        var samples = ScorerAgreement.Sample(articles.Select(x => (x.Article.ArticleId, x.Article.Title, x.Article.PublishedAt)), results,
            agreementSample, OfflineScorer.Default);
        return new ScoredNews(articles, results, samples);
    }

    private static void StageNews(DuckDbAppender a, ScoredNews news, DateTimeOffset now, Tally tally)
    {
        foreach (var (article, e, titleKey, day) in news.Articles)
        {
            var s = news.Results[article.ArticleId];
            var coins = article.Coins.Count > 0 ? article.Coins : s.Coins.Count > 0 ? s.Coins : [MarketCoin];
            foreach (var coin in coins)
            {
                a.Append(article.ArticleId).Append(coin).Append(article.Title).Append(article.Source).Append(article.Url)
                 .Append(article.CanonicalUrl).Append(titleKey).Append(article.PublishedAt).Append(s.Label.ToString()).Append((int)s.Label)
                 .Append(s.Confidence).Append(s.ContextSummary).Append(s.Scorer).Append(s.Model).Append(s.PromptVersion)
                 .Append(s.TokensIn).Append(s.TokensOut).Append(e.PartitionId).Append(e.SequenceNumber).Append(now).Append(day);
                a.EndRow();
                tally.Rows++;
            }
        }
    }

    /// <summary>The UTC day (partition value) of a timestamp.</summary>
    public static DateOnly DayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime);

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

    private async Task<List<(PriceTick Tick, RawEvent Event)>> ClaimPricesAsync(DuckDbConnection c, Snapshot silver, IReadOnlyList<RawEvent> events,
        DateTimeOffset now, Tally tally, CancellationToken ct)
    {
        var parsed = new List<(PriceTick Tick, RawEvent Event)>(events.Count);
        foreach (var e in events)
        {
            var r = parser.ParsePrice(e.Body.Span, now);
            if (!r.IsValid) { tally.Reject(e, r.Reason!); continue; }
            parsed.Add((r.Value!, e));
        }
        // (coin, ts) can only repeat within ts's own day.
        var accepted = new List<(PriceTick, RawEvent)>(parsed.Count);
        using (await _prices.LockAsync(ct))
        {
            await _prices.LoadAsync(c, lake.Store, silver, parsed.Select(p => DayOf(p.Tick.Ts)).ToHashSet(), ct);
            foreach (var (tick, e) in parsed)
                if (tally.Claim(DayOf(tick.Ts), tick.Coin + "@" + DuckDbValues.ToMicros(tick.Ts).ToString(CultureInfo.InvariantCulture)))
                    accepted.Add((tick, e));
        }
        return accepted;
    }

    private static void StagePrices(DuckDbAppender a, List<(PriceTick Tick, RawEvent Event)> ticks, DateTimeOffset now, Tally tally)
    {
        foreach (var (tick, e) in ticks)
        {
            a.Append(tick.Coin).Append(tick.Ts).Append(tick.PriceUsd).Append(tick.VolumeUsd).Append(tick.Source)
             .Append(e.PartitionId).Append(e.SequenceNumber).Append(now).Append(DayOf(tick.Ts));
            a.EndRow();
            tally.Rows++;
        }
    }

    /// <summary>
    /// One batch's bookkeeping: rejections by reason, accepted and duplicate counts, and the dedupe keys it claimed (use it
    /// under the index's lock).
    /// </summary>
    private sealed class Tally(DedupeIndex index)
    {
        private readonly List<(DateOnly Day, UInt128 Key)> _claimed = [];

        /// <summary>Each claimed key and the days it was claimed on (for the conflict check against other writers' commits).</summary>
        public Dictionary<UInt128, List<DateOnly>> ClaimsByKey { get; } = [];

        /// <summary>The keys of the accepted rows, by their partition day (what the batch's file of that day holds).</summary>
        public Dictionary<DateOnly, HashSet<UInt128>> KeysByDay { get; } = [];
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

        /// <summary>Claims a key of day <paramref name="day"/>; false (and counted as a duplicate) when that day already has it.</summary>
        public bool Claim(DateOnly day, string text)
        {
            var key = DedupeKeys.Hash(text);
            if (index.Contains(day, key)) { Duplicates++; return false; }
            Take(day, key);
            Accepted++;
            return true;
        }

        /// <summary>
        /// Claims an article of day <paramref name="day"/>: a duplicate when its id or URL is known on any day within
        /// ±<paramref name="window"/> days, or its title key (which holds the day) on its own day.
        /// </summary>
        public bool ClaimArticle(DateOnly day, int window, string idText, string titleText, string? urlText)
        {
            var (id, titleKey, url) = (DedupeKeys.Hash(idText), DedupeKeys.Hash(titleText), urlText is null ? (UInt128?)null : DedupeKeys.Hash(urlText));
            var duplicate = index.Contains(day, titleKey);
            for (var k = -window; k <= window && !duplicate; k++)
            {
                if (day.DayNumber + k < DateOnly.MinValue.DayNumber || day.DayNumber + k > DateOnly.MaxValue.DayNumber) continue;
                var d = day.AddDays(k);
                duplicate = index.Contains(d, id) || (url is { } u && index.Contains(d, u));
            }
            if (duplicate) { Duplicates++; return false; }
            Take(day, id);
            Take(day, titleKey);
            if (url is { } urlKey) Take(day, urlKey);
            Accepted++;
            return true;
        }

        private void Take(DateOnly day, UInt128 key)
        {
            if (!KeysByDay.TryGetValue(day, out var keys)) KeysByDay[day] = keys = [];
            keys.Add(key);
            if (!index.Claim(day, key)) return;
            _claimed.Add((day, key));
            if (!ClaimsByKey.TryGetValue(key, out var days)) ClaimsByKey[key] = days = [];
            days.Add(day);
        }

        public void ReleaseClaims()
        {
            foreach (var (day, key) in _claimed) index.Unclaim(day, key);
            _claimed.Clear();
            ClaimsByKey.Clear();
        }

        public void ConfirmClaims()
        {
            foreach (var (day, key) in _claimed) index.Confirm(day, key);
            _claimed.Clear();
            ClaimsByKey.Clear();
        }
    }
}
