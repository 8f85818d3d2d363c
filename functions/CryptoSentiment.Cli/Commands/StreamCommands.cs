using System.CommandLine;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Replay;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary><c>demo</c>: a seeded sample stream through the whole medallion on the embedded default.</summary>
internal static class DemoCommand
{
    public const int DefaultEvents = 5000;
    public const int DefaultDays = 14;

    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var warehouse = CommonOptions.Warehouse();
        var events = new Option<int>("--events") { Description = "News events to generate.", DefaultValueFactory = _ => DefaultEvents };
        var seed = new Option<int>("--seed") { Description = "Generator seed (same seed, same stream).", DefaultValueFactory = _ => 42 };
        var cmd = new Command("demo", "Generate a seeded sample stream and run it through bronze → silver → gold → warehouse; print a summary.")
            { lake, warehouse, events, seed };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = CommonOptions.Settings(r, lake, warehouse);
            var n = r.GetValue(events);
            var s = r.GetValue(seed);
            if (n < 1) throw new ArgumentException("--events must be at least 1");
            var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-DefaultDays), TimeSpan.Zero);
            var stream = new SampleStreamGenerator(s, start).Generate(n, DefaultDays * 24);
            var prefix = $"demo-{start:yyyyMMdd}-s{s}-"; // the stream is a function of (start day, seed): its own partition ids
            AnsiConsole.MarkupLine($"[bold]CryptoSentiment demo[/]: {n:N0} news and {stream.Prices.Count:N0} price events (seed {s}), " +
                                   $"{stream.Start:yyyy-MM-dd} … {stream.End:yyyy-MM-dd}, scorer {settings.SentimentScorer}");
            using var pipeline = new CryptoPipeline(settings);
            var run = await Runner.RunAsync(pipeline,
            [
                ("news → bronze → silver", Batches.Prefixed(stream.ToBatches(EventStream.News, 500, 4), prefix)),
                ("prices → bronze → silver", Batches.Prefixed(stream.ToBatches(EventStream.Prices, 2000, 2), prefix)),
            ], ct);
            await Summary.PrintAsync(pipeline, run, ct);
            return run.Batches.News.Reconciles && run.Batches.Prices.Reconciles ? 0 : 1;
        });
        return cmd;
    }
}

/// <summary><c>replay</c>: real files through the same batch contract as Event Hubs (idempotent).</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        var warehouse = CommonOptions.Warehouse();
        var news = new Option<string?>("--news") { Description = "News file: NDJSON events, or the semicolon news CSV." };
        var prices = new Option<string?>("--prices") { Description = "Prices: a folder of Binance *USDT_1h.csv files, one such file, or NDJSON." };
        var batch = new Option<int>("--batch") { Description = "Events per batch.", DefaultValueFactory = _ => 256 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions to spread events over.", DefaultValueFactory = _ => 4 };
        var cmd = new Command("replay", "Replay real files through ingest → bronze → silver → gold → warehouse. Replaying the same files again changes nothing.")
            { news, prices, lake, warehouse, batch, partitions };
        cmd.SetAction(async (r, ct) =>
        {
            var newsPath = r.GetValue(news);
            var pricesPath = r.GetValue(prices);
            if (newsPath is null && pricesPath is null) throw new ArgumentException("Give --news FILE and/or --prices DIR|FILE");
            var size = r.GetValue(batch);
            var parts = r.GetValue(partitions);
            if (size < 1 || parts < 1) throw new ArgumentException("--batch and --partitions must be at least 1");
            var now = DateTimeOffset.UtcNow;
            var streams = new List<(string, IReadOnlyList<EventBatch>)>();
            if (newsPath is not null)
                streams.Add(($"news {Path.GetFileName(newsPath)}", Batches.Prefixed(
                    EventBatcher.ToBatches(ReplaySource.Read(newsPath), EventStream.News, size, parts, now), ReplaySource.StreamPrefix(newsPath, parts))));
            if (pricesPath is not null)
                streams.Add(($"prices {Path.GetFileName(Path.TrimEndingDirectorySeparator(pricesPath))}", Batches.Prefixed(
                    EventBatcher.ToBatches(ReplaySource.Read(pricesPath), EventStream.Prices, size, parts, now), ReplaySource.StreamPrefix(pricesPath, parts))));
            using var pipeline = new CryptoPipeline(CommonOptions.Settings(r, lake, warehouse));
            var run = await Runner.RunAsync(pipeline, streams, ct);
            await Summary.PrintAsync(pipeline, run, ct);
            return run.Batches.News.Reconciles && run.Batches.Prices.Reconciles ? 0 : 1;
        });
        return cmd;
    }
}

/// <summary><c>generate</c>: writes the seeded sample stream as NDJSON files (our event format).</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "./.local/sample" };
        var events = new Option<int>("--events") { Description = "News events.", DefaultValueFactory = _ => DemoCommand.DefaultEvents };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var days = new Option<int>("--days") { Description = "Days covered, ending today.", DefaultValueFactory = _ => DemoCommand.DefaultDays };
        var cmd = new Command("generate", "Write the seeded sample stream (news.ndjson, prices.ndjson) for replay.") { output, events, seed, days };
        cmd.SetAction((r, ct) =>
        {
            var dir = r.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var d = r.GetValue(days);
            var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-d), TimeSpan.Zero);
            var stream = new SampleStreamGenerator(r.GetValue(seed), start).Generate(r.GetValue(events), d * 24);
            Write(Path.Combine(dir, "news.ndjson"), stream.News);
            Write(Path.Combine(dir, "prices.ndjson"), stream.Prices);
            AnsiConsole.MarkupLine($"wrote {stream.News.Count:N0} news and {stream.Prices.Count:N0} price events to {Markup.Escape(dir)}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static void Write(string path, IReadOnlyList<byte[]> bodies)
    {
        using var f = File.Create(path);
        foreach (var b in bodies)
        {
            // One event per line: an event body holding a raw newline would split; escape-free bodies are what the generator emits.
            f.Write(b);
            f.WriteByte((byte)'\n');
        }
    }
}

/// <summary>Batch helpers for CLI streams.</summary>
internal static class Batches
{
    /// <summary>
    /// Gives a CLI stream its own partition ids (like a distinct Event Hub): replaying the same source again reuses
    /// the ids and sequence numbers, so the Delta txn watermarks make it a no-op; another source never collides.
    /// A source is identified by its content (see <see cref="ReplaySource.StreamPrefix"/>), not by its name.
    /// </summary>
    public static IReadOnlyList<EventBatch> Prefixed(IEnumerable<EventBatch> batches, string prefix) =>
        batches.Select(b => new EventBatch(b.Stream, prefix + b.PartitionId,
            b.Events.Select(e => e with { PartitionId = prefix + b.PartitionId }).ToList())).ToList();
}
