using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoSentiment.Events;

namespace CryptoSentiment.Generator;

/// <summary>What a generated stream must produce downstream, so ingest can be reconciled exactly.</summary>
/// <param name="NewsEvents">News events in the stream.</param>
/// <param name="ValidNews">News events that pass validation (including duplicates).</param>
/// <param name="DistinctArticles">Distinct article ids among the valid news events.</param>
/// <param name="ExactDuplicates">Events re-sent byte for byte.</param>
/// <param name="NearDuplicates">Events that differ in bytes but derive the same article id (tracking params on the URL; title punctuation/case).</param>
/// <param name="NewsRejected">Malformed news events per reason code.</param>
/// <param name="PriceEvents">Price events in the stream.</param>
/// <param name="ValidPrices">Price events that pass validation; (coin, ts) pairs are distinct.</param>
/// <param name="PricesRejected">Malformed price events per reason code.</param>
public sealed record GeneratedCounts(
    int NewsEvents, int ValidNews, int DistinctArticles, int ExactDuplicates, int NearDuplicates,
    IReadOnlyDictionary<string, int> NewsRejected, int PriceEvents, int ValidPrices, IReadOnlyDictionary<string, int> PricesRejected)
{
    /// <summary>Valid news events skipped as duplicates (= <see cref="ValidNews"/> − <see cref="DistinctArticles"/>).</summary>
    public int NewsDuplicates => ValidNews - DistinctArticles;
}

/// <summary>A generated sample stream: JSON event bodies (events contract, §3) in stream order.</summary>
/// <param name="News">News event bodies.</param>
/// <param name="Prices">Price event bodies.</param>
/// <param name="Expected">Counts the ingest must reproduce.</param>
/// <param name="Start">First covered hour.</param>
/// <param name="End">End of the covered hours; every valid timestamp is before it. Use it (or later) as ingest time.</param>
public sealed record GeneratedStream(IReadOnlyList<byte[]> News, IReadOnlyList<byte[]> Prices, GeneratedCounts Expected, DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The news or price events as batches; see <see cref="EventBatcher.ToBatches"/>. Enqueued from <see cref="End"/> on.</summary>
    public IEnumerable<EventBatch> ToBatches(EventStream stream, int batchSize, int partitions) =>
        EventBatcher.ToBatches(stream == EventStream.News ? News : Prices, stream, batchSize, partitions, End);
}

/// <summary>
/// Seeded generator of a realistic news + price stream: headline templates with known sentiment over several
/// coins, bursts of news in some hours, exact and near duplicates, ~3 % malformed events covering every reason
/// code that applies to the stream, and hourly random-walk prices per coin with extra ticks inside the hour.
/// The same seed and start give the same bytes. Malformed <c>future_timestamp</c> events are dated 50 years
/// after <c>start</c>, so the expected counts hold for any ingest time from <see cref="GeneratedStream.End"/> on.
/// </summary>
public sealed class SampleStreamGenerator(int seed, DateTimeOffset start)
{
    private static readonly (string Ticker, string Name, double Price, double Weight)[] CoinsInfo =
    [
        ("BTC", "Bitcoin", 60000, 10), ("ETH", "Ethereum", 3000, 7), ("SOL", "Solana", 150, 4), ("BNB", "BNB", 550, 2),
        ("XRP", "XRP", 0.6, 3), ("ADA", "Cardano", 0.45, 2), ("DOGE", "Dogecoin", 0.15, 3), ("LTC", "Litecoin", 80, 1),
        ("LINK", "Chainlink", 15, 1.5), ("MATIC", "Polygon", 0.7, 1), ("DOT", "Polkadot", 7, 1.5), ("AVAX", "Avalanche", 35, 1),
        ("TRX", "Tron", 0.12, 1), ("SHIB", "Shiba Inu", 0.00002, 1.5), ("TON", "Toncoin", 6, 1),
    ];

    private static readonly string[] NewsFaults =
    [
        "invalid_json", "invalid_utf8", "not_an_object", "missing_field:title", "missing_field:published_at", "bad_type:title",
        "bad_type:published_at", "bad_type:coins", "bad_type:url", "bad_type:id", "bad_timestamp", "future_timestamp", "text_too_long", "nan",
    ];

    private static readonly string[] PriceFaults =
    [
        "invalid_json", "not_an_object", "missing_field:symbol", "missing_field:price_usd", "missing_field:ts", "bad_type:symbol",
        "bad_type:price_usd", "bad_type:ts", "bad_type:volume_usd", "bad_timestamp", "future_timestamp", "unknown_symbol", "bad_price", "negative_price", "nan",
    ];

