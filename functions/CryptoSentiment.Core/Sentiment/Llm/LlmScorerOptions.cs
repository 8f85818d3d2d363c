using CryptoSentiment.Configuration;

namespace CryptoSentiment.Sentiment.Llm;

/// <summary>How <see cref="LlmScorerOptions.ApiKey"/> is sent.</summary>
public enum LlmKeyHeader
{
    /// <summary><c>api-key: KEY</c> — Azure OpenAI's documented key header (default for <c>AZURE_OPENAI_ENDPOINT</c>).</summary>
    ApiKey,
    /// <summary><c>Authorization: Bearer KEY</c> — OpenAI and OpenAI-compatible servers (default for <c>OPENAI_BASE_URL</c>).</summary>
    Bearer,
}

/// <summary>
/// Everything the LLM scorer needs: where to call, how to authenticate, batch sizes, and the resilience limits.
/// Build it from the settings contract with <see cref="FromSettings"/>.
/// </summary>
public sealed record LlmScorerOptions
{
    /// <summary>Entra ID scope for Azure OpenAI / Foundry inference.</summary>
    public const string CognitiveServicesScope = "https://cognitiveservices.azure.com/.default";

    /// <summary>The OpenAI-protocol base URL the SDK calls (ends with <c>/</c>), e.g. <c>https://x.openai.azure.com/openai/v1/</c>.</summary>
    public required Uri BaseUrl { get; init; }
    /// <summary>Deployment name (Azure) or model name (OpenAI-compatible); sent as <c>model</c> and recorded in every result.</summary>
    public required string Deployment { get; init; }
    /// <summary>API key; null → Entra ID bearer token from <see cref="Credential"/> (or <c>DefaultAzureCredential</c>).</summary>
    public string? ApiKey { get; init; }
    /// <summary>Header used for <see cref="ApiKey"/>.</summary>
    public LlmKeyHeader KeyHeader { get; init; } = LlmKeyHeader.ApiKey;
    /// <summary>Token credential for keyless auth; null → <c>DefaultAzureCredential</c>.</summary>
    public Azure.Core.TokenCredential? Credential { get; init; }
    /// <summary>Scope requested for the bearer token.</summary>
    public string TokenScope { get; init; } = CognitiveServicesScope;

    /// <summary>Headlines per call (default 25).</summary>
    public int BatchSize { get; init; } = 25;
    /// <summary>Headlines per call when re-asking the items a first answer got wrong (smaller, default 5).</summary>
    public int ReaskBatchSize { get; init; } = 5;
    /// <summary>Longer headlines are cut to this many characters before sending (contract allows 1,000).</summary>
    public int MaxHeadlineChars { get; init; } = 300;
    /// <summary><c>max_tokens</c> budget per headline in the answer (plus <see cref="OutputTokensBase"/>).</summary>
    public int OutputTokensPerItem { get; init; } = 60;
    public int OutputTokensBase { get; init; } = 20;

    /// <summary>Prompt version: the embedded file <c>Sentiment/Prompts/&lt;PromptVersion&gt;.md</c>, recorded in every result.</summary>
    public string PromptVersion { get; init; } = "sentiment-v1";

