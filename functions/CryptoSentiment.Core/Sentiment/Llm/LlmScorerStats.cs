namespace CryptoSentiment.Sentiment.Llm;

/// <summary>Running counters of one <see cref="LlmScorer"/> (thread-safe): what the scorer did, for the bench, the demo summary and tests.</summary>
public sealed class LlmScorerStats
{
    private long _attempts, _answered, _retries, _retryAfterHonoured, _circuitOpened, _circuitClosed, _unavailable;
    private long _headlinesSent, _llmItems, _reasked, _fallback, _tokensIn, _tokensOut, _promptChars;
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _retryDelays = [];

    /// <summary>HTTP calls made (every attempt, including retried ones).</summary>
    public long Attempts => Interlocked.Read(ref _attempts);
    /// <summary>Calls that got a 200 answer (billed).</summary>
    public long Answered => Interlocked.Read(ref _answered);
    public long Retries => Interlocked.Read(ref _retries);
    /// <summary>Retries whose delay came from the server's Retry-After / retry-after-ms.</summary>
    public long RetryAfterHonoured => Interlocked.Read(ref _retryAfterHonoured);
    public long CircuitOpened => Interlocked.Read(ref _circuitOpened);
    public long CircuitClosed => Interlocked.Read(ref _circuitClosed);
    /// <summary>Logical calls given up on (retries exhausted or circuit open): their headlines fell back.</summary>
    public long Unavailable => Interlocked.Read(ref _unavailable);
    /// <summary>Headlines sent over all logical calls (a re-asked headline counts twice).</summary>
    public long HeadlinesSent => Interlocked.Read(ref _headlinesSent);
    /// <summary>Headlines answered by the LLM.</summary>
    public long LlmItems => Interlocked.Read(ref _llmItems);
    /// <summary>Headlines re-asked once after a bad or missing answer.</summary>
    public long Reasked => Interlocked.Read(ref _reasked);
    /// <summary>Headlines scored by the offline scorer and marked <c>fallback</c>.</summary>
    public long Fallback => Interlocked.Read(ref _fallback);
    /// <summary>Billed prompt tokens (from each answer's usage).</summary>
    public long TokensIn => Interlocked.Read(ref _tokensIn);
    /// <summary>Billed completion tokens.</summary>
    public long TokensOut => Interlocked.Read(ref _tokensOut);
    /// <summary>Characters of prompt text sent (system + user messages + response schema) over all answered calls.</summary>
    public long PromptChars => Interlocked.Read(ref _promptChars);

    /// <summary>Delays waited before each retry, in order.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get { lock (_gate) return [.. _retryDelays]; } }

    internal void OnAttempt() => Interlocked.Increment(ref _attempts);
    internal void OnRetry(TimeSpan delay, bool fromServer)
    {
        Interlocked.Increment(ref _retries);
        if (fromServer) Interlocked.Increment(ref _retryAfterHonoured);
        lock (_gate) _retryDelays.Add(delay);
    }
    internal void OnCircuitOpened() => Interlocked.Increment(ref _circuitOpened);
    internal void OnCircuitClosed() => Interlocked.Increment(ref _circuitClosed);
    internal void OnUnavailable() => Interlocked.Increment(ref _unavailable);
    internal void OnSent(int headlines) => Interlocked.Add(ref _headlinesSent, headlines);
    internal void OnAnswered(int tokensIn, int tokensOut, int promptChars)
    {
        Interlocked.Increment(ref _answered);
        Interlocked.Add(ref _tokensIn, tokensIn);
        Interlocked.Add(ref _tokensOut, tokensOut);
        Interlocked.Add(ref _promptChars, promptChars);
    }
    internal void OnLlmItems(int n) => Interlocked.Add(ref _llmItems, n);
    internal void OnReasked(int n) => Interlocked.Add(ref _reasked, n);
    internal void OnFallback(int n) => Interlocked.Add(ref _fallback, n);
}
