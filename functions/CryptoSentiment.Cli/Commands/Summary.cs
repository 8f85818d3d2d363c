using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>The end-of-run summary: rows per tier, this run's tally, quarantine reasons, sentiment calls, top coin per day.</summary>
internal static class Summary
{
    public static async Task PrintAsync(CryptoPipeline pipeline, RunResult run, CancellationToken ct)
    {
        using var c = DuckDbConnection.Open();
        await pipeline.Lake.CreateViewsAsync(c, LakeTables.All, ct);

        var tiers = new Table().Title("[bold]Rows per tier[/] (committed)").AddColumns("table", "rows");
        foreach (var def in LakeTables.All)
            tiers.AddRow(def.Path, N(c.Scalar<long>($"SELECT count(*) FROM {def.ViewName}")));
        tiers.Columns[1].RightAligned();

        var tally = new Table().Title($"[bold]This run[/] ({run.Elapsed.TotalSeconds:0.0} s)")
            .AddColumns("stream", "batches", "events", "new in bronze", "accepted", "silver rows", "quarantined", "duplicates", "reconciles");
        foreach (var (name, t) in new[] { ("news", run.Batches.News), ("prices", run.Batches.Prices) })
            tally.AddRow(name, N(t.Batches), N(t.Received), N(t.Bronze), N(t.Accepted), N(t.SilverRows), N(t.Quarantined), N(t.Duplicates),
                t.Reconciles ? "[green]yes[/]" : "[red]NO[/]");

        var reasons = new Table().Title("[bold]Quarantine[/] (all time, by reason)").AddColumns("source", "reason", "events");
        using (var r = c.Query("SELECT source_table, reason, count(*) FROM silver_quarantine GROUP BY ALL ORDER BY 3 DESC, 1, 2"))
            while (r.Read()) reasons.AddRow(r.GetString(0), r.GetString(1), N(r.GetInt64(2)));

        var sentiment = CostLedger(run.Batches.News.Sentiment, "[bold]Sentiment[/] (this run)");
        var labels = new Table().Title("[bold]Silver labels[/] (all time)").AddColumns("scorer", "label", "rows");
        using (var r = c.Query("SELECT scorer, label, count(*) FROM silver_news_sentiment GROUP BY ALL ORDER BY 1, 2"))
            while (r.Read()) labels.AddRow(r.GetString(0), r.GetString(1), N(r.GetInt64(2)));

        var top = new Table().Title("[bold]Top coin per day[/] (latest 10 days)").AddColumns("day", "coin", "weighted score", "mentions");
        using (var r = c.Query("SELECT day, coin, weighted_score, mentions FROM gold_top_coin_daily ORDER BY day DESC LIMIT 10"))
            while (r.Read()) top.AddRow(r.GetDate(0).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetString(1),
                r.GetDouble(2).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture), N(r.GetInt64(3)));

        AnsiConsole.Write(tiers);
        AnsiConsole.Write(tally);
        AnsiConsole.Write(reasons);
        AnsiConsole.Write(sentiment);
        AnsiConsole.Write(labels);
        AnsiConsole.Write(top);
        var gold = run.Gold.RecomputedDays;
        AnsiConsole.MarkupLine(gold.Count == 0 ? "gold: nothing to recompute"
            : $"gold: recomputed {gold.Count} day(s) {gold[0]:yyyy-MM-dd} … {gold[^1]:yyyy-MM-dd} from {run.Gold.TouchedDays.Count} touched day(s)");
        if (run.Load is { } load)
            AnsiConsole.MarkupLine($"warehouse {Markup.Escape(pipeline.Settings.WarehouseDuckDbPath ?? "")}: " +
                string.Join(", ", load.Rows.Select(kv => $"{kv.Key} {N(kv.Value)} rows ({N(load.Changed[kv.Key])} changed)")));
        AnsiConsole.MarkupLine($"lake {Markup.Escape(pipeline.Lake.Store.Root)}");
    }

    /// <summary>The sentiment cost ledger: headlines by scorer, calls, cache, tokens and estimated cost (USD, at the configured prices).</summary>
    internal static Table CostLedger(SentimentUsage u, string title)
    {
        static string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
        var t = new Table().Title(title).AddColumns("measure", "value");
        t.AddRow("headlines", N(u.Headlines));
        foreach (var (scorer, n) in u.HeadlinesByScorer.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            t.AddRow($"  scored by {Markup.Escape(scorer)}", N(n));
        t.AddRow("scorer calls", N(u.Calls));
        t.AddRow("calls / 1,000 headlines", F(u.CallsPer1000Headlines, "0.0"));
        t.AddRow("cache hits / misses", $"{N(u.CacheHits)} / {N(u.CacheMisses)}");
        t.AddRow("cache hit rate", u.CacheHitRate is { } rate ? F(rate * 100, "0.0") + " %" : "- (scorer not cached)");
        t.AddRow("same headline, billed once", N(u.Deduplicated));
        t.AddRow("tokens in / out", $"{N(u.TokensIn)} / {N(u.TokensOut)}");
        t.AddRow("tokens / headline", F(u.TokensPerHeadline, "0.0"));
        t.AddRow("estimated cost", "$" + u.EstimatedCostUsd.ToString("0.0000", CultureInfo.InvariantCulture));
        t.Columns[1].RightAligned();
        return t;
    }

    internal static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
