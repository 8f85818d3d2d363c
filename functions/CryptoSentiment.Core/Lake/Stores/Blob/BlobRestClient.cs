using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CryptoSentiment.Lake.Stores.Blob;

/// <summary>One blob of a listing.</summary>
public sealed record BlobItem(string Name, long Size, DateTimeOffset LastModified, string? ETag);

/// <summary>One page of List Blobs; <see cref="NextMarker"/> is null on the last page.</summary>
public sealed record BlobPage(IReadOnlyList<BlobItem> Blobs, string? NextMarker);

/// <summary>The answer of a (conditional) create.</summary>
public readonly record struct PutOutcome(bool Created, bool Retried, string? ETag);

/// <summary>
/// A Get Blob answer whose body is still on the wire (<see cref="Content"/>); dispose it. <see cref="NotModified"/> when
/// an <c>If-None-Match</c> ETag still matched (no body).
/// </summary>
public sealed class BlobDownload : IDisposable
{
    private readonly Response response;
    private readonly IDisposable? owner;

    internal BlobDownload(Response response, IDisposable? owner)
    {
        this.response = response;
        this.owner = owner;
    }

    public int Status => response.Status;
    public bool NotModified => response.Status == 304;
    public string? ETag => response.Headers.TryGetValue("ETag", out var v) ? v : null;
    public long ContentLength => response.Headers.ContentLength ?? 0;
    public Stream Content => response.ContentStream ?? Stream.Null;
    public void Dispose()
    {
        response.Dispose();
        owner?.Dispose();
    }
}

/// <summary>
/// A small client for one Blob container over the Blob REST API (works with ADLS Gen2 accounts and Azurite), built on
/// Azure.Core's <see cref="HttpPipeline"/> (retries, client request ids, logging with the Authorization header redacted).
/// Auth: SharedKey (signed per retry) or bearer tokens from any <see cref="TokenCredential"/>
/// (scope <c>https://storage.azure.com/.default</c>). Blob names are validated lake paths; each segment is percent-escaped.
/// Failures raise <see cref="RequestFailedException"/> naming the blob, the status and the <c>x-ms-error-code</c>.
/// </summary>
public sealed class BlobRestClient
{
    public const string StorageScope = "https://storage.azure.com/.default";

    private readonly HttpPipeline _pipeline;
    private readonly string _container;

    public BlobRestClientOptions Options { get; }

    /// <summary>The container URL, e.g. <c>https://acct.blob.core.windows.net/lake</c> or <c>http://127.0.0.1:10000/devstoreaccount1/lake</c>.</summary>
    public Uri ContainerUri { get; }

    public BlobRestClient(Uri containerUri, StorageSharedKey key, BlobRestClientOptions? options = null)
        : this(containerUri, options, new SharedKeyPolicy(key)) { }

    public BlobRestClient(Uri containerUri, TokenCredential credential, BlobRestClientOptions? options = null)
        : this(containerUri, options, new BearerTokenAuthenticationPolicy(credential, StorageScope)) { }

    private BlobRestClient(Uri containerUri, BlobRestClientOptions? options, HttpPipelinePolicy auth)
    {
        ArgumentNullException.ThrowIfNull(containerUri);
        ContainerUri = containerUri;
        _container = containerUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        Options = options ?? new BlobRestClientOptions();
        _pipeline = HttpPipelineBuilder.Build(Options, [new VersionPolicy(Options.ServiceVersion)], [auth], new ResponseClassifier());
    }

    /// <summary>Creates the container; false when it already exists.</summary>
    public async Task<bool> CreateContainerAsync(CancellationToken ct = default)
    {
        using var msg = Create(RequestMethod.Put, null, "restype=container");
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        if (r.Status == 201) return true;
        if (r.Status == 409) return false;
        throw Failure(r, "Create Container", null);
    }

    /// <summary>True when the container exists.</summary>
    public async Task<bool> ContainerExistsAsync(CancellationToken ct = default)
    {
        using var msg = Create(RequestMethod.Get, null, "restype=container");
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        if (r.Status == 200) return true;
        if (r.Status == 404) return false;
        throw Failure(r, "Get Container Properties", null);
    }

