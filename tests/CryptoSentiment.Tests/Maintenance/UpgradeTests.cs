using CryptoSentiment.Events;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Maintenance;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Maintain;
using CryptoSentiment.Pipeline.Silver;
using CryptoSentiment.Tests.Pipeline;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Maintenance;

/// <summary>
/// A lake written by the previous release (Fixtures/legacy-lake-v1: `replay` of a generated stream with that release's
/// CLI — silver and quarantine unpartitioned, duplicate tallies only in commitInfo) is upgraded in place.
/// </summary>
public class UpgradeTests
{
    private static readonly TableDef[] Upgraded = [LakeTables.SilverNewsSentiment, LakeTables.SilverPrices, LakeTables.SilverQuarantine];

    /// <summary>A writable copy of the fixture lake.</summary>
    private static TempLake CopyOfLegacyLake()
    {
        var t = new TempLake();
        var source = Path.Combine(TestPaths.RepoRoot, "tests", "CryptoSentiment.Tests", "Fixtures", "legacy-lake-v1");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(t.LakeDir, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return t;
    }

    /// <summary>Each table's rows over the columns the previous release had (what its readers saw).</summary>
    private static async Task<Dictionary<string, List<string>>> OldColumnsAsync(Lakehouse lake)
    {
        using var c = await ViewsAsync(lake);
        return LakeTables.All.ToDictionary(d => d.Path, d => MaintenanceTests.Rows(c,
            $"SELECT {string.Join(", ", d.Columns.Where(col => col.DerivedFrom is null).Select(col => $"\"{col.Name}\""))} FROM {d.ViewName}"));
    }

