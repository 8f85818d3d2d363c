using CryptoSentiment.Configuration;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Testing;
using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Llm;

namespace CryptoSentiment.Tests.Llm;

/// <summary>The LLM scorer through the real OpenAI SDK and real HTTP against the loopback chat-completions server.</summary>
public class LlmScorerTests
{
    /// <summary>
    /// The invariants every fault must keep: one result per id; results' tokens add up to what the server billed; no long id is
    /// sent; every headline billed once, except the <paramref name="reasked"/> ones (twice); exactly <paramref name="fallback"/> fall back;
    /// every llm answer is the one the server computed for that very headline (short ids mapped back correctly).
    /// </summary>
    private static void AssertAccounted(LlmRig rig, IReadOnlyList<SentimentRequest> batch, IReadOnlyList<SentimentResult> results,
        IEnumerable<SentimentRequest> reasked, IEnumerable<SentimentRequest> fallback, bool billed = true)
    {
        Assert.Equal(batch.Count, results.Count);
        Assert.Equal(batch.Select(b => b.Id).Order(), results.Select(r => r.Id).Order());
        var answered = rig.Server.Requests.Where(r => r.StatusCode == 200).ToList();
        Assert.Equal(answered.Sum(r => (long)r.PromptTokens), results.Sum(r => (long)r.TokensIn));
        Assert.Equal(answered.Sum(r => (long)r.CompletionTokens), results.Sum(r => (long)r.TokensOut));
        Assert.All(rig.Server.Requests.SelectMany(r => r.Items), i => Assert.True(i.Id.Length <= 3, $"long id sent: {i.Id}"));
        var sends = answered.SelectMany(r => r.Items.Select(i => i.Text)).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var again = reasked.Select(r => r.Text).ToHashSet();
        foreach (var b in batch) Assert.Equal(!billed ? 0 : again.Contains(b.Text) ? 2 : 1, sends.GetValueOrDefault(b.Text));
        var expectedFallback = fallback.Select(r => r.Id).Order().ToList();
        Assert.Equal(expectedFallback, results.Where(r => r.Scorer == LlmScorer.FallbackName).Select(r => r.Id).Order().ToList());
        var text = batch.ToDictionary(b => b.Id, b => b.Text);
        foreach (var r in results)
        {
            if (r.Scorer == LlmScorer.FallbackName)
            {
                Assert.Equal(OfflineScorer.Default.Score(r.Id, text[r.Id]).Label, r.Label);
                continue;
            }
            Assert.Equal(LlmScorer.ScorerName, r.Scorer);
            var (label, confidence, coins, summary) = rig.Server.Judge(text[r.Id]);
            Assert.Equal(label, r.Label.ToString());
            Assert.Equal(confidence, r.Confidence, 6);
            Assert.Equal(coins, r.Coins);
            Assert.Equal(summary, r.ContextSummary);
            Assert.Equal(LlmRig.Deployment, r.Model);
            Assert.Equal("sentiment-v1", r.PromptVersion);
        }
    }

    [Fact]
    public async Task BatchesOf25WithStrictSchemaShortIdsAndExactTokenApportioning()
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(60);
        var results = await rig.ScoreAsync(batch);