    /// <summary>
    /// Put Blob (block blob) of <paramref name="content"/>. With <paramref name="ifNoneMatchAll"/> the blob is created only
    /// when absent (<c>If-None-Match: *</c>): 409 BlobAlreadyExists / 412 → not created.
    /// </summary>
    public async Task<PutOutcome> PutBlobAsync(string name, RequestContent content, bool ifNoneMatchAll, CancellationToken ct = default)
    {
        using var msg = Create(RequestMethod.Put, name, null);
        msg.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        msg.Request.Headers.SetValue("Content-Type", "application/octet-stream");
        if (ifNoneMatchAll) msg.Request.Headers.SetValue("If-None-Match", "*");
        msg.Request.Content = content;
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        var retried = msg.ProcessingContext.RetryNumber > 0;
        if (r.Status == 201) return new PutOutcome(true, retried, ETagOf(r));
        if (ifNoneMatchAll && r.Status is 409 or 412) return new PutOutcome(false, retried, null);
        throw Failure(r, "Put Blob", name);
    }

    /// <summary>Put Block: stages one block (<paramref name="blockId"/> is already base64; all ids of a blob have one length).</summary>
    public async Task PutBlockAsync(string name, string blockId, RequestContent content, CancellationToken ct = default)
    {
        using var msg = Create(RequestMethod.Put, name, "comp=block&blockid=" + Uri.EscapeDataString(blockId));
        msg.Request.Headers.SetValue("Content-Type", "application/octet-stream");
        msg.Request.Content = content;
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        if (r.Status != 201) throw Failure(r, "Put Block", name);
    }

