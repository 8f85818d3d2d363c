using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Pipeline.Gold;
using CryptoSentiment.Pipeline.Silver;

namespace CryptoSentiment.Pipeline;

/// <summary>One check of <c>verify</c>.</summary>
public sealed record VerifyCheck(string Name, bool Ok, string Detail);

/// <summary>The result of <c>verify</c>: every check, and whether all passed.</summary>
public sealed record VerifyReport(IReadOnlyList<VerifyCheck> Checks)
{
    public bool Ok => Checks.All(c => c.Ok);
}

/// <summary>
/// Checks every Delta table's log and files against the contract, and reconciles the tiers:
/// bronze = silver (distinct articles / price rows) + quarantine + duplicates, for news and for prices.
/// </summary>
public static class LakeVerifier
{
    /// <param name="dedupeWindowDays">The dedupe window silver was written with (<c>DEDUPE_WINDOW_DAYS</c>): no article id may repeat within it.</param>
    public static async Task<VerifyReport> VerifyAsync(Lakehouse lake, CancellationToken ct = default, int dedupeWindowDays = SilverStep.DefaultDedupeWindowDays)
    {
        var checks = new List<VerifyCheck>();
        using var c = DuckDbConnection.Open();
        var snapshots = new Dictionary<string, Snapshot?>();
        foreach (var def in LakeTables.All)
        {
            Snapshot? snapshot;
            try { snapshot = await lake.SnapshotIfExistsAsync(def, ct); }
            catch (Exception e) { checks.Add(new(def.Path, false, $"log unreadable: {e.Message}")); continue; }
            snapshots[def.Path] = snapshot;
            if (snapshot is null) { checks.Add(new(def.Path, true, "not created yet")); continue; }
            checks.Add(await CheckTableAsync(lake, c, def, snapshot, ct));
        }
        if (snapshots.Values.Any(s => s is null) && snapshots.Values.All(s => s is null))
        {
            checks.Add(new("lake", false, $"no Delta tables under {lake.Store.Root}"));
            return new VerifyReport(checks);
        }
        if (checks.Any(ch => !ch.Ok))
        {
            // The views read every live file of every log: with a log or file broken they cannot be built.
            checks.Add(new("tiers", false, "reconcile, lineage and key checks not run: fix the table problems above first"));
            return new VerifyReport(checks);
        }
        await lake.CreateViewsAsync(c, LakeTables.All, ct);
        // An article is one event on one day (all its coin rows share published_at); an id seen again beyond the dedupe
        // window is a new article (ARCHITECTURE §9), so articles are counted as distinct (article_id, day).
        checks.Add(await ReconcileAsync(lake, c, "news", LakeTables.BronzeNews, LakeTables.SilverNewsSentiment,
            "SELECT count(DISTINCT (article_id, day)) FROM silver_news_sentiment", ct));
        checks.Add(await ReconcileAsync(lake, c, "prices", LakeTables.BronzePrices, LakeTables.SilverPrices,
            "SELECT count(*) FROM silver_prices", ct));
        checks.Add(Query(c, "silver lineage", """
            SELECT count(*) FROM (
              SELECT partition_id, sequence_number FROM silver_news_sentiment
              EXCEPT SELECT partition_id, sequence_number FROM bronze_news)
            """, n => n == 0, n => n == 0 ? "every silver news row points at a bronze event" : $"{n} silver news rows have no bronze event"));
        checks.Add(Query(c, "silver keys", $"""
            SELECT (SELECT count(*) - count(DISTINCT (article_id, coin, day)) FROM silver_news_sentiment)
                 + (SELECT count(*) FROM (
                      SELECT day - lag(day) OVER (PARTITION BY article_id, coin ORDER BY day) AS gap FROM silver_news_sentiment)
                    WHERE gap <= {dedupeWindowDays})
                 + (SELECT count(*) - count(DISTINCT (coin, ts)) FROM silver_prices)
            """, n => n == 0, n => n == 0
                ? $"(coin, ts) is unique; no (article_id, coin) repeats within the {dedupeWindowDays}-day dedupe window"
                : $"{n} duplicate silver keys"));
        checks.Add(Query(c, "gold keys", """
            SELECT (SELECT count(*) - count(DISTINCT (coin, day)) FROM gold_coin_daily)
                 + (SELECT count(*) - count(DISTINCT (coin, hour)) FROM gold_coin_hourly)
                 + (SELECT count(*) - count(DISTINCT day) FROM gold_top_coin_daily)
            """, n => n == 0, n => n == 0 ? "(coin, day), (coin, hour) and day are unique" : $"{n} duplicate gold keys"));
        checks.Add(GoldFreshness(snapshots));
        return new VerifyReport(checks);
    }

