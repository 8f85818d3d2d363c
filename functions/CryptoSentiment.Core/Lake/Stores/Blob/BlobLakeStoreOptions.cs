using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;

namespace CryptoSentiment.Lake.Stores.Blob;

/// <summary>
/// Options of <see cref="BlobLakeStore"/> and of the one <see cref="BlobContainerClient"/> it builds from them. Retries,
/// timeouts, the transport and extra pipeline policies are Azure.Core's (<see cref="ClientOptions.Retry"/>,
/// <see cref="ClientOptions.Transport"/>, <see cref="ClientOptions.AddPolicy"/>); the service version is pinned.
/// </summary>
public sealed class BlobLakeStoreOptions : BlobClientOptions
{
    /// <summary>
    /// The <c>x-ms-version</c> every request carries: pinned rather than the SDK's newest, because Azurite 3.37 (the
    /// emulator the tests and the bench run) accepts versions up to 2026-06-06 and refuses newer ones.
    /// </summary>
    public const ServiceVersion PinnedServiceVersion = ServiceVersion.V2026_06_06;

    /// <summary>Files up to this size are uploaded with one Put Blob; larger ones with Put Block + Put Block List.</summary>
    public long SingleUploadThreshold { get; set; } = 8 * 1024 * 1024;

    /// <summary>Block size for block uploads (memory used per upload ≈ this × <see cref="MaxConcurrency"/>).</summary>
    public int BlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Parallel block uploads per file.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>List Blobs <c>maxresults</c> per page (the service caps it at 5,000).</summary>
    public int ListPageSize { get; set; } = 5000;

    /// <summary>
    /// Folder of the download cache used by <see cref="BlobLakeStore.MaterializeAsync"/> (it mirrors blob paths below a
    /// folder per store root). Default: <c>$TMPDIR/crypto-sentiment/lake-cache</c>.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Create the container on first write when it does not exist.</summary>
    public bool CreateContainerIfMissing { get; set; } = true;

    public BlobLakeStoreOptions() : base(PinnedServiceVersion)
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromMilliseconds(200);
        Retry.MaxDelay = TimeSpan.FromSeconds(10);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        Diagnostics.ApplicationId = "crypto-sentiment";
        Diagnostics.IsLoggingContentEnabled = false;
        // The lake makes many small requests per batch (commits, probes for the next version, cache revalidation): the SDK's
        // per-request logging and tracing scopes cost more there than they tell. Failures still carry status and error code.
        Diagnostics.IsLoggingEnabled = false;
        Diagnostics.IsDistributedTracingEnabled = false;
        // First of the per-try policies, so it sees every attempt, even one a later policy fails before it is sent.
        AddPolicy(AttemptLogPolicy.Instance, HttpPipelinePosition.PerRetry);
    }
}

/// <summary>
/// Whether an SDK call had to retry: <see cref="BlobLakeStore"/> puts one in the message properties of a call (an
/// <see cref="HttpPipeline.CreateHttpMessagePropertiesScope"/>) and <see cref="AttemptLogPolicy"/> marks it on every retry.
/// </summary>
internal sealed class AttemptLog
{
    public const string Key = "CryptoSentiment.Lake.BlobLakeStore.AttemptLog";
    private int _retried;

    public bool Retried => Volatile.Read(ref _retried) != 0;

    public void MarkRetried() => Volatile.Write(ref _retried, 1);

    /// <summary>Every request sent inside the returned scope (until it is disposed) reports its retries to <paramref name="log"/>.</summary>
    public static IDisposable Scope(AttemptLog log) =>
        HttpPipeline.CreateHttpMessagePropertiesScope(new Dictionary<string, object?> { [Key] = log });
}

/// <summary>Per try: marks the call's <see cref="AttemptLog"/> (if any) when this try is a retry.</summary>
internal sealed class AttemptLogPolicy : HttpPipelineSynchronousPolicy
{
    public static readonly AttemptLogPolicy Instance = new();

    public override void OnSendingRequest(HttpMessage message)
    {
        if (message.ProcessingContext.RetryNumber > 0 && message.TryGetProperty(AttemptLog.Key, out var value) && value is AttemptLog log)
            log.MarkRetried();
    }
}
