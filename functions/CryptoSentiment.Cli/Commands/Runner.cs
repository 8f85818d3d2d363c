using CryptoSentiment.Events;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Telemetry;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>What a demo or replay run produced, for the summary.</summary>
internal sealed record RunResult(BatchRunner Batches, GoldOutcome Gold, LoadOutcome? Load, TimeSpan Elapsed);

/// <summary>Drives a CLI run through the pipeline with progress bars: ingest → gold → warehouse.</summary>
internal static class Runner
{
    public static async Task<RunResult> RunAsync(CryptoPipeline pipeline, IReadOnlyList<(string Label, IReadOnlyList<EventBatch> Batches)> streams,
        CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var runner = new BatchRunner(pipeline);
        GoldOutcome gold = GoldOutcome.Nothing;
        LoadOutcome? load = null;
        await Progress().StartAsync(async ctx =>
        {
            var tasks = streams.Select(s => (s, ctx.AddTask(s.Label, maxValue: Math.Max(1, s.Batches.Sum(b => b.Events.Count))))).ToList();
            var goldTask = ctx.AddTask("gold: recompute touched days", autoStart: false, maxValue: 1);
            var loadTask = ctx.AddTask("warehouse: merge gold", autoStart: false, maxValue: 1);
            foreach (var ((_, batches), task) in tasks)
            {
                foreach (var batch in batches)
                {
                    await runner.RunAsync(batch, ct);
                    task.Increment(batch.Events.Count);
                }
                task.Value = task.MaxValue;
            }
            // The same run as the GoldRefresh timer's: gold and load step spans under one run span.
            using var run = PipelineTelemetry.StartRun("GoldRefresh");
            goldTask.StartTask();
            gold = await pipeline.RefreshGoldAsync(ct);
            goldTask.Increment(1);
            if (pipeline.Settings.WarehouseDuckDbPath is not null)
            {
                loadTask.StartTask();
                load = await pipeline.LoadWarehouseAsync(ct);
                loadTask.Increment(1);
            }
            else loadTask.Description = $"warehouse: skipped ({pipeline.Settings.Warehouse}: use `load`)";
        });
        return new RunResult(runner, gold, load, started.Elapsed);
    }

    private static Spectre.Console.Progress Progress() => AnsiConsole.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn());
}
