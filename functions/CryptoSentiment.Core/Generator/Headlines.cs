namespace CryptoSentiment.Generator;

/// <summary>Headline templates of the sample generator, each with the sentiment it was written to carry.</summary>
/// <remarks>Placeholders: <c>{name}</c> coin name, <c>{ticker}</c>, <c>{pct}</c> a percentage, <c>{price}</c> a price, <c>{n}</c> a count.</remarks>
public static class Headlines
{
    /// <summary>(template, polarity +1/0/−1).</summary>
    public static IReadOnlyList<(string Template, int Polarity)> Templates { get; } =
    [
        ("{name} surges {pct}% as institutional buyers return", 1),
        ("{ticker} breaks above ${price}, analysts eye new highs", 1),
        ("{name} rallies after spot ETF inflows hit record", 1),
        ("Whales accumulate {ticker} as exchange reserves drop to multi-year low", 1),
        ("{name} network activity jumps {pct}% in a week", 1),
        ("Major bank adds {name} custody for wealthy clients", 1),
        ("{ticker} bulls reclaim ${price} support in strong weekend move", 1),
        ("{name} upgrade goes live smoothly, fees fall {pct}%", 1),
        ("Payment giant integrates {name}, {ticker} jumps", 1),
        ("{name} outperforms the market with {pct}% weekly gain", 1),
        ("Record {n} new {name} wallets created in a single day", 1),
        ("{ticker} open interest climbs as traders bet on breakout", 1),
        ("Analysts upgrade {name} outlook after strong quarter", 1),
        ("{name}'s developer count hits all-time high", 1),
        ("${ticker} soars {pct}% after exchange listing", 1),
        ("{name} plunges {pct}% as liquidations top ${price} million", -1),
        ("{ticker} slides below ${price} amid regulatory fears", -1),
        ("Exchange hack drains {n} {ticker}, investors rattled", -1),
        ("{name} network suffers outage for {n} hours", -1),
        ("Regulators sue issuer over {name} token sales", -1),
        ("{ticker} crashes {pct}% in worst day since last year", -1),
        ("Whales dump {name} as funding rates turn negative", -1),
        ("{name} faces sell-off after major fund exits position", -1),
        ("Bug in {name} client forces emergency patch", -1),
        ("{ticker} miners capitulate as revenue falls {pct}%", -1),
        ("Investors flee {name} products for a fourth straight week", -1),
        ("{name}'s price drops after failed upgrade vote", -1),
        ("Court ruling weighs on {ticker}, bears target ${price}", -1),
        ("Scam tokens impersonating {name} steal ${n} million", -1),
        ("{name} trades flat near ${price} ahead of Fed decision", 0),
        ("What's next for {ticker}? Traders watch ${price} level", 0),
        ("{name} developers publish roadmap for next year", 0),
        ("{ticker} volume steady at ${n} million as market waits", 0),
        ("Explainer: how {name} staking works", 0),
        ("{name} foundation announces conference dates", 0),
        ("Weekly recap: {ticker} moves {pct}% in quiet trading", 0),
        ("{name} holders await next network update", 0),
        ("Exchange schedules {ticker} maintenance for Tuesday", 0),
        ("Report: {n} companies now hold {name} on balance sheets", 0),
        ("{name} price analysis: range between ${price} and resistance", 0),
        ("Interview: {name} core developer on scaling plans", 0),
        ("{ticker} options expiry: ${n} million in contracts due Friday", 0),
        ("Crypto market mixed as traders digest inflation data", 0),
        ("Stablecoin supply grows {pct}% this month", 0),
    ];

    /// <summary>Invented publisher names (not real outlets).</summary>
    public static IReadOnlyList<string> Sources { get; } =
    [
        "CoinDesk Wire", "Satoshi Street Journal", "Chain Herald", "Altcoin Observer", "Token Times",
        "DeFi Dispatch", "Hodl Gazette", "Block Ledger Daily",
    ];

    /// <summary>Summary sentences appended to some events.</summary>
    public static IReadOnlyList<string> Summaries { get; } =
    [
        "Market participants said liquidity remained thin across major venues.",
        "The move comes as broader risk assets traded in a narrow range.",
        "Derivatives data showed funding rates near neutral levels.",
        "On-chain metrics pointed to rising activity among long-term holders.",
        "Analysts cautioned that volatility could return later in the week.",
    ];
}
