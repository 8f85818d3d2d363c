using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace CryptoSentiment.Events;

/// <summary>
/// Parses and validates event bodies against the events contract (ARCHITECTURE §3). Never throws on bad
/// input: every rejection is a reason code from <see cref="ReasonCodes"/>. Checks run in a fixed order:
/// size, UTF-8 and JSON syntax, root kind, then fields (required fields first, in contract order; then the
/// types of optional fields). A JSON <c>null</c> counts as an absent field.
/// Thread-safe; one instance can serve all threads.
/// </summary>
public sealed class EventParser(CoinCatalog? coins = null)
{
    /// <summary>Largest accepted body: 1 MiB.</summary>
    public const int MaxBodyBytes = 1_048_576;
    /// <summary>Longest accepted title, in UTF-16 characters after trimming.</summary>
    public const int MaxTitleLength = 1000;
    /// <summary>How far ahead of the ingest time a timestamp may be.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(10);

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    /// <summary>The catalog used to resolve symbols and find coins.</summary>
    public CoinCatalog Coins { get; } = coins ?? CoinCatalog.Default;

    private struct Text { public byte State; public string? Value; }          // State: 0 absent, 1 ok, 2 wrong type
    private struct Time { public byte State; public bool Ok; public DateTimeOffset Value; }
    private struct Number { public byte State; public bool Ok; public double Value; }

