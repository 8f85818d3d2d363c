using CryptoSentiment.Testing;
using CryptoSentiment.Configuration;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Llm;

public class LlmPipelineTests
{
    [Fact]
    public async Task PipelineWithSentimentScorerLlmWritesLlmRowsWithModelPromptAndTokens()
    {
        var key = LlmRig.NewSecret();
        await using var server = await OpenAiLoopbackServer.StartAsync(apiKey: key);
        using var t = new TempLake();
        var settings = LlmSettings(server, t, key);
        var stream = new SampleStreamGenerator(31, Start).Generate(300, 12);
        using var p = new CryptoPipeline(settings, clock: new FixedClock(IngestTime(stream)));
        Assert.Equal("llm", p.Enricher.Scorer.Name);
        var usage = new SentimentUsage();
        foreach (var b in stream.ToBatches(EventStream.News, 60, 2).Concat(stream.ToBatches(EventStream.Prices, 200, 1)))
        {
            var outcome = await p.IngestAsync(b);
            Assert.True(outcome.Reconciles);
            usage += outcome.Sentiment;
        }
        await p.RefreshGoldAsync();

        var x = stream.Expected;
        using var c = await ViewsAsync(p.Lake);
        Assert.Equal(x.DistinctArticles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
        Assert.Equal(["llm"], Column(c, "SELECT DISTINCT scorer FROM silver_news_sentiment"));
        Assert.Equal([LlmRig.Deployment], Column(c, "SELECT DISTINCT model FROM silver_news_sentiment"));
        Assert.Equal(["sentiment-v1"], Column(c, "SELECT DISTINCT prompt_version FROM silver_news_sentiment"));
        Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE context_summary = ''"));

        // Identical headlines (after normalisation) are sent and billed once: exactly one article per distinct headline
        // carries tokens, its copies carry none.
        var titles = new List<(string Id, string Title)>();
        using (var r = c.Query("SELECT DISTINCT article_id, title FROM silver_news_sentiment"))
            while (r.Read()) titles.Add((r.GetString(0), r.GetString(1)));
        var distinctHeadlines = titles.Select(x => CryptoSentiment.Events.EventParser.NormaliseTitle(x.Title)).Distinct().Count();
        Assert.Equal(distinctHeadlines, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment WHERE tokens_in > 0 AND tokens_out > 0"));

        // Per article (rows repeat an article's tokens once per coin), the tokens add up to what the server billed.
        var billed = server.Requests.Where(r => r.StatusCode == 200).ToList();
        Assert.Equal(billed.Sum(r => (long)r.PromptTokens),
            c.Scalar<long>("SELECT sum(tokens_in) FROM (SELECT DISTINCT article_id, tokens_in FROM silver_news_sentiment)"));
        Assert.Equal(billed.Sum(r => (long)r.CompletionTokens), usage.TokensOut);
        Assert.Equal(distinctHeadlines, billed.Sum(r => r.Items.Count)); // each distinct headline sent once
        Assert.Equal(x.DistinctArticles, usage.HeadlinesByScorer["llm"]);
        Assert.All(billed, r => Assert.True(r.Items.Count <= 25));
        Assert.All(server.Requests, r => Assert.Equal("bearer", r.AuthScheme));

        // Labels in silver are the server's answers for those titles.
        using var rows = c.Query("SELECT DISTINCT title, label FROM silver_news_sentiment");
        while (rows.Read()) Assert.Equal(server.Judge(rows.GetString(0)).Label, rows.GetString(1));
    }

    [Fact]
    public async Task TheLakeCacheMeansReingestingTheSameHeadlinesCallsTheLlmNoMore()
    {
        var key = LlmRig.NewSecret();
        await using var server = await OpenAiLoopbackServer.StartAsync(apiKey: key);
        using var t = new TempLake();
        var settings = LlmSettings(server, t, key);
        var stream = new SampleStreamGenerator(32, Start).Generate(200, 12);
        var batches = stream.ToBatches(EventStream.News, 50, 2).ToList();
        using (var p = new CryptoPipeline(settings, clock: new FixedClock(IngestTime(stream))))
            foreach (var b in batches) await p.IngestAsync(b);
        var callsFirstRun = server.Requests.Count(r => r.StatusCode == 200);
        Assert.True(callsFirstRun >= stream.Expected.DistinctArticles / 25);

        // Wipe every tier but keep the lake's sentiment cache, then ingest the same events again in a new process.
        foreach (var tier in new[] { "bronze", "silver", "gold" })
            if (Directory.Exists(Path.Combine(t.LakeDir, tier))) Directory.Delete(Path.Combine(t.LakeDir, tier), recursive: true);
        var usage = new SentimentUsage();
        using (var p = new CryptoPipeline(settings, clock: new FixedClock(IngestTime(stream))))
            foreach (var b in batches) usage += (await p.IngestAsync(b)).Sentiment;

        Assert.Equal(callsFirstRun, server.Requests.Count(r => r.StatusCode == 200)); // not one more call
        Assert.Equal(stream.Expected.DistinctArticles, usage.CacheHits);
        Assert.Equal(0, usage.TokensIn);
    }

    /// <summary>SENTIMENT_SCORER=llm pointed at the loopback server through OPENAI_BASE_URL, on a temp lake.</summary>
    private static Settings LlmSettings(OpenAiLoopbackServer server, TempLake t, string key) => Settings.From(n => n switch
    {
        "LAKE_URI" => t.LakeDir,
        "WAREHOUSE" => "duckdb:" + t.WarehouseFile,
        "SENTIMENT_SCORER" => "llm",
        "OPENAI_BASE_URL" => server.BaseUrl.ToString(),
        "AZURE_OPENAI_DEPLOYMENT" => LlmRig.Deployment,
        "AZURE_OPENAI_API_KEY" => key,
        _ => null,
    });

    private static List<string> Column(CryptoSentiment.DuckDb.DuckDbConnection c, string sql)
    {
        var list = new List<string>();
        using var r = c.Query(sql);
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }
}
