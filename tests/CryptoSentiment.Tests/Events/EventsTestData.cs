namespace CryptoSentiment.Tests.Events;

/// <summary>Locates ../shared/data (beside the repository); tests fail when it is missing.</summary>
internal static class EventsTestData
{
    public static string Dir
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "shared", "data");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException("shared/data not found above " + AppContext.BaseDirectory + " (expected ../shared/data beside the repo)");
        }
    }

    public static string Path_(params string[] parts) => Path.Combine([Dir, .. parts]);
}
