using System.Text.Unicode;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Pipeline.Silver;

/// <summary>A rejected event and why.</summary>
public readonly record struct Rejected(RawEvent Event, string Reason);

/// <summary>
/// Quarantine: rejected events with their reason code, committed once per (stream, partition, sequence range), in the
/// <c>ingest_date</c> partition of the day they arrived (their own timestamps may be what is wrong with them).
/// </summary>
public static class Quarantine
{
    /// <summary>
    /// Commits the rejected events of <paramref name="batch"/> not quarantined yet. A concurrent commit of part of the same range
    /// throws <see cref="ConflictKind.ConcurrentTxn"/>: the caller redoes the batch (silver does), skipping what landed.
    /// </summary>
    public static async Task WriteAsync(Lakehouse lake, DuckDbConnection c, EventBatch batch, IReadOnlyList<Rejected> rejected, DateTimeOffset now, CancellationToken ct)
    {
        if (rejected.Count == 0) return;
        var def = LakeTables.SilverQuarantine;
        var table = await lake.AppendTableAsync(def, ct: ct);
        var appId = TxnIds.For(def, batch);
        // A redelivery (possibly with other batch boundaries) after a crash between this commit and silver's:
        // events up to the recorded sequence number are quarantined already.
        var read = table.Snapshot; // what is already quarantined is decided on this snapshot: the commit checks everything after it
        if (read.TxnVersion(appId) is { } done) rejected = rejected.Where(r => r.Event.SequenceNumber > done).ToList();
        if (rejected.Count == 0) return;
        var last = rejected[^1].Event.SequenceNumber;

        c.Execute($"CREATE OR REPLACE TEMP TABLE stage_quarantine ({def.DuckDbColumnList()})");
        var source = BronzeSource(batch.Stream);
        var day = DateOnly.FromDateTime(now.UtcDateTime); // partitioned by ingest day, like bronze
        using (var a = c.CreateAppender("stage_quarantine"))
            foreach (var (e, reason) in rejected)
            {
                a.Append(source).Append(e.PartitionId).Append(e.SequenceNumber).Append(reason);
                var body = e.Body.Span;
                if (Utf8.IsValid(body)) a.AppendUtf8(body).Append("utf8");
                else a.Append(Convert.ToBase64String(body)).Append("base64");
                a.Append(now).Append(day);
                a.EndRow();
            }
        var adds = await ParquetWriter.WriteAsync(c, "stage_quarantine", def, lake.Store, ct);
        var tx = table.BeginTransaction(read);
        foreach (var add in adds) tx.Add(add);
        tx.SetTxn(appId, last);
        tx.CommitInfo("WRITE", new Dictionary<string, string> { ["mode"] = "Append", ["source"] = source },
            new Dictionary<string, long> { ["numOutputRows"] = rejected.Count });
        await AppendCommit.CommitAsync(lake, table, tx, ct);
    }

    public static string BronzeSource(EventStream stream) =>
        stream == EventStream.News ? LakeTables.BronzeNews.Path : LakeTables.BronzePrices.Path;
}
