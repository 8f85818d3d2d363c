using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;

namespace CryptoSentiment.Pipeline;

/// <summary>The commit of an ingest append (bronze, silver, quarantine, scorer agreement), with the clean-up of its files.</summary>
internal static class AppendCommit
{
    /// <summary>
    /// Commits <paramref name="tx"/>, whose added files are written already. A definite conflict deletes them and rethrows.
    /// When another writer committed the range first (<see cref="CommitOutcome.TxnAlreadyCommitted"/>, e.g. a redelivery after
    /// the partition's lease moved), the files the table does not hold are deleted: it holds them only when the writer that
    /// did was this append itself, its first put's answer lost.
    /// </summary>
    public static async Task<CommitResult> CommitAsync(Lakehouse lake, DeltaTable table, Transaction tx, CancellationToken ct)
    {
        CommitResult result;
        try { result = await tx.CommitAsync(ct); }
        catch (DeltaConflictException)
        {
            await LayoutUpgrade.DeleteQuietlyAsync(lake.Store, table.TablePath, tx.Adds); // definitely not committed
            throw;
        }
        if (!result.Committed)
        {
            var live = table.Snapshot.Files;
            await LayoutUpgrade.DeleteQuietlyAsync(lake.Store, table.TablePath, tx.Adds.Where(a => !live.ContainsKey(DeltaPaths.DecodeActionPath(a.Path))));
        }
        return result;
    }
}
