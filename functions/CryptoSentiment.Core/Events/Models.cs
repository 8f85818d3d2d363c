using System.Diagnostics.CodeAnalysis;

namespace CryptoSentiment.Events;

/// <summary>A validated news event.</summary>
/// <param name="ArticleId">The event's <c>id</c>, or one derived by <see cref="EventParser.DeriveArticleId"/>.</param>
/// <param name="Title">Trimmed title, 1–1,000 characters.</param>
/// <param name="Url">The URL as given (trimmed), if any.</param>
/// <param name="CanonicalUrl">See <see cref="EventParser.CanonicalizeUrl"/>; null when there is no absolute URL.</param>
/// <param name="Source">Publisher; <c>unknown</c> when absent.</param>
/// <param name="PublishedAt">Publication time in UTC (offset zero).</param>
/// <param name="Coins">Tickers from the <c>coins</c> field (unknown entries ignored); when it is absent or names no known coin, the coins found in title and summary.</param>
/// <param name="Summary">Summary text, if any.</param>
public sealed record NewsArticle(
    string ArticleId, string Title, string? Url, string? CanonicalUrl, string Source,
    DateTimeOffset PublishedAt, IReadOnlyList<string> Coins, string? Summary);

/// <summary>A validated price event.</summary>
/// <param name="Coin">Catalog ticker.</param>
/// <param name="Ts">Time of the price in UTC (offset zero).</param>
/// <param name="PriceUsd">Price in USD, finite and &gt; 0.</param>
/// <param name="VolumeUsd">Traded volume in USD, finite and ≥ 0, if given.</param>
/// <param name="Source">Price source; <c>unknown</c> when absent.</param>
public sealed record PriceTick(string Coin, DateTimeOffset Ts, double PriceUsd, double? VolumeUsd, string Source);

/// <summary>Either a <see cref="NewsArticle"/> or a reason code from <see cref="ReasonCodes"/>.</summary>
public readonly struct NewsParseResult
{
    private NewsParseResult(NewsArticle? value, string? reason) { Value = value; Reason = reason; }
    /// <summary>The article, when valid.</summary>
    public NewsArticle? Value { get; }
    /// <summary>The reason code, when rejected.</summary>
    public string? Reason { get; }
    /// <summary>True when <see cref="Value"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsValid => Value is not null;
    /// <summary>A valid result.</summary>
    public static NewsParseResult Ok(NewsArticle value) => new(value, null);
    /// <summary>A rejection.</summary>
    public static NewsParseResult Fail(string reason) => new(null, reason);
    /// <inheritdoc/>
    public override string ToString() => IsValid ? Value.ToString() : Reason;
}

/// <summary>Either a <see cref="PriceTick"/> or a reason code from <see cref="ReasonCodes"/>.</summary>
public readonly struct PriceParseResult
{
    private PriceParseResult(PriceTick? value, string? reason) { Value = value; Reason = reason; }
    /// <summary>The tick, when valid.</summary>
    public PriceTick? Value { get; }
    /// <summary>The reason code, when rejected.</summary>
    public string? Reason { get; }
    /// <summary>True when <see cref="Value"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsValid => Value is not null;
    /// <summary>A valid result.</summary>
    public static PriceParseResult Ok(PriceTick value) => new(value, null);
    /// <summary>A rejection.</summary>
    public static PriceParseResult Fail(string reason) => new(null, reason);
    /// <inheritdoc/>
    public override string ToString() => IsValid ? Value.ToString() : Reason;
}
