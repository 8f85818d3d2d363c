using System.Security.Cryptography;
using System.Text;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Sentiment;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>One sampled LLM-scored headline with its offline label.</summary>
public sealed record AgreementSample(string ArticleId, string? Model, string? PromptVersion, SentimentLabel OfflineLabel, DateTimeOffset PublishedAt);

/// <summary>
/// The offline-agreement sample of ARCHITECTURE §10: with the LLM scorer, the headlines whose article id hashes into the
/// first <c>SCORER_AGREEMENT_SAMPLE</c> of the hash space are also scored by the offline scorer; silver/scorer_agreement keeps
/// the offline label (committed once per (stream, partition, sequence range), like the quarantine), and gold/scorer_daily's
/// <c>agreement_offline</c> is the share of them on which the two scorers agree.
/// </summary>
public static class ScorerAgreement
{
    /// <summary>True when <paramref name="articleId"/> is in the sample: the first 8 bytes of SHA-256(id), as a fraction of 2⁶⁴, are below <paramref name="share"/>.</summary>
    public static bool Sampled(string articleId, double share)
    {
        if (share <= 0) return false;
        if (share >= 1) return true;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(articleId), hash);
        var x = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
        return x / 18446744073709551616.0 < share;
    }

    /// <summary>The sampled LLM answers of a batch, each re-scored by <paramref name="offline"/>.</summary>
    public static List<AgreementSample> Sample(IEnumerable<(string ArticleId, string Title, DateTimeOffset PublishedAt)> articles,
        IReadOnlyDictionary<string, SentimentResult> results, double share, OfflineScorer offline)
    {
        var samples = new List<AgreementSample>();
        foreach (var (id, title, published) in articles)
            if (results.TryGetValue(id, out var r) && r.Scorer == ScorerNames.Llm && Sampled(id, share))
                samples.Add(new AgreementSample(id, r.Model, r.PromptVersion, offline.Evaluate(title).Label, published));
        return samples;
    }

    /// <summary>Commits the samples of <paramref name="batch"/> not committed yet (a redelivery after this commit skips them).</summary>
    public static async Task WriteAsync(Lakehouse lake, DuckDbConnection c, EventBatch batch, IReadOnlyList<AgreementSample> samples, DateTimeOffset now,
        CancellationToken ct)
    {
        if (samples.Count == 0 || batch.Events.Count == 0) return;
        var def = LakeTables.SilverScorerAgreement;
        var table = await lake.AppendTableAsync(def, ct: ct);
        var appId = TxnIds.For(def, batch);
        var last = batch.Events[^1].SequenceNumber;
        if (table.Snapshot.TxnVersion(appId) is { } done && done >= last) return;

        c.Execute($"CREATE OR REPLACE TEMP TABLE stage_scorer_agreement ({def.DuckDbColumnList()})");
        using (var a = c.CreateAppender("stage_scorer_agreement"))
            foreach (var s in samples)
            {
                a.Append(s.ArticleId).Append(s.Model).Append(s.PromptVersion).Append(s.OfflineLabel.ToString()).Append(s.PublishedAt).Append(now)
                 .Append(SilverStep.DayOf(s.PublishedAt));
                a.EndRow();
            }
        var adds = await ParquetWriter.WriteAsync(c, "stage_scorer_agreement", def, lake.Store, ct);
        var tx = table.BeginTransaction();
        foreach (var add in adds) tx.Add(add);
        tx.SetTxn(appId, last);
        tx.CommitInfo("WRITE", new Dictionary<string, string> { ["mode"] = "Append" }, new Dictionary<string, long> { ["numOutputRows"] = samples.Count });
        await AppendCommit.CommitAsync(lake, table, tx, ct);
    }
}
