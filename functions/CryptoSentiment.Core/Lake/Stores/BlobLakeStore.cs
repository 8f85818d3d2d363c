using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using CryptoSentiment.Configuration;
using CryptoSentiment.Lake.Stores.Blob;

namespace CryptoSentiment.Lake.Stores;

/// <summary>
/// <see cref="ILakeStore"/> over a Blob container (ADLS Gen2 through the Blob API, or Azurite), optionally below a prefix,
/// on the Azure.Storage.Blobs SDK: one <see cref="BlobContainerClient"/> per store, built from <see cref="BlobLakeStoreOptions"/>
/// (service version pinned). What the SDK does not do is kept here:
/// <list type="bullet">
/// <item>Put-if-absent = Put Blob with <c>If-None-Match: *</c> (409 BlobAlreadyExists / 412 → false). When the create had to be
/// retried (the first answer was lost) and the blob now holds exactly our bytes, the create was ours → true.</item>
/// <item>Files larger than <see cref="BlobLakeStoreOptions.SingleUploadThreshold"/> go up as blocks (Put Block + Put Block List,
/// the SDK's parallel upload from the file), so a large parquet file never sits in memory whole.</item>
/// <item><see cref="MaterializeAsync"/> downloads into a cache folder that mirrors the blob path (Hive partition folders such as
/// <c>day=2026-11-21/</c> stay visible to DuckDB); a cached copy is revalidated with <c>If-None-Match: &lt;etag&gt;</c>
/// (304 = reuse) and replaced atomically when the blob changed.</item>
/// <item>Service failures raise <see cref="RequestFailedException"/> naming the operation, the blob (or container), the HTTP
/// status and the error code; the SDK's exception is the inner one.</item>
/// </list>
/// </summary>
public sealed class BlobLakeStore : ILakeStore
{
    private readonly string _prefix;
    private readonly string _cacheRoot;
    private readonly SemaphoreSlim[] _pathLocks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly object _containerGate = new();
    private Task? _containerReady;

    /// <summary>The store's container client (its pipeline: the options' retries, transport and policies).</summary>
    public BlobContainerClient Container { get; }

    public BlobLakeStoreOptions Options { get; }

    /// <summary>The container URL, e.g. <c>https://acct.blob.core.windows.net/lake</c> or <c>http://127.0.0.1:10000/devstoreaccount1/lake</c>.</summary>
    public Uri ContainerUri { get; }

    /// <summary>A store signing with the account key (the emulator).</summary>
    /// <param name="prefix">Folder inside the container that is the lake root ("" = the container itself).</param>
    public BlobLakeStore(Uri containerUri, StorageSharedKeyCredential key, BlobLakeStoreOptions? options = null, string prefix = "")
        : this(containerUri, options ?? new BlobLakeStoreOptions(), prefix, o => new BlobContainerClient(containerUri, key, o)) { }

    /// <summary>A store sending Entra bearer tokens (https only).</summary>
    /// <param name="prefix">Folder inside the container that is the lake root ("" = the container itself).</param>
    public BlobLakeStore(Uri containerUri, TokenCredential credential, BlobLakeStoreOptions? options = null, string prefix = "")
        : this(containerUri, options ?? new BlobLakeStoreOptions(), prefix, o => new BlobContainerClient(containerUri, credential, o)) { }

