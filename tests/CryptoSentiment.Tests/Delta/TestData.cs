namespace CryptoSentiment.Tests.Delta;

/// <summary>Locates the shared read-only Delta test tables (never copied into the repo).</summary>
internal static class TestData
{
    /// <summary>shared/data/delta; fails when absent.</summary>
    public static string DeltaRoot
    {
        get
        {
            var dir = Path.Combine(TestPaths.SharedData, "delta");
            Assert.True(Directory.Exists(dir), $"{dir} is missing: the shared Delta test tables are required.");
            return dir;
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
