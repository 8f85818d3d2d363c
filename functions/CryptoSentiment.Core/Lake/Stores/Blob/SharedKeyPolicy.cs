using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace CryptoSentiment.Lake.Stores.Blob;

/// <summary>A storage account name and its key (emulator use: the key is a setting, never logged or echoed).</summary>
public sealed class StorageSharedKey
{
    internal byte[] Key { get; }
    public string AccountName { get; }

    public StorageSharedKey(string accountName, string base64Key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(base64Key);
        AccountName = accountName;
        try { Key = Convert.FromBase64String(base64Key.Trim()); }
        catch (FormatException) { throw new ArgumentException($"The account key for '{accountName}' is not valid base64 (LAKE_ACCOUNT_KEY)."); }
    }
}

/// <summary>
/// Signs each request with SharedKey (Blob service, version 2015-02-21 or later): StringToSign = verb, the standard
/// headers (Content-Length empty when 0, Date empty because <c>x-ms-date</c> is sent), the canonicalized <c>x-ms-*</c>
/// headers and the canonicalized resource (<c>/account/encoded-path</c> plus sorted, decoded query parameters).
/// Runs per retry, after every other header has been set, so it signs exactly what is sent.
/// </summary>
public sealed class SharedKeyPolicy(StorageSharedKey key) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        var toSign = StringToSign(request, key.AccountName);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key.Key, Encoding.UTF8.GetBytes(toSign)));
        request.Headers.SetValue("Authorization", $"SharedKey {key.AccountName}:{signature}");
    }

    public static string StringToSign(Request request, string account)
    {
        string H(string name) => request.Headers.TryGetValue(name, out var v) ? v : "";
        var length = request.Content is { } c && c.TryComputeLength(out var n) && n > 0 ? n.ToString(CultureInfo.InvariantCulture) : "";
        var sb = new StringBuilder();
        sb.Append(request.Method.Method.ToUpperInvariant()).Append('\n')
          .Append(H("Content-Encoding")).Append('\n')
          .Append(H("Content-Language")).Append('\n')
          .Append(length).Append('\n')
          .Append(H("Content-MD5")).Append('\n')
          .Append(H("Content-Type")).Append('\n')
          .Append("").Append('\n') // Date: x-ms-date is used instead
          .Append(H("If-Modified-Since")).Append('\n')
          .Append(H("If-Match")).Append('\n')
          .Append(H("If-None-Match")).Append('\n')
          .Append(H("If-Unmodified-Since")).Append('\n')
          .Append(H("Range")).Append('\n');

        var msHeaders = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var h in request.Headers)
        {
            var name = h.Name.ToLowerInvariant();
            if (!name.StartsWith("x-ms-", StringComparison.Ordinal)) continue;
            if (!msHeaders.TryGetValue(name, out var values)) msHeaders[name] = values = [];
            values.Add(h.Value.Trim());
        }
        foreach (var (name, values) in msHeaders) sb.Append(name).Append(':').AppendJoin(',', values).Append('\n');

        var uri = request.Uri.ToUri();
        sb.Append('/').Append(account).Append(uri.AbsolutePath.Length > 0 ? uri.AbsolutePath : "/");
        var query = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (!query.TryGetValue(name, out var values)) query[name] = values = [];
            values.Add(value);
        }
        foreach (var (name, values) in query)
        {
            values.Sort(StringComparer.Ordinal);
            sb.Append('\n').Append(name).Append(':').AppendJoin(',', values);
        }
        return sb.ToString();
    }
}
