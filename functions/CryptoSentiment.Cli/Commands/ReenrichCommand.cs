using System.CommandLine;
using CryptoSentiment.Pipeline;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>
/// <c>reenrich</c>: re-scores the silver rows marked <c>fallback</c> with the configured scorer (through the cache), replaces
/// those that got a real answer, then recomputes the touched gold days and loads the warehouse (what the Reenrich timer does).
/// </summary>
internal static class ReenrichCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var warehouse = CommonOptions.Warehouse();
        var cmd = new Command("reenrich",
            "Re-score silver rows marked 'fallback' with the configured scorer, replace them in silver, refresh gold and load the warehouse. " +
            "Running it while the LLM is still down changes nothing.") { lake, warehouse };
        cmd.SetAction(async (r, ct) =>
        {
            using var pipeline = new CryptoPipeline(CommonOptions.Settings(r, lake, warehouse));
            var outcome = await pipeline.ReenrichAsync(ct);
            if (outcome.Skipped is { } why)
            {
                AnsiConsole.MarkupLine($"reenrich: skipped — {Markup.Escape(why)}");
                return 0;
            }
            AnsiConsole.MarkupLine(outcome.FallbackRows == 0 ? "reenrich: no fallback rows in silver"
                : $"reenrich: {Summary.N(outcome.FallbackRows)} fallback row(s) of {Summary.N(outcome.FallbackArticles)} article(s); " +
                  (outcome.Changed
                      ? $"{Summary.N(outcome.RescoredArticles)} article(s) re-scored, {Summary.N(outcome.ReplacedRows)} row(s) replaced " +
                        $"in {Summary.N(outcome.FilesRewritten)} file(s) (silver v{outcome.Version})"
                      : "no real answer yet (the scorer still falls back): nothing changed"));
            if (outcome.FallbackArticles > 0) AnsiConsole.Write(Summary.CostLedger(outcome.Sentiment, "[bold]Sentiment[/] (this re-enrichment)"));
            var gold = await pipeline.RefreshGoldAsync(ct);
            AnsiConsole.MarkupLine(gold.RecomputedDays.Count == 0 ? "gold: up to date"
                : $"gold: recomputed {gold.RecomputedDays.Count} day(s) {gold.RecomputedDays[0]:yyyy-MM-dd} … {gold.RecomputedDays[^1]:yyyy-MM-dd}");
            if (pipeline.Settings.WarehouseDuckDbPath is not null)
            {
                var load = await pipeline.LoadWarehouseAsync(ct);
                AnsiConsole.MarkupLine("warehouse: " + string.Join(", ", load.Changed.Select(kv => $"{kv.Key} {Summary.N(kv.Value)} changed")));
            }
            return 0;
        });
        return cmd;
    }
}
