using System.Text.Json;

namespace CryptoSentiment.Events;

/// <summary>
/// One coin of the catalog.
/// <para><see cref="Names"/> match in any letter case (<c>bitcoin</c>, <c>Bitcoin's</c>, <c>bitcoins</c>);
/// <see cref="CapitalisedNames"/> are also common words and only match when capitalised (<c>Avalanche</c>, not
/// <c>avalanche of sell orders</c>); <see cref="Aliases"/> are extra tickers (the ticker itself is always one).
/// When <see cref="Ambiguous"/> is set, the ticker and aliases are ordinary words too (<c>DOT</c>, <c>LINK</c>,
/// <c>TON</c>, <c>SOL</c>, <c>ADA</c>) and only match when written in capitals or with a <c>$</c> prefix.</para>
/// </summary>
public sealed record CoinDefinition(
    string Ticker,
    IReadOnlyList<string> Names,
    IReadOnlyList<string>? CapitalisedNames = null,
    IReadOnlyList<string>? Aliases = null,
    bool Ambiguous = false);

/// <summary>
/// The configurable list of coins, their names and aliases, and a fast coin finder for free text.
/// All lookup tables are built once; <see cref="FindCoins(string)"/> tokenises the text in one pass over
/// spans and does one dictionary probe per word (no regex, no per-word allocation).
/// </summary>
public sealed class CoinCatalog
{
    private enum Rule : byte { AnyCase, Capitalised, UpperOrDollar }

    private sealed record Term(string Ticker, Rule Rule, string[] Rest, bool IsName);

    private readonly Dictionary<string, Term[]> _byFirstWord = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Term[]>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;
    private readonly Dictionary<string, string> _symbols = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _symbolLookup;