    /// <summary>Put Block List: commits the staged blocks, in order, as the blob's content.</summary>
    public async Task<PutOutcome> PutBlockListAsync(string name, IReadOnlyList<string> blockIds, bool ifNoneMatchAll, CancellationToken ct = default)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds) xml.Append("<Latest>").Append(id).Append("</Latest>");
        xml.Append("</BlockList>");
        using var msg = Create(RequestMethod.Put, name, "comp=blocklist");
        msg.Request.Headers.SetValue("Content-Type", "application/xml");
        msg.Request.Headers.SetValue("x-ms-blob-content-type", "application/octet-stream");
        if (ifNoneMatchAll) msg.Request.Headers.SetValue("If-None-Match", "*");
        msg.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml.ToString()));
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        var retried = msg.ProcessingContext.RetryNumber > 0;
        if (r.Status == 201) return new PutOutcome(true, retried, ETagOf(r));
        if (ifNoneMatchAll && r.Status is 409 or 412) return new PutOutcome(false, retried, null);
        throw Failure(r, "Put Block List", name);
    }

    /// <summary>
    /// Get Blob, streaming: the whole blob, or <paramref name="length"/> bytes from <paramref name="offset"/> (Range header;
    /// a range past the end gives an empty body). Null when the blob (or container) does not exist.
    /// With <paramref name="ifNoneMatch"/> a matching ETag answers <see cref="BlobDownload.NotModified"/>.
    /// </summary>
    public async Task<BlobDownload?> GetBlobAsync(string name, long? offset = null, long? length = null, string? ifNoneMatch = null,
        CancellationToken ct = default)
    {
        var msg = Create(RequestMethod.Get, name, null);
        try
        {
            msg.BufferResponse = false;
            if (offset is not null || length is not null)
            {
                var start = offset ?? 0;
                if (start < 0 || length is < 0) throw new ArgumentOutOfRangeException(nameof(offset), "Range must be non-negative.");
                if (length == 0) { msg.Dispose(); return new BlobDownload(new EmptyResponse(206), null); }
                msg.Request.Headers.SetValue("x-ms-range", length is { } l
                    ? $"bytes={start.ToString(CultureInfo.InvariantCulture)}-{(start + l - 1).ToString(CultureInfo.InvariantCulture)}"
                    : $"bytes={start.ToString(CultureInfo.InvariantCulture)}-");
            }
            if (ifNoneMatch is not null) msg.Request.Headers.SetValue("If-None-Match", ifNoneMatch);
            var r = await SendAsync(msg, ct).ConfigureAwait(false);
            switch (r.Status)
            {
                case 200 or 206 or 304:
                    return new BlobDownload(r, msg);
                case 404:
                    msg.Dispose();
                    return null;
                case 416: // InvalidRange: the range starts at or past the end
                    msg.Dispose();
                    return new BlobDownload(new EmptyResponse(206), null);
                default:
                    throw Failure(r, "Get Blob", name);
            }
        }
        catch
        {
            msg.Dispose();
            throw;
        }
    }

    /// <summary>List Blobs (flat): one page of blobs whose names start with <paramref name="prefix"/>, after <paramref name="marker"/>.</summary>
    public async Task<BlobPage> ListBlobsAsync(string prefix, string? marker, int? maxResults = null, CancellationToken ct = default)
    {
        var q = new StringBuilder("restype=container&comp=list");
        if (prefix.Length > 0) q.Append("&prefix=").Append(Uri.EscapeDataString(prefix));
        if (!string.IsNullOrEmpty(marker)) q.Append("&marker=").Append(Uri.EscapeDataString(marker));
        q.Append("&maxresults=").Append((maxResults ?? Options.ListPageSize).ToString(CultureInfo.InvariantCulture));
        using var msg = Create(RequestMethod.Get, null, q.ToString());
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        if (r.Status == 404 && ErrorCode(r) == "ContainerNotFound") return new BlobPage([], null);
        if (r.Status != 200) throw Failure(r, "List Blobs", prefix.Length == 0 ? null : prefix + "*");
        return ParseList(r.Content.ToStream());
    }

    /// <summary>Delete Blob; false when it did not exist.</summary>
    public async Task<bool> DeleteBlobAsync(string name, CancellationToken ct = default)
    {
        using var msg = Create(RequestMethod.Delete, name, null);
        var r = await SendAsync(msg, ct).ConfigureAwait(false);
        if (r.Status == 202) return true;
        if (r.Status == 404) return false;
        throw Failure(r, "Delete Blob", name);
    }

    /// <summary>The URL of a blob: container URL + '/' + the name with each '/'-separated segment percent-escaped.</summary>
    public Uri BlobUri(string name) => new(_container + "/" + EscapeName(name));

    /// <summary>Validates a blob name as a lake path (no dot segments: <see cref="Uri"/> would collapse them) and escapes each segment.</summary>
    public static string EscapeName(string name) =>
        string.Join('/', LakePath.Validate(name).Split('/').Select(Uri.EscapeDataString));

    private HttpMessage Create(RequestMethod method, string? blobName, string? query)
    {
        var msg = _pipeline.CreateMessage();
        msg.Request.Method = method;
        var url = (blobName is null ? _container : BlobUri(blobName).AbsoluteUri) + (query is null ? "" : "?" + query);
        msg.Request.Uri.Reset(new Uri(url));
        return msg;
    }

    private async Task<Response> SendAsync(HttpMessage msg, CancellationToken ct)
    {
        await _pipeline.SendAsync(msg, ct).ConfigureAwait(false);
        return msg.Response;
    }

    private static string? ETagOf(Response r) => r.Headers.TryGetValue("ETag", out var v) ? v : null;

    private static string? ErrorCode(Response r)
    {
        if (r.Headers.TryGetValue("x-ms-error-code", out var code)) return code;
        try
        {
            if (r.Content is { } body && body.ToMemory().Length > 0)
                return XDocument.Parse(body.ToString()).Root?.Element("Code")?.Value;
        }
        catch (Exception e) when (e is XmlException or InvalidOperationException) { }
        return null;
    }

    private RequestFailedException Failure(Response r, string operation, string? blob)
    {
        var code = ErrorCode(r);
        var what = blob is null ? $"container {_container}" : $"blob '{blob}' in {_container}";
        return new RequestFailedException(r.Status,
            $"{operation} on {what} failed: {r.Status} {r.ReasonPhrase}{(code is null ? "" : $" ({code})")}", code, null);
    }

    internal static BlobPage ParseList(Stream xml)
    {
        var doc = XDocument.Load(xml);
        var root = doc.Root ?? throw new InvalidDataException("List Blobs answered an empty document.");
        var blobs = new List<BlobItem>();
        foreach (var b in root.Element("Blobs")?.Elements("Blob") ?? [])
        {
            var nameEl = b.Element("Name")!;
            var name = (string?)nameEl.Attribute("Encoded") == "true" ? Uri.UnescapeDataString(nameEl.Value) : nameEl.Value;
            var props = b.Element("Properties");
            var size = long.Parse(props?.Element("Content-Length")?.Value ?? "0", CultureInfo.InvariantCulture);
            var modified = props?.Element("Last-Modified")?.Value is { } lm
                ? DateTimeOffset.Parse(lm, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                : DateTimeOffset.MinValue;
            blobs.Add(new BlobItem(name, size, modified, props?.Element("Etag")?.Value));
        }
        var next = root.Element("NextMarker")?.Value;
        return new BlobPage(blobs, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Sends <c>x-ms-version</c> on every request.</summary>
    private sealed class VersionPolicy(string version) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue("x-ms-version", version);
    }

    /// <summary>A body-less response (empty ranges).</summary>
    private sealed class EmptyResponse(int status) : Response
    {
        public override int Status => status;
        public override string ReasonPhrase => "";
        public override Stream? ContentStream { get => Stream.Null; set { } }
        public override string ClientRequestId { get => ""; set { } }
        public override void Dispose() { }
        protected override bool ContainsHeader(string name) => false;
        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];
        protected override bool TryGetHeader(string name, out string value) { value = ""; return false; }
        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values) { values = []; return false; }
    }
}