    /// <summary>Parses a news event body.</summary>
    public NewsParseResult ParseNews(ReadOnlySpan<byte> body, DateTimeOffset ingestTime)
    {
        Text id = default, title = default, url = default, source = default, summary = default;
        Time published = default;
        byte coinsState = 0;
        List<string>? coinValues = null;
        var pre = Open(ref body);
        if (pre is not null) return NewsParseResult.Fail(pre);
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            var root = ReadRoot(ref reader);
            if (root is not null) return NewsParseResult.Fail(root);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("title"u8)) ReadText(ref reader, ref title);
                else if (reader.ValueTextEquals("published_at"u8)) ReadTime(ref reader, ref published);
                else if (reader.ValueTextEquals("id"u8)) ReadText(ref reader, ref id);
                else if (reader.ValueTextEquals("url"u8)) ReadText(ref reader, ref url);
                else if (reader.ValueTextEquals("source"u8)) ReadText(ref reader, ref source);
                else if (reader.ValueTextEquals("summary"u8)) ReadText(ref reader, ref summary);
                else if (reader.ValueTextEquals("coins"u8)) coinsState = ReadStringArray(ref reader, ref coinValues);
                else { reader.Read(); reader.Skip(); }
            }
            while (reader.Read()) { } // trailing content throws
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return NewsParseResult.Fail(ReasonCodes.InvalidJson);
        }

        if (title.State == 2) return NewsParseResult.Fail(ReasonCodes.BadType("title"));
        var t = title.Value?.Trim();
        if (string.IsNullOrEmpty(t)) return NewsParseResult.Fail(ReasonCodes.MissingField("title"));
        if (t.Length > MaxTitleLength) return NewsParseResult.Fail(ReasonCodes.TextTooLong);
        var timeError = Check(published, "published_at", ingestTime);
        if (timeError is not null) return NewsParseResult.Fail(timeError);
        if (id.State == 2) return NewsParseResult.Fail(ReasonCodes.BadType("id"));
        if (url.State == 2) return NewsParseResult.Fail(ReasonCodes.BadType("url"));
        if (source.State == 2) return NewsParseResult.Fail(ReasonCodes.BadType("source"));
        if (summary.State == 2) return NewsParseResult.Fail(ReasonCodes.BadType("summary"));
        if (coinsState == 2) return NewsParseResult.Fail(ReasonCodes.BadType("coins"));

        var u = NullIfEmpty(url.Value);
        var canonical = u is null ? null : CanonicalizeUrl(u);
        var src = NullIfEmpty(source.Value) ?? "unknown";
        var sum = NullIfEmpty(summary.Value);
        var articleId = NullIfEmpty(id.Value) ?? DeriveArticleId(canonical, src, t);

        List<string>? found = null;
        if (coinValues is not null)
            foreach (var c in coinValues)
                if (Coins.TryResolveSymbol(c, out var ticker) && (found is null || !found.Contains(ticker)))
                    (found ??= new List<string>(coinValues.Count)).Add(ticker);
        if (found is null)
        {
            Coins.FindCoins(t, ref found);
            if (sum is not null) Coins.FindCoins(sum, ref found);
        }
        return NewsParseResult.Ok(new NewsArticle(articleId, t, u, canonical, src, published.Value, found is null ? [] : found, sum));
    }

    /// <summary>Parses a price event body.</summary>
    public PriceParseResult ParsePrice(ReadOnlySpan<byte> body, DateTimeOffset ingestTime)
    {
        Text symbol = default, source = default;
        Number price = default, volume = default;
        Time ts = default;
        var pre = Open(ref body);
        if (pre is not null) return PriceParseResult.Fail(pre);
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            var root = ReadRoot(ref reader);
            if (root is not null) return PriceParseResult.Fail(root);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("symbol"u8)) ReadText(ref reader, ref symbol);
                else if (reader.ValueTextEquals("price_usd"u8)) ReadNumber(ref reader, ref price);
                else if (reader.ValueTextEquals("ts"u8)) ReadTime(ref reader, ref ts);
                else if (reader.ValueTextEquals("volume_usd"u8)) ReadNumber(ref reader, ref volume);
                else if (reader.ValueTextEquals("source"u8)) ReadText(ref reader, ref source);
                else { reader.Read(); reader.Skip(); }
            }
            while (reader.Read()) { }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return PriceParseResult.Fail(ReasonCodes.InvalidJson);
        }

        if (symbol.State == 2) return PriceParseResult.Fail(ReasonCodes.BadType("symbol"));
        if (string.IsNullOrWhiteSpace(symbol.Value)) return PriceParseResult.Fail(ReasonCodes.MissingField("symbol"));
        if (price.State == 0) return PriceParseResult.Fail(ReasonCodes.MissingField("price_usd"));
        if (price.State == 2) return PriceParseResult.Fail(ReasonCodes.BadType("price_usd"));
        if (!price.Ok || !(price.Value > 0) || !double.IsFinite(price.Value)) return PriceParseResult.Fail(ReasonCodes.BadPrice);
        var timeError = Check(ts, "ts", ingestTime);
        if (timeError is not null) return PriceParseResult.Fail(timeError);
        if (volume.State == 2) return PriceParseResult.Fail(ReasonCodes.BadType("volume_usd"));
        if (volume.State == 1 && (!volume.Ok || !(volume.Value >= 0) || !double.IsFinite(volume.Value))) return PriceParseResult.Fail(ReasonCodes.BadPrice);
        if (source.State == 2) return PriceParseResult.Fail(ReasonCodes.BadType("source"));
        if (!Coins.TryResolveSymbol(symbol.Value, out var coin)) return PriceParseResult.Fail(ReasonCodes.UnknownSymbol);
        return PriceParseResult.Ok(new PriceTick(coin, ts.Value, price.Value, volume.State == 1 ? volume.Value : null, NullIfEmpty(source.Value) ?? "unknown"));
    }

    /// <summary>
    /// Lower-case, punctuation and symbols removed, dashes and whitespace collapsed to single spaces, trimmed:
    /// <c>"Bitcoin’s  Rally — Over?"</c> → <c>"bitcoins rally over"</c>. Used for dedupe keys and cache keys.
    /// </summary>
    public static string NormaliseTitle(string title)
    {
        char[]? rented = title.Length > 512 ? System.Buffers.ArrayPool<char>.Shared.Rent(title.Length) : null;
        Span<char> buffer = rented ?? stackalloc char[512];
        var s = new string(buffer[..NormaliseTitle(title, buffer)]);
        if (rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        return s;
    }

    /// <summary><see cref="NormaliseTitle(string)"/> into <paramref name="destination"/> (at least title.Length long); returns the length.</summary>
    private static int NormaliseTitle(ReadOnlySpan<char> title, Span<char> destination)
    {
        int n = 0;
        bool space = false;
        foreach (var c in title)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (space && n > 0) destination[n++] = ' ';
                space = false;
                destination[n++] = char.ToLowerInvariant(c);
            }
            else if (char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.DashPunctuation) space = true;
        }
        return n;
    }

    /// <summary>
    /// Canonical form of an absolute URL, or null when <paramref name="url"/> is not one (<c>scheme://host…</c>):
    /// scheme and host lower-cased, leading <c>www.</c> and default ports dropped, fragment dropped, tracking
    /// parameters (<c>utm_*</c>, <c>fbclid</c>, <c>gclid</c>, <c>ref</c>) and empty parameters dropped, the rest
    /// sorted (ordinal), trailing slash of the path dropped. Path and parameter case and escapes are kept.
    /// </summary>
    public static string? CanonicalizeUrl(string url)
    {
        var s = url.AsSpan().Trim();
        int sep = s.IndexOf("://");
        if (sep <= 0) return null;
        var scheme = s[..sep];
        foreach (var c in scheme) if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return null;
        var rest = s[(sep + 3)..];
        int hash = rest.IndexOf('#');
        if (hash >= 0) rest = rest[..hash];
        int q = rest.IndexOf('?');
        var query = q >= 0 ? rest[(q + 1)..] : default;
        if (q >= 0) rest = rest[..q];
        int slash = rest.IndexOf('/');
        var host = slash >= 0 ? rest[..slash] : rest;
        var path = slash >= 0 ? rest[slash..] : default;
        int at = host.LastIndexOf('@');
        if (at >= 0) host = host[(at + 1)..];
        if (host.IsEmpty) return null;
        var lowerScheme = scheme.ToString().ToLowerInvariant();
        var h = host.ToString().ToLowerInvariant();
        if (h.StartsWith("www.", StringComparison.Ordinal)) h = h[4..];
        if ((lowerScheme == "http" && h.EndsWith(":80", StringComparison.Ordinal)) || (lowerScheme == "https" && h.EndsWith(":443", StringComparison.Ordinal)))
            h = h[..h.LastIndexOf(':')];
        while (path.Length > 0 && path[^1] == '/') path = path[..^1];
        var sb = new StringBuilder(url.Length).Append(lowerScheme).Append("://").Append(h).Append(path);
        if (!query.IsEmpty)
        {
            var kept = new List<string>();
            foreach (var range in query.Split('&'))
            {
                var p = query[range];
                if (p.IsEmpty) continue;
                int eq = p.IndexOf('=');
                var key = eq >= 0 ? p[..eq] : p;
                if (key.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) || key.Equals("fbclid", StringComparison.OrdinalIgnoreCase)
                    || key.Equals("gclid", StringComparison.OrdinalIgnoreCase) || key.Equals("ref", StringComparison.OrdinalIgnoreCase)) continue;
                kept.Add(p.ToString());
            }
            kept.Sort(StringComparer.Ordinal);
            if (kept.Count > 0) sb.Append('?').AppendJoin('&', kept);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The id of an article without an <c>id</c>: <c>u:</c> + the first 32 hex digits (lower-case) of
    /// SHA-256(UTF-8 canonical URL) when there is one, else <c>t:</c> + the first 32 hex digits of
    /// SHA-256(UTF-8 of lower-cased trimmed source + "\n" + <see cref="NormaliseTitle"/>(title)).
    /// </summary>
    public static string DeriveArticleId(string? canonicalUrl, string source, string title) =>
        canonicalUrl is not null ? "u:" + Hash32(canonicalUrl) : "t:" + TitleHash(source, title);

    /// <summary>
    /// Hex SHA-256 prefix of <c>lower(trim(source)) + "\n" + NormaliseTitle(title)</c>: the identity of a headline from a
    /// source. Computed without intermediate strings (it runs once or twice per news event).
    /// </summary>
    public static string TitleHash(string source, string title)
    {
        var src = source.AsSpan().Trim();
        var max = src.Length + 1 + title.Length;
        char[]? rented = max > 512 ? System.Buffers.ArrayPool<char>.Shared.Rent(max) : null;
        Span<char> chars = rented ?? stackalloc char[512];
        var n = src.ToLowerInvariant(chars);
        chars[n++] = '\n';
        n += NormaliseTitle(title, chars[n..]);
        var hex = Hash32(chars[..n]);
        if (rented is not null) System.Buffers.ArrayPool<char>.Shared.Return(rented);
        return hex;
    }

    private static string Hash32(ReadOnlySpan<char> s)
    {
        Span<byte> hash = stackalloc byte[32];
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        byte[]? rented = max > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> buf = rented ?? stackalloc byte[1024];
        int n = Encoding.UTF8.GetBytes(s, buf);
        SHA256.HashData(buf[..n], hash);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private static string? NullIfEmpty(string? s)
    {
        if (s is null) return null;
        s = s.Trim();
        return s.Length == 0 ? null : s;
    }

    /// <summary>Size, BOM and UTF-8 checks before JSON parsing.</summary>
    private static string? Open(ref ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes) return ReasonCodes.TooLarge;
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) body = body[3..];
        return Utf8.IsValid(body) ? null : ReasonCodes.InvalidJson;
    }

    /// <summary>Reads the first token; null when it starts an object, else the reason (after checking the whole value is valid JSON).</summary>
    private static string? ReadRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) return ReasonCodes.InvalidJson;
        if (reader.TokenType == JsonTokenType.StartObject) return null;
        reader.Skip();
        while (reader.Read()) { }
        return ReasonCodes.NotAnObject;
    }

    private static string? Check(in Time t, string name, DateTimeOffset ingestTime) => t.State switch
    {
        0 => ReasonCodes.MissingField(name),
        2 => ReasonCodes.BadType(name),
        _ when !t.Ok => ReasonCodes.BadTimestamp,
        _ when t.Value - ingestTime > MaxClockSkew => ReasonCodes.FutureTimestamp,
        _ => null,
    };

    private static void ReadText(ref Utf8JsonReader reader, ref Text field)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String: field.State = 1; field.Value = reader.GetString(); break;
            case JsonTokenType.Null: field.State = 0; field.Value = null; break;
            default: field.State = 2; reader.Skip(); break;
        }
    }

    private static void ReadTime(ref Utf8JsonReader reader, ref Time field)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                field.State = 1;
                field.Ok = reader.ValueIsEscaped
                    ? Timestamps.TryParseUtc(reader.GetString(), out field.Value)
                    : Timestamps.TryParseUtc(reader.ValueSpan, out field.Value);
                break;
            case JsonTokenType.Null: field.State = 0; break;
            default: field.State = 2; reader.Skip(); break;
        }
    }

    private static void ReadNumber(ref Utf8JsonReader reader, ref Number field)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Number: field.State = 1; field.Ok = reader.TryGetDouble(out field.Value); break;
            case JsonTokenType.Null: field.State = 0; break;
            default: field.State = 2; reader.Skip(); break;
        }
    }

    /// <summary>Reads an array of strings; returns the field state (0 absent, 1 ok, 2 wrong type).</summary>
    private static byte ReadStringArray(ref Utf8JsonReader reader, ref List<string>? values)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) { values = null; return 0; }
        if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); return 2; }
        byte state = 1;
        values = [];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String) values.Add(reader.GetString()!);
            else { state = 2; reader.Skip(); }
        }
        return state;
    }
}
