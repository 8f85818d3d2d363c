using System.Security.Cryptography;
using System.Text;
using CryptoSentiment.Events;
using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Tests.Enrich;

/// <summary>How the fake LLM behaves.</summary>
internal enum FakeMode
{
    /// <summary>Answers every headline (scorer <c>llm</c>).</summary>
    Healthy,
    /// <summary>Circuit open: every headline is scored by the offline scorer and marked <c>fallback</c>.</summary>
    Down,
    /// <summary>The call throws (a failure the scorer does not absorb).</summary>
    Throws,
}

/// <summary>
/// A deterministic stand-in for the LLM scorer (an <see cref="ICacheableScorer"/> named <c>llm</c>): labels come from a hash
/// of the normalised headline, tokens from its length. Records every call; can fall back (all headlines, or those matching
/// <see cref="FallsBackOn"/>) or throw; <see cref="OnCall"/> runs inside each call (to interleave other writers).
/// </summary>
internal sealed class FakeLlmScorer(string model = "fake-gpt", string promptVersion = "p1") : ICacheableScorer
{
    public const int TokensOutPerHeadline = 7;
    private readonly List<IReadOnlyList<SentimentRequest>> _calls = [];

    public string Name => ScorerNames.Llm;
    public string Model { get; } = model;
    public string PromptVersion { get; } = promptVersion;
    public FakeMode Mode { get; set; } = FakeMode.Healthy;
    public Func<string, bool>? FallsBackOn { get; set; }
    public Func<IReadOnlyList<SentimentRequest>, Task>? OnCall { get; set; }

    public IReadOnlyList<IReadOnlyList<SentimentRequest>> Calls { get { lock (_calls) return _calls.ToList(); } }
    public int CallCount { get { lock (_calls) return _calls.Count; } }
    public IEnumerable<string> ScoredTexts => Calls.SelectMany(c => c).Select(r => r.Text);
    public void Reset() { lock (_calls) _calls.Clear(); }

    public static int TokensIn(string text) => 20 + text.Length / 4;

    /// <summary>The fake's answer for a headline (what a healthy call returns).</summary>
    public static (SentimentLabel Label, double Confidence) Answer(string text)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(EventParser.NormaliseTitle(text)));
        return ((SentimentLabel)(h[0] % 3 - 1), 0.5 + h[1] % 50 / 100.0);
    }

    public async ValueTask<IReadOnlyList<SentimentResult>> ScoreAsync(IReadOnlyList<SentimentRequest> batch, CancellationToken cancellationToken = default)
    {
        lock (_calls) _calls.Add(batch.ToList());
        if (OnCall is { } hook) await hook(batch);
        if (Mode == FakeMode.Throws) throw new HttpRequestException("fake LLM: 500 Internal Server Error");
        var results = new List<SentimentResult>(batch.Count);
        foreach (var q in batch)
        {
            if (Mode == FakeMode.Down || FallsBackOn?.Invoke(q.Text) == true)
            {
                var o = (await OfflineScorer.Default.ScoreAsync([q], cancellationToken))[0];
                results.Add(o with { Scorer = ScorerNames.Fallback });
                continue;
            }
            var (label, confidence) = Answer(q.Text);
            results.Add(new SentimentResult(q.Id, label, confidence, [], "fake: " + q.Text[..Math.Min(20, q.Text.Length)], ScorerNames.Llm,
                Model, PromptVersion, TokensIn(q.Text), TokensOutPerHeadline));
        }
        results.Reverse(); // any order is allowed
        return results;
    }
}
