using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CryptoSentiment.Events;

namespace CryptoSentiment.Producers;

/// <summary>A feed that cannot be read: the message says why (not XML, not RSS/Atom, ...).</summary>
public sealed class FeedFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One feed entry, text already stripped of markup.</summary>
public sealed record FeedItem(string? Id, string Title, string? Link, DateTimeOffset? Published, string? Summary);

/// <summary>A parsed feed: its title (the news source) and entries in document order.</summary>
public sealed record Feed(string? Title, IReadOnlyList<FeedItem> Items);

/// <summary>
/// Reads RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 documents. DTDs are refused (no entity expansion, no
/// external fetches). Entries without a title are dropped; relative links are resolved against the feed URL.
/// </summary>
public static class FeedParser
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Rss1 = "http://purl.org/rss/1.0/";
    private static readonly XNamespace Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";

    public static Feed Parse(byte[] content, Uri? baseUri = null)
    {
        XDocument doc;
        try
        {
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersFromEntities = 0,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
            };
            using var reader = XmlReader.Create(new MemoryStream(content), settings);
            doc = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new FeedFormatException($"not well-formed XML ({e.Message})", e);
        }
        var root = doc.Root ?? throw new FeedFormatException("empty XML document");
        return root.Name.LocalName switch
        {
            "rss" => ParseRss(root.Element("channel") ?? throw new FeedFormatException("<rss> without <channel>"), root.Name.Namespace, baseUri),
            "RDF" => ParseRss(root.Element(Rss1 + "channel"), Rss1, baseUri, root),
            "feed" when root.Name.Namespace == Atom || root.Name.Namespace == XNamespace.None => ParseAtom(root, root.Name.Namespace, baseUri),
            var other => throw new FeedFormatException($"not an RSS or Atom feed (root element <{other}>)"),
        };
    }

    private static Feed ParseRss(XElement? channel, XNamespace ns, Uri? baseUri, XElement? rdfRoot = null)
    {
        var items = new List<FeedItem>();
        var itemElements = rdfRoot is not null ? rdfRoot.Elements(ns + "item") : channel!.Elements(ns + "item");
        foreach (var item in itemElements)
        {
            var title = Text(item.Element(ns + "title"));
            if (title is null) continue;
            var guid = item.Element(ns + "guid");
            var guidText = Plain(guid);
            var link = Plain(item.Element(ns + "link")) ?? (rdfRoot is null ? null : (string?)item.Attribute(Rdf + "about"));
            if (link is null && guidText is not null && (string?)guid!.Attribute("isPermaLink") != "false") link = guidText;
            var date = Plain(item.Element(ns + "pubDate")) ?? Plain(item.Element(Dc + "date"));
            var summary = Text(item.Element(ns + "description")) ?? Text(item.Element(Content + "encoded"));
            items.Add(new FeedItem(guidText, title, Resolve(link, baseUri), ParseDate(date), summary));
        }
        return new Feed(Text(channel?.Element(ns + "title")), items);
    }

    private static Feed ParseAtom(XElement feed, XNamespace ns, Uri? baseUri)
    {
        var items = new List<FeedItem>();
        foreach (var entry in feed.Elements(ns + "entry"))
        {
            var title = Text(entry.Element(ns + "title"));
            if (title is null) continue;
            var links = entry.Elements(ns + "link").ToList();
            var link = links.FirstOrDefault(l => ((string?)l.Attribute("rel") ?? "alternate") == "alternate") ?? links.FirstOrDefault();
            var date = Plain(entry.Element(ns + "published")) ?? Plain(entry.Element(ns + "updated"));
            var summary = Text(entry.Element(ns + "summary")) ?? Text(entry.Element(ns + "content"));
            items.Add(new FeedItem(Plain(entry.Element(ns + "id")), title, Resolve((string?)link?.Attribute("href"), baseUri), ParseDate(date), summary));
        }
        return new Feed(Text(feed.Element(ns + "title")), items);
    }

    private static string? Plain(XElement? e) => e is null ? null : NullIfEmpty(e.Value.Trim());

    /// <summary>Element text with HTML markup removed and entities decoded, whitespace collapsed.</summary>
    private static string? Text(XElement? e) => e is null ? null : NullIfEmpty(StripHtml(e.Value));

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>Removes tags, decodes HTML entities, collapses whitespace.</summary>
    public static string StripHtml(string html)
    {
        var sb = new StringBuilder(html.Length);
        bool inTag = false;
        foreach (var c in html)
        {
            if (c == '<') { inTag = true; sb.Append(' '); }
            else if (c == '>' && inTag) inTag = false;
            else if (!inTag) sb.Append(c);
        }
        var decoded = WebUtility.HtmlDecode(sb.ToString());
        sb.Clear();
        bool space = false;
        foreach (var c in decoded)
        {
            if (char.IsWhiteSpace(c)) { space = sb.Length > 0; continue; }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static string? Resolve(string? link, Uri? baseUri)
    {
        if (string.IsNullOrWhiteSpace(link)) return null;
        link = link.Trim();
        if (Uri.TryCreate(link, UriKind.Absolute, out var abs) && (abs.Scheme == Uri.UriSchemeHttp || abs.Scheme == Uri.UriSchemeHttps)) return link;
        if (baseUri is not null && Uri.TryCreate(baseUri, link, out var rel)) return rel.AbsoluteUri;
        return link;
    }

    /// <summary>ISO-8601 (Atom, dc:date) or RFC 822/1123 (RSS pubDate, with named or numeric zones); null when neither.</summary>
    public static DateTimeOffset? ParseDate(string? s)
    {
        if (s is null) return null;
        if (Timestamps.TryParseUtc(s, out var iso)) return iso;
        return Rfc822.TryParse(s, out var rfc) ? rfc : null;
    }
}

/// <summary>RFC 822 / RFC 1123 dates as found in RSS: <c>[Day,] DD Mon YYYY HH:MM[:SS] ZONE</c>.</summary>
public static class Rfc822
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private static readonly Dictionary<string, int> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UT"] = 0, ["UTC"] = 0, ["GMT"] = 0, ["Z"] = 0,
        ["EST"] = -5 * 60, ["EDT"] = -4 * 60, ["CST"] = -6 * 60, ["CDT"] = -5 * 60,
        ["MST"] = -7 * 60, ["MDT"] = -6 * 60, ["PST"] = -8 * 60, ["PDT"] = -7 * 60,
    };

    public static bool TryParse(string s, out DateTimeOffset utc)
    {
        utc = default;
        var parts = s.Replace(',', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = 0;
        if (parts.Length > 0 && parts[0].Length >= 3 && char.IsLetter(parts[0][0])) i++; // day name
        if (parts.Length - i < 4) return false;
        if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out int day)) return false;
        var mon = parts[i + 1].Length >= 3 ? Array.IndexOf(Months, parts[i + 1][..3].ToLowerInvariant()) : -1;
        if (mon < 0) return false;
        if (!int.TryParse(parts[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out int year)) return false;
        if (parts[i + 2].Length == 2) year += year < 50 ? 2000 : 1900;
        var hms = parts[i + 3].Split(':');
        if (hms.Length is < 2 or > 3) return false;
        int second = 0;
        if (!int.TryParse(hms[0], NumberStyles.None, CultureInfo.InvariantCulture, out int hour)
            || !int.TryParse(hms[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minute)
            || (hms.Length == 3 && !int.TryParse(hms[2], NumberStyles.None, CultureInfo.InvariantCulture, out second))) return false;
        int offset = 0;
        if (parts.Length - i > 4)
        {
            var zone = parts[i + 4];
            if (Zones.TryGetValue(zone, out var z)) offset = z;
            else if (zone.Length == 5 && zone[0] is '+' or '-' && int.TryParse(zone.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int hhmm))
                offset = (zone[0] == '-' ? -1 : 1) * (hhmm / 100 * 60 + hhmm % 100);
            else return false;
        }
        if (year is < 1 or > 9999 || day < 1 || day > DateTime.DaysInMonth(year, mon + 1) || hour > 23 || minute > 59 || second > 60) return false;
        try
        {
            utc = new DateTimeOffset(year, mon + 1, day, hour, minute, Math.Min(second, 59), TimeSpan.FromMinutes(offset)).ToUniversalTime();
            return true;
        }
        catch (ArgumentException) { return false; }
    }
}
