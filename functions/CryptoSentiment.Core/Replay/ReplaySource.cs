using CryptoSentiment.Events;

namespace CryptoSentiment.Replay;

/// <summary>The replayable file layouts.</summary>
public enum ReplayFormat
{
    /// <summary>NDJSON / JSON Lines in our event format.</summary>
    Ndjson,
    /// <summary>The semicolon news CSV (see <see cref="NewsCsvReader"/>).</summary>
    NewsCsv,
    /// <summary>Binance hourly kline CSV (see <see cref="BinanceCsvReader"/>); a directory of them too.</summary>
    BinanceCsv,
}

/// <summary>Picks the reader for a replay file.</summary>
public static class ReplaySource
{
    /// <summary>
    /// A directory → <see cref="ReplayFormat.BinanceCsv"/>; <c>.ndjson</c>, <c>.jsonl</c>, <c>.json</c> → NDJSON;
    /// <c>.csv</c> → by its header. Throws <see cref="NotSupportedException"/> for anything else.
    /// </summary>
    public static ReplayFormat Detect(string path)
    {
        if (Directory.Exists(path)) return ReplayFormat.BinanceCsv;
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".ndjson" or ".jsonl" or ".json") return ReplayFormat.Ndjson;
        if (ext == ".csv")
        {
            using var reader = new StreamReader(path, System.Text.Encoding.UTF8, true);
            var header = reader.ReadLine() ?? "";
            if (BinanceCsvReader.IsHeader(header.Split(','))) return ReplayFormat.BinanceCsv;
            if (NewsCsvReader.IsHeader(header.Split(';'))) return ReplayFormat.NewsCsv;
            throw new NotSupportedException($"Unknown CSV layout in {path}: {header}");
        }
        throw new NotSupportedException($"Cannot replay {path}: expected .ndjson, .jsonl, .json or .csv.");
    }

    /// <summary>The stream a format feeds, or null for NDJSON (whose stream the caller decides).</summary>
    public static EventStream? StreamOf(ReplayFormat format) => format switch
    {
        ReplayFormat.NewsCsv => EventStream.News,
        ReplayFormat.BinanceCsv => EventStream.Prices,
        _ => null,
    };

    /// <summary>Event bodies of <paramref name="path"/> in file order, streaming.</summary>
    public static IEnumerable<byte[]> Read(string path) => Detect(path) switch
    {
        ReplayFormat.Ndjson => NdjsonReader.Read(path),
        ReplayFormat.NewsCsv => NewsCsvReader.Read(path),
        _ => Directory.Exists(path) ? BinanceCsvReader.ReadDirectory(path) : BinanceCsvReader.Read(path),
    };
}