    [Fact]
    public async Task MaintainUpgradesAnOlderLakeInPlaceAndEveryQueryReadsTheSame()
    {
        using var t = CopyOfLegacyLake();
        using (var lake = Lakehouse.Open(t.Settings))
        {
            foreach (var def in Upgraded)
            {
                var s = (await lake.SnapshotIfExistsAsync(def))!;
                Assert.Empty(s.PartitionColumns);
                Assert.True(LayoutUpgrade.IsUpgradable(def, s));
            }
            // The older layout reads (its day columns derived from the timestamps) and verifies as it is.
            var report = await AssertVerifiesAsync(lake);
            Assert.Contains(report.Checks, c => c.Name == "silver/news_sentiment" && c.Detail.Contains("older layout"));
            Assert.Contains(report.Checks, c => c.Name == "reconcile news" && c.Detail.Contains("duplicates 10"));
        }

        Dictionary<string, List<string>> before;
        long oldVersion;
        using (var lake = Lakehouse.Open(t.Settings))
        {
            before = await OldColumnsAsync(lake);
            oldVersion = (await lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!.Version;
        }
        Assert.Equal(135, before["silver/news_sentiment"].Count);

        using var p = new CryptoPipeline(t.Settings);
        var report1 = await p.MaintainAsync(new MaintenanceOptions());          // default retention: old files stay for old readers
        // gold/coin_daily and gold/coin_hourly gain the §12 indicator columns (NULL until the next gold refresh computes them)
        Assert.Equal(Upgraded.Select(d => d.Path).Concat([LakeTables.GoldCoinDaily.Path, LakeTables.GoldCoinHourly.Path]).Order(),
            report1.Where(m => m.Upgrade is not null).Select(m => m.Table).Order());
        Assert.Equal(before, await OldColumnsAsync(p.Lake));
        foreach (var def in Upgraded)
        {
            var s = (await p.Lake.SnapshotIfExistsAsync(def))!;
            Assert.Equal(def.PartitionColumns, s.PartitionColumns);
            Assert.True(LayoutUpgrade.IsCurrent(def, s));
            Assert.All(s.Files.Values, a => Assert.StartsWith(def.PartitionColumns[0] + "=", DeltaPaths.DecodeActionPath(a.Path)));
            // One commit: new metaData, every old file removed and the rows added back with dataChange = false.
            var upgrade = await FindCommitAsync(p.Lake, def, LayoutUpgrade.Operation);
            Assert.Single(upgrade, a => a.MetaData is not null);
            Assert.All(upgrade.Where(a => a.Add is not null), a => Assert.False(a.Add!.DataChange));
            Assert.All(upgrade.Where(a => a.Remove is not null), a => Assert.False(a.Remove!.DataChange));
        }
        using (var c = await ViewsAsync(p.Lake))
        {
            Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment WHERE day <> CAST(published_at AS DATE)"));
            Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM silver_prices WHERE day <> CAST(ts AS DATE)"));
            Assert.Equal(0, c.Scalar<long>("SELECT count(*) FROM silver_quarantine WHERE ingest_date <> CAST(ingested_at AS DATE)"));
        }
        // The duplicate tally moved from the old commits into counters, so it survives log cleanup.
        var silver = (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        Assert.Equal(10, silver.TxnActions.Where(kv => kv.Key.StartsWith(DuplicateTally.Prefix(LakeTables.SilverNewsSentiment))).Sum(kv => kv.Value.Version));
        await AssertVerifiesAsync(p.Lake);

        // A reader of the version before the upgrade still finds its files (retention 168 h).
        var old = await Snapshot.LoadAsync(p.Lake.Store, LakeTables.SilverNewsSentiment.Path, oldVersion, DuckDbCheckpointReader.Instance);
        Assert.All(old.Files.Values, a => Assert.True(File.Exists(Path.Combine(t.LakeDir, old.StorePath(a)))));

        // With no reader left, retention 0 deletes the old layout's files and log; everything still reads the same.
        var report2 = await p.MaintainAsync(MaintenanceTests.RetainNothing);
        Assert.Contains(report2, m => m.Table == "silver/news_sentiment" && m.Vacuum.FilesDeleted >= old.Files.Count);
        Assert.Equal(before, await OldColumnsAsync(p.Lake));
        await AssertVerifiesAsync(p.Lake);
        foreach (var def in LakeTables.All.Where(d => Directory.Exists(Path.Combine(t.LakeDir, d.Path))))
            Assert.Equal(before[def.Path].Count, MaintenanceTests.RawCount(t.LakeDir, def));
    }

    [Fact]
    public async Task TheFirstBatchOnAnOlderLakeUpgradesItAndLandsInDayPartitions()
    {
        using var t = CopyOfLegacyLake();
        var now = new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);
        using var p = Open(t, now);
        var body = """{"id":"after-upgrade-1","title":"Bitcoin rallies after the upgrade","source":"test","published_at":"2026-12-04T10:00:00Z","coins":["BTC"]}""";
        var dup = """{"id":"after-upgrade-1","title":"Bitcoin rallies after the upgrade","source":"test","published_at":"2026-12-04T10:00:00Z","coins":["BTC"]}""";
        var batch = new EventBatch(EventStream.News, "upgrade-test", [
            new RawEvent("upgrade-test", 0, now, System.Text.Encoding.UTF8.GetBytes(body)),
            new RawEvent("upgrade-test", 1, now, System.Text.Encoding.UTF8.GetBytes(dup)),
        ]);
        var o = await p.IngestAsync(batch);
        Assert.Equal((1, 1), (o.Accepted, o.Duplicates));
        var s = (await p.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        Assert.Equal(["day"], s.PartitionColumns);
        Assert.Contains(s.Files.Values, a => a.PartitionValues["day"] == "2026-12-04");
        var reconcile = (await AssertVerifiesAsync(p.Lake)).Checks.Single(c => c.Name == "reconcile news");
        Assert.Contains("bronze 162 = silver 136 + quarantine 15 + duplicates 11", reconcile.Detail);
        var gold = await p.RefreshGoldAsync();
        Assert.Contains(new DateOnly(2026, 12, 4), gold.RecomputedDays);
    }

    private static async Task<List<DeltaAction>> FindCommitAsync(Lakehouse lake, TableDef def, string operation)
    {
        var s = (await lake.SnapshotIfExistsAsync(def))!;
        for (var v = s.Version; v >= 0; v--)
            if (await DeltaLog.ReadCommitAsync(lake.Store, def.Path, v) is { } actions && actions.Any(a => a.CommitInfo?.Operation == operation))
                return actions;
        throw new InvalidOperationException($"no {operation} commit in {def.Path}");
    }
}
