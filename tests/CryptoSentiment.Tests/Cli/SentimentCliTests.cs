using System.Diagnostics;
using CryptoSentiment.Tests.Events;

namespace CryptoSentiment.Tests.Cli;

/// <summary><c>eval</c>, <c>score</c> and <c>train</c> run as a user runs them (the built CLI as a child process).</summary>
public class SentimentCliTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
        public string LastLine => Stdout.TrimEnd().Split('\n')[^1].TrimEnd('\r');
    }

    private static async Task<Run> CliAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "crypto-sentiment.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "SENTIMENT_SCORER", "AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL", "COINS_FILE" }) psi.Environment.Remove(v);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new Run(p.ExitCode, await stdout, await stderr);
    }

    private static string TempCsv(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"eval-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task EvalPrintsMatrixPerClassAndContractLastLine()
    {
        // 2 negative (both right), 2 positive (one predicted negative), 1 neutral (right)
        var csv = TempCsv("text,label\n"
            + "\"Exchange hacked, $100M drained\",negative\n"
            + "SEC sues exchange over unregistered securities,negative\n"
            + "Bitcoin rallies 20% to record high,positive\n"
            + "\"Bitcoin liquidations top $1 billion as price crashes\",positive\n"
            + "Ethereum developers schedule network upgrade call,neutral\n");
        try
        {
            var run = await CliAsync("eval", "--labels", csv);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Matches(@"^macro_f1=[01]\.\d{3} accuracy=[01]\.\d{3} n=\d+$", run.LastLine);
            // negative: P 2/3 R 1 F1 0.8; neutral F1 1; positive: P 1 R 0.5 F1 0.667 → macro 0.822, accuracy 0.8
            Assert.Equal("macro_f1=0.822 accuracy=0.800 n=5", run.LastLine);
            Assert.Contains("offline (offline-v2)", run.Stdout);
            Assert.Contains("confusion matrix", run.Stdout);
            var rows = run.Stdout.Split('\n').Select(l => string.Join(' ', l.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))).ToList();
            Assert.Contains("negative 2 0 0 2", rows);
            Assert.Contains("neutral 0 1 0 1", rows);
            Assert.Contains("positive 1 0 1 2", rows);
            Assert.Contains("negative 0.667 1.000 0.800 2 3", rows);
            Assert.Contains("positive 1.000 0.500 0.667 2 1", rows);
        }
        finally { File.Delete(csv); }
    }

    [Fact]
    public async Task EvalRejectsBadFilesClearly()
    {
        var badLabel = TempCsv("text,label\nBitcoin soars,positive\nBitcoin dips,bearish-ish\n");
        var badHeader = TempCsv("headline,sentiment\nBitcoin soars,positive\n");
        try
        {
            var a = await CliAsync("eval", "--labels", badLabel);
            Assert.True(a.ExitCode == 2, a.ToString());
            Assert.Contains("Line 3", a.Stderr);
            Assert.Contains("'bearish-ish'", a.Stderr);
            var b = await CliAsync("eval", "--labels", badHeader);
            Assert.True(b.ExitCode == 2, b.ToString());
            Assert.Contains("'text' and 'label'", b.Stderr);
            var c = await CliAsync("eval", "--labels", badHeader + ".missing");
            Assert.True(c.ExitCode == 2, c.ToString());
            Assert.Contains("not found", c.Stderr);
        }
        finally { File.Delete(badLabel); File.Delete(badHeader); }
    }

    [Fact]
    public async Task ScoreNamesLabelCoinsAndScorer()
    {
        var run = await CliAsync("score", "SEC sues exchange over unregistered securities");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("label:      Negative", run.Stdout);
        Assert.Contains("coins:      (none: MARKET)", run.Stdout);
        Assert.Contains("scorer:     offline (offline-v2)", run.Stdout);
        var coins = await CliAsync("score", "SEC sues Binance over BNB and Bitcoin listings");
        Assert.Contains("coins:      BNB, BTC", coins.Stdout);
        Assert.Contains("label:      Negative", coins.Stdout);
    }

    [Fact]
    public async Task TrainWritesAModelThatEvalAndScoreCanUse()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"train-{Guid.NewGuid():N}");
        var model = Path.Combine(dir, "m.json");
        try
        {
            var train = await CliAsync("train", "--data", EventsTestData.Path_("train"), "--out", model, "--exclude-valid", "--unlabeled", "none");
            Assert.True(train.ExitCode == 0, train.ToString());
            Assert.Contains("sent_valid excluded", train.Stdout);
            Assert.DoesNotContain("sent_valid.csv", train.Stdout.Split('\n').First(l => l.Contains("examples")).Split("excluded)")[1]);
            Assert.True(File.Exists(model));
            var json = File.ReadAllText(model);
            Assert.DoesNotContain("Beyond Meat", json); // weights only, no training rows
            var score = await CliAsync("score", "Bitcoin soars to record high", "--model", model);
            Assert.Contains("scorer:     offline (offline-v2)", score.Stdout);
            var missing = await CliAsync("train", "--data", Path.Combine(dir, "nope"), "--out", model);
            Assert.True(missing.ExitCode == 2, missing.ToString());
            Assert.Contains("nope", missing.Stderr);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
