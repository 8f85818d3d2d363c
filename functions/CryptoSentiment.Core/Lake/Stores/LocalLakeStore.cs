using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CryptoSentiment.Lake.Stores;

/// <summary>
/// <see cref="ILakeStore"/> over a local folder. Writes go to a temp file in the target directory first and are then
/// moved into place, so readers never see partial files. <see cref="PutIfAbsentAsync"/> publishes the temp file with
/// link(2) on Unix (fails atomically with EEXIST when dest exists; .NET's <c>File.Move(overwrite: false)</c> checks then
/// renames, which races) and with <c>File.Move(overwrite: false)</c> (MoveFileEx, atomic) on Windows.
/// </summary>
public sealed partial class LocalLakeStore : ILakeStore
{
    /// <summary>Prefix of in-flight temp files; they are hidden from <see cref="ListAsync"/>.</summary>
    internal const string TempPrefix = ".lake-tmp-";

    private readonly string _root;

    public LocalLakeStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
    }

    public string Root => _root;

    private string Full(string path) => Path.Combine(_root, LakePath.Validate(path).Replace('/', Path.DirectorySeparatorChar));

    public string? LocalPath(string path) => Full(path);

    public async Task<byte[]?> ReadAsync(string path, CancellationToken ct = default)
    {
        var full = Full(path);
        try
        {
            return await File.ReadAllBytesAsync(full, ct).ConfigureAwait(false);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public async Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var full = Full(path);
        if (File.Exists(full)) return false;
        var tmp = await WriteTempAsync(full, content, ct).ConfigureAwait(false);
        try
        {
            return CreateNoReplace(tmp, full);
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    private const int EEXIST = 17; // Linux and macOS
    private static volatile bool s_linkAvailable = true;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);

    /// <summary>Atomically makes <paramref name="tmp"/> visible as <paramref name="dest"/> unless dest exists (tmp is left for the caller to delete).</summary>
    private static bool CreateNoReplace(string tmp, string dest)
    {
        if (!OperatingSystem.IsWindows() && s_linkAvailable)
        {
            try
            {
                if (Link(tmp, dest) == 0) return true;
                if (Marshal.GetLastPInvokeError() == EEXIST) return false;
                // e.g. no hard links on this file system: fall back to the (less strict) managed move below.
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_linkAvailable = false;
            }
        }
        try
        {
            File.Move(tmp, dest, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(dest))
        {
            return false;
        }
    }

    public async Task PutAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        var full = Full(path);
        var tmp = await WriteTempAsync(full, content, ct).ConfigureAwait(false);
        try { File.Move(tmp, full, overwrite: true); }
        finally { TryDelete(tmp); }
    }

    public async Task PutFileAsync(string path, string localFile, CancellationToken ct = default)
    {
        var full = Full(path);
        var src = Path.GetFullPath(localFile);
        if (string.Equals(src, full, StringComparison.Ordinal)) return; // already in place
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = TempNameFor(full);
        try
        {
            await using (var input = new FileStream(src, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
            await using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await input.CopyToAsync(output, ct).ConfigureAwait(false);
                await output.FlushAsync(ct).ConfigureAwait(false);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally { TryDelete(tmp); }
    }

    public async IAsyncEnumerable<LakeEntry> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        LakePath.ValidatePrefix(prefix);
        var slash = prefix.LastIndexOf('/');
        var dirRel = slash < 0 ? "" : prefix[..slash];
        var dir = dirRel.Length == 0 ? _root : Full(dirRel);
        if (!Directory.Exists(dir)) yield break;

        var entries = new List<LakeEntry>();
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal)) continue;
            var rel = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!rel.StartsWith(prefix, StringComparison.Ordinal)) continue;
            FileInfo info;
            try
            {
                info = new FileInfo(file);
                if (!info.Exists) continue; // deleted meanwhile
                entries.Add(new LakeEntry(rel, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)));
            }
            catch (IOException) { continue; }
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        foreach (var e in entries)
        {
            yield return e;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task DeleteAsync(string path, CancellationToken ct = default)
    {
        var full = Full(path);
        try { File.Delete(full); }
        catch (DirectoryNotFoundException) { }
        return Task.CompletedTask;
    }

    public Task<string> MaterializeAsync(string path, CancellationToken ct = default)
    {
        var full = Full(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Lake object '{path}' not found in '{_root}'.", full);
        return Task.FromResult(full);
    }

    private static string TempNameFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $"{TempPrefix}{Path.GetFileName(full)}.{Guid.NewGuid():N}");

    private static async Task<string> WriteTempAsync(string full, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = TempNameFor(full);
        try
        {
            await using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            await fs.WriteAsync(content, ct).ConfigureAwait(false);
            await fs.FlushAsync(ct).ConfigureAwait(false);
            fs.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        return tmp;
    }

    private static void TryDelete(string file)
    {
        try { if (File.Exists(file)) File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
