using System.Net;

namespace CryptoSentiment.Producers;

/// <summary>A fetch that failed: the message names the URL and the HTTP status or the cause.</summary>
public sealed class FetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A fetched document: the bytes and the declared media type.</summary>
public sealed record FetchedDocument(string Url, byte[] Content, string? MediaType);

/// <summary>
/// The producers' one HTTP client: GET with a timeout and a size limit. Every failure becomes a
/// <see cref="FetchException"/> naming the URL and the status, so a poll can log it and move on.
/// </summary>
public sealed class ProducerHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly ProducerOptions _options;

    /// <param name="handler">A handler to send through (kept open on dispose); default: a pooled <see cref="SocketsHttpHandler"/> with decompression.</param>
    public ProducerHttp(ProducerOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new ProducerOptions();
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // per request below
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
    }

    public ProducerOptions Options => _options;

    public async Task<FetchedDocument> GetAsync(string url, string accept, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new FetchException($"GET {url}: not an absolute http(s) URL");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.ParseAdd(accept);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
                throw new FetchException($"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            var declared = response.Content.Headers.ContentLength;
            if (declared > _options.MaxResponseBytes)
                throw new FetchException($"GET {url}: response of {declared:N0} bytes is over the {_options.MaxResponseBytes:N0}-byte limit");
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var content = await ReadBoundedAsync(body, url, timeout.Token);
            return new FetchedDocument(url, content, response.Content.Headers.ContentType?.MediaType);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FetchException($"GET {url}: timed out after {_options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new FetchException($"GET {url}: {e.Message}", e);
        }
    }

    private async Task<byte[]> ReadBoundedAsync(Stream body, string url, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > _options.MaxResponseBytes)
                throw new FetchException($"GET {url}: response is over the {_options.MaxResponseBytes:N0}-byte limit");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Media-type helpers.</summary>
internal static class MediaTypes
{
    public static bool IsHtml(string? mediaType) => mediaType is not null && mediaType.Contains("html", StringComparison.OrdinalIgnoreCase);
}
