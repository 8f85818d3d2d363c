using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.Configuration;

namespace CryptoSentiment.Tests.Functions;

/// <summary>local.settings.sample.json lists every setting the handler reads and every one its function.json files reference.</summary>
public class SettingsSampleTests
{
    [Fact]
    public void Sample_lists_every_setting()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(PublishedApp.RepoRoot(), "local.settings.sample.json")));
        var values = doc.RootElement.GetProperty("Values");
        var sample = values.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Equal("Custom", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Contains("AzureWebJobsStorage", sample);

        var read = new SortedSet<string>(StringComparer.Ordinal);
        Settings.From(name => { read.Add(name); return null; });
        Assert.Contains("NEWS_FEEDS", read);
        Assert.Contains("PRICE_API_URL", read);
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "function.json", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            foreach (Match m in Regex.Matches(text, "%([A-Za-z0-9_]+)%")) read.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, "\"connection\"\\s*:\\s*\"([^\"]+)\"")) read.Add(m.Groups[1].Value + "__fullyQualifiedNamespace");
        }
        var missing = read.Where(n => !sample.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "missing from local.settings.sample.json: " + string.Join(", ", missing));
    }
}
