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

    /// <summary>The files <see cref="Read"/> reads for <paramref name="path"/>, in reading order.</summary>
    public static IReadOnlyList<string> Files(string path) =>
        Directory.Exists(path) ? BinanceCsvReader.Files(path) : [path];

    /// <summary>
    /// The identity of a replay source: SHA-256 (12 hex digits) over each file it reads — its name relative to the source
    /// and its bytes — so the same content replayed twice is the same stream, and different content under the same name is not.
    /// </summary>
    public static string ContentId(string path)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        var root = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var file in Files(path))
        {
            if (Directory.Exists(path)) hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file).Replace('\\', '/') + "\0"));
            using var f = File.OpenRead(file);
            for (int n; (n = f.Read(buffer, 0, buffer.Length)) > 0;) hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    /// <summary>
    /// The partition-id prefix of a replayed source, <c>replay-&lt;name&gt;-&lt;content id&gt;-of&lt;P&gt;-</c>: each source is its own
    /// stream (like a distinct Event Hub). The same content replayed again reuses the ids and sequence numbers, so the Delta
    /// txn watermarks make it a no-op; different content never collides, whatever its name (the name only makes ids readable).
    /// </summary>
    public static string StreamPrefix(string path, int partitions)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(path);
        return $"replay-{Path.GetFileNameWithoutExtension(trimmed)}-{ContentId(trimmed)}-of{partitions}-";
    }

    /// <summary>Event bodies of <paramref name="path"/> in file order, streaming.</summary>
    public static IEnumerable<byte[]> Read(string path) => Detect(path) switch
    {
        ReplayFormat.Ndjson => NdjsonReader.Read(path),
        ReplayFormat.NewsCsv => NewsCsvReader.Read(path),
        _ => Directory.Exists(path) ? BinanceCsvReader.ReadDirectory(path) : BinanceCsvReader.Read(path),
    };
}
