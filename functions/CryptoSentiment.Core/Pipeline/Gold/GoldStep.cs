using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>What a gold refresh recomputed.</summary>
public sealed record GoldOutcome(IReadOnlyList<DateOnly> TouchedDays, IReadOnlyList<DateOnly> RecomputedDays,
    IReadOnlyDictionary<string, long> RowsWritten)
{
    public static readonly GoldOutcome Nothing = new([], [], new Dictionary<string, long>());
}

/// <summary>
/// Gold: recomputes only the days touched by silver commits since the last refresh (plus the days whose
/// look-back windows include them), with the KPI SQL in <c>Sql/gold/*.sql</c>, and replaces those day
/// partitions with <c>remove</c> + <c>add</c> in one commit per table. Each gold table records, as Delta
/// <c>txn</c> watermarks, the silver versions it reflects.
/// </summary>
public sealed class GoldStep(Lakehouse lake)
{
    private static readonly (TableDef Table, string Staged)[] Outputs =
    [
        (LakeTables.GoldCoinHourly, "staged_coin_hourly"),
        (LakeTables.GoldCoinDaily, "staged_coin_daily"),
        (LakeTables.GoldTopCoinDaily, "staged_top_coin_daily"),
    ];

    private static readonly (TableDef Table, string TimeColumn)[] Inputs =
    [
        (LakeTables.SilverNewsSentiment, "published_at"),
        (LakeTables.SilverPrices, "ts"),
    ];

    public static string WatermarkId(TableDef silver) => "gold:" + silver.Path;

    public async Task<GoldOutcome> RefreshAsync(CancellationToken ct = default)
    {
        var c = lake.Engine;
        var gold = new List<DeltaTable>();
        foreach (var (def, _) in Outputs) gold.Add(await lake.TableAsync(def, ct));

        var touched = new SortedSet<DateOnly>();
        var silverVersions = new Dictionary<string, long>();
        var silverSnapshots = new List<(TableDef, Snapshot)>();
        foreach (var (def, timeColumn) in Inputs)
        {
            var table = await lake.TableAsync(def, ct);
            var snapshot = table.Snapshot;
            silverSnapshots.Add((def, snapshot));
            silverVersions[WatermarkId(def)] = snapshot.Version;
            var since = gold.Min(g => g.Snapshot.TxnVersion(WatermarkId(def)) ?? -1);
            if (since >= snapshot.Version) continue;
            var files = since < 0 ? snapshot.FileStorePaths() : await AddedSinceAsync(def, since, snapshot, ct);
            touched.UnionWith(await DaysOfAsync(c, files, timeColumn, ct));
        }
        if (touched.Count == 0 && gold.All(g => silverVersions.All(kv => (g.Snapshot.TxnVersion(kv.Key) ?? -1) >= kv.Value)))
            return GoldOutcome.Nothing;

        foreach (var (def, snapshot) in silverSnapshots) await LakeViews.CreateAsync(c, lake.Store, def, snapshot, ct);
        // Days after the newest silver row have no mention and no price, so they have no gold rows to recompute.
        var lastDay = c.Scalar<DateOnly?>(
            "SELECT CAST(greatest((SELECT max(published_at) FROM silver_news_sentiment), (SELECT max(ts) FROM silver_prices)) AS DATE)");
        var targets = GoldSql.AffectedDays(touched, GoldTable.CoinDaily).Where(d => lastDay is null || d <= lastDay).Order().ToList();
        GoldCalculator.Compute(c, targets);

        var rows = new Dictionary<string, long>();
        for (var i = 0; i < Outputs.Length; i++)
        {
            var (def, staged) = Outputs[i];
            var table = gold[i];
            var adds = await ParquetWriter.WriteAsync(c, staged, def, lake.Store, ct);
            var tx = table.BeginTransaction();
            foreach (var day in targets)
                tx.ReplacePartition(new Dictionary<string, string?> { ["day"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
            foreach (var add in adds) tx.Add(add);
            foreach (var (appId, version) in silverVersions)
                if ((table.Snapshot.TxnVersion(appId) ?? -1) < version) tx.SetTxn(appId, version);
            rows[def.Path] = c.Scalar<long>($"SELECT count(*) FROM {staged}");
            tx.CommitInfo("REPLACE DAYS",
                new Dictionary<string, string> { ["days"] = targets.Count == 0 ? "" : $"{targets[0]:yyyy-MM-dd}..{targets[^1]:yyyy-MM-dd}" },
                new Dictionary<string, long> { ["numDays"] = targets.Count, ["numOutputRows"] = rows[def.Path], ["numFiles"] = adds.Count });
            await tx.CommitAsync(ct);
        }
        return new GoldOutcome(touched.ToList(), targets, rows);
    }

    /// <summary>
    /// The files added by the commits after <paramref name="since"/> that are still live in <paramref name="snapshot"/>. Silver
    /// only ever removes a file together with adding a copy of its rows (re-enrichment replaces rows in one commit), so the
    /// days of replaced rows are those of the added copy; a file added and removed again since the watermark is not read.
    /// </summary>
    private async Task<IReadOnlyList<string>> AddedSinceAsync(TableDef def, long since, Snapshot snapshot, CancellationToken ct)
    {
        var live = snapshot.FileStorePaths().ToHashSet(StringComparer.Ordinal);
        var files = new List<string>();
        for (var v = since + 1; v <= snapshot.Version; v++)
        {
            var actions = await DeltaLog.ReadCommitAsync(lake.Store, def.Path, v, ct) ?? [];
            files.AddRange(actions.Where(a => a.Add is not null).Select(a => DeltaPaths.StorePath(def.Path, a.Add!)));
        }
        return files.Where(live.Contains).Distinct(StringComparer.Ordinal).ToList();
    }

    private async Task<IEnumerable<DateOnly>> DaysOfAsync(DuckDbConnection c, IReadOnlyList<string> storePaths, string column, CancellationToken ct)
    {
        if (storePaths.Count == 0) return [];
        var locals = await lake.Store.MaterializeAllAsync(storePaths, ct: ct);
        var days = new List<DateOnly>();
        using var r = c.Query($"SELECT DISTINCT CAST(\"{column}\" AS DATE) FROM read_parquet({DuckDbConnection.QuoteList(locals)})");
        while (r.Read()) if (!r.IsNull(0)) days.Add(r.GetDate(0));
        return days;
    }
}