    /// <summary>Per-attempt timeout (<c>LLM_TIMEOUT_SECONDS</c>).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Retries after the first attempt on 429, 5xx, timeouts and network errors (<c>LLM_MAX_RETRIES</c>).</summary>
    public int MaxRetries { get; init; } = 4;
    /// <summary>First exponential backoff delay (jittered, doubling).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait between attempts; a <c>Retry-After</c> longer than this is not waited for (the batch falls back).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Circuit breaker: opens when at least <see cref="CircuitMinimumThroughput"/> calls in <see cref="CircuitSamplingDuration"/>
    /// failed at a ratio ≥ <see cref="CircuitFailureRatio"/>; stays open for <see cref="CircuitBreakDuration"/>.</summary>
    public double CircuitFailureRatio { get; init; } = 0.5;
    public int CircuitMinimumThroughput { get; init; } = 5;
    public TimeSpan CircuitSamplingDuration { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan CircuitBreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deployment quota: requests per minute (0 = unlimited) (<c>LLM_REQUESTS_PER_MINUTE</c>).</summary>
    public int RequestsPerMinute { get; init; }
    /// <summary>Deployment quota: tokens per minute, prompt + completion estimate (0 = unlimited) (<c>LLM_TOKENS_PER_MINUTE</c>).</summary>
    public int TokensPerMinute { get; init; }

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public LlmScorerOptions Validate()
    {
        if (!BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https"))
            throw new ArgumentException($"LLM base URL '{BaseUrl}' must be an absolute http(s) URL.");
        if (string.IsNullOrWhiteSpace(Deployment)) throw new ArgumentException("AZURE_OPENAI_DEPLOYMENT (the deployment/model name) is empty.");
        if (BatchSize < 1) throw new ArgumentException($"SENTIMENT_BATCH_SIZE must be ≥ 1 (got {BatchSize}).");
        if (ReaskBatchSize < 1) throw new ArgumentException($"ReaskBatchSize must be ≥ 1 (got {ReaskBatchSize}).");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"LLM_TIMEOUT_SECONDS must be > 0 (got {Timeout.TotalSeconds}).");
        if (MaxRetries < 0) throw new ArgumentException($"LLM_MAX_RETRIES must be ≥ 0 (got {MaxRetries}).");
        if (CircuitFailureRatio is <= 0 or > 1) throw new ArgumentException($"CircuitFailureRatio must be in (0, 1] (got {CircuitFailureRatio}).");
        if (CircuitMinimumThroughput < 2) throw new ArgumentException($"LLM_CIRCUIT_FAILURES must be ≥ 2 (got {CircuitMinimumThroughput}).");
        if (RequestsPerMinute < 0 || TokensPerMinute < 0) throw new ArgumentException("LLM_REQUESTS_PER_MINUTE and LLM_TOKENS_PER_MINUTE must be ≥ 0.");
        return this;
    }

    /// <summary>
    /// Options from the settings contract. <c>OPENAI_BASE_URL</c> (any OpenAI-compatible server; key sent as Bearer) wins over
    /// <c>AZURE_OPENAI_ENDPOINT</c> (+ <c>/openai/v1/</c>; key sent as <c>api-key</c>). Throws naming the missing setting.
    /// </summary>
    public static LlmScorerOptions FromSettings(Settings s)
    {
        Uri baseUrl;
        LlmKeyHeader header;
        if (s.OpenAiBaseUrl is { } b)
        {
            baseUrl = ParseUrl(b, "OPENAI_BASE_URL");
            header = LlmKeyHeader.Bearer;
        }
        else if (s.AzureOpenAiEndpoint is { } e)
        {
            baseUrl = AzureV1BaseUrl(ParseUrl(e, "AZURE_OPENAI_ENDPOINT"));
            header = LlmKeyHeader.ApiKey;
        }
        else throw new ArgumentException("SENTIMENT_SCORER=llm needs AZURE_OPENAI_ENDPOINT (or OPENAI_BASE_URL for an OpenAI-compatible server); neither is set.");
        var deployment = s.AzureOpenAiDeployment
            ?? throw new ArgumentException("SENTIMENT_SCORER=llm needs AZURE_OPENAI_DEPLOYMENT (the deployment or model name); it is not set.");
        var o = new LlmScorerOptions
        {
            BaseUrl = baseUrl,
            Deployment = deployment,
            ApiKey = s.AzureOpenAiApiKey,
            KeyHeader = header,
            BatchSize = s.SentimentBatchSize,
        };
        if (s.LlmTimeoutSeconds is { } t) o = o with { Timeout = TimeSpan.FromSeconds(t) };
        if (s.LlmMaxRetries is { } r) o = o with { MaxRetries = r };
        if (s.LlmCircuitFailures is { } cf) o = o with { CircuitMinimumThroughput = cf };
        if (s.LlmCircuitBreakSeconds is { } cb) o = o with { CircuitBreakDuration = TimeSpan.FromSeconds(cb) };
        if (s.LlmRequestsPerMinute is { } rpm) o = o with { RequestsPerMinute = rpm };
        if (s.LlmTokensPerMinute is { } tpm) o = o with { TokensPerMinute = tpm };
        if (s.LlmPromptVersion is { } pv) o = o with { PromptVersion = pv };
        return o.Validate();
    }

    /// <summary><c>https://x.openai.azure.com</c> → <c>https://x.openai.azure.com/openai/v1/</c> (an endpoint already ending in /openai/v1 is kept).</summary>
    public static Uri AzureV1BaseUrl(Uri endpoint)
    {
        var path = endpoint.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase)) path += "/openai/v1";
        return new UriBuilder(endpoint) { Path = path + "/", Query = "" }.Uri;
    }

    private static Uri ParseUrl(string value, string name)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            throw new ArgumentException($"{name} '{value}' is not an absolute http(s) URL.");
        return u.AbsolutePath.EndsWith('/') ? u : new UriBuilder(u) { Path = u.AbsolutePath + "/" }.Uri;
    }
}
