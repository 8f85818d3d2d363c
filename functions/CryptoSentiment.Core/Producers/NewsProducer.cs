using CryptoSentiment.Events;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Producers;

/// <summary>
/// NewsPoll: reads every RSS/Atom feed of <c>NEWS_FEEDS</c> and turns entries not sent before into news events.
/// A feed that fails (HTTP error, timeout, not XML, not a feed, too large) is logged and skipped; unusable entries
/// (title over the contract limit) are logged and skipped; the others are sent once — "sent" is remembered per article
/// id (the same id the pipeline derives) in <see cref="ProducerState"/>.
/// </summary>
public sealed class NewsProducer(ProducerHttp http, ILakeStore store, TimeProvider? clock = null)
{
    public const string StateName = "news";
    private const string Accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<ProducerRun> PollAsync(IReadOnlyList<string> feeds, CancellationToken ct = default)
    {
        var o = http.Options;
        var logs = new List<string>();
        var events = new List<string>();
        if (feeds.Count == 0)
            return new ProducerRun(events, ["NewsPoll: NEWS_FEEDS is empty; nothing to poll"]);
        var state = await ProducerState.LoadAsync(store, StateName, o.StateCapacity, ct);
        if (state.LoadProblem is not null) logs.Add("NewsPoll: " + state.LoadProblem);
        var now = _clock.GetUtcNow();
        int failed = 0, skipped = 0;
        foreach (var url in feeds)
        {
            Feed feed;
            try
            {
                var doc = await http.GetAsync(url, Accept, ct);
                try { feed = FeedParser.Parse(doc.Content, new Uri(url)); }
                catch (FeedFormatException e)
                {
                    throw new FetchException($"feed {url} ({doc.MediaType ?? "no content type"}, {doc.Content.Length:N0} bytes): {e.Message}");
                }
            }
            catch (FetchException e)
            {
                failed++;
                logs.Add($"NewsPoll: skipped {e.Message}");
                continue;
            }
            var source = feed.Title ?? new Uri(url).Host;
            int sent = 0, seen = 0, undated = 0;
            foreach (var item in feed.Items.Take(o.MaxItemsPerFeed))
            {
                if (item.Title.Length > o.MaxTitleChars)
                {
                    skipped++;
                    logs.Add($"NewsPoll: skipped an entry of {url}: title of {item.Title.Length:N0} characters is over the {o.MaxTitleChars:N0}-character limit");
                    continue;
                }
                var link = item.Link is { } l && l.Length <= o.MaxUrlChars ? l : null;
                var canonical = link is null ? null : EventParser.CanonicalizeUrl(link);
                var id = canonical is null ? item.Id : null; // with a URL the pipeline derives the id from it (cross-feed dedupe)
                var key = id ?? EventParser.DeriveArticleId(canonical, source, item.Title);
                if (state.Contains(key)) { seen++; skipped++; continue; }
                if (item.Published is null) undated++;
                var summary = item.Summary is { } s && s.Length > o.MaxSummaryChars ? s[..o.MaxSummaryChars].TrimEnd() + "…" : item.Summary;
                events.Add(EventBodies.News(id, item.Title, link, source, item.Published ?? now, summary));
                state.Set(key, now);
                sent++;
            }
            logs.Add($"NewsPoll: {url}: {feed.Items.Count} entries, {sent} new, {seen} already sent" + (undated > 0 ? $", {undated} without a date (fetch time used)" : ""));
        }
        if (events.Count > 0 || state.LoadProblem is not null) await state.SaveAsync(store, ct);
        return new ProducerRun(events, logs) { FailedSources = failed, Skipped = skipped };
    }
}
