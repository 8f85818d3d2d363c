using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using CryptoSentiment.Configuration;
using CryptoSentiment.Lake.Stores.Blob;

namespace CryptoSentiment.Lake.Stores;

/// <summary>
/// <see cref="ILakeStore"/> over a Blob container (ADLS Gen2 through the Blob API, or Azurite), optionally below a prefix.
/// <list type="bullet">
/// <item>Put-if-absent = Put Blob with <c>If-None-Match: *</c> (409 BlobAlreadyExists / 412 → false). When the create had to be
/// retried (the first answer was lost) and the blob now holds exactly our bytes, the create was ours → true.</item>
/// <item>Files larger than <see cref="BlobRestClientOptions.SingleUploadThreshold"/> go up as blocks (Put Block + Put Block List),
/// read from disk block by block, so a large parquet file never sits in memory.</item>
/// <item><see cref="MaterializeAsync"/> downloads into a cache folder that mirrors the blob path (Hive partition folders such as
/// <c>day=2026-11-21/</c> stay visible to DuckDB); a cached copy is revalidated with <c>If-None-Match: &lt;etag&gt;</c>
/// (304 = reuse) and replaced atomically when the blob changed.</item>
/// </list>
/// </summary>
public sealed class BlobLakeStore : ILakeStore
{
    private readonly string _prefix;
    private readonly string _cacheRoot;
    private readonly SemaphoreSlim[] _pathLocks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly object _containerGate = new();
    private Task? _containerReady;

    public BlobRestClient Client { get; }

