namespace CryptoSentiment.Tests.Delta;

/// <summary>Locates the shared read-only Delta test tables (never copied into the repo).</summary>
internal static class TestData
{
    /// <summary>Walks up from the test binaries to the directory containing <c>shared/data</c>; fails when absent.</summary>
    public static string DeltaRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data", "delta");
                if (Directory.Exists(candidate)) return candidate;
            }
            Assert.Fail($"No shared/data/delta above {AppContext.BaseDirectory}: the shared Delta test tables are required.");
            return null!;
        }
    }
}

/// <summary>A fresh temp directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cs-delta-tests-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
