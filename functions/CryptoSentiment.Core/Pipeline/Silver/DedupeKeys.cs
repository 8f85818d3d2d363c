using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>
/// Dedupe keys as 128-bit XxHash128 digests of their UTF-8 text (the form <see cref="DedupeIndex"/> holds them in), and the
/// <c>add</c> tag that carries a silver file's keys in the commit itself: another writer learns the keys of the files
/// this one commits from the log entry it reads anyway, without downloading and reading the parquet files. A file
/// without the tag (compacted files, files written by older versions, several files of one partition in a batch) is
/// read as before. The chance that two different keys share a digest is about n²/2¹²⁹ — for a billion keys, 10⁻²¹.
/// </summary>
public static class DedupeKeys
{
    /// <summary>The <c>add.tags</c> entry: <c>xxh128:</c> followed by the base64 of the file's key digests, 16 bytes each (little-endian).</summary>
    public const string Tag = "cryptoSentiment.dedupeKeys";

    private const string Format = "xxh128:";

    /// <summary>The digest of a key.</summary>
    public static UInt128 Hash(string key)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        var buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try { return XxHash128.HashToUInt128(buffer[..Encoding.UTF8.GetBytes(key, buffer)]); }
        finally { if (rented is not null) ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>The tag value for a file holding <paramref name="keys"/>.</summary>
    public static string Encode(IReadOnlyCollection<UInt128> keys)
    {
        var bytes = new byte[keys.Count * 16];
        var i = 0;
        foreach (var k in keys) { BinaryPrimitives.WriteUInt128LittleEndian(bytes.AsSpan(i, 16), k); i += 16; }
        return Format + Convert.ToBase64String(bytes);
    }

    /// <summary>The keys of a file from its <c>add</c>, or null when it carries no (readable) key tag: then the file must be read.</summary>
    public static UInt128[]? FromTags(AddAction add)
    {
        if (add.Tags is null || !add.Tags.TryGetValue(Tag, out var value) || value is null || !value.StartsWith(Format, StringComparison.Ordinal)) return null;
        var base64 = value.AsSpan(Format.Length);
        var bytes = new byte[base64.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(base64, bytes, out var n) || n % 16 != 0) return null;
        var keys = new UInt128[n / 16];
        for (var i = 0; i < keys.Length; i++) keys[i] = BinaryPrimitives.ReadUInt128LittleEndian(bytes.AsSpan(i * 16, 16));
        return keys;
    }

    /// <summary>
    /// <paramref name="adds"/> with each file tagged with the keys of its partition day in <paramref name="keysByDay"/> when it is
    /// the only file of that day (with several, which rows went where is not known here: those stay untagged and are read).
    /// </summary>
    public static IReadOnlyList<AddAction> TagFiles(IReadOnlyList<AddAction> adds, string dayColumn, IReadOnlyDictionary<DateOnly, HashSet<UInt128>> keysByDay)
    {
        var perDay = adds.Select(a => Snapshot.PartitionDay(a.PartitionValues, dayColumn)).OfType<DateOnly>().CountBy(d => d).ToDictionary();
        return adds.Select(a => Snapshot.PartitionDay(a.PartitionValues, dayColumn) is { } day && perDay[day] == 1 && keysByDay.TryGetValue(day, out var keys)
            ? a with { Tags = new Dictionary<string, string?>(a.Tags ?? [], StringComparer.Ordinal) { [Tag] = Encode(keys) } }
            : a).ToList();
    }
}
