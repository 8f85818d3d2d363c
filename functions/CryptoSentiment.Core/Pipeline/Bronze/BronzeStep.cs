using System.Text.Unicode;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Pipeline.Bronze;

/// <summary>
/// Bronze: every event exactly as received, append-only and replayable. Bodies that are not valid UTF-8
/// are kept losslessly as base64 (<c>body_encoding = 'base64'</c>).
/// </summary>
public static class BronzeStep
{
    public static TableDef TableFor(EventStream stream) => stream == EventStream.News ? LakeTables.BronzeNews : LakeTables.BronzePrices;

    /// <summary>Attempts when other writers commit parts of the same partition's range (see <see cref="ConflictKind.ConcurrentTxn"/>).</summary>
    public const int MaxAttempts = 10;

    /// <summary>
    /// Appends the batch's not-yet-committed events with the engine connection <paramref name="c"/>; returns how many were
    /// written. When another writer commits part of the same range meanwhile, the batch is re-read and only the rest is appended.
    /// </summary>
    public static async Task<int> AppendAsync(Lakehouse lake, DuckDbConnection c, EventBatch batch, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await AppendOnceAsync(lake, c, batch, now, attempt > 1, ct); }
            catch (DeltaConflictException e) when (e.Kind is ConflictKind.ConcurrentTxn or ConflictKind.MetadataChanged && attempt < MaxAttempts) { }
        }
    }

    private static async Task<int> AppendOnceAsync(Lakehouse lake, DuckDbConnection c, EventBatch batch, DateTimeOffset now, bool redo, CancellationToken ct)
    {
        var def = TableFor(batch.Stream);
        var table = await lake.AppendTableAsync(def, fresh: redo, ct);
        var appId = TxnIds.For(def, batch);
        var read = table.Snapshot; // what is committed is decided on this snapshot: the commit checks everything after it
        var pending = TxnIds.Pending(batch.Events, read.TxnVersion(appId));
        if (pending.Count == 0) return 0;

        c.Execute($"CREATE OR REPLACE TEMP TABLE stage_bronze ({def.DuckDbColumnList()})");
        var day = DateOnly.FromDateTime(now.UtcDateTime);
        using (var a = c.CreateAppender("stage_bronze"))
        {
            foreach (var e in pending)
            {
                var body = e.Body.Span;
                if (Utf8.IsValid(body)) a.AppendUtf8(body).Append("utf8");
                else a.Append(Convert.ToBase64String(body)).Append("base64");
                a.Append(e.PartitionId).Append(e.SequenceNumber).Append(e.EnqueuedAt).Append(now).Append(day);
                a.EndRow();
            }
        }
        var adds = await ParquetWriter.WriteAsync(c, "stage_bronze", def, lake.Store, ct);
        var tx = table.BeginTransaction(read);
        foreach (var add in adds) tx.Add(add);
        tx.SetTxn(appId, pending[^1].SequenceNumber);
        tx.CommitInfo("WRITE",
            new Dictionary<string, string> { ["mode"] = "Append", ["partitionId"] = batch.PartitionId,
                ["firstSequenceNumber"] = pending[0].SequenceNumber.ToString(), ["lastSequenceNumber"] = pending[^1].SequenceNumber.ToString() },
            new Dictionary<string, long> { ["numOutputRows"] = pending.Count, ["numFiles"] = adds.Count });
        return (await AppendCommit.CommitAsync(lake, table, tx, ct)).Committed ? pending.Count : 0;
    }
}