        AssertAccounted(rig, batch, results, [], []);
        var calls = rig.Server.Requests;
        Assert.Equal([25, 25, 10], calls.Select(c => c.Items.Count));
        Assert.All(calls, c =>
        {
            Assert.Equal(200, c.StatusCode);
            Assert.Equal("/openai/v1/chat/completions", c.Path);
            Assert.Equal(LlmRig.Deployment, c.Model);
            Assert.Equal("api-key", c.AuthScheme);
            Assert.Equal("json_schema", c.ResponseFormatType);
            Assert.True(c.SchemaStrict);
            Assert.Equal(LlmPrompt.SchemaName, c.SchemaName);
            Assert.Equal(["system", "user"], c.Messages.Select(m => m.Role));
            Assert.Equal(rig.Scorer.Prompt.SystemText, c.Messages[0].Content);
            Assert.Equal(Enumerable.Range(1, c.Items.Count).Select(i => i.ToString()), c.Items.Select(i => i.Id));
        });
        Assert.All(results, r => Assert.True(r.TokensIn > 0 && r.TokensOut > 0));
        Assert.Equal(3, rig.Scorer.Stats.Attempts);
        Assert.Equal(60, rig.Scorer.Stats.LlmItems);
        // The prompt budget at batch 25: ≤ 60 tokens per headline all-in (loopback usage = ⌈chars/4⌉ + overheads).
        var full = calls.Where(c => c.Items.Count == 25).ToList();
        Assert.True(full.Sum(c => c.PromptTokens + c.CompletionTokens) / (25.0 * full.Count) <= 60,
            $"tokens per headline at batch 25: {full.Sum(c => c.PromptTokens + c.CompletionTokens) / (25.0 * full.Count):0.0}");
    }

    public static TheoryData<LoopbackFaultKind> ItemFaults =>
        [LoopbackFaultKind.WrongIds, LoopbackFaultKind.MissingIds, LoopbackFaultKind.DuplicatedIds, LoopbackFaultKind.InvalidLabel, LoopbackFaultKind.ConfidenceOutOfRange];

    [Theory]
    [MemberData(nameof(ItemFaults))]
    public async Task BadItemsAreReaskedOnceAloneAndTheirNeighboursKept(LoopbackFaultKind kind)
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(25);
        rig.Server.Enqueue(LoopbackFault.Items(kind, "3", "17"));
        var results = await rig.ScoreAsync(batch);

        var bad = new[] { batch[2], batch[16] };
        AssertAccounted(rig, batch, results, reasked: bad, fallback: []);
        var calls = rig.Server.Requests;
        Assert.Equal(2, calls.Count);
        Assert.Equal(bad.Select(b => b.Text), calls[1].Items.Select(i => i.Text));
        Assert.Equal(["1", "2"], calls[1].Items.Select(i => i.Id));
        Assert.Equal(2, rig.Scorer.Stats.Reasked);
        Assert.Equal(0, rig.Scorer.Stats.Fallback);
    }

    [Fact]
    public async Task AnExtraItemIsIgnoredAndCostsNoReask()
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(25);
        rig.Server.Enqueue(LoopbackFault.Items(LoopbackFaultKind.ExtraIds));
        var results = await rig.ScoreAsync(batch);
        AssertAccounted(rig, batch, results, [], []);
        Assert.Single(rig.Server.Requests);
    }

    [Fact]
    public async Task TruncatedJsonKeepsTheCompleteItemsAndReasksTheRestInSmallerBatches()
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(25);
        rig.Server.Enqueue(LoopbackFault.Truncated());
        var results = await rig.ScoreAsync(batch);

        var calls = rig.Server.Requests;
        var reasked = calls.Skip(1).SelectMany(c => c.Items.Select(i => i.Text)).ToHashSet();
        Assert.InRange(reasked.Count, 1, 24); // some items were complete before the cut and were kept
        // the cut keeps a prefix: exactly the items after it were re-asked
        Assert.Equal(Enumerable.Range(25 - reasked.Count, reasked.Count), batch.Select((b, i) => (b, i)).Where(x => reasked.Contains(x.b.Text)).Select(x => x.i));
        Assert.All(calls.Skip(1), c => Assert.True(c.Items.Count <= rig.Scorer.Options.ReaskBatchSize));
        AssertAccounted(rig, batch, results, reasked: batch.Where(b => reasked.Contains(b.Text)), fallback: []);
    }

    public static TheoryData<string> WholeAnswerFaults => ["malformed", "refusal", "400"];

    [Theory]
    [MemberData(nameof(WholeAnswerFaults))]
    public async Task AWholeBadAnswerIsReaskedOnceInBatchesOfFive(string fault)
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(25);
        rig.Server.Enqueue(fault switch { "malformed" => LoopbackFault.Malformed(), "refusal" => LoopbackFault.Refuse(), _ => LoopbackFault.Status(400) });
        var results = await rig.ScoreAsync(batch);

        var calls = rig.Server.Requests;
        Assert.Equal(1 + 5, calls.Count);
        Assert.All(calls.Skip(1), c => Assert.Equal(5, c.Items.Count));
        // A 400 is not billed, so those headlines count as sent once; a refusal or malformed answer is billed.
        AssertAccounted(rig, batch, results, reasked: fault == "400" ? [] : batch, fallback: []);
        Assert.Equal(25, rig.Scorer.Stats.Reasked);
    }

    [Fact]
    public async Task ItemsStillBadAfterTheReaskFallBackToTheOfflineScorerWithTheirTokens()
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(25);
        var poisoned = new HashSet<string> { batch[4].Text, batch[20].Text };
        rig.Server.Rule = _ => LoopbackFault.ItemsWhere(LoopbackFaultKind.InvalidLabel, poisoned.Contains);
        var results = await rig.ScoreAsync(batch);

        var bad = batch.Where(b => poisoned.Contains(b.Text)).ToList();
        AssertAccounted(rig, batch, results, reasked: bad, fallback: bad);
        Assert.Equal(2, rig.Server.Requests.Count);
        Assert.All(results.Where(r => r.Scorer == LlmScorer.FallbackName), r => Assert.True(r.TokensIn > 0 && r.TokensOut > 0));
        Assert.Equal(2, rig.Scorer.Stats.Fallback);
    }

    [Theory]
    [InlineData(7.0, null, 7000)]
    [InlineData(null, 1500.0, 1500)]
    [InlineData(30.0, 250.0, 250)] // retry-after-ms wins over Retry-After
    public async Task TooManyRequestsWaitsExactlyRetryAfterThenSucceeds(double? seconds, double? ms, int expectedMs)
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(25);
        rig.Server.Enqueue(LoopbackFault.TooManyRequests(seconds, ms));
        var results = await rig.ScoreAsync(batch);

        AssertAccounted(rig, batch, results, [], []);
        Assert.Equal([429, 200], rig.Server.Requests.Select(r => r.StatusCode));
        Assert.Equal([TimeSpan.FromMilliseconds(expectedMs)], rig.Scorer.Stats.RetryDelays);
        Assert.Contains(TimeSpan.FromMilliseconds(expectedMs), rig.Clock.Delays);
        Assert.Equal(1, rig.Scorer.Stats.RetryAfterHonoured);
    }

    [Fact]
    public async Task ServerErrorsAreRetriedWithJitteredExponentialBackoff()
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(10);
        rig.Server.Enqueue(LoopbackFault.Status(500), LoopbackFault.Status(503), LoopbackFault.Status(502));
        var results = await rig.ScoreAsync(batch);

        AssertAccounted(rig, batch, results, [], []);
        Assert.Equal([500, 503, 502, 200], rig.Server.Requests.Select(r => r.StatusCode));
        var delays = rig.Scorer.Stats.RetryDelays;
        Assert.Equal(3, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(1), rig.Scorer.Options.MaxRetryDelay));
        Assert.Equal(0, rig.Scorer.Stats.RetryAfterHonoured);
    }

    [Fact]
    public async Task ASlowCallTimesOutAndIsRetried()
    {
        // The per-attempt timeout runs on real time (it bounds a real call): 3 s leaves a loaded machine ample room for a normal answer.
        await using var rig = await LlmRig.StartAsync(o => o with { Timeout = TimeSpan.FromSeconds(3) });
        var batch = LlmRig.Headlines(5);
        rig.Server.Enqueue(LoopbackFault.Slow(TimeSpan.FromMinutes(5)));
        var results = await rig.ScoreAsync(batch);

        AssertAccounted(rig, batch, results, [], []);
        Assert.True(rig.Scorer.Stats.Attempts >= 2);
        Assert.True(rig.Scorer.Stats.Retries >= 1);
        Assert.Equal(LoopbackFaultKind.Slow, rig.Server.Requests.OrderBy(r => r.Seq).First().Fault?.Kind);
        Assert.Single(rig.Server.Requests, r => r.StatusCode == 200);
    }

    [Fact]
    public async Task RetriesExhaustedFallBackTheWholeBatchWithoutBilling()
    {
        await using var rig = await LlmRig.StartAsync(o => o with { MaxRetries = 2 });
        var batch = LlmRig.Headlines(25);
        rig.Server.Rule = _ => LoopbackFault.Status(503);
        var results = await rig.ScoreAsync(batch);

        AssertAccounted(rig, batch, results, [], fallback: batch, billed: false);
        Assert.Equal(3, rig.Server.Requests.Count);
        Assert.All(results, r => Assert.Equal((0, 0), (r.TokensIn, r.TokensOut)));
        Assert.Equal(1, rig.Scorer.Stats.Unavailable);
        Assert.Equal(0, rig.Scorer.Stats.Reasked); // an outage is not re-asked item by item
    }

    [Fact]
    public async Task AServerThatIsGoneFallsBackAfterRetries()
    {
        var server = await OpenAiLoopbackServer.StartAsync();
        var options = LlmRig.Options(server, LlmRig.NewSecret());
        await server.DisposeAsync(); // nothing listens on that port any more: connection refused
        var scorer = new LlmScorer(options, new SkipAheadClock());
        var batch = LlmRig.Headlines(5);
        var results = await scorer.ScoreAsync(batch);
        Assert.Equal(batch.Select(b => b.Id), results.Select(r => r.Id));
        Assert.All(results, r => Assert.Equal((LlmScorer.FallbackName, 0, 0), (r.Scorer, r.TokensIn, r.TokensOut)));
        Assert.Equal(1 + options.MaxRetries, scorer.Stats.Attempts);
        Assert.Equal(1, scorer.Stats.Unavailable);
    }

    [Fact]
    public async Task ARetryAfterLongerThanTheMaximumWaitIsNotWaitedFor()
    {
        await using var rig = await LlmRig.StartAsync(o => o with { MaxRetryDelay = TimeSpan.FromSeconds(20) });
        var batch = LlmRig.Headlines(5);
        rig.Server.Enqueue(LoopbackFault.TooManyRequests(retryAfterSeconds: 3600));
        var results = await rig.ScoreAsync(batch);

        AssertAccounted(rig, batch, results, [], fallback: batch, billed: false);
        Assert.Single(rig.Server.Requests);
        Assert.Empty(rig.Scorer.Stats.RetryDelays);
    }

    [Fact]
    public async Task TheCircuitOpensAfterNFailuresSkipsTheServiceAndClosesAfterTheBreak()
    {
        await using var rig = await LlmRig.StartAsync(o => o with
        {
            MaxRetries = 0, CircuitMinimumThroughput = 3, CircuitFailureRatio = 1.0, CircuitBreakDuration = TimeSpan.FromMinutes(2),
        });
        rig.Server.Rule = _ => LoopbackFault.Status(500);
        for (var i = 0; i < 3; i++)
        {
            var b = LlmRig.Headlines(4, salt: i);
            AssertAccountedFallback(await rig.ScoreAsync(b), b);
        }
        Assert.Equal(3, rig.Server.Requests.Count);
        Assert.Equal(1, rig.Scorer.Stats.CircuitOpened);

        // Open: the batch falls back without a call.
        rig.Server.Rule = null;
        var during = LlmRig.Headlines(4, salt: 10);
        AssertAccountedFallback(await rig.ScoreAsync(during), during);
        Assert.Equal(3, rig.Server.Requests.Count);

        // After the break, a probe goes through, succeeds, and the circuit closes.
        rig.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var after = LlmRig.Headlines(4, salt: 11);
        var results = await rig.ScoreAsync(after);
        Assert.All(results, r => Assert.Equal(LlmScorer.ScorerName, r.Scorer));
        Assert.Equal(4, rig.Server.Requests.Count);
        Assert.Equal(1, rig.Scorer.Stats.CircuitClosed);

        static void AssertAccountedFallback(IReadOnlyList<SentimentResult> results, List<SentimentRequest> batch)
        {
            Assert.Equal(batch.Select(b => b.Id).Order(), results.Select(r => r.Id).Order());
            Assert.All(results, r => Assert.Equal(LlmScorer.FallbackName, r.Scorer));
        }
    }

    [Fact]
    public async Task WrongCredentialsFailWithTheUrlAndStatusAndNoSecret()
    {
        await using var rig = await LlmRig.StartAsync();
        var wrong = LlmRig.NewSecret();
        var scorer = new LlmScorer(LlmRig.Options(rig.Server, wrong), rig.Clock);
        var e = await Assert.ThrowsAsync<LlmScorerException>(() => scorer.ScoreAsync(LlmRig.Headlines(3)).AsTask());
        Assert.Contains("401", e.Message);
        Assert.Contains(rig.Server.BaseUrl + "chat/completions", e.Message);
        Assert.DoesNotContain(wrong, e.Message);
        Assert.DoesNotContain(rig.Key, e.Message);
        Assert.Single(rig.Server.Requests); // no retry on 401
        Assert.Equal(401, rig.Server.Requests[0].StatusCode);
    }

    [Fact]
    public async Task SettingsPickApiKeyHeaderForAzureAndBearerForOpenAiCompatible()
    {
        await using var rig = await LlmRig.StartAsync();
        var azure = Settings.From(n => n switch
        {
            "SENTIMENT_SCORER" => "llm", "AZURE_OPENAI_ENDPOINT" => rig.Server.Root.ToString(), "AZURE_OPENAI_DEPLOYMENT" => LlmRig.Deployment,
            "AZURE_OPENAI_API_KEY" => rig.Key, _ => null,
        });
        var compatible = azure with { AzureOpenAiEndpoint = null, OpenAiBaseUrl = rig.Server.BaseUrl.ToString().TrimEnd('/') };
        foreach (var (settings, scheme) in new[] { (azure, "api-key"), (compatible, "bearer") })
        {
            var scorer = Scorers.Create(settings);
            var results = await scorer.ScoreAsync(LlmRig.Headlines(2));
            Assert.All(results, r => Assert.Equal("llm", r.Scorer));
            var last = rig.Server.Requests[^1];
            Assert.Equal(scheme, last.AuthScheme);
            Assert.Equal("/openai/v1/chat/completions", last.Path);
        }
    }

    [Fact]
    public async Task EntraTokenIsSentAsBearerOverTls()
    {
        // BearerTokenPolicy refuses plain http, so the loopback serves HTTPS with a certificate made now and trusted by thumbprint only.
        var token = LlmRig.NewSecret();
        using var cert = OpenAiLoopbackServer.CreateLoopbackCertificate();
        await using var server = await OpenAiLoopbackServer.StartAsync(bearerToken: token, httpsCertificate: cert);
        Assert.Equal("https", server.Root.Scheme);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == cert.Thumbprint };
        using var http = new HttpClient(handler);
        var credential = new StaticTokenCredential(token);
        var options = LlmRig.Options(server, key: null) with { Credential = credential };
        var chat = LlmChatClientFactory.Create(options, new System.ClientModel.Primitives.HttpClientPipelineTransport(http));
        var scorer = new LlmScorer(options, chat: chat);
        var results = await scorer.ScoreAsync(LlmRig.Headlines(3));
        Assert.All(results, r => Assert.Equal("llm", r.Scorer));
        Assert.Equal("bearer", server.Requests.Single().AuthScheme);
        Assert.Equal([LlmScorerOptions.CognitiveServicesScope], credential.Scopes.Distinct());

        // A token the server does not accept is a clear error, not a silent fallback.
        var wrong = new LlmScorer(options with { Credential = new StaticTokenCredential(LlmRig.NewSecret()) },
            chat: LlmChatClientFactory.Create(options with { Credential = new StaticTokenCredential(LlmRig.NewSecret()) },
                new System.ClientModel.Primitives.HttpClientPipelineTransport(http)));
        var e = await Assert.ThrowsAsync<LlmScorerException>(() => wrong.ScoreAsync(LlmRig.Headlines(1)).AsTask());
        Assert.Contains("401", e.Message);
        Assert.Contains("Entra ID", e.Message);
    }

    private sealed class StaticTokenCredential(string token) : Azure.Core.TokenCredential
    {
        public List<string> Scopes { get; } = [];
        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext context, CancellationToken ct)
        {
            lock (Scopes) Scopes.AddRange(context.Scopes);
            return new Azure.Core.AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }
        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext context, CancellationToken ct) =>
            ValueTask.FromResult(GetToken(context, ct));
    }

    [Fact]
    public async Task RequestAndTokenQuotasMakeCallsWaitOnTheClock()
    {
        await using var rig = await LlmRig.StartAsync(o => o with { BatchSize = 5, RequestsPerMinute = 2 });
        var results = await rig.ScoreAsync(LlmRig.Headlines(20)); // 4 calls at 2/min: the 3rd and 4th wait
        Assert.All(results, r => Assert.Equal("llm", r.Scorer));
        Assert.Equal(4, rig.Server.Requests.Count);
        Assert.True(rig.Clock.Elapsed >= TimeSpan.FromSeconds(59), $"virtual time waited: {rig.Clock.Elapsed}");
        Assert.True(rig.Scorer.Resilience.Requests.Waited > TimeSpan.Zero);

        await using var tokens = await LlmRig.StartAsync(o => o with { BatchSize = 25, TokensPerMinute = 2_000 });
        await tokens.ScoreAsync(LlmRig.Headlines(75)); // ~1,500+ estimated tokens per call, 3 calls: must wait for refills
        Assert.Equal(3, tokens.Server.Requests.Count);
        Assert.True(tokens.Scorer.Resilience.Tokens.Waited > TimeSpan.FromSeconds(30), $"token wait: {tokens.Scorer.Resilience.Tokens.Waited}");
    }

    [Fact]
    public async Task DuplicateInputIdsGetOneResultAndOneSend()
    {
        await using var rig = await LlmRig.StartAsync();
        var batch = LlmRig.Headlines(6);
        var results = await rig.ScoreAsync([.. batch, batch[0], batch[3]]);
        Assert.Equal(batch.Select(b => b.Id), results.Select(r => r.Id));
        Assert.Equal(6, rig.Server.Requests.Single().Items.Count);
    }

    [Fact]
    public void LlmSettingsAreRequiredAndNamed()
    {
        var none = new Settings { SentimentScorer = "llm" };
        Assert.Contains("AZURE_OPENAI_ENDPOINT", Assert.Throws<ArgumentException>(() => Scorers.Create(none)).Message);
        var noDeployment = none with { AzureOpenAiEndpoint = "https://example-resource.openai.azure.com" };
        Assert.Contains("AZURE_OPENAI_DEPLOYMENT", Assert.Throws<ArgumentException>(() => Scorers.Create(noDeployment)).Message);
        var badPrompt = noDeployment with { AzureOpenAiDeployment = "d", LlmPromptVersion = "sentiment-v99" };
        Assert.Contains("sentiment-v99", Assert.Throws<ArgumentException>(() => Scorers.Create(badPrompt)).Message);

        var o = LlmScorerOptions.FromSettings(noDeployment with { AzureOpenAiDeployment = "gpt-4o-mini", LlmTimeoutSeconds = 12, LlmRequestsPerMinute = 60 });
        Assert.Equal("https://example-resource.openai.azure.com/openai/v1/", o.BaseUrl.ToString());
        Assert.Equal(LlmKeyHeader.ApiKey, o.KeyHeader);
        Assert.Equal(TimeSpan.FromSeconds(12), o.Timeout);
        Assert.Equal(60, o.RequestsPerMinute);
        Assert.Equal(25, o.BatchSize);
    }
}
