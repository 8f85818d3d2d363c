using System.ClientModel;
using System.Globalization;
using OpenAI.Chat;
using Polly.CircuitBreaker;

namespace CryptoSentiment.Sentiment.Llm;

/// <summary>Thrown when the LLM service refuses us for a reason retrying or falling back cannot fix (401/403/404): it names the URL and status.</summary>
public sealed class LlmScorerException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Batched LLM scorer (ARCHITECTURE §6): up to <see cref="LlmScorerOptions.BatchSize"/> headlines per chat call with a strict
/// JSON-schema answer. Every answer is validated item by item; the good items are kept, only bad or missing ones are re-asked
/// once in smaller batches, and what is still bad is scored by the offline scorer and marked <c>fallback</c>. When the
/// service is unavailable (retries exhausted, circuit open) the offline scorer answers the batch (<c>fallback</c>). Each call's
/// billed tokens are apportioned to the headlines of that call, so the results' tokens add up to the bill.
/// </summary>
public sealed class LlmScorer : ICacheableScorer
{
    public const string ScorerName = ScorerNames.Llm;
    public const string FallbackName = ScorerNames.Fallback;

    private readonly ChatClient _chat;
    private readonly LlmResilience _resilience;
    private readonly ChatCompletionOptions _template;
    private readonly OfflineScorer _offline;

