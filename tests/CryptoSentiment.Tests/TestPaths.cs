namespace CryptoSentiment.Tests;

/// <summary>Where the tests find the repository and the shared data (../shared/data beside the repository, as in CI).</summary>
internal static class TestPaths
{
    /// <summary>The repository root (the folder holding CryptoSentiment.sln) above the test binaries.</summary>
    public static string RepoRoot { get; } = FindUp(d => File.Exists(Path.Combine(d, "CryptoSentiment.sln")) ? d : null, "CryptoSentiment.sln");

    /// <summary>shared/data, read-only and never copied into the repository; tests that need it fail when it is missing.</summary>
    public static string SharedData { get; } = FindUp(d => Directory.Exists(Path.Combine(d, "shared", "data")) ? Path.Combine(d, "shared", "data") : null,
        "shared/data (expected ../shared/data beside the repository)");

    private static string FindUp(Func<string, string?> probe, string what)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (probe(d.FullName) is { } found) return found;
        throw new DirectoryNotFoundException($"{what} not found above {AppContext.BaseDirectory}");
    }
}