    /// <summary>Share of malformed events (at least one of each kind is always generated).</summary>
    public double MalformedShare { get; init; } = 0.03;
    /// <summary>Share of exact duplicates among news events.</summary>
    public double ExactDuplicateShare { get; init; } = 0.04;
    /// <summary>Share of near duplicates among news events.</summary>
    public double NearDuplicateShare { get; init; } = 0.03;

    private readonly DateTimeOffset _start = new(start.UtcDateTime.Date.AddHours(start.UtcDateTime.Hour), TimeSpan.Zero);

    /// <summary>Generates <paramref name="newsEvents"/> news events over <paramref name="hours"/> hours, and prices for every coin over those hours.</summary>
    public GeneratedStream Generate(int newsEvents, int hours)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newsEvents);
        ArgumentOutOfRangeException.ThrowIfLessThan(hours, 1);
        var rng = new Random(seed);
        var end = _start.AddHours(hours);
        var news = GenerateNews(rng, newsEvents, hours, out var newsCounts);
        var prices = GeneratePrices(rng, hours, out int validPrices, out var priceRejected);
        var counts = newsCounts with { PriceEvents = prices.Count, ValidPrices = validPrices, PricesRejected = priceRejected };
        return new GeneratedStream(news, prices, counts, _start, end);
    }

    private List<byte[]> GenerateNews(Random rng, int total, int hours, out GeneratedCounts counts)
    {
        int malformed = total == 0 ? 0 : Math.Min(total, Math.Max(NewsFaults.Length + 1, (int)Math.Round(total * MalformedShare)));
        int exact = (int)(total * ExactDuplicateShare), near = (int)(total * NearDuplicateShare);
        if (malformed + exact + near > total) { exact = 0; near = 0; }
        int originals = total - malformed - exact - near;

        // Hour weights: a quiet/busy daily cycle plus random bursts.
        var weights = new double[hours];
        for (int h = 0; h < hours; h++)
            weights[h] = (0.7 + 0.3 * Math.Sin((_start.Hour + h) / 24.0 * 2 * Math.PI)) * (rng.NextDouble() < 0.12 ? 3 + rng.NextDouble() * 5 : 1);
        double sum = weights.Sum();
        var times = new List<DateTimeOffset>(total);
        for (int k = 0; k < total; k++)
        {
            double x = rng.NextDouble() * sum;
            int h = 0;
            while (h < hours - 1 && (x -= weights[h]) > 0) h++;
            times.Add(_start.AddHours(h).AddSeconds(rng.Next(3600)));
        }
        times.Sort();

        // Roles: 0 original, 1 exact duplicate, 2 near duplicate, 3 malformed; duplicates never come first.
        var roles = new List<int>(total);
        roles.AddRange(Enumerable.Repeat(1, exact)); roles.AddRange(Enumerable.Repeat(2, near)); roles.AddRange(Enumerable.Repeat(3, malformed));
        roles.AddRange(Enumerable.Repeat(0, Math.Max(0, originals - 1)));
        Shuffle(rng, roles);
        if (originals > 0) roles.Insert(0, 0);

        var bodies = new List<byte[]>(total);
        var sent = new List<byte[]>();            // valid originals, for exact duplicates
        var idless = new List<Article>();          // valid originals without id, for near duplicates
        var rejected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var headlines = new Dictionary<string, int>(StringComparer.Ordinal); // source + normalised title → originals so far
        int valid = 0, n = 0, faultIndex = 0, exactMade = 0, nearMade = 0;
        bool tooLargeDone = false;
        for (int k = 0; k < total; k++)
        {
            var t = times[k];
            int role = roles[k];
            if (role == 2 && idless.Count == 0) role = 0;
            switch (role)
            {
                case 1:
                    bodies.Add(sent[rng.Next(sent.Count)]);
                    valid++; exactMade++;
                    break;
                case 2:
                    var a = idless[rng.Next(idless.Count)];
                    var copy = a.Url is not null
                        ? a with { Url = a.Url + (a.Url.Contains('?') ? "&" : "?") + "utm_source=feed&utm_medium=social#top", PublishedAt = t }
                        : a with { Title = a.Title.ToUpperInvariant() + "!", PublishedAt = t };
                    bodies.Add(copy.ToJson());
                    ids.Add(copy.DerivedId());
                    valid++; nearMade++;
                    break;
                case 3:
                    string fault = !tooLargeDone ? "too_large" : NewsFaults[faultIndex++ % NewsFaults.Length];
                    tooLargeDone = true;
                    var (body, reason) = BadNews(rng, fault, t);
                    bodies.Add(body);
                    rejected[reason] = rejected.GetValueOrDefault(reason) + 1;
                    break;
                default:
                    var art = NewArticle(rng, ++n, t, headlines);
                    var bytes = art.ToJson();
                    bodies.Add(bytes);
                    sent.Add(bytes);
                    if (art.Id is null) idless.Add(art);
                    ids.Add(art.Id ?? art.DerivedId());
                    valid++;
                    break;
            }
        }
        counts = new GeneratedCounts(total, valid, ids.Count, exactMade, nearMade, rejected, 0, 0, new Dictionary<string, int>());
        return bodies;
    }

    private sealed record Article(string? Id, string Title, string? Url, string Source, DateTimeOffset PublishedAt, string TimeText, string[]? Coins, string? Summary)
    {
        public string DerivedId() => EventParser.DeriveArticleId(Url is null ? null : EventParser.CanonicalizeUrl(Url), Source, Title);

        public byte[] ToJson() => Json(w =>
        {
            if (Id is not null) w.WriteString("id", Id);
            w.WriteString("title", Title);
            if (Url is not null) w.WriteString("url", Url);
            w.WriteString("source", Source);
            w.WriteString("published_at", TimeText);
            if (Coins is not null) { w.WriteStartArray("coins"); foreach (var c in Coins) w.WriteStringValue(c); w.WriteEndArray(); }
            if (Summary is not null) w.WriteString("summary", Summary);
        });
    }

    private Article NewArticle(Random rng, int n, DateTimeOffset t, Dictionary<string, int> headlines)
    {
        var coin = PickCoin(rng);
        var (template, _) = Headlines.Templates[rng.Next(Headlines.Templates.Count)];
        var title = template.Replace("{name}", coin.Name).Replace("{ticker}", coin.Ticker)
            .Replace("{pct}", (rng.Next(10, 400) / 10.0).ToString("0.#", CultureInfo.InvariantCulture))
            .Replace("{price}", FormatPrice(coin.Price * (0.8 + rng.NextDouble() * 0.4)))
            .Replace("{n}", rng.Next(2, 900).ToString(CultureInfo.InvariantCulture));
        var source = Headlines.Sources[rng.Next(Headlines.Sources.Count)];
        // An original never repeats an earlier original's source + headline: silver treats that pair as the same
        // article (a re-post), so a repeat would be an unintended duplicate the expected counts do not include.
        var headlineKey = EventParser.DeriveArticleId(null, source, title);
        if (headlines.TryGetValue(headlineKey, out var seen))
        {
            title = $"{title} (update {seen + 1})";
            headlines[EventParser.DeriveArticleId(null, source, title)] = 0;
        }
        headlines[headlineKey] = seen + 1;
        double r = rng.NextDouble();
        string? id = r < 0.45 ? $"gen-{seed}-{n}" : null;
        string? url = r < 0.9
            ? $"https://www.{source.Replace(" ", "").ToLowerInvariant()}.example/news/{Slug(title)}-{n}" + (rng.NextDouble() < 0.2 ? "/?ref=home" : "")
            : null;
        string[]? coins = rng.NextDouble() < 0.4 ? (rng.NextDouble() < 0.5 ? [coin.Ticker] : ["$" + coin.Ticker.ToLowerInvariant(), "PEPE"]) : null;
        string? summary = rng.NextDouble() < 0.6 ? Headlines.Summaries[rng.Next(Headlines.Summaries.Count)] : null;
        // Timestamp spellings exercise UTC normalisation: Z, an offset, no offset, fractional seconds.
        string time = rng.Next(4) switch
        {
            0 => t.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            1 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
            2 => t.UtcDateTime.AddMilliseconds(rng.Next(1000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            _ => Timestamps.Format(t),
        };
        return new Article(id, title, url, source, t, time, coins, summary);
    }

    private static (byte[] Body, string Reason) BadNews(Random rng, string fault, DateTimeOffset t)
    {
        string ts = Timestamps.Format(t);
        string Obj(string fields) => "{" + fields + "}";
        string ok = $"\"source\":\"Chain Herald\",\"published_at\":\"{ts}\"";
        return fault switch
        {
            "too_large" => (Json(w => { w.WriteString("title", "Oversized event"); w.WriteString("published_at", ts); w.WriteString("summary", new string('x', EventParser.MaxBodyBytes + 10)); }), ReasonCodes.TooLarge),
            "invalid_json" => (Utf8($"{{\"title\":\"Bitcoin truncated\",\"published_at\":\"{ts}"), ReasonCodes.InvalidJson),
            "invalid_utf8" => ([.. Utf8("{\"title\":\"Bad bytes "), 0xC3, 0x28, 0xFF, .. Utf8($"\",\"published_at\":\"{ts}\"}}")], ReasonCodes.InvalidJson),
            "nan" => (Utf8(Obj($"\"title\":\"Ether news\",{ok},\"score\":NaN")), ReasonCodes.InvalidJson),
            "not_an_object" => (Utf8(rng.Next(2) == 0 ? $"[\"Bitcoin\",\"{ts}\"]" : "\"just a headline\""), ReasonCodes.NotAnObject),
            "missing_field:title" => (Utf8(Obj(rng.Next(2) == 0 ? ok : "\"title\":\"   \"," + ok)), ReasonCodes.MissingField("title")),
            "missing_field:published_at" => (Utf8(Obj("\"title\":\"Solana upgrade ships\",\"source\":\"Token Times\"")), ReasonCodes.MissingField("published_at")),
            "bad_type:title" => (Utf8(Obj("\"title\":42," + ok)), ReasonCodes.BadType("title")),
            "bad_type:published_at" => (Utf8(Obj($"\"title\":\"Bitcoin steady\",\"published_at\":{t.ToUnixTimeSeconds()}")), ReasonCodes.BadType("published_at")),
            "bad_type:coins" => (Utf8(Obj("\"title\":\"Dogecoin jumps\",\"coins\":\"DOGE\"," + ok)), ReasonCodes.BadType("coins")),
            "bad_type:url" => (Utf8(Obj("\"title\":\"Cardano update\",\"url\":{\"href\":\"x\"}," + ok)), ReasonCodes.BadType("url")),
            "bad_type:id" => (Utf8(Obj("\"id\":12345,\"title\":\"Tron volume rises\"," + ok)), ReasonCodes.BadType("id")),
            "bad_timestamp" => (Utf8(Obj($"\"title\":\"Litecoin halving nears\",\"published_at\":\"{t.UtcDateTime.ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture)}\"")), ReasonCodes.BadTimestamp),
            "future_timestamp" => (Utf8(Obj($"\"title\":\"Bitcoin from the future\",\"published_at\":\"{Timestamps.Format(t.AddYears(50))}\"")), ReasonCodes.FutureTimestamp),
            "text_too_long" => (Utf8(Obj($"\"title\":\"{new string('B', EventParser.MaxTitleLength + 1 + rng.Next(50))}\"," + ok)), ReasonCodes.TextTooLong),
            _ => throw new InvalidOperationException(fault),
        };
    }

    private List<byte[]> GeneratePrices(Random rng, int hours, out int valid, out IReadOnlyDictionary<string, int> rejected)
    {
        var ticks = new List<(DateTimeOffset Ts, int Coin, byte[] Body)>();
        for (int c = 0; c < CoinsInfo.Length; c++)
        {
            var (ticker, _, price, _) = CoinsInfo[c];
            double vol = ticker == "BTC" ? 0.006 : 0.012;
            for (int h = 0; h < hours; h++)
            {
                var hourStart = _start.AddHours(h);
                var minutes = new SortedSet<int> { 0 };
                for (int extra = rng.Next(3); extra > 0; extra--) minutes.Add(rng.Next(1, 60));
                foreach (var m in minutes)
                {
                    price *= Math.Exp(vol * Gaussian(rng) / Math.Sqrt(minutes.Count));
                    var ts = hourStart.AddMinutes(m);
                    double p = RoundPrice(price), volume = Math.Round(price * rng.Next(1000, 100000), 2);
                    ticks.Add((ts, c, Json(w =>
                    {
                        w.WriteString("symbol", rng.Next(10) == 0 ? ticker.ToLowerInvariant() : ticker);
                        w.WriteNumber("price_usd", p);
                        w.WriteString("ts", Timestamps.Format(ts));
                        w.WriteNumber("volume_usd", volume);
                        w.WriteString("source", "Sample Exchange");
                    })));
                }
            }
        }
        var bodies = ticks.OrderBy(x => x.Ts).ThenBy(x => x.Coin).Select(x => x.Body).ToList();
        valid = bodies.Count;
        int malformed = Math.Max(PriceFaults.Length + 1, (int)Math.Round(valid * MalformedShare / (1 - MalformedShare)));
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < malformed; k++)
        {
            var fault = k == 0 ? "too_large" : PriceFaults[(k - 1) % PriceFaults.Length];
            var ts = _start.AddSeconds(rng.Next(hours * 3600));
            var (body, reason) = BadPrice(fault, ts);
            bodies.Insert(rng.Next(bodies.Count + 1), body);
            counts[reason] = counts.GetValueOrDefault(reason) + 1;
        }
        rejected = counts;
        return bodies;
    }

    private static (byte[] Body, string Reason) BadPrice(string fault, DateTimeOffset t)
    {
        string ts = Timestamps.Format(t);
        string S(string fields) => "{" + fields + "}";
        return fault switch
        {
            "too_large" => (Utf8(S($"\"symbol\":\"BTC\",\"price_usd\":1,\"ts\":\"{ts}\",\"note\":\"{new string('z', EventParser.MaxBodyBytes)}\"")), ReasonCodes.TooLarge),
            "invalid_json" => (Utf8($"{{\"symbol\":\"ETH\",\"price_usd\":3000.5,\"ts\":\"{ts}\""), ReasonCodes.InvalidJson),
            "nan" => (Utf8(S($"\"symbol\":\"BTC\",\"price_usd\":NaN,\"ts\":\"{ts}\"")), ReasonCodes.InvalidJson),
            "not_an_object" => (Utf8("[\"BTC\",60000]"), ReasonCodes.NotAnObject),
            "missing_field:symbol" => (Utf8(S($"\"price_usd\":1.5,\"ts\":\"{ts}\"")), ReasonCodes.MissingField("symbol")),
            "missing_field:price_usd" => (Utf8(S($"\"symbol\":\"SOL\",\"ts\":\"{ts}\"")), ReasonCodes.MissingField("price_usd")),
            "missing_field:ts" => (Utf8(S("\"symbol\":\"SOL\",\"price_usd\":150.2")), ReasonCodes.MissingField("ts")),
            "bad_type:symbol" => (Utf8(S($"\"symbol\":[\"BTC\"],\"price_usd\":1,\"ts\":\"{ts}\"")), ReasonCodes.BadType("symbol")),
            "bad_type:price_usd" => (Utf8(S($"\"symbol\":\"BTC\",\"price_usd\":\"60000\",\"ts\":\"{ts}\"")), ReasonCodes.BadType("price_usd")),
            "bad_type:ts" => (Utf8(S($"\"symbol\":\"BTC\",\"price_usd\":60000,\"ts\":{t.ToUnixTimeSeconds()}")), ReasonCodes.BadType("ts")),
            "bad_type:volume_usd" => (Utf8(S($"\"symbol\":\"ETH\",\"price_usd\":3000,\"ts\":\"{ts}\",\"volume_usd\":\"lots\"")), ReasonCodes.BadType("volume_usd")),
            "bad_timestamp" => (Utf8(S("\"symbol\":\"ETH\",\"price_usd\":3000,\"ts\":\"yesterday\"")), ReasonCodes.BadTimestamp),
            "future_timestamp" => (Utf8(S($"\"symbol\":\"ETH\",\"price_usd\":3000,\"ts\":\"{Timestamps.Format(t.AddYears(50))}\"")), ReasonCodes.FutureTimestamp),
            "unknown_symbol" => (Utf8(S($"\"symbol\":\"PEPE\",\"price_usd\":0.0000012,\"ts\":\"{ts}\"")), ReasonCodes.UnknownSymbol),
            "bad_price" => (Utf8(S($"\"symbol\":\"DOGE\",\"price_usd\":0,\"ts\":\"{ts}\"")), ReasonCodes.BadPrice),
            "negative_price" => (Utf8(S($"\"symbol\":\"ADA\",\"price_usd\":-0.45,\"ts\":\"{ts}\"")), ReasonCodes.BadPrice),
            _ => throw new InvalidOperationException(fault),
        };
    }

    private static (string Ticker, string Name, double Price, double Weight) PickCoin(Random rng)
    {
        double total = 0;
        foreach (var c in CoinsInfo) total += c.Weight;
        double x = rng.NextDouble() * total;
        foreach (var c in CoinsInfo) if ((x -= c.Weight) <= 0) return c;
        return CoinsInfo[^1];
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double RoundPrice(double p) => p >= 1 ? Math.Round(p, 2) : double.Parse(p.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string FormatPrice(double p) => p >= 1000 ? (p / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "K" : p.ToString(p >= 1 ? "0.##" : "0.####", CultureInfo.InvariantCulture);

    private static string Slug(string title)
    {
        var norm = EventParser.NormaliseTitle(title).Replace(' ', '-');
        return norm.Length > 60 ? norm[..60] : norm;
    }

    private static void Shuffle(Random rng, List<int> list)
    {
        for (int i = list.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (list[i], list[j]) = (list[j], list[i]); }
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Json(Action<Utf8JsonWriter> fields)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
