using System.CommandLine;
using System.Globalization;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Sentiment;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary><c>score "headline"</c>: label, confidence, coins and which scorer answered.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var text = new Argument<string>("headline");
        var model = ScorerOptions.Model();
        var cmd = new Command("score", "Score one headline with the configured scorer.") { text, model };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = Settings.FromEnvironment();
            var headline = r.GetValue(text)!;
            var scorer = ScorerOptions.Create(settings, r.GetValue(model));
            var result = (await scorer.ScoreAsync([new SentimentRequest("1", headline)], ct))[0];
            var catalog = settings.CoinsFile is null ? CoinCatalog.Default : CoinCatalog.Load(settings.CoinsFile);
            var coins = result.Coins.Count > 0 ? result.Coins : catalog.FindCoins(headline);
            Console.WriteLine($"label:      {result.Label}");
            Console.WriteLine($"confidence: {result.Confidence.ToString("0.000", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"coins:      {(coins.Count == 0 ? "(none: MARKET)" : string.Join(", ", coins))}");
            Console.WriteLine($"summary:    {result.ContextSummary}");
            Console.WriteLine($"scorer:     {result.Scorer} ({result.Model})");
            return 0;
        });
        return cmd;
    }
}

/// <summary><c>load</c>: gold into the warehouse (idempotent MERGE).</summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var warehouse = CommonOptions.Warehouse();
        var target = new Option<string?>("--target") { Description = "duckdb | snowflake (default from WAREHOUSE)." };
        target.AcceptOnlyFromAmong("duckdb", "snowflake");
        var full = new Option<bool>("--full") { Description = "Re-send every row and prune everything (repair), instead of only the days changed since the last load." };
        var cmd = new Command("load", "Load gold and the classified headlines into the warehouse: the lake days changed since the last load " +
                                      "(MERGE on keys; running twice changes nothing).")
            { target, lake, warehouse, full };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = CommonOptions.Settings(r, lake, warehouse);
            using var pipeline = new CryptoPipeline(settings);
            var load = await pipeline.LoadWarehouseAsync(r.GetValue(target), line => Console.Error.WriteLine(line), ct, r.GetValue(full));
            var t = new Table().AddColumns("table", "rows", "sent by this load", "changed by this load", "mode");
            foreach (var (table, rows) in load.Rows)
                t.AddRow(table, Summary.N(rows), Summary.N(load.Sent.GetValueOrDefault(table)), Summary.N(load.Changed[table]), Markup.Escape(load.Modes.GetValueOrDefault(table) ?? ""));
            AnsiConsole.Write(t);
            return 0;
        });
        return cmd;
    }
}

/// <summary><c>refresh</c>: recompute gold for the days touched since the last refresh, then load the warehouse.</summary>
internal static class RefreshCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var warehouse = CommonOptions.Warehouse();
        var cmd = new Command("refresh", "Recompute gold for touched days (what the GoldRefresh timer does) and load the warehouse.") { lake, warehouse };
        cmd.SetAction(async (r, ct) =>
        {
            using var pipeline = new CryptoPipeline(CommonOptions.Settings(r, lake, warehouse));
            var gold = await pipeline.RefreshGoldAsync(ct);
            AnsiConsole.MarkupLine(gold.RecomputedDays.Count == 0 ? "gold: up to date"
                : $"gold: recomputed {gold.RecomputedDays.Count} day(s): " + string.Join(", ", gold.RowsWritten.Select(kv => $"{kv.Key} {kv.Value:N0} rows")));
            if (gold.Notified is { } n)
                AnsiConsole.MarkupLine(Markup.Escape($"alert webhook: {n.Sent} sent, {n.Failed} failed (retried next run), {n.Skipped} already sent" +
                                                     (n.Error is null ? "" : $"; stopped: {n.Error}")));
            // The configured warehouse (WAREHOUSE: the DuckDB file or Snowflake), as the GoldRefresh timer does.
            var load = await pipeline.LoadWarehouseAsync(null, line => Console.Error.WriteLine(line), ct);
            AnsiConsole.MarkupLine("warehouse: " + string.Join(", ", load.Changed.Select(kv => $"{kv.Key} {kv.Value:N0} changed")));
            return 0;
        });
        return cmd;
    }
}

/// <summary><c>verify</c>: checks every Delta table's log and files and reconciles the tiers; non-zero exit on any problem.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var cmd = new Command("verify", "Check every Delta table's log and files and the tier counts; exit 1 on any inconsistency.") { lake };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = CommonOptions.Settings(r, lake);
            using var lakehouse = Lakehouse.Open(settings);
            var report = await LakeVerifier.VerifyAsync(lakehouse, ct, settings.DedupeWindowDays);
            var t = new Table().AddColumns("check", "result", "detail");
            foreach (var check in report.Checks)
                t.AddRow(Markup.Escape(check.Name), check.Ok ? "[green]ok[/]" : "[red]FAIL[/]", Markup.Escape(check.Detail));
            AnsiConsole.Write(t);
            if (!report.Ok)
            {
                Console.Error.WriteLine($"verify: {report.Checks.Count(c => !c.Ok)} check(s) failed in {lakehouse.Store.Root}");
                return 1;
            }
            AnsiConsole.MarkupLine($"[green]verify: all {report.Checks.Count} checks passed[/]");
            return 0;
        });
        return cmd;
    }
}
