using System.Net;

namespace CryptoSentiment.Lake.Stores.Blob;

/// <summary>
/// A <c>LAKE_URI</c> that names a Blob container: <c>https://&lt;acct&gt;.blob.core.windows.net/&lt;container&gt;[/prefix]</c>
/// (an ADLS Gen2 <c>.dfs.</c> host is mapped to its <c>.blob.</c> endpoint), or path-style for the emulator and IP hosts:
/// <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1/&lt;container&gt;[/prefix]</c>.
/// </summary>
public sealed record BlobLakeAddress(Uri ContainerUri, string Account, string Container, string Prefix)
{
    public bool IsHttps => ContainerUri.Scheme == Uri.UriSchemeHttps;

    /// <summary>True when <paramref name="lakeUri"/> is an http(s) URL (a Blob lake) rather than a local folder.</summary>
    public static bool IsBlobUri(string lakeUri) =>
        lakeUri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || lakeUri.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public static BlobLakeAddress Parse(string lakeUri)
    {
        if (!Uri.TryCreate(lakeUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"LAKE_URI '{lakeUri}' is not an http(s) Blob container URL.");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new ArgumentException($"LAKE_URI '{lakeUri}': no query or fragment allowed (SAS tokens are not supported; use LAKE_AUTH).");
        // System.Uri collapses "." and ".." (even escaped): refuse them instead of silently naming another folder.
        var rawPath = lakeUri[(lakeUri.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/').Skip(1);
        if (rawPath.Any(seg => Uri.UnescapeDataString(seg) is "." or ".."))
            throw new ArgumentException($"LAKE_URI '{lakeUri}': '.' and '..' segments are not allowed.");
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        var pathStyle = uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || uri.IsLoopback && !uri.Host.Contains('.');
        string account;
        var host = uri.Host;
        if (pathStyle)
        {
            if (segments.Count < 2)
                throw new ArgumentException($"LAKE_URI '{lakeUri}': expected http(s)://{uri.Authority}/<account>/<container>[/prefix] (e.g. devstoreaccount1/lake).");
            account = segments[0];
            segments.RemoveAt(0);
        }
        else
        {
            account = host.Split('.')[0];
            if (host.Contains(".dfs.", StringComparison.OrdinalIgnoreCase))
                host = host.Replace(".dfs.", ".blob.", StringComparison.OrdinalIgnoreCase); // ADLS Gen2: same account, Blob endpoint
            if (segments.Count < 1)
                throw new ArgumentException($"LAKE_URI '{lakeUri}': expected https://<account>.blob.core.windows.net/<container>[/prefix].");
        }
        var container = segments[0];
        if (!IsValidContainerName(container))
            throw new ArgumentException($"LAKE_URI '{lakeUri}': '{container}' is not a valid container name (3-63 lowercase letters, digits and single hyphens).");
        var prefix = string.Join('/', segments.Skip(1));
        if (prefix.Length > 0) LakePath.Validate(prefix);
        var builder = new UriBuilder(uri.Scheme, host, uri.Port, (pathStyle ? "/" + account : "") + "/" + container);
        return new BlobLakeAddress(builder.Uri, account, container, prefix);
    }

    private static bool IsValidContainerName(string name) =>
        name.Length is >= 3 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
}
