namespace CryptoSentiment.Lake.Stores;

/// <summary>One object/file in a lake store. <see cref="Path"/> is relative to the store root, '/'-separated.</summary>
public sealed record LakeEntry(string Path, long Size, DateTimeOffset LastModified);

/// <summary>
/// The one storage abstraction every backend implements (local folder, Azure Blob, ...).
/// Paths are relative to the store root, '/'-separated and validated with <see cref="LakePath.Validate"/>:
/// no leading '/', no empty, "." or ".." segments, no backslashes.
/// </summary>
public interface ILakeStore
{
    /// <summary>Display name of the store root (a folder path or a container URL).</summary>
    string Root { get; }

    /// <summary>The whole content of <paramref name="path"/>, or null when it does not exist.</summary>
    Task<byte[]?> ReadAsync(string path, CancellationToken ct = default);

    /// <summary>
    /// Atomically creates <paramref name="path"/> with <paramref name="content"/> unless it already exists.
    /// Returns true when this call created it, false when it already existed (someone else won).
    /// Readers never observe a partially written object.
    /// </summary>
    Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default);

    /// <summary>Creates or atomically replaces <paramref name="path"/>.</summary>
    Task PutAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default);

    /// <summary>Uploads / copies the local file <paramref name="localFile"/> to <paramref name="path"/> (create or replace, atomic).</summary>
    Task PutFileAsync(string path, string localFile, CancellationToken ct = default);

    /// <summary>
    /// Every object whose path starts with <paramref name="prefix"/> (plain string prefix, e.g. "t/_delta_log/"; "" = everything),
    /// recursively, sorted by path (ordinal).
    /// </summary>
    IAsyncEnumerable<LakeEntry> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>Deletes <paramref name="path"/>; no error when it does not exist.</summary>
    Task DeleteAsync(string path, CancellationToken ct = default);

    /// <summary>Absolute local file path of <paramref name="path"/> when the store is a local folder, else null. The file may not exist.</summary>
    string? LocalPath(string path);

    /// <summary>
    /// A local file holding the content of <paramref name="path"/> (local store: the file itself; remote: a downloaded copy in a temp cache),
    /// e.g. for DuckDB to read. Throws <see cref="FileNotFoundException"/> when the object does not exist.
    /// </summary>
    Task<string> MaterializeAsync(string path, CancellationToken ct = default);
}

/// <summary>Validation and joining of relative lake paths.</summary>
public static class LakePath
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="path"/> is a valid relative object path.</summary>
    public static string Validate(string path)
    {
        if (!IsValid(path, out var reason))
            throw new ArgumentException($"Invalid lake path '{path}': {reason}", nameof(path));
        return path;
    }

    /// <summary>True when <paramref name="path"/> is a non-empty relative path: '/'-separated, no leading/trailing '/', no empty, "." or ".." segments, no backslash or control characters.</summary>
    public static bool IsValid(string? path, out string reason)
    {
        reason = "";
        if (string.IsNullOrEmpty(path)) { reason = "empty"; return false; }
        if (path.Contains('\\')) { reason = "backslash"; return false; }
        if (path[0] == '/') { reason = "leading '/'"; return false; }
        foreach (var c in path)
            if (char.IsControl(c)) { reason = "control character"; return false; }
        foreach (var seg in path.Split('/'))
        {
            if (seg.Length == 0) { reason = "empty segment"; return false; }
            if (seg is "." or "..") { reason = $"'{seg}' segment"; return false; }
        }
        return true;
    }

    /// <summary>Validates a listing prefix: "" or a valid path optionally followed by '/' (the last segment may be partial).</summary>
    public static string ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0) return prefix;
        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        Validate(trimmed);
        return prefix;
    }

    /// <summary>Joins path parts with '/', skipping empty parts, and validates the result.</summary>
    public static string Combine(params string[] parts)
    {
        var joined = string.Join('/', parts.Where(p => !string.IsNullOrEmpty(p)));
        return Validate(joined);
    }
}
