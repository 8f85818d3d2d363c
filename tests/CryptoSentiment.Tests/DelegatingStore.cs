using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Tests;

/// <summary>An <see cref="ILakeStore"/> that passes every call to another: test stores override the calls they interfere with.</summary>
internal abstract class DelegatingStore(ILakeStore inner) : ILakeStore
{
    protected ILakeStore Inner { get; } = inner;
    public string Root => Inner.Root;
    public virtual Task<byte[]?> ReadAsync(string path, CancellationToken ct = default) => Inner.ReadAsync(path, ct);
    public virtual Task<bool> PutIfAbsentAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default) => Inner.PutIfAbsentAsync(path, content, ct);
    public virtual Task PutAsync(string path, ReadOnlyMemory<byte> content, CancellationToken ct = default) => Inner.PutAsync(path, content, ct);
    public virtual Task PutFileAsync(string path, string localFile, CancellationToken ct = default) => Inner.PutFileAsync(path, localFile, ct);
    public virtual IAsyncEnumerable<LakeEntry> ListAsync(string prefix, CancellationToken ct = default) => Inner.ListAsync(prefix, ct);
    public virtual Task DeleteAsync(string path, CancellationToken ct = default) => Inner.DeleteAsync(path, ct);
    public virtual string? LocalPath(string path) => Inner.LocalPath(path);
    public virtual Task<string> MaterializeAsync(string path, CancellationToken ct = default) => Inner.MaterializeAsync(path, ct);
}
