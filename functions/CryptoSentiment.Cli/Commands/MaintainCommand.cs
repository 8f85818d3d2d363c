using System.CommandLine;
using System.Globalization;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Maintain;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>
/// <c>maintain [--lake DIR|URI] [--retention-hours H] [--dry-run]</c>: upgrade older layouts in place, then per table
/// optimize, vacuum, checkpoint and log cleanup (what the Maintenance timer does hourly). Prints what it did per table.
/// </summary>
internal static class MaintainCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var retention = new Option<double?>("--retention-hours")
        {
            Description = "Keep what any version of the last H hours needs (default MAINTENANCE_RETENTION_HOURS, else 168). " +
                          "0 is allowed for a lake nobody else reads or writes meanwhile.",
        };
        var targetMb = new Option<int?>("--target-file-mb") { Description = "Optimize packs smaller files into files of up to this size (default MAINTENANCE_TARGET_FILE_MB, else 128)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Report what would be done; write and delete nothing." };
        var cmd = new Command("maintain",
            "Table maintenance: upgrade older layouts, optimize (bin-pack small files), vacuum (delete unreferenced files), log cleanup. " +
            "Changes no query result.") { lake, retention, targetMb, dryRun };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = CommonOptions.Settings(r, lake);
            var options = CryptoPipeline.MaintenanceOptionsFrom(settings) with { DryRun = r.GetValue(dryRun) };
            if (r.GetValue(retention) is { } h)
            {
                if (!(h >= 0) || double.IsInfinity(h)) throw new ArgumentException("--retention-hours must be a number ≥ 0");
                options = options with { Retention = TimeSpan.FromHours(h) };
            }
            if (r.GetValue(targetMb) is { } mb)
            {
                if (mb < 1) throw new ArgumentException("--target-file-mb must be at least 1");
                options = options with { TargetFileBytes = mb * 1024L * 1024 };
            }
            if (options.Retention < Vacuum.DefaultRetention && !options.DryRun)
                AnsiConsole.MarkupLine($"[yellow]retention {options.Retention.TotalHours:0.##} h: files removed in the last 168 h go now; " +
                                       "a reader or writer working on this lake meanwhile may fail[/]");
            using var pipeline = new CryptoPipeline(settings);
            IReadOnlyList<TableMaintenance> tables = [];
            await AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("maintain", maxValue: CryptoSentiment.Lake.LakeTables.All.Count);
                    tables = await pipeline.MaintainAsync(options, table =>
                    {
                        task.Description = $"maintain {table}";
                        task.Increment(1);
                    }, ct);
                    task.Value = task.MaxValue;
                    task.Description = "maintain: done";
                });
            Print(tables, options, pipeline.Lake.Store.Root);
            return 0;
        });
        return cmd;
    }

    private static void Print(IReadOnlyList<TableMaintenance> tables, MaintenanceOptions o, string root)
    {
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.00", CultureInfo.InvariantCulture) + " MB";
        var t = new Table().Title($"[bold]maintain[/] {Markup.Escape(root)} (retention {o.Retention.TotalHours:0.##} h{(o.DryRun ? ", dry run: nothing changed" : "")})")
            .AddColumns("table", "layout", "live files", "optimize", "vacuum", "log cleanup", "version");
        foreach (var m in tables)
        {
            if (m.Skipped is { } why) { t.AddRow(m.Table, "-", "-", "-", "-", "-", Markup.Escape(why)); continue; }
            var layout = m.Upgrade is { } u
                ? $"{(o.DryRun ? "would upgrade" : "upgraded")}: partitions [{string.Join(", ", u.PartitionColumns)}], {N(u.FilesRemoved)} → {(o.DryRun ? "?" : N(u.FilesAdded))} files"
                : "current";
            var optimize = m.Optimize.FilesRemoved == 0 ? "nothing to compact"
                : $"{N(m.Optimize.FilesRemoved)} → {N(m.Optimize.FilesAdded)} files in {N(m.Optimize.PartitionsCompacted)} partition(s) ({Mb(m.Optimize.BytesRemoved)})";
            var vacuum = $"{N(m.Vacuum.FilesDeleted)} file(s), {Mb(m.Vacuum.BytesDeleted)} ({N(m.Vacuum.Orphans)} orphans; {N(m.Vacuum.Kept)} kept for retention)";
            var cleanup = m.LogCleanup.CommitsDeleted + m.LogCleanup.CheckpointsDeleted == 0 ? "nothing old enough"
                : $"{N(m.LogCleanup.CommitsDeleted)} commit(s), {N(m.LogCleanup.CheckpointsDeleted)} checkpoint(s) before v{m.LogCleanup.OldestKept}";
            t.AddRow(Markup.Escape(m.Table), Markup.Escape(layout), $"{N(m.LiveFilesBefore)} → {N(m.LiveFilesAfter)} (≤ {N(m.MaxFilesPerPartition)}/partition)",
                Markup.Escape(optimize), Markup.Escape(vacuum), Markup.Escape(cleanup), m.Version is { } v ? "v" + v : "-");
        }
        AnsiConsole.Write(t);
    }
}