    /// <param name="client">The container client.</param>
    /// <param name="prefix">Folder inside the container that is the lake root ("" = the container itself).</param>
    public BlobLakeStore(BlobRestClient client, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(client);
        Client = client;
        _prefix = prefix.Trim('/');
        if (_prefix.Length > 0) LakePath.Validate(_prefix);
        Root = client.ContainerUri.AbsoluteUri.TrimEnd('/') + (_prefix.Length > 0 ? "/" + _prefix : "");
        var cacheBase = client.Options.CacheDirectory ?? Path.Combine(Path.GetTempPath(), "crypto-sentiment", "lake-cache");
        _cacheRoot = Path.Combine(Path.GetFullPath(cacheBase), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Root)))[..16]);
    }

    /// <summary>
    /// The store named by <c>LAKE_URI</c> with <c>LAKE_AUTH</c>: default <c>managedidentity</c> for https URLs; plain-http URLs
    /// (the emulator) need <c>sharedkey</c> with <c>LAKE_ACCOUNT_KEY</c> (bearer tokens are only sent over https).
    /// </summary>
    public static BlobLakeStore FromSettings(Settings settings, BlobRestClientOptions? options = null, TokenCredential? credential = null)
    {
        var address = BlobLakeAddress.Parse(settings.LakeUri);
        var auth = (settings.LakeAuth ?? (address.IsHttps ? "managedidentity" : "sharedkey")).Trim().ToLowerInvariant();
        BlobRestClient client;
        if (auth == "sharedkey")
        {
            if (string.IsNullOrWhiteSpace(settings.LakeAccountKey))
                throw new ArgumentException($"LAKE_URI '{settings.LakeUri}' with LAKE_AUTH=sharedkey needs LAKE_ACCOUNT_KEY (the emulator's account key).");
            client = new BlobRestClient(address.ContainerUri, new StorageSharedKey(address.Account, settings.LakeAccountKey), options);
        }
        else if (auth is "managedidentity" or "azurecli" or "default")
        {
            if (!address.IsHttps)
                throw new ArgumentException($"LAKE_URI '{settings.LakeUri}': LAKE_AUTH={auth} sends bearer tokens, which need https; " +
                                            "for the emulator over http use LAKE_AUTH=sharedkey with LAKE_ACCOUNT_KEY.");
            client = new BlobRestClient(address.ContainerUri, credential ?? LakeCredentials.Create(auth), options);
        }
        else throw new ArgumentException($"LAKE_AUTH '{auth}' is not one of: managedidentity, sharedkey, azurecli, default.");
        return new BlobLakeStore(client, address.Prefix);
    }

    public string Root { get; }

    /// <summary>The download cache folder of this store (mirrors store paths).</summary>
    public string CacheRoot => _cacheRoot;

    private string BlobName(string path) => _prefix.Length == 0 ? LakePath.Validate(path) : _prefix + "/" + LakePath.Validate(path);

    public string? LocalPath(string path)
    {
        LakePath.Validate(path);
        return null;
    }

    public async Task<byte[]?> ReadAsync(string path, CancellationToken ct = default)
    {
        using var d = await Client.GetBlobAsync(BlobName(path), ct: ct).ConfigureAwait(false);
        return d is null ? null : await ReadAllAsync(d, ct).ConfigureAwait(false);
    }

    /// <summary>Up to <paramref name="length"/> bytes from <paramref name="offset"/> (fewer at the end; empty past it), or null when absent.</summary>
    public async Task<byte[]?> ReadRangeAsync(string path, long offset, long length, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using var d = await Client.GetBlobAsync(BlobName(path), offset, length, ct: ct).ConfigureAwait(false);
        return d is null ? null : await ReadAllAsync(d, ct).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadAllAsync(BlobDownload d, CancellationToken ct)
    {
        using var ms = new MemoryStream(d.ContentLength is > 0 and < int.MaxValue ? (int)d.ContentLength : 0);
        await d.Content.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }

    public async Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var name = BlobName(path);
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        var outcome = await Client.PutBlobAsync(name, RequestContent.Create(content), ifNoneMatchAll: true, ct).ConfigureAwait(false);
        if (outcome.Created) return true;
        if (!outcome.Retried) return false;
        // The first attempt may have created the blob and lost its answer: then the blob holds exactly our bytes.
        var existing = await ReadAsync(path, ct).ConfigureAwait(false);
        return existing is not null && existing.AsSpan().SequenceEqual(content.Span);
    }

    public async Task PutAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var name = BlobName(path);
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        await Client.PutBlobAsync(name, RequestContent.Create(content), ifNoneMatchAll: false, ct).ConfigureAwait(false);
    }

    public async Task PutFileAsync(string path, string localFile, CancellationToken ct = default)
    {
        var name = BlobName(path);
        await EnsureContainerAsync(ct).ConfigureAwait(false);
        var length = new FileInfo(localFile).Length;
        if (length <= Client.Options.SingleUploadThreshold)
        {
            await using var fs = new FileStream(localFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await Client.PutBlobAsync(name, RequestContent.Create(fs), ifNoneMatchAll: false, ct).ConfigureAwait(false);
            return;
        }
        await PutBlocksAsync(name, localFile, length, ct).ConfigureAwait(false);
    }

    /// <summary>Uploads a large file as blocks (parallel, each read from disk into a pooled buffer), then commits the list.</summary>
    private async Task PutBlocksAsync(string name, string localFile, long length, CancellationToken ct)
    {
        var blockSize = Client.Options.BlockSize;
        var count = checked((int)((length + blockSize - 1) / blockSize));
        if (count > 50_000) throw new IOException($"'{localFile}' needs {count} blocks of {blockSize} bytes; a blob holds at most 50,000 (raise BlockSize).");
        var upload = Guid.NewGuid().ToString("N");
        var ids = Enumerable.Range(0, count).Select(i => Convert.ToBase64String(Encoding.ASCII.GetBytes($"{upload}-{i:D6}"))).ToArray();
        using var handle = File.OpenHandle(localFile, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Client.Options.MaxConcurrency), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (i, token) =>
        {
            var offset = (long)i * blockSize;
            var size = (int)Math.Min(blockSize, length - offset);
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                var read = 0;
                while (read < size)
                {
                    var n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read, size - read), offset + read, token).ConfigureAwait(false);
                    if (n == 0) throw new IOException($"'{localFile}' shrank while it was uploaded to '{name}'.");
                    read += n;
                }
                await Client.PutBlockAsync(name, ids[i], RequestContent.Create(new ReadOnlyMemory<byte>(buffer, 0, size)), token).ConfigureAwait(false);
            }
            finally { ArrayPool<byte>.Shared.Return(buffer); }
        }).ConfigureAwait(false);
        await Client.PutBlockListAsync(name, ids, ifNoneMatchAll: false, ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<LakeEntry> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        LakePath.ValidatePrefix(prefix);
        var full = _prefix.Length == 0 ? prefix : _prefix + "/" + prefix;
        var entries = new List<LakeEntry>();
        string? marker = null;
        do
        {
            var page = await Client.ListBlobsAsync(full, marker, ct: ct).ConfigureAwait(false);
            foreach (var b in page.Blobs)
            {
                if (!b.Name.StartsWith(full, StringComparison.Ordinal)) continue;
                var rel = _prefix.Length == 0 ? b.Name : b.Name[(_prefix.Length + 1)..];
                if (LakePath.IsValid(rel, out _)) entries.Add(new LakeEntry(rel, b.Size, b.LastModified));
            }
            marker = page.NextMarker;
        } while (marker is not null);
        // The service sorts by UTF-8 bytes; the contract is ordinal (UTF-16) order.
        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        foreach (var e in entries) yield return e;
    }

    public async Task DeleteAsync(string path, CancellationToken ct = default) =>
        await Client.DeleteBlobAsync(BlobName(path), ct).ConfigureAwait(false);

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
            using var d = await Client.GetBlobAsync(name, ifNoneMatch: cached, ct: ct).ConfigureAwait(false);
            if (d is null)
            {
                TryDelete(meta);
                TryDelete(local);
                throw new FileNotFoundException($"Lake object '{path}' not found in {Root}.", path);
            }
            if (d.NotModified) return local;
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            var tmp = $"{local}.dl-{Guid.NewGuid():N}";
            try
            {
                await using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    await d.Content.CopyToAsync(fs, ct).ConfigureAwait(false);
                var size = new FileInfo(tmp).Length;
                if (d.ContentLength > 0 && size != d.ContentLength)
                    throw new IOException($"Download of '{path}' from {Root} ended after {size} of {d.ContentLength} bytes.");
                TryDelete(meta);
                File.Move(tmp, local, overwrite: true);
                if (d.ETag is { } etag) await File.WriteAllTextAsync(meta, $"{etag}\n{size}\n", ct).ConfigureAwait(false);
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
        if (!Client.Options.CreateContainerIfMissing) return Task.CompletedTask;
        lock (_containerGate)
        {
            if (_containerReady is null || _containerReady.IsFaulted || _containerReady.IsCanceled)
                _containerReady = CreateContainerAsync(ct);
            return _containerReady;
        }
    }

    private async Task CreateContainerAsync(CancellationToken ct)
    {
        try { await Client.CreateContainerAsync(ct).ConfigureAwait(false); }
        catch (Azure.RequestFailedException e) when (e.Status == 403)
        {
            // An identity allowed to write blobs but not to create containers: fine when the container is already there.
            if (!await Client.ContainerExistsAsync(ct).ConfigureAwait(false)) throw;
        }
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