    private static async Task<VerifyCheck> CheckTableAsync(Lakehouse lake, DuckDbConnection c, TableDef def, Snapshot s, CancellationToken ct)
    {
        var problems = new List<string>();
        if (s.Protocol.MinReaderVersion != 1 || s.Protocol.MinWriterVersion != 2)
            problems.Add($"protocol {s.Protocol.MinReaderVersion}/{s.Protocol.MinWriterVersion}, expected 1/2");
        // A table in the layout of an older version (no day partition yet) is valid: writers and `maintain` upgrade it.
        var legacy = LayoutUpgrade.IsUpgradable(def, s);
        var fields = s.Schema.Fields.ToDictionary(f => f.Name, f => f.Type);
        foreach (var col in def.Columns)
            if (!fields.TryGetValue(col.Name, out var type)) { if (!legacy) problems.Add($"column {col.Name} missing from schema"); }
            else if (type != col.DeltaType) problems.Add($"column {col.Name} is {type}, expected {col.DeltaType}");
        if (!legacy && !s.PartitionColumns.SequenceEqual(def.PartitionColumns))
            problems.Add($"partition columns [{string.Join(",", s.PartitionColumns)}], expected [{string.Join(",", def.PartitionColumns)}]");
        // Log cleanup removes the commits before a checkpoint: the log must hold a checkpoint and every commit after it.
        var listing = await DeltaLog.ListAsync(lake.Store, def.Path, ct);
        if (listing.Commits.Count > 0)
        {
            var first = listing.Commits.Min;
            var expected = first;
            foreach (var v in listing.Commits)
                if (v != expected++) { problems.Add($"commit {expected - 1} is missing from the log"); break; }
            if (first > 0)
            {
                var checkpoint = listing.LatestCompleteCheckpoint(listing.Commits.Max);
                if (checkpoint is null) problems.Add($"the log starts at commit {first} with no checkpoint to start from");
                else if (checkpoint + 1 < first) problems.Add($"commits {checkpoint + 1}..{first - 1} after checkpoint {checkpoint} are missing from the log");
            }
        }

        long rows = 0;
        foreach (var add in s.Files.Values)
        {
            var path = s.StorePath(add);
            var local = lake.Store.LocalPath(path);
            if (local is not null && !File.Exists(local)) { problems.Add($"file {add.Path} is in the log but not in the store"); continue; }
            local ??= await lake.Store.MaterializeAsync(path, ct);
            var size = new FileInfo(local).Length;
            if (size != add.Size) problems.Add($"file {add.Path} has {size} bytes, the log says {add.Size}");
            foreach (var p in s.PartitionColumns)
                if (!add.PartitionValues.TryGetValue(p, out var pv) || pv is null || !add.Path.Contains($"{p}={pv}", StringComparison.Ordinal))
                    problems.Add($"file {add.Path} partition value {p} does not match its path");
            try
            {
                var n = c.Scalar<long>("SELECT count(*) FROM read_parquet($1)", local);
                rows += n;
                if (add.ParseStats() is { } stats && stats.NumRecords != n)
                    problems.Add($"file {add.Path} has {n} rows, its stats say {stats.NumRecords}");
            }
            catch (DuckDbException e) { problems.Add($"file {add.Path} is not readable parquet: {e.Message}"); }
        }
        var detail = problems.Count == 0
            ? $"version {s.Version}, {s.Files.Count} files, {rows.ToString("N0", CultureInfo.InvariantCulture)} rows" +
              (legacy ? " (older layout without day partitions: `maintain` or the next write upgrades it)" : "")
            : string.Join("; ", problems.Take(5)) + (problems.Count > 5 ? $"; … {problems.Count - 5} more" : "");
        return new VerifyCheck(def.Path, problems.Count == 0, detail);
    }

    private static async Task<VerifyCheck> ReconcileAsync(Lakehouse lake, DuckDbConnection c, string name, TableDef bronze,
        TableDef silver, string acceptedSql, CancellationToken ct)
    {
        var bronzeRows = c.Scalar<long>($"SELECT count(*) FROM {bronze.ViewName}");
        var accepted = c.Scalar<long>(acceptedSql);
        var quarantined = c.Scalar<long>("SELECT count(*) FROM silver_quarantine WHERE source_table = $1", bronze.Path);
        var duplicates = await lake.SnapshotIfExistsAsync(silver, ct) is { } s ? await DuplicateTally.TotalAsync(lake.Store, silver, s, ct) : 0;
        var ok = bronzeRows == accepted + quarantined + duplicates;
        return new VerifyCheck($"reconcile {name}", ok,
            $"bronze {bronzeRows:N0} {(ok ? "=" : "≠")} silver {accepted:N0} + quarantine {quarantined:N0} + duplicates {duplicates:N0}");
    }

    private static VerifyCheck Query(DuckDbConnection c, string name, string sql, Func<long, bool> ok, Func<long, string> detail)
    {
        var n = c.Scalar<long>(sql);
        return new VerifyCheck(name, ok(n), detail(n));
    }

    private static VerifyCheck GoldFreshness(Dictionary<string, Snapshot?> snapshots)
    {
        var behind = new List<string>();
        foreach (var silver in new[] { LakeTables.SilverNewsSentiment, LakeTables.SilverPrices })
        {
            if (snapshots.GetValueOrDefault(silver.Path) is not { } s) continue;
            foreach (var gold in new[] { LakeTables.GoldCoinDaily, LakeTables.GoldCoinHourly, LakeTables.GoldTopCoinDaily, LakeTables.GoldAlerts, LakeTables.GoldScorerDaily })
            {
                var seen = snapshots.GetValueOrDefault(gold.Path)?.TxnVersion(GoldStep.WatermarkId(silver)) ?? -1;
                if (seen < s.Version) behind.Add($"{gold.Path} reflects {silver.Path} v{seen}, latest v{s.Version}");
            }
        }
        // Gold lagging silver is normal between refreshes: reported, not a failure.
        return new VerifyCheck("gold freshness", true, behind.Count == 0 ? "gold reflects the latest silver" : "behind (run a refresh): " + string.Join("; ", behind));
    }
}
