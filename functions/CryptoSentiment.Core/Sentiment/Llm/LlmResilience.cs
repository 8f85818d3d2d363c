using System.ClientModel;
using System.Globalization;
using System.Net.Http;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace CryptoSentiment.Sentiment.Llm;

/// <summary>
/// The resilience around one chat call (Polly v8), the only retry layer (the SDK's own retries are switched off):
/// retry (honours <c>retry-after-ms</c> / <c>Retry-After</c> on 429 and 503; exponential backoff with jitter on 5xx,
/// timeouts and network errors) → circuit breaker → quota limiter (requests/min, tokens/min) → per-attempt timeout.
/// Retry delays, the breaker's clock and the limiter run on the injected <see cref="TimeProvider"/>; the per-attempt
/// timeout always runs on real time (it bounds a real network call).
/// </summary>
public sealed class LlmResilience
{
    private readonly ResiliencePipeline _outer;
    private readonly ResiliencePipeline _timeout;
    private readonly LlmScorerOptions _options;
    private readonly LlmScorerStats _stats;

    public LlmResilience(LlmScorerOptions options, LlmScorerStats stats, TimeProvider? time = null)
    {
        _options = options;
        _stats = stats;
        time ??= TimeProvider.System;
        Requests = new TokenBucket(options.RequestsPerMinute, time);
        Tokens = new TokenBucket(options.TokensPerMinute, time);

        var b = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetries > 0)
            b.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = a => ValueTask.FromResult(IsRetryable(a.Outcome.Exception, a.Context.CancellationToken)),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = a => ValueTask.FromResult(RetryAfter(a.Outcome.Exception)),
                OnRetry = a => { stats.OnRetry(a.RetryDelay, RetryAfter(a.Outcome.Exception) is not null); return default; },
            });
        b.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = a => ValueTask.FromResult(IsServiceFailure(a.Outcome.Exception, a.Context.CancellationToken)),
            FailureRatio = options.CircuitFailureRatio,
            MinimumThroughput = options.CircuitMinimumThroughput,
            SamplingDuration = options.CircuitSamplingDuration,
            BreakDuration = options.CircuitBreakDuration,
            OnOpened = _ => { stats.OnCircuitOpened(); return default; },
            OnClosed = _ => { stats.OnCircuitClosed(); return default; },
        });
        _outer = b.Build();
        _timeout = new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System }.AddTimeout(options.Timeout).Build();
    }

    /// <summary>Requests-per-minute bucket.</summary>
    public TokenBucket Requests { get; }
    /// <summary>Tokens-per-minute bucket.</summary>
    public TokenBucket Tokens { get; }

    /// <summary>
    /// Runs <paramref name="call"/> with retries, breaker, quota and timeout. <paramref name="estimatedTokens"/> is taken from the
    /// tokens bucket before each attempt; <paramref name="actualTokens"/> (after a success) corrects it.
    /// </summary>
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> call, int estimatedTokens, Func<T, int> actualTokens, CancellationToken ct) =>
        _outer.ExecuteAsync(async token =>
        {
            await Requests.AcquireAsync(1, token).ConfigureAwait(false);
            var taken = await Tokens.AcquireAsync(estimatedTokens, token).ConfigureAwait(false);
            _stats.OnAttempt();
            var result = await _timeout.ExecuteAsync(call, token).ConfigureAwait(false);
            if (!Tokens.Unlimited) Tokens.Adjust(actualTokens(result) - taken);
            return result;
        }, ct);

    /// <summary>HTTP status of a failed call, or 0 when there was no response.</summary>
    public static int Status(Exception? e) => e is ClientResultException c ? c.Status : 0;

    /// <summary>Failures of the service (not of our request): 408, 429, 5xx, timeouts, network errors. They count for the breaker.</summary>
    public static bool IsServiceFailure(Exception? e, CancellationToken callerToken) => e switch
    {
        null => false,
        ClientResultException c => c.Status is 0 or 408 or 429 or >= 500 || c.InnerException is HttpRequestException or IOException,
        TimeoutRejectedException => true,
        HttpRequestException or IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested, // the SDK's network timeout
        _ => false,
    };

    /// <summary>Service failures worth another attempt: all but a 429/503 whose Retry-After is longer than we are willing to wait.</summary>
    public bool IsRetryable(Exception? e, CancellationToken callerToken) =>
        IsServiceFailure(e, callerToken) && !(RetryAfter(e) is { } d && d > _options.MaxRetryDelay);

    /// <summary>The server's requested delay: <c>retry-after-ms</c> (Azure), else <c>Retry-After</c> in seconds or as an HTTP date.</summary>
    public static TimeSpan? RetryAfter(Exception? e)
    {
        if (e is not ClientResultException c || c.GetRawResponse() is not { } response) return null;
        var h = response.Headers;
        foreach (var name in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
            if (h.TryGetValue(name, out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0)
                return TimeSpan.FromMilliseconds(v);
        if (h.TryGetValue("Retry-After", out var ra) && ra is not null)
        {
            if (double.TryParse(ra, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0) return TimeSpan.FromSeconds(s);
            if (DateTimeOffset.TryParse(ra, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var d = at - DateTimeOffset.UtcNow;
                return d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
        }
        return null;
    }
}