    private BlobLakeStore(Uri containerUri, BlobLakeStoreOptions options, string prefix, Func<BlobLakeStoreOptions, BlobContainerClient> connect)
    {
        ArgumentNullException.ThrowIfNull(containerUri);
        ContainerUri = containerUri;
        Options = options;
        _prefix = prefix.Trim('/');
        if (_prefix.Length > 0) LakePath.Validate(_prefix);
        Container = connect(options);
        // The SDK recognises path-style (emulator) URLs by an IPv4 host or an emulator port; it would misplace blobs under others.
        var container = containerUri.AbsoluteUri.TrimEnd('/');
        if (Container.GetBlobClient("probe").Uri.AbsoluteUri != container + "/probe")
            throw new ArgumentException($"Blob container URL '{container}' is path-style on a host the Azure SDK does not read as one: " +
                                        "use an IPv4 address (e.g. http://127.0.0.1:<port>/devstoreaccount1/<container>) for the emulator.");
        Root = container + (_prefix.Length > 0 ? "/" + _prefix : "");
        var cacheBase = options.CacheDirectory ?? Path.Combine(Path.GetTempPath(), "crypto-sentiment", "lake-cache");
        _cacheRoot = Path.Combine(Path.GetFullPath(cacheBase), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Root)))[..16]);
    }

    /// <summary>
    /// The store named by <c>LAKE_URI</c> with <c>LAKE_AUTH</c>: default <c>managedidentity</c> for https URLs; plain-http URLs
    /// (the emulator) need <c>sharedkey</c> with <c>LAKE_ACCOUNT_KEY</c> (bearer tokens are only sent over https).
    /// </summary>
    public static BlobLakeStore FromSettings(Settings settings, BlobLakeStoreOptions? options = null, TokenCredential? credential = null)
    {
        var address = BlobLakeAddress.Parse(settings.LakeUri);
        var auth = (settings.LakeAuth ?? (address.IsHttps ? "managedidentity" : "sharedkey")).Trim().ToLowerInvariant();
        if (auth == "sharedkey")
        {
            if (string.IsNullOrWhiteSpace(settings.LakeAccountKey))
                throw new ArgumentException($"LAKE_URI '{settings.LakeUri}' with LAKE_AUTH=sharedkey needs LAKE_ACCOUNT_KEY (the emulator's account key).");
            var key = settings.LakeAccountKey.Trim();
            if (!Convert.TryFromBase64String(key, new byte[key.Length], out _))
                throw new ArgumentException($"The account key for '{address.Account}' is not valid base64 (LAKE_ACCOUNT_KEY).");
            return new BlobLakeStore(address.ContainerUri, new StorageSharedKeyCredential(address.Account, key), options, address.Prefix);
        }
        if (auth is "managedidentity" or "azurecli" or "default")
        {
            if (!address.IsHttps)
                throw new ArgumentException($"LAKE_URI '{settings.LakeUri}': LAKE_AUTH={auth} sends bearer tokens, which need https; " +
                                            "for the emulator over http use LAKE_AUTH=sharedkey with LAKE_ACCOUNT_KEY.");
            return new BlobLakeStore(address.ContainerUri, credential ?? LakeCredentials.Create(auth), options, address.Prefix);
        }
        throw new ArgumentException($"LAKE_AUTH '{auth}' is not one of: managedidentity, sharedkey, azurecli, default.");
    }

    public string Root { get; }

    /// <summary>The download cache folder of this store (mirrors store paths).</summary>
    public string CacheRoot => _cacheRoot;

    private string BlobName(string path) => _prefix.Length == 0 ? LakePath.Validate(path) : _prefix + "/" + LakePath.Validate(path);

    private BlobClient Blob(string name) => Container.GetBlobClient(name);

    private static BlobHttpHeaders OctetStream() => new() { ContentType = "application/octet-stream" };

    public string? LocalPath(string path)
    {
        LakePath.Validate(path);
        return null;
    }

    public async Task<byte[]?> ReadAsync(string path, CancellationToken ct = default)
    {
        var name = BlobName(path);
        using var d = await DownloadAsync(name, new BlobDownloadOptions(), ct).ConfigureAwait(false);
        return d is null ? null : await ReadAllAsync(d, ct).ConfigureAwait(false);
    }

    /// <summary>Up to <paramref name="length"/> bytes from <paramref name="offset"/> (fewer at the end; empty past it), or null when absent.</summary>
    public async Task<byte[]?> ReadRangeAsync(string path, long offset, long length, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var name = BlobName(path);
        if (length == 0) return [];
        try
        {
            using var d = await DownloadAsync(name, new BlobDownloadOptions { Range = new HttpRange(offset, length) }, ct).ConfigureAwait(false);
            return d is null ? null : await ReadAllAsync(d, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 416) { return []; } // InvalidRange: the range starts at or past the end
    }

    /// <summary>
    /// Get Blob, streaming; null when the blob (or its container) does not exist. With an <c>If-None-Match</c> condition the
    /// SDK answers a still-matching ETag with a body-less 304 response (<see cref="Response{T}.HasValue"/> false): then
    /// <paramref name="notModified"/> is set and the result is null. Other failures name the blob.
    /// </summary>
    private async Task<BlobDownloadStreamingResult?> DownloadAsync(string name, BlobDownloadOptions options, CancellationToken ct,
        StrongBox<bool>? notModified = null)
    {
        Response<BlobDownloadStreamingResult> r;
        try { r = await Blob(name).DownloadStreamingAsync(options, ct).ConfigureAwait(false); }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
        catch (RequestFailedException e) when (e.Status == 416 && options.Range != default) { throw; } // InvalidRange: ReadRangeAsync answers empty
        catch (RequestFailedException e) { throw Failure(e, "Get Blob", name); }
        if (r.HasValue) return r.Value;
        var raw = r.GetRawResponse();
        if (raw.Status == 304 && notModified is not null)
        {
            raw.Dispose();
            notModified.Value = true;
            return null;
        }
        throw Failure(new RequestFailedException(raw), "Get Blob", name);
    }

    private static async Task<byte[]> ReadAllAsync(BlobDownloadStreamingResult d, CancellationToken ct)
    {
        var length = d.Details.ContentLength;
        using var ms = new MemoryStream(length is > 0 and < int.MaxValue ? (int)length : 0);
        await d.Content.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }

    public async Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var name = BlobName(path);
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        var attempts = new AttemptLog();
        try
        {
            var options = new BlobUploadOptions { HttpHeaders = OctetStream(), Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
            using (AttemptLog.Scope(attempts))
                await Container.GetBlockBlobClient(name).UploadAsync(BinaryData.FromBytes(content).ToStream(), options, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            if (!attempts.Retried) return false;
            // The first attempt may have created the blob and lost its answer: then the blob holds exactly our bytes.
            var existing = await ReadAsync(path, ct).ConfigureAwait(false);
            return existing is not null && existing.AsSpan().SequenceEqual(content.Span);
        }
        catch (RequestFailedException e) { throw Failure(e, "Put Blob", name); }
    }

    public async Task PutAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var name = BlobName(path);
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        try
        {
            await Container.GetBlockBlobClient(name).UploadAsync(BinaryData.FromBytes(content).ToStream(),
                new BlobUploadOptions { HttpHeaders = OctetStream() }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) { throw Failure(e, "Put Blob", name); }
    }

    /// <summary>One Put Blob up to <see cref="BlobLakeStoreOptions.SingleUploadThreshold"/>, else blocks uploaded in parallel from the file.</summary>
    public async Task PutFileAsync(string path, string localFile, CancellationToken ct = default)
    {
        var name = BlobName(path);
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        var options = new BlobUploadOptions
        {
            HttpHeaders = OctetStream(),
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = Options.SingleUploadThreshold,
                MaximumTransferSize = Options.BlockSize,
                MaximumConcurrency = Math.Max(1, Options.MaxConcurrency),
            },
        };
        try { await Blob(name).UploadAsync(localFile, options, ct).ConfigureAwait(false); }
        catch (RequestFailedException e) { throw Failure(e, "Upload", name); }
    }

    public async IAsyncEnumerable<LakeEntry> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        LakePath.ValidatePrefix(prefix);
        var full = _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;
        var entries = new List<LakeEntry>();
        try
        {
            var pages = Container.GetBlobsAsync(new GetBlobsOptions { Prefix = full.Length == 0 ? null : full }, ct).AsPages(null, Options.ListPageSize);
            await foreach (var page in pages.ConfigureAwait(false))
                foreach (var b in page.Values)
                {
                    if (!b.Name.StartsWith(full, StringComparison.Ordinal)) continue;
                    var rel = _prefix.Length == 0 ? b.Name : b.Name[(_prefix.Length + 1)..];
                    if (LakePath.IsValid(rel, out _))
                        entries.Add(new LakeEntry(rel, b.Properties.ContentLength ?? 0, b.Properties.LastModified ?? DateTimeOffset.MinValue));
                }
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == "ContainerNotFound") { } // nothing written yet
        catch (RequestFailedException e) { throw Failure(e, "List Blobs", full.Length == 0 ? null : full + "*"); }
        // The service sorts by UTF-8 bytes; the contract is ordinal (UTF-16) order.
        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        foreach (var e in entries) yield return e;
    }

    public async Task DeleteAsync(string path, CancellationToken ct = default)
    {
        var name = BlobName(path);
        try { await Blob(name).DeleteAsync(DeleteSnapshotsOption.None, null, ct).ConfigureAwait(false); }
        catch (RequestFailedException e) when (e.Status == 404) { }
        catch (RequestFailedException e) { throw Failure(e, "Delete Blob", name); }
    }

    public async Task<string> MaterializeAsync(string path, CancellationToken ct = default)
    {
        var name = BlobName(path);
        var local = Path.Combine([_cacheRoot, .. path.Split('/')]);
        var meta = local + ".cachemeta";
        var gate = _pathLocks[(StringComparer.Ordinal.GetHashCode(path) & int.MaxValue) % _pathLocks.Length];
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var cached = CachedETag(local, meta);
            var options = new BlobDownloadOptions { Conditions = cached is null ? null : new BlobRequestConditions { IfNoneMatch = new ETag(cached) } };
            var notModified = new StrongBox<bool>();
            using var d = await DownloadAsync(name, options, ct, notModified).ConfigureAwait(false);
            if (notModified.Value) return local; // the cached copy is current
            if (d is null)
            {
                TryDelete(meta);
                TryDelete(local);
                throw new FileNotFoundException($"Lake object '{path}' not found in {Root}.", path);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            var tmp = $"{local}.dl-{Guid.NewGuid():N}";
            try
            {
                await using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    await d.Content.CopyToAsync(fs, ct).ConfigureAwait(false);
                var size = new FileInfo(tmp).Length;
                var expected = d.Details.ContentLength;
                if (expected > 0 && size != expected)
                    throw new IOException($"Download of '{path}' from {Root} ended after {size} of {expected} bytes.");
                TryDelete(meta);
                File.Move(tmp, local, overwrite: true);
                if (d.Details.ETag.ToString() is { Length: > 0 } etag) await File.WriteAllTextAsync(meta, $"{etag}\n{size}\n", ct).ConfigureAwait(false);
            }
            finally { TryDelete(tmp); }
            return local;
        }
        finally { gate.Release(); }
    }

    /// <summary>The ETag of the cached copy when its size still matches what was downloaded, else null (download again).</summary>
    private static string? CachedETag(string local, string meta)
    {
        try
        {
            if (!File.Exists(local) || !File.Exists(meta)) return null;
            var lines = File.ReadAllLines(meta);
            return lines.Length >= 2 && long.TryParse(lines[1], out var size) && new FileInfo(local).Length == size ? lines[0] : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Creates the container once per store (on the first write) unless it exists.</summary>
    private Task EnsureContainerAsync(CancellationToken ct)
    {
        if (!Options.CreateContainerIfMissing) return Task.CompletedTask;
        lock (_containerGate)
        {
            if (_containerReady is null || _containerReady.IsFaulted || _containerReady.IsCanceled)
                _containerReady = CreateContainerAsync(ct);
            return _containerReady;
        }
    }

    private async Task CreateContainerAsync(CancellationToken ct)
    {
        try
        {
            try { await Container.CreateIfNotExistsAsync(PublicAccessType.None, null, null, ct).ConfigureAwait(false); }
            catch (RequestFailedException e) when (e.Status == 403)
            {
                // An identity allowed to write blobs but not to create containers: fine when the container is already there.
                if (!(await Container.ExistsAsync(ct).ConfigureAwait(false)).Value) throw;
            }
        }
        catch (RequestFailedException e) { throw Failure(e, "Create Container", null); }
    }

    /// <summary>The SDK's failure, restated with the operation, the blob (or the container) and the status; the original is inner.</summary>
    private RequestFailedException Failure(RequestFailedException e, string operation, string? blob)
    {
        var what = blob is null ? $"container {ContainerUri.AbsoluteUri.TrimEnd('/')}" : $"blob '{blob}' in {ContainerUri.AbsoluteUri.TrimEnd('/')}";
        var status = e.Status == 0 ? $"no answer ({e.Message})" : $"{e.Status} {e.GetRawResponse()?.ReasonPhrase}".TrimEnd();
        return new RequestFailedException(e.Status, $"{operation} on {what} failed: {status}{(string.IsNullOrEmpty(e.ErrorCode) ? "" : $" ({e.ErrorCode})")}",
            e.ErrorCode, e);
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
