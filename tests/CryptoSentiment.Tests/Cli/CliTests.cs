using System.Diagnostics;
using System.Text.Json;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Cli;

/// <summary>The built CLI (crypto-sentiment.dll beside the tests) run as a child process, as a user runs it.</summary>
public class CliTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    private static async Task<Run> CliAsync(string workDir, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "crypto-sentiment.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var v in new[] { "LAKE_URI", "WAREHOUSE", "SENTIMENT_SCORER", "AZURE_OPENAI_ENDPOINT", "OPENAI_BASE_URL", "COINS_FILE" }) psi.Environment.Remove(v);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new Run(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Text without table borders, line breaks and spaces.</summary>
    private static string Squash(string s) => new(s.Where(ch => !char.IsWhiteSpace(ch) && ch is not ('│' or '─' or '┌' or '┐' or '└' or '┘' or '├' or '┤' or '┬' or '┴' or '┼')).ToArray());

    [Fact]
    public async Task ReplayIdentityIsTheContentNotTheFileName()
    {
        using var t = new TempLake();
        // Two daily exports with the same file name and different events; then the first one again.
        string Export(string folder, int day)
        {
            var dir = Directory.CreateDirectory(Path.Combine(t.Root, folder)).FullName;
            var lines = Enumerable.Range(0, 30).Select(i => JsonSerializer.Serialize(new
            {
                id = $"d{day}-{i}", title = $"Bitcoin export {day} headline {i}", source = "wire", published_at = $"2026-03-{day:D2}T{i % 24:D2}:00:00Z",
            }));
            File.WriteAllLines(Path.Combine(dir, "news.ndjson"), lines);
            return Path.Combine(dir, "news.ndjson");
        }
        var a = Export("a", 1);
        var b = Export("b", 2);
        string Count() => Squash(CliAsync(t.Root, "query", "SELECT count(*) AS n FROM bronze_news", "--lake", t.LakeDir, "--format", "csv").Result.Stdout);
        foreach (var (file, expected) in new[] { (a, "n30"), (b, "n60"), (a, "n60") })
        {
            var run = await CliAsync(t.Root, "replay", "--news", file, "--lake", t.LakeDir, "--warehouse", t.WarehouseFile, "--batch", "10");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(expected, Count());
        }
        Assert.Equal(0, (await CliAsync(t.Root, "verify", "--lake", t.LakeDir)).ExitCode);
    }

    [Fact]
    public async Task DemoVerifyQueryAndCorruption()
    {
        using var t = new TempLake();
        var demo = await CliAsync(t.Root, "demo", "--lake", t.LakeDir, "--warehouse", t.WarehouseFile, "--events", "800");
        Assert.True(demo.ExitCode == 0, demo.ToString());
        foreach (var section in new[] { "Rows per tier", "This run", "Quarantine", "Sentiment", "calls / 1,000 headlines", "cache hit rate", "estimated cost", "Top coin per day", "gold: recomputed", "warehouse" })
            Assert.Contains(section, demo.Stdout);

        var verify = await CliAsync(t.Root, "verify", "--lake", t.LakeDir);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("checks passed", verify.Stdout);

        const string sql = "SELECT coin, count(*) n FROM silver_news_sentiment GROUP BY 1 ORDER BY 1";
        var csv = await CliAsync(t.Root, "query", sql, "--lake", t.LakeDir, "--warehouse", t.WarehouseFile, "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        var lines = csv.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("coin,n", lines[0]);
        Assert.True(lines.Count > 5);
        Assert.All(lines.Skip(1), l => Assert.Matches("^[A-Z]+,[0-9]+$", l));
        Assert.Equal(lines.Skip(1).Order(StringComparer.Ordinal), lines.Skip(1));
        Assert.DoesNotContain("\u001b", csv.Stdout);

        var json = await CliAsync(t.Root, "query", sql, "--lake", t.LakeDir, "--warehouse", t.WarehouseFile, "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using (var doc = JsonDocument.Parse(json.Stdout))
        {
            Assert.Equal(lines.Count - 1, doc.RootElement.GetArrayLength());
            var first = doc.RootElement[0];
            Assert.Equal(lines[1], $"{first.GetProperty("coin").GetString()},{first.GetProperty("n").GetInt64()}");
        }

        // Corruption 1: a live parquet file disappears.
        var silver = Path.Combine(t.LakeDir, "silver", "news_sentiment");
        var live = Directory.GetFiles(silver, "*.parquet", SearchOption.AllDirectories).First(); // in a day=… partition folder
        var saved = File.ReadAllBytes(live);
        File.Delete(live);
        var broken = await CliAsync(t.Root, "verify", "--lake", t.LakeDir);
        Assert.True(broken.ExitCode != 0, broken.ToString());
        Assert.Contains("inthelogbutnotinthestore", Squash(broken.Stdout)); // Spectre wraps table cells: compare without layout
        Assert.Contains("silver/news_sentiment", broken.Stdout);
        Assert.Contains("check(s) failed", broken.Stderr);
        File.WriteAllBytes(live, saved);
        Assert.Equal(0, (await CliAsync(t.Root, "verify", "--lake", t.LakeDir)).ExitCode);

        // Corruption 2: a commit file is truncated.
        var commit = Directory.GetFiles(Path.Combine(silver, "_delta_log"), "*.json").Order(StringComparer.Ordinal).Last();
        var text = File.ReadAllBytes(commit);
        File.WriteAllBytes(commit, text[..(text.Length / 2)]);
        var truncated = await CliAsync(t.Root, "verify", "--lake", t.LakeDir);
        Assert.True(truncated.ExitCode != 0, truncated.ToString());
        Assert.Contains("silver/news_sentiment", truncated.Stdout);
        Assert.Contains("notvalidDeltaJSON", Squash(truncated.Stdout));
        Assert.Contains("check(s) failed", truncated.Stderr);
    }

    [Fact]
    public async Task ScorePrintsNegativeForAnSecLawsuit()
    {
        using var t = new TempLake();
        var run = await CliAsync(t.Root, "score", "SEC sues exchange over unregistered securities");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"label:\s+Negative", run.Stdout);
        Assert.Matches(@"scorer:\s+offline", run.Stdout);
    }

    [Fact]
    public async Task GeneratedNdjsonReplayedTwiceAddsNothing()
    {
        using var t = new TempLake();
        var sample = Path.Combine(t.Root, "sample");
        var gen = await CliAsync(t.Root, "generate", "--out", sample, "--events", "300", "--days", "2", "--seed", "7");
        Assert.True(gen.ExitCode == 0, gen.ToString());
        string[] replay = ["replay", "--news", Path.Combine(sample, "news.ndjson"), "--prices", Path.Combine(sample, "prices.ndjson"),
            "--lake", t.LakeDir, "--warehouse", t.WarehouseFile, "--batch", "64"];
        var first = await CliAsync(t.Root, replay);
        Assert.True(first.ExitCode == 0, first.ToString());
        LakeState before;
        using (var p = new CryptoSentiment.Pipeline.CryptoPipeline(t.Settings)) before = await PipelineTestKit.StateAsync(p.Lake);
        Assert.True(before.Rows["bronze/news"] == 300, before.Rows["bronze/news"].ToString());

        var second = await CliAsync(t.Root, replay);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("gold: nothing to recompute", second.Stdout);
        using (var p = new CryptoSentiment.Pipeline.CryptoPipeline(t.Settings))
        {
            var after = await PipelineTestKit.StateAsync(p.Lake);
            Assert.Equal(before.Rows, after.Rows);
            Assert.Equal(before.Versions, after.Versions);
        }
        Assert.Matches(@"(?m)^.*news.*\b300\b.*\b0\b", second.Stdout); // 300 events received, 0 new in bronze
    }
}
