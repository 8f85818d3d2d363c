using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using CryptoSentiment.Configuration;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Training;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>Scorer selection shared by <c>eval</c> and <c>score</c>: the configured scorer, or an offline model file.</summary>
internal static class ScorerOptions
{
    public static Option<string?> Model() => new("--model")
    {
        Description = "An offline model JSON written by `train --out`, or `lexicon-v1` for the hand-written lexicon alone (default: the configured scorer; offline uses the embedded offline-v2).",
    };

    public static ISentimentScorer Create(Settings settings, string? modelFile) =>
        modelFile switch
        {
            null => Scorers.Create(settings),
            LexiconModel => LexiconScorer.Default,
            _ => OfflineScorer.FromFile(modelFile),
        };

    /// <summary>The <c>--model</c> value that selects the v1 lexicon (for comparisons).</summary>
    public const string LexiconModel = "lexicon-v1";
}

/// <summary><c>eval --labels FILE.csv</c>: confusion matrix, per-class precision/recall/F1 and the contract summary line.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var labels = new Option<string>("--labels") { Description = "CSV with columns text,label (label: positive|negative|neutral).", Required = true };
        var model = ScorerOptions.Model();
        var cmd = new Command("eval", "Score every row of a labelled CSV with the configured scorer and print confusion matrix, per-class F1 and macro-F1.") { labels, model };
        cmd.SetAction(async (r, ct) =>
        {
            var path = r.GetValue(labels)!;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"eval: labels file '{path}' not found");
                return 2;
            }
            List<LabeledHeadline> rows;
            try { rows = LabeledCsv.Read(path); }
            catch (InvalidDataException e)
            {
                Console.Error.WriteLine($"eval: {path}: {e.Message}");
                return 2;
            }
            var scorer = ScorerOptions.Create(Settings.FromEnvironment(), r.GetValue(model));
            var (metrics, _) = await SentimentEvaluator.EvaluateAsync(scorer, rows, cancellationToken: ct);
            var modelName = scorer switch { OfflineScorer o => o.Model, LexiconScorer l => l.Model, _ => scorer.Name };
            Console.WriteLine($"scorer: {scorer.Name} ({modelName}) on {Path.GetFileName(path)}, {rows.Count} rows");

            var matrix = new Table().Title("confusion matrix (rows: gold, columns: predicted)").AddColumn("gold \\ predicted");
            foreach (var l in SentimentMetrics.Labels) matrix.AddColumn(new TableColumn(Name(l)).RightAligned());
            matrix.AddColumn(new TableColumn("total").RightAligned());
            for (var g = 0; g < 3; g++)
            {
                var cells = new List<string> { Name(SentimentMetrics.Labels[g]) };
                for (var p = 0; p < 3; p++) cells.Add(Int(metrics.Confusion[g, p]));
                cells.Add(Int(metrics.PerClass[g].Support));
                matrix.AddRow([.. cells]);
            }
            AnsiConsole.Write(matrix);

            var perClass = new Table().Title("per class").AddColumn("class");
            foreach (var c in new[] { "precision", "recall", "f1", "support", "predicted" }) perClass.AddColumn(new TableColumn(c).RightAligned());
            foreach (var c in metrics.PerClass)
                perClass.AddRow(Name(c.Label), Dec(c.Precision), Dec(c.Recall), Dec(c.F1), Int(c.Support), Int(c.Predicted));
            AnsiConsole.Write(perClass);
            Console.Out.Flush();
            Console.WriteLine(metrics.SummaryLine);
            return 0;
        });
        return cmd;
    }

    private static string Name(SentimentLabel l) => l.ToString().ToLowerInvariant();
    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Dec(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
}

/// <summary><c>train [--data DIR] [--out FILE] [--exclude-valid]</c>: fits the offline v2 model on ../shared/data/train.</summary>
internal static class TrainCommand
{
    public const string CommittedModelPath = "functions/CryptoSentiment.Core/Sentiment/Model/offline-v2.json";

    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Training data folder (default: the nearest shared/data/train above the current folder)." };
        var output = new Option<string?>("--out") { Description = $"Model file to write (default: {CommittedModelPath} in the repository, else ./offline-v2.json)." };
        var excludeValid = new Option<bool>("--exclude-valid") { Description = "Leave sent_valid.csv out of training (to measure on it with `eval --model`)." };
        var unlabeled = new Option<string?>("--unlabeled")
        {
            Description = "Unlabelled crypto news CSV (semicolon, `title` column) whose titles are weakly labelled by the crypto lexicon "
                + $"(default: DATA/../replay/{TrainingCorpus.DefaultUnlabeledNewsFile}; `none` to train on the labelled sets only).",
        };
        var cmd = new Command("train", "Train the offline sentiment model (logistic regression over words, bigrams and the crypto lexicon); deterministic.") { data, output, excludeValid, unlabeled };
        cmd.SetAction((r, ct) =>
        {
            var dir = r.GetValue(data) ?? FindUp(Path.Combine("shared", "data", "train"), directory: true);
            if (dir is null || !Directory.Exists(dir))
            {
                Console.Error.WriteLine($"train: training data folder '{dir ?? "shared/data/train"}' not found; pass --data DIR");
                return Task.FromResult(2);
            }
            var exclude = r.GetValue(excludeValid);
            var outPath = r.GetValue(output) ?? DefaultOut();
            List<TrainingExample> examples;
            var weakFile = r.GetValue(unlabeled) ?? Path.Combine(dir, "..", "replay", TrainingCorpus.DefaultUnlabeledNewsFile);
            try { examples = TrainingCorpus.Load(dir, exclude, weakFile == "none" ? null : weakFile); }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
            {
                Console.Error.WriteLine($"train: {e.Message}");
                return Task.FromResult(2);
            }
            var result = OfflineModelTrainer.Train(examples, log: m => Console.WriteLine($"train: {m}"));
            var bytes = result.Model.ToJson();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            File.WriteAllBytes(outPath, bytes);
            Console.WriteLine($"train: {result.Examples:N0} examples{(exclude ? " (sent_valid excluded)" : "")} ({string.Join(", ", examples.GroupBy(e => e.Source).Select(g => $"{g.Key} {g.Count():N0}"))}), {result.Features:N0} weighted features, {result.Iterations} L-BFGS iterations, loss {result.Loss.ToString("0.0000", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"train: wrote {outPath} ({bytes.Length:N0} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))})");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static string DefaultOut()
    {
        var sln = FindUp("CryptoSentiment.sln", directory: false);
        return sln is null ? "offline-v2.json" : Path.Combine(Path.GetDirectoryName(sln)!, CommittedModelPath);
    }

    /// <summary>The nearest <paramref name="relative"/> above the current folder, or null.</summary>
    private static string? FindUp(string relative, bool directory)
    {
        for (var d = new DirectoryInfo(Environment.CurrentDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, relative);
            if (directory ? Directory.Exists(candidate) : File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
