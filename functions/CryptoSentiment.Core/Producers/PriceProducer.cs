using System.Text.Json;
using CryptoSentiment.Events;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Producers;

/// <summary>
/// PricePoll: reads a JSON price API in CoinGecko's simple-price shape
/// (<c>{"bitcoin":{"usd":97123.45,"usd_24h_vol":1.2e10,"last_updated_at":1732183500}}</c>), maps CoinGecko ids to
/// catalog tickers through the coin names, and emits one price event per coin whose quote time is newer than the
/// last one sent (remembered in <see cref="ProducerState"/>). A failing or malformed response is logged, never fatal.
/// </summary>
public sealed class PriceProducer(ProducerHttp http, ILakeStore store, CoinCatalog coins, TimeProvider? clock = null)
{
    public const string StateName = "prices";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<ProducerRun> PollAsync(string? url, CancellationToken ct = default)
    {
        var logs = new List<string>();
        var events = new List<string>();
        if (string.IsNullOrWhiteSpace(url)) return new ProducerRun(events, ["PricePoll: PRICE_API_URL is not set; nothing to poll"]);
        JsonDocument doc;
        try
        {
            var fetched = await http.GetAsync(url, "application/json", ct);
            try { doc = JsonDocument.Parse(fetched.Content); }
            catch (JsonException e)
            {
                throw new FetchException($"price API {url} ({fetched.MediaType ?? "no content type"}, {fetched.Content.Length:N0} bytes): not JSON ({e.Message})");
            }
        }
        catch (FetchException e)
        {
            return new ProducerRun(events, [$"PricePoll: skipped {e.Message}"]) { FailedSources = 1 };
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return new ProducerRun(events, [$"PricePoll: skipped price API {url}: expected a JSON object of coin ids, got {doc.RootElement.ValueKind}"]) { FailedSources = 1 };
            var state = await ProducerState.LoadAsync(store, StateName, http.Options.StateCapacity, ct);
            if (state.LoadProblem is not null) logs.Add("PricePoll: " + state.LoadProblem);
            var now = _clock.GetUtcNow();
            var source = Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Host.Contains("coingecko", StringComparison.OrdinalIgnoreCase) ? "coingecko" : u?.Host ?? "price-api";
            int skipped = 0, seen = 0;
            var unknown = new List<string>();
            foreach (var coin in doc.RootElement.EnumerateObject())
            {
                if (!TryResolveCoinId(coins, coin.Name, out var ticker)) { unknown.Add(coin.Name); skipped++; continue; }
                var q = coin.Value;
                if (q.ValueKind != JsonValueKind.Object || !q.TryGetProperty("usd", out var usd) || usd.ValueKind != JsonValueKind.Number)
                {
                    skipped++;
                    logs.Add($"PricePoll: skipped '{coin.Name}': no numeric \"usd\" field");
                    continue;
                }
                var ts = q.TryGetProperty("last_updated_at", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out var unix)
                         && unix is > 0 and < 253402300800
                    ? DateTimeOffset.FromUnixTimeSeconds(unix)
                    : new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
                if (state.TryGet(ticker, out var last) && last >= ts) { seen++; skipped++; continue; }
                double? volume = q.TryGetProperty("usd_24h_vol", out var vol) && vol.ValueKind == JsonValueKind.Number ? vol.GetDouble() : null;
                events.Add(EventBodies.Price(ticker, usd.GetDouble(), ts, volume, source));
                state.Set(ticker, ts);
            }
            if (unknown.Count > 0) logs.Add($"PricePoll: skipped coin ids not in the coin catalog: {string.Join(", ", unknown)}");
            logs.Add($"PricePoll: {url}: {events.Count} new quotes, {seen} already sent");
            if (events.Count > 0 || state.LoadProblem is not null) await state.SaveAsync(store, ct);
            return new ProducerRun(events, logs) { Skipped = skipped };
        }
    }

    /// <summary>
    /// Maps a CoinGecko id to a catalog ticker through the coin names: <c>bitcoin</c> → BTC, <c>shiba-inu</c> → SHIB,
    /// <c>avalanche-2</c> → AVAX, <c>binancecoin</c> → BNB, <c>matic-network</c> → MATIC. Tries the id as words (without a
    /// trailing <c>-N</c>), with separators removed (compared to names likewise), then without trailing generic words
    /// (network, token, ecosystem, protocol). Never guesses from a leading word: <c>bitcoin-cash</c> is not BTC.
    /// </summary>
    public static bool TryResolveCoinId(CoinCatalog coins, string id, out string ticker)
    {
        var words = id.Trim().ToLowerInvariant().Replace('_', '-').Split('-', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) { ticker = ""; return false; }
        if (words.Length > 1 && words[^1].All(char.IsAsciiDigit)) words = words[..^1];
        if (coins.TryResolveSymbol(string.Join(' ', words), out ticker)) return true;
        var compact = string.Concat(words);
        foreach (var c in coins.Coins)
            foreach (var name in c.Names.Concat(c.CapitalisedNames ?? []))
                if (string.Concat(name.Where(char.IsLetterOrDigit)).Equals(compact, StringComparison.OrdinalIgnoreCase)) { ticker = c.Ticker; return true; }
        int keep = words.Length;
        while (keep > 1 && words[keep - 1] is "network" or "token" or "ecosystem" or "protocol") keep--;
        if (keep < words.Length) return coins.TryResolveSymbol(string.Join(' ', words[..keep]), out ticker);
        ticker = "";
        return false;
    }
}
