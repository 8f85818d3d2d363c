namespace CryptoSentiment.Producers;

/// <summary>Limits and identity of the producers' one HTTP client and their lake state.</summary>
public sealed record ProducerOptions
{
    /// <summary>Per-request timeout (connect + headers + body).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>A feed or price response larger than this is skipped (the download stops there).</summary>
    public long MaxResponseBytes { get; init; } = 8 * 1024 * 1024;
    /// <summary>Items taken from one feed per poll (newest first as the feed lists them).</summary>
    public int MaxItemsPerFeed { get; init; } = 500;
    /// <summary>Summaries are cut to this many characters (the body of an Event Hubs event stays far below 1 MiB).</summary>
    public int MaxSummaryChars { get; init; } = 1_000;
    /// <summary>Titles longer than the event contract allows (1,000 characters) are skipped with a log line.</summary>
    public int MaxTitleChars { get; init; } = 1_000;
    /// <summary>URLs longer than this are dropped from the event (the article id then comes from source + title).</summary>
    public int MaxUrlChars { get; init; } = 2_048;
    /// <summary>Entries remembered per producer (oldest forgotten first): bounds the state object in the lake.</summary>
    public int StateCapacity { get; init; } = 5_000;
    public string UserAgent { get; init; } = "CryptoSentiment-Producer/1.0";
}

/// <summary>What one producer poll made: event bodies (JSON text, one per Event Hubs event) and log lines.</summary>
public sealed record ProducerRun(IReadOnlyList<string> Events, IReadOnlyList<string> Logs)
{
    /// <summary>Sources (feeds / the price API) that failed and were skipped this time.</summary>
    public int FailedSources { get; init; }
    /// <summary>Items seen but not sent: already sent before, or unusable (logged).</summary>
    public int Skipped { get; init; }
}
