namespace CryptoSentiment.Replay;

/// <summary>Reads NDJSON / JSON Lines: one event body per non-blank line, bytes unchanged (a broken line stays broken and reaches quarantine).</summary>
public static class NdjsonReader
{
    /// <summary>Streams the non-blank lines of <paramref name="path"/> as raw bytes (without the line break; a trailing <c>\r</c> is dropped).</summary>
    public static IEnumerable<byte[]> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        foreach (var line in Read(stream)) yield return line;
    }

    /// <summary>Streams the non-blank lines of <paramref name="stream"/>.</summary>
    public static IEnumerable<byte[]> Read(Stream stream)
    {
        var buffer = new byte[1 << 16];
        int filled = 0;
        while (true)
        {
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            int start = 0;
            while (true)
            {
                int nl = Array.IndexOf(buffer, (byte)'\n', start, filled - start);
                if (nl < 0) break;
                var line = Line(buffer.AsSpan(start, nl - start));
                if (line is not null) yield return line;
                start = nl + 1;
            }
            if (read == 0)
            {
                var last = Line(buffer.AsSpan(start, filled - start));
                if (last is not null) yield return last;
                yield break;
            }
            Array.Copy(buffer, start, buffer, 0, filled - start);
            filled -= start;
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
        }
    }

    private static byte[]? Line(ReadOnlySpan<byte> line)
    {
        if (line.EndsWith((byte)'\r')) line = line[..^1];
        foreach (var b in line)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return line.ToArray();
        return null;
    }
}
