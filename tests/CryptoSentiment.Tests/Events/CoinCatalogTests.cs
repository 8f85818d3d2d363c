using CryptoSentiment.Events;

namespace CryptoSentiment.Tests.Events;

public class CoinCatalogTests
{
    private static readonly CoinCatalog C = CoinCatalog.Default;

    [Theory]
    [InlineData("Bitcoin hits new high", "BTC")]
    [InlineData("BTC slides", "BTC")]
    [InlineData("Buy $BTC now", "BTC")]
    [InlineData("$btc pumps", "BTC")]
    [InlineData("what is bitcoin's next move", "BTC")]
    [InlineData("Analysts debate Bitcoin’s next step", "BTC")]
    [InlineData("Polkadot's parachain auction", "DOT")]
    [InlineData("People still buy bitcoins", "BTC")]
    [InlineData("Ether and Ethereum", "ETH")]
    [InlineData("Shiba Inu burns tokens", "SHIB")]
    [InlineData("Binance Coin rises", "BNB")]
    [InlineData("DOT and LINK rally", "DOT,LINK")]
    [InlineData("$link and $dot", "LINK,DOT")]
    [InlineData("Solana vs Cardano vs Ripple", "SOL,ADA,XRP")]
    [InlineData("Avalanche network grows", "AVAX")]
    [InlineData("Toncoin and TON", "TON")]
    [InlineData("Polygon (MATIC) and Tron", "MATIC,TRX")]
    [InlineData("Dogecoin, Litecoin, Chainlink", "DOGE,LTC,LINK")]
    [InlineData("ETH then BTC then Bitcoin then eth", "ETH,BTC")]
    public void FindsCoins(string text, string expected) => Assert.Equal(expected.Split(','), C.FindCoins(text));

    [Theory]
    [InlineData("Click the link below to read more")]
    [InlineData("Connect the dots, a ton of work, sol y sombra, ada lovelace")]
    [InlineData("An avalanche of sell orders")]
    [InlineData("Binance exchange lists new pairs")]
    [InlineData("BTCUSDT and $45,000 and 3-2-1")]
    [InlineData("")]
    public void IgnoresOrdinaryWords(string text) => Assert.Empty(C.FindCoins(text));

    [Theory]
    [InlineData("BTC", "BTC")]
    [InlineData("btc", "BTC")]
    [InlineData("$eth", "ETH")]
    [InlineData(" sol ", "SOL")]
    [InlineData("link", "LINK")]
    [InlineData("BTCUSDT", "BTC")]
    [InlineData("Bitcoin", "BTC")]
    [InlineData("xbt", "BTC")]
    public void ResolvesSymbols(string symbol, string ticker)
    {
        Assert.True(C.TryResolveSymbol(symbol, out var t));
        Assert.Equal(ticker, t);
    }

    [Theory]
    [InlineData("PEPE")]
    [InlineData("")]
    [InlineData("$")]
    [InlineData("USDT")]
    public void RejectsUnknownSymbols(string symbol) => Assert.False(C.TryResolveSymbol(symbol, out _));

    [Fact]
    public void DefaultCoversTheContractCoins()
    {
        foreach (var t in "BTC ETH SOL BNB XRP ADA DOGE LTC LINK MATIC DOT AVAX TRX SHIB TON".Split(' '))
            Assert.True(C.TryResolveSymbol(t, out var r) && r == t, t);
    }

    [Fact]
    public void LoadsFromJson()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"coins":[{"ticker":"pepe","names":["Pepe Coin"],"aliases":["PEPE2"]},{"ticker":"ONE","names":["Harmony"],"ambiguous":true}]}""");
            var c = CoinCatalog.Load(path);
            Assert.Equal(["PEPE", "ONE"], c.FindCoins("Pepe Coin and PEPE2 and ONE, but one swallow is not Harmony"));
            Assert.Empty(c.FindCoins("just one thing"));
            Assert.True(c.TryResolveSymbol("pepe", out var t) && t == "PEPE");
            Assert.False(c.TryResolveSymbol("BTC", out _));
        }
        finally { File.Delete(path); }
    }
}
