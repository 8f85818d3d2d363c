namespace CryptoSentiment.Tests.Events;

/// <summary>Locates ../shared/data (beside the repository); tests fail when it is missing.</summary>
internal static class EventsTestData
{
    public static string Dir => TestPaths.SharedData;

    public static string Path_(params string[] parts) => Path.Combine([Dir, .. parts]);
}