    public LlmScorer(LlmScorerOptions options, TimeProvider? time = null, ChatClient? chat = null, OfflineScorer? offline = null)
    {
        Options = options.Validate();
        Prompt = LlmPrompt.Load(options.PromptVersion);
        _chat = chat ?? LlmChatClientFactory.Create(options);
        _offline = offline ?? OfflineScorer.Default;
        _resilience = new LlmResilience(options, Stats, time);
        _template = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(LlmPrompt.SchemaName, BinaryData.FromString(LlmPrompt.SchemaJson), jsonSchemaIsStrict: true),
            Temperature = 0,
        };
    }

    public string Name => ScorerName;
    /// <summary>The deployment answers come from (part of the result-cache key).</summary>
    public string Model => Options.Deployment;
    /// <summary>The prompt version (part of the result-cache key).</summary>
    public string PromptVersion => Prompt.Version;
    public LlmScorerOptions Options { get; }
    public LlmPrompt Prompt { get; }
    public LlmScorerStats Stats { get; } = new();
    /// <summary>The quota limiters (requests/min, tokens/min).</summary>
    public LlmResilience Resilience => _resilience;

    public async ValueTask<IReadOnlyList<SentimentResult>> ScoreAsync(IReadOnlyList<SentimentRequest> batch, CancellationToken cancellationToken = default)
    {
        var distinct = new List<SentimentRequest>(batch.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in batch)
            if (seen.Add(r.Id)) distinct.Add(r);
        var results = new Dictionary<string, SentimentResult>(distinct.Count, StringComparer.Ordinal);
        foreach (var chunk in distinct.Chunk(Options.BatchSize))
            await ScoreChunkAsync(chunk, results, cancellationToken).ConfigureAwait(false);
        return [.. distinct.Select(r => results[r.Id])];
    }

    private async Task ScoreChunkAsync(IReadOnlyList<SentimentRequest> chunk, Dictionary<string, SentimentResult> results, CancellationToken ct)
    {
        var tokens = chunk.ToDictionary(r => r.Id, _ => new TokenShare(), StringComparer.Ordinal);
        var first = await AskAsync(chunk, tokens, ct).ConfigureAwait(false);
        var pending = Keep(chunk, first, tokens, results);
        if (first.Unavailable) { Fallback(pending, tokens, results); return; }
        if (pending.Count == 0) return;
        Stats.OnReasked(pending.Count);
        var still = new List<SentimentRequest>();
        foreach (var small in pending.Chunk(Options.ReaskBatchSize))
        {
            var again = await AskAsync(small, tokens, ct).ConfigureAwait(false);
            still.AddRange(Keep(small, again, tokens, results));
        }
        Fallback(still, tokens, results);
    }

    /// <summary>Records the good items of one call; returns the requests still without an answer.</summary>
    private List<SentimentRequest> Keep(IReadOnlyList<SentimentRequest> asked, CallOutcome outcome, Dictionary<string, TokenShare> tokens,
        Dictionary<string, SentimentResult> results)
    {
        var pending = new List<SentimentRequest>();
        for (var i = 0; i < asked.Count; i++)
        {
            var r = asked[i];
            if (outcome.Answer?.Good.TryGetValue(ShortId(i), out var item) == true)
            {
                var t = tokens[r.Id];
                results[r.Id] = new SentimentResult(r.Id, item.Label, item.Confidence, item.Coins, item.Summary, ScorerName,
                    Options.Deployment, Prompt.Version, t.In, t.Out);
            }
            else pending.Add(r);
        }
        Stats.OnLlmItems(asked.Count - pending.Count);
        return pending;
    }

    private void Fallback(IReadOnlyList<SentimentRequest> requests, Dictionary<string, TokenShare> tokens, Dictionary<string, SentimentResult> results)
    {
        foreach (var r in requests)
        {
            var t = tokens[r.Id];
            results[r.Id] = _offline.Score(r.Id, r.Text) with { Scorer = FallbackName, TokensIn = t.In, TokensOut = t.Out };
        }
        Stats.OnFallback(requests.Count);
    }

    /// <summary>Short per-call id of the i-th headline: "1".."n".</summary>
    public static string ShortId(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>One logical call (with its retries) for <paramref name="asked"/>; billed tokens are added to <paramref name="tokens"/>.</summary>
    private async Task<CallOutcome> AskAsync(IReadOnlyList<SentimentRequest> asked, Dictionary<string, TokenShare> tokens, CancellationToken ct)
    {
        var lines = asked.Select((r, i) => LlmPrompt.Line(ShortId(i), r.Text, Options.MaxHeadlineChars)).ToList();
        var user = LlmPrompt.UserText(lines);
        ChatMessage[] messages = [new SystemChatMessage(Prompt.SystemText), new UserChatMessage(user)];
        var maxOut = Options.OutputTokensBase + Options.OutputTokensPerItem * asked.Count;
        var options = new ChatCompletionOptions { ResponseFormat = _template.ResponseFormat, Temperature = _template.Temperature, MaxOutputTokenCount = maxOut };
        var estimate = TokenEstimate.Prompt([Prompt.SystemText, user], LlmPrompt.SchemaJson) + maxOut;
        Stats.OnSent(asked.Count);

        ChatCompletion completion;
        try
        {
            completion = await _resilience.ExecuteAsync(
                async token => (await _chat.CompleteChatAsync(messages, options, token).ConfigureAwait(false)).Value,
                estimate, c => (c.Usage?.InputTokenCount ?? 0) + (c.Usage?.OutputTokenCount ?? 0), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (BrokenCircuitException) { Stats.OnUnavailable(); return CallOutcome.Down; }
        catch (ClientResultException e) when (e.Status is 401 or 403 or 404)
        {
            throw new LlmScorerException($"LLM scorer: POST {new Uri(Options.BaseUrl, "chat/completions")} (model '{Options.Deployment}') answered " +
                $"{e.Status} {StatusText(e.Status)} — check {(Options.ApiKey is null ? "the Entra ID role (Cognitive Services OpenAI User) of this identity" : "AZURE_OPENAI_API_KEY")}" +
                $"{(e.Status == 404 ? " and AZURE_OPENAI_DEPLOYMENT" : "")}.", e);
        }
        catch (ClientResultException e) when (e.Status is 400 or 413 or 422)
        {
            // The request itself was refused (e.g. a content filter on one headline): smaller re-asks isolate it.
            return new CallOutcome(LlmAnswer.Validate([.. asked.Select((_, i) => ShortId(i))], null, "http_" + e.Status), false);
        }
        catch (Exception e) when (LlmResilience.IsServiceFailure(e, ct)) { Stats.OnUnavailable(); return CallOutcome.Down; }

        int tokensIn = completion.Usage?.InputTokenCount ?? 0, tokensOut = completion.Usage?.OutputTokenCount ?? 0;
        Stats.OnAnswered(tokensIn, tokensOut, Prompt.SystemText.Length + user.Length + LlmPrompt.SchemaJson.Length);
        var fixedChars = (double)(Prompt.SystemText.Length + LlmPrompt.SchemaJson.Length) / asked.Count;
        var inShares = TokenApportioner.Split(tokensIn, [.. lines.Select(l => l.Length + 1 + fixedChars)]);
        var outShares = TokenApportioner.Split(tokensOut, [.. lines.Select(_ => 1.0)]);
        for (var i = 0; i < asked.Count; i++)
        {
            var t = tokens[asked[i].Id];
            t.In += inShares[i];
            t.Out += outShares[i];
        }
        var content = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        var refusal = completion.Refusal ?? (completion.FinishReason == ChatFinishReason.ContentFilter && content.Length == 0 ? "content_filter" : null);
        return new CallOutcome(LlmAnswer.Validate([.. asked.Select((_, i) => ShortId(i))], content, refusal), false);
    }

    private static string StatusText(int status) => status switch { 401 => "Unauthorized", 403 => "Forbidden", 404 => "Not Found", _ => "" };

    private sealed class TokenShare { public int In; public int Out; }

    private sealed record CallOutcome(LlmAnswer? Answer, bool Unavailable)
    {
        public static readonly CallOutcome Down = new(null, true);
    }
}

/// <summary>Splits a billed token count over items by weight (largest remainder): the shares are whole and add up exactly.</summary>
public static class TokenApportioner
{
    public static int[] Split(int total, IReadOnlyList<double> weights)
    {
        var shares = new int[weights.Count];
        if (weights.Count == 0 || total <= 0) return shares;
        var sum = weights.Sum(w => Math.Max(w, 0));
        var exact = weights.Select(w => sum > 0 ? total * Math.Max(w, 0) / sum : (double)total / weights.Count).ToArray();
        var given = 0;
        for (var i = 0; i < shares.Length; i++) { shares[i] = (int)Math.Floor(exact[i]); given += shares[i]; }
        foreach (var i in Enumerable.Range(0, shares.Length).OrderByDescending(i => exact[i] - shares[i]).ThenBy(i => i).Take(total - given))
            shares[i]++;
        return shares;
    }
}
