using System.Globalization;
using CryptoSentiment.Events;

namespace CryptoSentiment.Replay;

/// <summary>
/// Reads the semicolon news CSV (<c>date;sentiment;source;subject;text;title;url</c>, double-quoted fields that may
/// hold <c>;</c>, <c>""</c> and line breaks) into news event bodies: <c>title</c>, <c>url</c>, <c>source</c>,
/// <c>published_at</c> (<c>d-m-Y H:M</c>, no zone = UTC, written as ISO UTC) and <c>summary</c> (the text, cut at
/// 1,000 characters). No <c>id</c> (derived from the URL) and no <c>coins</c> (found from the text).
/// <c>sentiment</c> and <c>subject</c> are ignored. Columns are found by header name. A row that cannot be
/// converted is still emitted, with its raw values, so that validation quarantines it (never dropped).
/// </summary>
public static class NewsCsvReader
{
    /// <summary>Longest summary written.</summary>
    public const int MaxSummaryLength = 1000;

    /// <summary>True when <paramref name="header"/> is this layout (has <c>date</c> and <c>title</c> columns).</summary>
    public static bool IsHeader(IReadOnlyList<string> header) =>
        header.Any(h => h.Trim().Equals("date", StringComparison.OrdinalIgnoreCase))
        && header.Any(h => h.Trim().Equals("title", StringComparison.OrdinalIgnoreCase));

    /// <summary>Streams one news event body per data row of <paramref name="path"/>.</summary>
    public static IEnumerable<byte[]> Read(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        foreach (var body in Read(reader)) yield return body;
    }

    /// <summary>Streams one news event body per data row of <paramref name="reader"/>.</summary>
    public static IEnumerable<byte[]> Read(TextReader reader)
    {
        using var records = CsvTokenizer.Records(reader, ';').GetEnumerator();
        if (!records.MoveNext()) yield break;
        var header = records.Current;
        if (!IsHeader(header)) throw new InvalidDataException("Not a news CSV: the header needs date and title columns.");
        int Col(string name) => Array.FindIndex(header, h => h.Trim().Equals(name, StringComparison.OrdinalIgnoreCase));
        int date = Col("date"), source = Col("source"), text = Col("text"), title = Col("title"), url = Col("url");
        while (records.MoveNext())
        {
            var row = records.Current;
            string? Get(int i) => i >= 0 && i < row.Length ? row[i] : null;
            yield return EventJson.Object(w =>
            {
                if (Get(title) is { } t) w.WriteString("title", t);
                if (Get(url) is { } u && u.Trim().Length > 0) w.WriteString("url", u.Trim());
                if (Get(source) is { } s && s.Trim().Length > 0) w.WriteString("source", s.Trim());
                if (Get(date) is { } d) w.WriteString("published_at", TryParseDate(d, out var utc) ? Timestamps.Format(utc) : d);
                if (Get(text) is { } x && x.Trim().Length > 0)
                {
                    x = x.Trim();
                    w.WriteString("summary", x.Length > MaxSummaryLength ? x[..MaxSummaryLength] : x);
                }
            });
        }
    }

    /// <summary>Parses <c>d-m-Y H:M</c> (no zone: UTC), e.g. <c>5-3-2022 04:24</c> is 5 March 2022 04:24 UTC.</summary>
    public static bool TryParseDate(string s, out DateTimeOffset utc)
    {
        var ok = DateTime.TryParseExact(s.Trim(), ["d-M-yyyy H:mm", "d-M-yyyy H:mm:ss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt);
        utc = ok ? new DateTimeOffset(dt, TimeSpan.Zero) : default;
        return ok;
    }
}
