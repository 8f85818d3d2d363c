using Azure.Core;

namespace CryptoSentiment.Lake.Stores.Blob;

/// <summary>
/// Options of <see cref="BlobRestClient"/> and <see cref="BlobLakeStore"/>. Retries, timeouts and the transport come
/// from Azure.Core's <see cref="ClientOptions"/> (<see cref="ClientOptions.Retry"/>, <see cref="ClientOptions.Transport"/>).
/// </summary>
public sealed class BlobRestClientOptions : ClientOptions
{
    /// <summary>The <c>x-ms-version</c> sent with every request (Azurite 3.37 accepts up to 2026-06-06).</summary>
    public string ServiceVersion { get; set; } = "2025-01-05";

    /// <summary>Files up to this size are uploaded with one Put Blob; larger ones with Put Block + Put Block List.</summary>
    public long SingleUploadThreshold { get; set; } = 8 * 1024 * 1024;

    /// <summary>Block size for block uploads (memory used per upload ≈ this × <see cref="MaxConcurrency"/>).</summary>
    public int BlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Parallel block uploads per file, and parallel downloads in <see cref="LakeStoreExtensions.MaterializeAllAsync"/>.</summary>
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

    public BlobRestClientOptions()
    {
        Retry.Mode = Azure.Core.RetryMode.Exponential;
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromMilliseconds(200);
        Retry.MaxDelay = TimeSpan.FromSeconds(10);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        Diagnostics.ApplicationId = "crypto-sentiment";
        Diagnostics.IsLoggingContentEnabled = false;
    }
}
