using System.Security.Cryptography;
using CryptoSentiment.Testing;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Llm;

namespace CryptoSentiment.Bench;

/// <summary>
/// <c>bench</c> enrichment row: 1,000 distinct generated headlines through the LLM scorer at batch 25 against the loopback
/// OpenAI-protocol server (real HTTP, real SDK). Tokens are the loopback's <c>usage</c>, i.e. <see cref="TokenEstimate"/>
/// (⌈chars/4⌉ per message + 4, + the response schema, + 3); raw character counts are reported beside them.
/// </summary>
internal static class BenchEnrich
{
    public const int Headlines = 1_000;
    public const int BatchSize = 25;

    /// <summary>The generated headlines, and (when <c>../shared/data</c> is found) the first 1,000 distinct real titles of the replay CSV.</summary>
    public static async Task<Dictionary<string, double>> RunAsync(CancellationToken ct)
    {
        var result = await RunAsync(GeneratedHeadlines(Headlines), ct);
        if (RealNewsCsv() is { } csv)
            foreach (var (k, v) in await RunAsync(Distinct(Replay.NewsCsvReader.Read(csv), Headlines, DateTimeOffset.UtcNow), ct))
                result["real_" + k] = v;
        return result;
    }

    public static async Task<Dictionary<string, double>> RunAsync(IReadOnlyList<SentimentRequest> requests, CancellationToken ct)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using var server = await OpenAiLoopbackServer.StartAsync(apiKey: key, ct: ct);
        var scorer = new LlmScorer(new LlmScorerOptions
        {
            BaseUrl = server.BaseUrl, Deployment = "bench-deployment", ApiKey = key, KeyHeader = LlmKeyHeader.Bearer, BatchSize = BatchSize,
        });
        var results = await scorer.ScoreAsync(requests, ct);
        var s = scorer.Stats;
        double n = requests.Count;
        return new()
        {
            ["headlines"] = n,
            ["calls"] = s.Attempts,
            ["calls_per_1000"] = s.Attempts * 1000 / n,
            ["headlines_per_call"] = n / s.Attempts,
            ["tokens_in_per_headline"] = s.TokensIn / n,
            ["tokens_out_per_headline"] = s.TokensOut / n,
            ["tokens_per_headline"] = (s.TokensIn + s.TokensOut) / n,
            ["tokens_per_1000"] = (s.TokensIn + s.TokensOut) * 1000 / n,
            ["prompt_chars_per_headline"] = s.PromptChars / n,
            ["headline_chars_avg"] = requests.Average(r => r.Text.Length),
            ["system_prompt_chars"] = scorer.Prompt.SystemText.Length,
            ["schema_chars"] = LlmPrompt.SchemaJson.Length,
            ["llm"] = results.Count(r => r.Scorer == LlmScorer.ScorerName),
            ["fallback"] = results.Count(r => r.Scorer == LlmScorer.FallbackName),
        };
    }

    /// <summary>Distinct headlines (by article id) of the seeded sample stream, as the silver step would send them.</summary>
    private static List<SentimentRequest> GeneratedHeadlines(int count)
    {
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var stream = new SampleStreamGenerator(7, start).Generate(count * 2, 7 * 24);
        return Distinct(stream.News, count, stream.End.AddHours(1));
    }

    private static List<SentimentRequest> Distinct(IEnumerable<byte[]> bodies, int count, DateTimeOffset now)
    {
        var parser = new EventParser(CoinCatalog.Default);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<SentimentRequest>(count);
        foreach (var body in bodies)
        {
            var r = parser.ParseNews(body, now);
            if (r.IsValid && seen.Add(r.Value!.ArticleId)) list.Add(new SentimentRequest(r.Value.ArticleId, r.Value.Title));
            if (list.Count == count) break;
        }
        return list;
    }

    /// <summary>The real replay CSV in <c>shared/data</c> beside the checkout (walking up from here and from the binary), or null.</summary>
    private static string? RealNewsCsv()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var f = Path.Combine(d.FullName, "shared", "data", "replay", "cryptonews_2021-10_2022-03.csv");
                if (File.Exists(f)) return f;
            }
        return null;
    }
}
