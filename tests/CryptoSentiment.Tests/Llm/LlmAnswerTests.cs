using CryptoSentiment.Sentiment;
using CryptoSentiment.Sentiment.Llm;

namespace CryptoSentiment.Tests.Llm;

public class LlmAnswerTests
{
    private static readonly string[] Asked = ["1", "2", "3", "4"];

    private static string Item(string id, string label = "Positive", string confidence = "0.8", string coins = "[\"btc\",\"$ETH\"]", string summary = "\"ETF\\ninflows\"") =>
        $$"""{"id":"{{id}}","coins":{{coins}},"label":"{{label}}","confidence":{{confidence}},"summary":{{summary}}}""";

    [Fact]
    public void EachItemIsJudgedOnItsOwn()
    {
        var json = "{\"items\":[" + string.Join(",",
            Item("1"), Item("2", label: "Bullish"), Item("3", confidence: "1.5"), Item("3"), Item("9"), Item("4", coins: "[1]")) + "]}";
        var a = LlmAnswer.Validate(Asked, json, null);
        Assert.Null(a.Problem);
        Assert.Equal(["1"], a.Good.Keys);
        Assert.Equal(new LlmItem(SentimentLabel.Positive, 0.8, ["BTC", "ETH"], "ETF inflows"), a.Good["1"] with { Coins = [.. a.Good["1"].Coins] },
            new LlmItemComparer());
        Assert.Equal("invalid_label", a.Bad["2"]);
        Assert.Equal("duplicated_id", a.Bad["3"]);
        Assert.Equal("bad_coins", a.Bad["4"]);
        Assert.Equal(1, a.Extra);
    }

    [Fact]
    public void TruncatedJsonKeepsTheCompleteItemsBeforeTheCut()
    {
        var full = "{\"items\":[" + string.Join(",", Item("1"), Item("2"), Item("3"), Item("4")) + "]}";
        var cut = full[..(full.IndexOf("\"id\":\"3\"", StringComparison.Ordinal) + 12)];
        var a = LlmAnswer.Validate(Asked, cut, null);
        Assert.Equal(["1", "2"], a.Good.Keys.Order());
        Assert.Equal(["3", "4"], a.Bad.Keys.Order());
        Assert.NotNull(a.Problem);
    }

    [Theory]
    [InlineData(null, "I can't help with that.", "refusal")]
    [InlineData("", null, "empty")]
    [InlineData("Sure! 1 Positive", null, "malformed_json")]
    [InlineData("[1,2]", null, "not_an_object")]
    [InlineData("{\"result\":[]}", null, "no_items")]
    public void AWholeBadAnswerFailsEveryId(string? content, string? refusal, string problem)
    {
        var a = LlmAnswer.Validate(Asked, content, refusal);
        Assert.Empty(a.Good);
        Assert.Equal(problem, a.Problem);
        Assert.Equal(Asked, a.Bad.Keys.Order());
    }

    [Fact]
    public void MissingIdsAreBadAndNumericIdsAreAccepted()
    {
        var json = "{\"items\":[" + Item("1").Replace("\"id\":\"1\"", "\"id\":1") + "," + Item("2", label: "neutral") + "]}";
        var a = LlmAnswer.Validate(Asked, json, null);
        Assert.Equal(["1", "2"], a.Good.Keys.Order());
        Assert.Equal(SentimentLabel.Neutral, a.Good["2"].Label);
        Assert.Equal("missing_id", a.Bad["3"]);
    }

    [Theory]
    [InlineData(10, new[] { 1.0, 1.0, 1.0 }, new[] { 4, 3, 3 })]
    [InlineData(7, new[] { 3.0, 1.0 }, new[] { 5, 2 })]
    [InlineData(0, new[] { 1.0, 2.0 }, new[] { 0, 0 })]
    [InlineData(5, new[] { 0.0, 0.0 }, new[] { 3, 2 })]
    public void TokenSharesAreWholeAndAddUpExactly(int total, double[] weights, int[] expected)
    {
        var shares = TokenApportioner.Split(total, weights);
        Assert.Equal(expected, shares);
        Assert.Equal(total, shares.Sum());
    }

    [Fact]
    public void ThePromptIsVersionedAndCompact()
    {
        var p = LlmPrompt.Load("sentiment-v1");
        Assert.Equal("sentiment-v1", p.Version);
        Assert.Contains("sentiment-v1", LlmPrompt.Available());
        Assert.InRange(p.SystemText.Length, 100, 600);
        Assert.Equal("7|Bitcoin up 5% on ETF news", LlmPrompt.Line("7", "  Bitcoin up\n5%   on ETF news ", 300));
        Assert.Equal("1|abc", LlmPrompt.Line("1", "abcdef", 3));
    }

    private sealed class LlmItemComparer : IEqualityComparer<LlmItem>
    {
        public bool Equals(LlmItem? x, LlmItem? y) => x is not null && y is not null && x.Label == y.Label && x.Confidence == y.Confidence
            && x.Coins.SequenceEqual(y.Coins) && x.Summary == y.Summary;
        public int GetHashCode(LlmItem obj) => 0;
    }
}
