using System.Globalization;
using CryptoSentiment.Events;

namespace CryptoSentiment.Replay;

/// <summary>
/// Reads Binance hourly kline CSVs (<c>open_time,open,high,low,close,volume,close_time,returns</c>, times with a
/// local offset) into price event bodies. The symbol comes from the file name (<c>BTCUSDT_1h.csv</c> → <c>BTC</c>).
/// Each row becomes <c>{"symbol", "price_usd": close, "ts", "volume_usd": volume × close, "source": "binance"}</c>,
/// where <c>ts</c> is <c>close_time</c> normalised to UTC and rounded to the nearest second (so the 00:00–00:59:59.999
/// candle is stamped at the end of its hour, 01:00:00). <c>volume</c> is in base units, hence × close.
/// Rows that do not convert keep their raw text so that validation quarantines them.
/// </summary>
public static class BinanceCsvReader
{
    /// <summary>The <c>source</c> written on every event.</summary>
    public const string Source = "binance";

    /// <summary>True when <paramref name="header"/> is this layout.</summary>
    public static bool IsHeader(IReadOnlyList<string> header) =>
        header.Any(h => h.Trim() == "close_time") && header.Any(h => h.Trim() == "close") && header.Any(h => h.Trim() == "open_time");

    /// <summary>The symbol of a file: its name up to <c>USDT</c> (or up to the first <c>_</c>).</summary>
    public static string SymbolOf(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        int i = name.IndexOf("USDT", StringComparison.OrdinalIgnoreCase);
        if (i <= 0) i = name.IndexOf('_');
        return (i > 0 ? name[..i] : name).ToUpperInvariant();
    }

    /// <summary>All <c>*USDT_1h.csv</c> files of <paramref name="directory"/>, in file-name order.</summary>
    public static IEnumerable<byte[]> ReadDirectory(string directory) => Files(directory).SelectMany(Read);

    /// <summary>The <c>*USDT_1h.csv</c> files of a directory that <see cref="ReadDirectory"/> reads, in order.</summary>
    public static IReadOnlyList<string> Files(string directory) =>
        Directory.EnumerateFiles(directory, "*USDT_1h.csv").Order(StringComparer.Ordinal).ToList();

    /// <summary>Streams one price event body per data row of <paramref name="path"/>.</summary>
    public static IEnumerable<byte[]> Read(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, true, 1 << 16);
        foreach (var body in Read(reader, SymbolOf(path))) yield return body;
    }

    /// <summary>Streams one price event body per data row of <paramref name="reader"/>, for <paramref name="symbol"/>.</summary>
    public static IEnumerable<byte[]> Read(TextReader reader, string symbol)
    {
        using var records = CsvTokenizer.Records(reader, ',').GetEnumerator();
        if (!records.MoveNext()) yield break;
        var header = records.Current;
        if (!IsHeader(header)) throw new InvalidDataException("Not a Binance kline CSV: the header needs open_time, close and close_time.");
        int Col(string name) => Array.FindIndex(header, h => h.Trim() == name);
        int close = Col("close"), volume = Col("volume"), closeTime = Col("close_time");
        while (records.MoveNext())
        {
            var row = records.Current;
            string? Get(int i) => i >= 0 && i < row.Length ? row[i].Trim() : null;
            yield return EventJson.Object(w =>
            {
                w.WriteString("symbol", symbol);
                var c = Get(close);
                bool closeOk = double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var px);
                if (closeOk) w.WriteNumber("price_usd", px);
                else if (c is not null) w.WriteString("price_usd", c);
                var t = Get(closeTime);
                if (t is not null)
                    w.WriteString("ts", Timestamps.TryParseUtc(t, out var utc) ? Timestamps.Format(RoundToSecond(utc)) : t);
                if (closeOk && double.TryParse(Get(volume), NumberStyles.Float, CultureInfo.InvariantCulture, out var vol))
                    w.WriteNumber("volume_usd", vol * px);
                w.WriteString("source", Source);
            });
        }
    }

    private static DateTimeOffset RoundToSecond(DateTimeOffset t) =>
        new((t.UtcTicks + TimeSpan.TicksPerSecond / 2) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
