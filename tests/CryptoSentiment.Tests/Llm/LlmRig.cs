using System.Security.Cryptography;
using CryptoSentiment.Testing;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Llm;

namespace CryptoSentiment.Tests.Llm;

/// <summary>A loopback OpenAI-protocol server with a generated key, a virtual clock and an <see cref="LlmScorer"/> pointed at it.</summary>
internal sealed class LlmRig : IAsyncDisposable
{
    public const string Deployment = "gpt-4o-mini-test";

    private LlmRig(OpenAiLoopbackServer server, string key, SkipAheadClock clock, LlmScorer scorer) =>
        (Server, Key, Clock, Scorer) = (server, key, clock, scorer);

    public OpenAiLoopbackServer Server { get; }
    public string Key { get; }
    public SkipAheadClock Clock { get; }
    public LlmScorer Scorer { get; }

    public static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    public static async Task<LlmRig> StartAsync(Func<LlmScorerOptions, LlmScorerOptions>? tweak = null)
    {
        var key = NewSecret();
        var server = await OpenAiLoopbackServer.StartAsync(apiKey: key);
        var clock = new SkipAheadClock();
        var options = Options(server, key);
        if (tweak is not null) options = tweak(options);
        return new LlmRig(server, key, clock, new LlmScorer(options, clock));
    }

    public static LlmScorerOptions Options(OpenAiLoopbackServer server, string? key) => new()
    {
        BaseUrl = server.BaseUrl,
        Deployment = Deployment,
        ApiKey = key,
        KeyHeader = LlmKeyHeader.ApiKey,
        Timeout = TimeSpan.FromSeconds(10),
        MaxRetries = 3,
    };

    public Task<IReadOnlyList<SentimentResult>> ScoreAsync(IReadOnlyList<SentimentRequest> batch) => Scorer.ScoreAsync(batch).AsTask();

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private static readonly string[] Subjects = ["Bitcoin", "Ethereum", "Solana", "XRP", "Cardano", "Dogecoin", "Chainlink", "Polkadot", "Avalanche", "Toncoin"];
    private static readonly string[] Predicates =
    [
        "surges as ETF inflows hit a record", "plunges after exchange hack drains wallets", "developers schedule network upgrade call",
        "rallies on institutional adoption news", "falls as regulators open probe into lending desk", "foundation publishes quarterly report",
    ];

    /// <summary>n distinct headlines with long, article-like ids (which must never be sent).</summary>
    public static List<SentimentRequest> Headlines(int n, int salt = 0) =>
        [.. Enumerable.Range(0, n).Select(i =>
        {
            var text = $"{Subjects[(i + salt) % Subjects.Length]} {Predicates[(i / Subjects.Length + salt) % Predicates.Length]} (day {i + 1 + salt * 1000})";
            return new SentimentRequest("article-" + Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i * 7919 + salt))).ToLowerInvariant(), text);
        })];
}