    /// <summary>Builds a catalog from coin definitions.</summary>
    public CoinCatalog(IEnumerable<CoinDefinition> coins)
    {
        var terms = new Dictionary<string, List<Term>>(StringComparer.OrdinalIgnoreCase);
        var list = new List<CoinDefinition>();
        foreach (var coin in coins)
        {
            var ticker = coin.Ticker.Trim().ToUpperInvariant();
            if (ticker.Length == 0) throw new ArgumentException("A coin needs a ticker.", nameof(coins));
            list.Add(coin with { Ticker = ticker });
            var tickerRule = coin.Ambiguous ? Rule.UpperOrDollar : Rule.AnyCase;
            foreach (var alias in (coin.Aliases ?? []).Prepend(ticker))
                AddTerm(terms, alias, ticker, tickerRule, isName: false);
            foreach (var name in coin.Names) AddTerm(terms, name, ticker, Rule.AnyCase, isName: true);
            foreach (var name in coin.CapitalisedNames ?? []) AddTerm(terms, name, ticker, Rule.Capitalised, isName: true);
            foreach (var s in (coin.Aliases ?? []).Prepend(ticker).Concat(coin.Names).Concat(coin.CapitalisedNames ?? []))
                _symbols.TryAdd(string.Join(' ', Words(s)), ticker);
        }
        foreach (var (word, t) in terms)
            _byFirstWord[word] = [.. t.OrderByDescending(x => x.Rest.Length)];
        Coins = list;
        _wordLookup = _byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
        _symbolLookup = _symbols.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The coins of this catalog, tickers upper-case.</summary>
    public IReadOnlyList<CoinDefinition> Coins { get; }

    /// <summary>The built-in catalog (BTC ETH SOL BNB XRP ADA DOGE LTC LINK MATIC DOT AVAX TRX SHIB TON).</summary>
    public static CoinCatalog Default { get; } = new(
    [
        new("BTC", ["Bitcoin"], Aliases: ["XBT"]),
        new("ETH", ["Ethereum", "Ether"]),
        new("SOL", ["Solana"], Ambiguous: true),
        new("BNB", ["Binance Coin", "BNB Chain"]),
        new("XRP", [], ["Ripple"]),
        new("ADA", ["Cardano"], Ambiguous: true),
        new("DOGE", ["Dogecoin"]),
        new("LTC", ["Litecoin"]),
        new("LINK", ["Chainlink"], Ambiguous: true),
        new("MATIC", [], ["Polygon"], Aliases: ["POL"], Ambiguous: true),
        new("DOT", ["Polkadot"], Ambiguous: true),
        new("AVAX", [], ["Avalanche"]),
        new("TRX", [], ["Tron"]),
        new("SHIB", ["Shiba Inu"]),
        new("TON", ["Toncoin"], Ambiguous: true),
    ]);

    /// <summary>
    /// Loads a catalog from JSON: <c>{"coins":[{"ticker":"BTC","names":["Bitcoin"],"capitalisedNames":[],
    /// "aliases":["XBT"],"ambiguous":false}, ...]}</c> (a bare array of coins is accepted too).
    /// </summary>
    public static CoinCatalog Load(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Parses the JSON form described at <see cref="Load"/>.</summary>
    public static CoinCatalog Parse(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var root = doc.RootElement;
        var coins = root.ValueKind == JsonValueKind.Object ? root.GetProperty("coins") : root;
        var list = new List<CoinDefinition>();
        foreach (var c in coins.EnumerateArray())
        {
            static string[] Strings(JsonElement o, string name) =>
                o.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
                    ? [.. a.EnumerateArray().Select(e => e.GetString() ?? "")] : [];
            list.Add(new CoinDefinition(
                c.GetProperty("ticker").GetString() ?? "",
                Strings(c, "names"), Strings(c, "capitalisedNames"), Strings(c, "aliases"),
                c.TryGetProperty("ambiguous", out var amb) && amb.ValueKind == JsonValueKind.True));
        }
        return new CoinCatalog(list);
    }

    /// <summary>
    /// Resolves a symbol given by a producer: a ticker or alias in any case, optionally with a <c>$</c> prefix
    /// or a quote suffix (<c>BTCUSDT</c>), or a coin name (<c>Bitcoin</c>).
    /// </summary>
    public bool TryResolveSymbol(string symbol, out string ticker)
    {
        var s = symbol.AsSpan().Trim();
        if (s.StartsWith('$')) s = s[1..].Trim();
        if (_symbolLookup.TryGetValue(s, out ticker!)) return true;
        foreach (var quote in (ReadOnlySpan<string>)["USDT", "USDC", "USD"])
            if (s.Length > quote.Length && s.EndsWith(quote, StringComparison.OrdinalIgnoreCase)
                && _symbolLookup.TryGetValue(s[..^quote.Length], out ticker!)) return true;
        ticker = "";
        return false;
    }

    /// <summary>Coins mentioned in <paramref name="text"/>: distinct tickers in order of first mention.</summary>
    public IReadOnlyList<string> FindCoins(string text)
    {
        List<string>? found = null;
        FindCoins(text, ref found);
        return found is null ? [] : found;
    }

    /// <summary>Adds the coins mentioned in <paramref name="text"/> to <paramref name="found"/> (created on the first hit), skipping ones already there.</summary>
    internal void FindCoins(ReadOnlySpan<char> text, ref List<string>? found)
    {
        int pos = 0;
        while (NextToken(text, ref pos, out int start, out int length))
        {
            var word = text.Slice(start, length);
            bool dollar = start > 0 && text[start - 1] == '$';
            if (!_wordLookup.TryGetValue(word, out var terms))
            {
                // Plurals of names ("bitcoins", "ethers"): only single-word names, never tickers.
                if (length < 4 || (word[^1] | 0x20) != 's' || !_wordLookup.TryGetValue(word[..^1], out terms)) continue;
                if (!TryMatch(terms, word, dollar, text, ref pos, pluralOnly: true, ref found)) continue;
                continue;
            }
            TryMatch(terms, word, dollar, text, ref pos, pluralOnly: false, ref found);
        }
    }

    private static bool TryMatch(Term[] terms, ReadOnlySpan<char> word, bool dollar, ReadOnlySpan<char> text, ref int pos, bool pluralOnly, ref List<string>? found)
    {
        foreach (var term in terms)
        {
            if (pluralOnly && (!term.IsName || term.Rest.Length > 0)) continue;
            bool ok = term.Rule switch
            {
                Rule.Capitalised => dollar || char.IsUpper(word[0]),
                Rule.UpperOrDollar => dollar || IsAllUpper(word),
                _ => true,
            };
            if (!ok) continue;
            int after = pos;
            if (term.Rest.Length > 0)
            {
                bool all = true;
                foreach (var rest in term.Rest)
                {
                    if (!NextToken(text, ref after, out int s, out int l) || !text.Slice(s, l).Equals(rest, StringComparison.OrdinalIgnoreCase))
                    { all = false; break; }
                }
                if (!all) continue;
            }
            pos = after;
            found ??= new List<string>(2);
            if (!found.Contains(term.Ticker)) found.Add(term.Ticker);
            return true;
        }
        return false;
    }

    private static bool IsAllUpper(ReadOnlySpan<char> word)
    {
        foreach (var c in word) if (char.IsLower(c)) return false;
        return true;
    }

    private static bool IsWordChar(char c) => c < 128 ? char.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c);

    /// <summary>Next run of letters/digits at or after <paramref name="pos"/>; apostrophes split words, so <c>bitcoin's</c> yields <c>bitcoin</c>.</summary>
    private static bool NextToken(ReadOnlySpan<char> text, ref int pos, out int start, out int length)
    {
        int i = pos;
        while (i < text.Length && !IsWordChar(text[i])) i++;
        start = i;
        while (i < text.Length && IsWordChar(text[i])) i++;
        length = i - start;
        pos = i;
        return length > 0;
    }

    private static IEnumerable<string> Words(string s)
    {
        int pos = 0;
        var list = new List<string>();
        while (NextToken(s, ref pos, out int start, out int length)) list.Add(s.Substring(start, length));
        return list;
    }

    private static void AddTerm(Dictionary<string, List<Term>> terms, string text, string ticker, Rule rule, bool isName)
    {
        var words = Words(text).ToArray();
        if (words.Length == 0) return;
        if (!terms.TryGetValue(words[0], out var list)) terms[words[0]] = list = [];
        if (!list.Any(t => t.Ticker == ticker && t.Rest.SequenceEqual(words[1..], StringComparer.OrdinalIgnoreCase)))
            list.Add(new Term(ticker, rule, words[1..], isName));
    }
}
