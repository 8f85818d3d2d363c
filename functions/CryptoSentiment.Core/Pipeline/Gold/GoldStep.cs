using System.Globalization;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Pipeline.Gold;

/// <summary>What a gold refresh recomputed, and which days of each gold table it actually replaced (rows that changed).</summary>
public sealed record GoldOutcome(IReadOnlyList<DateOnly> TouchedDays, IReadOnlyList<DateOnly> RecomputedDays,
    IReadOnlyDictionary<string, long> RowsWritten)
{
    public static readonly GoldOutcome Nothing = new([], [], new Dictionary<string, long>());

    /// <summary>Per gold table, the day partitions replaced (recomputed days whose rows came out different).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<DateOnly>> ReplacedDays { get; init; } = new Dictionary<string, IReadOnlyList<DateOnly>>();

    /// <summary>Silver data files the recomputed days read (partition pruning keeps this to the days needed).</summary>
    public int SilverFilesRead { get; init; }

    /// <summary>Of those, the files read from storage now (the others were cached by earlier refreshes of this instance).</summary>
    public long SilverFilesFetched { get; init; }

    /// <summary>Gold files read from parquet for the carried-over indicator state (a warm instance reads only files it has not seen).</summary>
    public long PriorFilesRead { get; init; }

    /// <summary>Look-backs queried for carried-over indicator points (0: both series reused what the last refresh of the same first day read).</summary>
    public long PriorStatesRead { get; init; }

    /// <summary>What the alert webhook pass after the refresh did (null: no <c>ALERT_WEBHOOK_URL</c>).</summary>
    public Alerts.NotifyOutcome? Notified { get; init; }

    /// <summary>Wall time of the §12 indicator passes of this refresh (both series), for the bench.</summary>
    public TimeSpan IndicatorTime { get; init; }
}

/// <summary>
/// Gold: recomputes only the days touched by silver commits since the last refresh (plus the days whose look-back
/// windows include them), with the KPI SQL in <c>Sql/gold/*.sql</c>, reading only the silver day partitions those days
/// need; replaces the day partitions whose rows changed with <c>remove</c> + <c>add</c> in one commit per table. The
/// touched days come from the log (the day partitions of files silver added or removed), not from reading data. Each
/// gold table records, as Delta <c>txn</c> watermarks, the silver versions it reflects. A concurrent writer replacing
/// the same days (another refresh, a compaction) makes the refresh start again on top of it.
/// </summary>
public sealed class GoldStep(Lakehouse lake, AlertThresholds? thresholds = null)
{
    /// <summary>The thresholds of gold/alerts and gold/scorer_daily.</summary>
    public AlertThresholds Thresholds { get; } = thresholds ?? AlertThresholds.Default;

    public const int MaxAttempts = 5;

    private static readonly (TableDef Table, string Staged)[] Outputs =
    [
        (LakeTables.GoldCoinHourly, GoldCalculator.StagedCoinHourly),
        (LakeTables.GoldCoinDaily, GoldCalculator.StagedCoinDaily),
        (LakeTables.GoldTopCoinDaily, GoldCalculator.StagedTopCoinDaily),
        (LakeTables.GoldScorerDaily, GoldCalculator.StagedScorerDaily),
        (LakeTables.GoldAlerts, GoldCalculator.StagedAlerts),
    ];

    private static readonly TableDef[] Inputs = [LakeTables.SilverNewsSentiment, LakeTables.SilverPrices];

    /// <summary>
    /// Days before a target day whose gold/coin_hourly rows are read where they are not targets: corr_7d needs 6, the alerts 8
    /// (the 7-day baseline of the day before, whose last hour decides whether the target day's first alert hour starts a run).
    /// </summary>
    public const int HourlyLookBackDays = 8;

    public static string WatermarkId(TableDef silver) => "gold:" + silver.Path;

    public async Task<GoldOutcome> RefreshAsync(CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await RefreshOnceAsync(ct); }
            catch (DeltaConflictException) when (attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(0, 1 + attempt * 20), ct);
            }
        }
    }

    private async Task<GoldOutcome> RefreshOnceAsync(CancellationToken ct)
    {
        using var engine = lake.RentEngine();
        var c = engine.Connection;
        var gold = new List<DeltaTable>();
        foreach (var (def, _) in Outputs) gold.Add(await lake.TableAsync(def, ct));

        var touched = new SortedSet<DateOnly>();
        var silverVersions = new Dictionary<string, long>();
        var silverSnapshots = new List<(TableDef Def, Snapshot Snapshot)>();
        foreach (var def in Inputs)
        {
            var snapshot = (await lake.TableAsync(def, ct)).Snapshot;
            silverSnapshots.Add((def, snapshot));
            silverVersions[WatermarkId(def)] = snapshot.Version;
            var since = gold.Min(g => g.Snapshot.TxnVersion(WatermarkId(def)) ?? -1);
            if (since >= snapshot.Version) continue;
            var changes = await LakeChanges.SinceAsync(lake.Store, snapshot, since, "day", ct);
            touched.UnionWith(changes.All ? snapshot.PartitionDays("day") : changes.Days);
        }
        if (touched.Count == 0 && gold.All(g => silverVersions.All(kv => (g.Snapshot.TxnVersion(kv.Key) ?? -1) >= kv.Value))
            && IndicatorTables.All(t => IndicatorsCurrent(Output(gold, t.Table).Snapshot)))
            return GoldOutcome.Nothing;

        // Days after the newest silver row have no mention and no price, so they have no gold rows to recompute.
        var lastDay = silverSnapshots.SelectMany(s => s.Snapshot.PartitionDays("day")).DefaultIfEmpty().Max();
        var targets = GoldSql.AffectedDays(touched, GoldTable.Alerts).Where(d => d <= lastDay).Order().ToList();
        // Silver: the target days and the day before (24-hour windows, return_1d). corr_7d's earlier hours: gold/coin_hourly.
        var needed = Before(targets, GoldCalculator.SilverLookBackDays(hourlyFromGold: true));
        var filesRead = 0;
        long filesFetched = 0;
        // The inputs are views over cached file rows (FileRowCache): the caches stay locked until Compute has read them.
        var held = new List<IDisposable>();
        // Locks the cache (until Compute has read it), points a temp view at the files' rows; returns the files fetched now.
        async Task<long> ViewOverCacheAsync(FileRowCache cache, string view, Snapshot snapshot, IReadOnlyList<string> files)
        {
            held.Add(await cache.LockAsync(ct));
            var before = cache.FilesRead;
            c.Execute($"CREATE OR REPLACE TEMP VIEW {view} AS {await cache.RelationAsync(c, lake.Store, snapshot, files, ct)}");
            return cache.FilesRead - before;
        }
        try
        {
            foreach (var (def, snapshot) in silverSnapshots)
            {
                var files = snapshot.FilesOnDays("day", needed).Select(snapshot.StorePath).ToList();
                filesRead += files.Count;
                filesFetched += await ViewOverCacheAsync(SilverRows(def), def.ViewName, snapshot, files);
            }
            var history = Before(targets, HourlyLookBackDays);
            history.ExceptWith(targets);
            var hourly = Output(gold, LakeTables.GoldCoinHourly).Snapshot;
            var historyFiles = hourly.FilesOnDays("day", history).Select(hourly.StorePath).ToList();
            // the same files each refresh: read once per instance
            await ViewOverCacheAsync(PriorRows(LakeTables.GoldCoinHourly), GoldCalculator.HourlyHistory, hourly, historyFiles);
            // gold/scorer_daily's PSI baseline: the scorer_daily rows of the 14 days before each target day (a few rows a day).
            var scorerHistory = Before(targets, GoldSql.ScorerBaselineDays);
            scorerHistory.ExceptWith(targets);
            var scorer = Output(gold, LakeTables.GoldScorerDaily).Snapshot;
            var scorerFiles = scorer.FilesOnDays("day", scorerHistory).Select(scorer.StorePath).ToList();
            await ViewOverCacheAsync(PriorRows(LakeTables.GoldScorerDaily), GoldCalculator.ScorerHistory, scorer, scorerFiles);
            await ScorerAgreementAsync(c, targets, ct);
            GoldCalculator.Compute(c, targets, hourlyFromGold: true, indicators: false, alerts: Thresholds);
        }
        finally
        {
            foreach (var h in held) h.Dispose();
        }

        // §12 indicators: recursive, so a change on day F reaches every later row of the coin's series. Continue from the state
        // stored in the gold rows just before F and recompute forward through the end of the table (see IndicatorsAsync).
        var compareDays = new Dictionary<string, IReadOnlyCollection<DateOnly>>();
        long priorFilesRead = 0;
        var statesBefore = PriorStatesRead;
        var indicatorClock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (def, series) in IndicatorTables)
        {
            var snapshot = Output(gold, def).Snapshot;
            var before = PriorRows(def).FilesRead;
            compareDays[def.Path] = await IndicatorsAsync(c, def, series, snapshot, targets, ct);
            priorFilesRead += PriorRows(def).FilesRead - before;
        }
        var indicatorTime = indicatorClock.Elapsed;

        var rows = new Dictionary<string, long>();
        var replaced = new Dictionary<string, IReadOnlyList<DateOnly>>();
        for (var i = 0; i < Outputs.Length; i++)
        {
            var (def, staged) = Outputs[i];
            var table = gold[i];
            var changed = await ChangedDaysAsync(c, def, staged, table.Snapshot, compareDays.GetValueOrDefault(def.Path, targets), ct);
            var dayList = DayList(changed);
            var source = $"(SELECT * FROM {staged} WHERE day IN ({dayList})) AS src";
            var adds = changed.Count == 0 ? [] : await ParquetWriter.WriteAsync(c, source, def, lake.Store, ct);
            var tx = table.BeginTransaction();
            foreach (var day in changed)
                tx.ReplacePartition(new Dictionary<string, string?> { ["day"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
            foreach (var add in adds) tx.Add(add);
            foreach (var (appId, version) in silverVersions)
                if ((table.Snapshot.TxnVersion(appId) ?? -1) < version) tx.SetTxn(appId, version);
            if (compareDays.ContainsKey(def.Path) && !IndicatorsCurrent(table.Snapshot))
                tx.SetTxn(GoldIndicators.MarkerId, GoldIndicators.MarkerVersion);
            rows[def.Path] = changed.Count == 0 ? 0 : c.Scalar<long>($"SELECT count(*) FROM {staged} WHERE day IN ({dayList})");
            replaced[def.Path] = changed;
            tx.CommitInfo("REPLACE DAYS",
                new Dictionary<string, string> { ["days"] = changed.Count == 0 ? "" : $"{changed[0]:yyyy-MM-dd}..{changed[^1]:yyyy-MM-dd}" },
                new Dictionary<string, long>
                {
                    ["numDays"] = changed.Count, ["numRecomputedDays"] = targets.Count, ["numOutputRows"] = rows[def.Path], ["numFiles"] = adds.Count,
                });
            try { await tx.CommitAsync(ct); }
            catch (DeltaConflictException)
            {
                await Lake.Maintenance.LayoutUpgrade.DeleteQuietlyAsync(lake.Store, def.Path, adds); // definitely not committed
                throw;
            }
        }
        return new GoldOutcome(touched.ToList(), targets, rows) { ReplacedDays = replaced, SilverFilesRead = filesRead, SilverFilesFetched = filesFetched, PriorFilesRead = priorFilesRead,
            PriorStatesRead = PriorStatesRead - statesBefore, IndicatorTime = indicatorTime,
        };
    }

    /// <summary>
    /// Stages <see cref="GoldCalculator.ScorerAgreement"/>: the offline re-scores of the sampled LLM headlines of the target days
    /// (silver/scorer_agreement, day-partitioned; the rows of the silver lineage still in silver, so a re-scored headline counts once).
    /// </summary>
    private async Task ScorerAgreementAsync(DuckDbConnection c, IReadOnlyCollection<DateOnly> targets, CancellationToken ct)
    {
        var days = targets.ToHashSet();
        var snapshot = await lake.SnapshotIfExistsAsync(LakeTables.SilverScorerAgreement, ct);
        var files = snapshot is null ? [] : await lake.Store.MaterializeAllAsync(snapshot.FilesOnDays("day", days).Select(snapshot.StorePath).ToList(), ct: ct);
        c.Execute($"""
            CREATE OR REPLACE TEMP TABLE {GoldCalculator.ScorerAgreement} AS
            SELECT DISTINCT a.day, n.scorer, n.model, n.prompt_version, a.article_id, n.label, a.offline_label
            FROM ({LakeViews.SelectSql(LakeTables.SilverScorerAgreement, files, snapshot)}) a
            JOIN (SELECT DISTINCT day, article_id, scorer, model, prompt_version, label FROM silver_news_sentiment) n
              ON n.day = a.day AND n.article_id = a.article_id AND n.model IS NOT DISTINCT FROM a.model
             AND n.prompt_version IS NOT DISTINCT FROM a.prompt_version
            WHERE n.scorer = 'llm'
            """);
    }

    /// <summary>The opened gold table of <paramref name="def"/> (<paramref name="gold"/> is in <see cref="Outputs"/> order).</summary>
    private static DeltaTable Output(List<DeltaTable> gold, TableDef def) => gold[Array.FindIndex(Outputs, o => o.Table == def)];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FileRowCache> _priorRows = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FileRowCache> _silverRows = new(StringComparer.Ordinal);

    /// <summary>
    /// The silver columns the gold SQL reads (<c>Sql/gold/silver_window.sql</c>): all the cached input rows keep. Inside a
    /// refresh the silver views have these columns only.
    /// </summary>
    private static readonly Dictionary<string, string[]> SilverColumns = new(StringComparer.Ordinal)
    {
        // + article_id, label, scorer, model, prompt_version: gold/scorer_daily and its offline-agreement join (Sql/gold/scorer_daily.sql)
        [LakeTables.SilverNewsSentiment.Path] = ["coin", "published_at", "polarity", "confidence", "day", "article_id", "label", "scorer", "model", "prompt_version"],
        [LakeTables.SilverPrices.Path] = ["coin", "ts", "price_usd", "day"],
    };

    /// <summary>The cached rows of a silver input's files on the days the last refresh recomputed.</summary>
    private FileRowCache SilverRows(TableDef def) =>
        _silverRows.GetOrAdd(def.Path, _ => new FileRowCache(def, SilverColumns[def.Path], keepOnlyRequested: true));

    /// <summary>
    /// The carried-over indicator points a refresh last read per gold table, with what they were read from (the first
    /// recomputed day, the look-back and its gold files): the next refresh of the same first day over the same files —
    /// every batch of a day on a warm instance — reuses them instead of querying the look-back again.
    /// </summary>
    private sealed record PriorState(DateOnly First, int Back, DateOnly? TableFirst, string[] Files, IndicatorPrior Prior);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PriorState> _priorState = new(StringComparer.Ordinal);

    /// <summary>How many times a refresh read carried-over indicator points from gold (tests: a warm refresh of the same day reuses them).</summary>
    internal long PriorStatesRead => Interlocked.Read(ref _priorStatesRead);

    private long _priorStatesRead;

    /// <summary>The cached rows of a gold table's look-back files (the carried-over indicator state is read from them).</summary>
    internal FileRowCache PriorRows(TableDef def) => _priorRows.GetOrAdd(def.Path, _ => new FileRowCache(def));

    private static readonly (TableDef Table, IndicatorSeries Series)[] IndicatorTables =
    [
        (LakeTables.GoldCoinHourly, GoldIndicators.Hourly),
        (LakeTables.GoldCoinDaily, GoldIndicators.Daily),
    ];

    /// <summary>True when every row of the gold table has its §12 indicators (false for a table of the previous version).</summary>
    private static bool IndicatorsCurrent(Snapshot s) => s.TxnVersion(GoldIndicators.MarkerId) == GoldIndicators.MarkerVersion;

    /// <summary>
    /// The §12 indicator pass of one gold table. F = the first target day (or the table's first day when its rows have no
    /// indicators yet: a table of the previous version gets them all once). The gold rows of the days from F on that are
    /// not targets are added to the staged table (their other columns are unchanged); the carried-over state is the last
    /// <see cref="IndicatorSeries.Keep"/> points per coin before F, read from the gold days just before F — the look-back
    /// doubles only while some coin's state is incomplete (a coin whose prices start or resume after a long gap), never
    /// past the table's first day. Cost: the gold rows from F to the end plus a few days before F, never all of history
    /// (unless late data lands on the first day); the next refresh of the same F over the same gold files (the next batch
    /// of the day) reuses the points read (<see cref="PriorState"/>). Returns the days to compare and possibly replace.
    /// </summary>
    private async Task<IReadOnlyCollection<DateOnly>> IndicatorsAsync(DuckDbConnection c, TableDef def, IndicatorSeries series, Snapshot snapshot,
        IReadOnlyList<DateOnly> targets, CancellationToken ct)
    {
        var tableDays = snapshot.PartitionDays("day");
        DateOnly? first = targets.Count > 0 ? targets[0] : null;
        if (!IndicatorsCurrent(snapshot) && tableDays.Count > 0 && (first is null || tableDays.Min < first)) first = tableDays.Min;
        if (first is not { } f)
        {
            GoldIndicators.Apply(c, series, IndicatorPrior.None);
            return targets;
        }
        var targetSet = targets.ToHashSet();
        var forward = tableDays.Where(d => d >= f && !targetSet.Contains(d)).ToHashSet();
        if (forward.Count > 0)
        {
            var files = await lake.Store.MaterializeAllAsync(snapshot.FilesOnDays("day", forward).Select(snapshot.StorePath).ToList(), ct: ct);
            c.Execute($"INSERT INTO {series.Staged} BY NAME {LakeViews.SelectSql(def, files, snapshot)}");
        }

        var earlier = tableDays.Where(d => d < f).ToList();
        DateOnly? tableFirst = earlier.Count > 0 ? earlier[0] : null;
        var reused = _priorState.TryGetValue(def.Path, out var last) && last.First == f ? last : null;
        for (var back = reused?.Back ?? series.LookBackDays; ; back *= 2)
        {
            var from = f.AddDays(-Math.Min(back, f.DayNumber - DateOnly.MinValue.DayNumber));
            var days = earlier.Where(d => d >= from).ToHashSet();
            var files = snapshot.FilesOnDays("day", days).Select(snapshot.StorePath).Order(StringComparer.Ordinal).ToArray();
            IndicatorPrior prior;
            if (reused is not null && reused.Back == back && reused.TableFirst == tableFirst && reused.Files.SequenceEqual(files, StringComparer.Ordinal))
                prior = reused.Prior; // the same first day over the same immutable gold files: the same points
            else
            {
                var rows = PriorRows(def);
                using (await rows.LockAsync(ct))
                    prior = GoldIndicators.ReadPrior(c, series, await rows.RelationAsync(c, lake.Store, snapshot, files, ct), f,
                        reachesStart: tableFirst is not { } t || from <= t);
                _priorState[def.Path] = new PriorState(f, back, tableFirst, files, prior);
                Interlocked.Increment(ref _priorStatesRead);
            }
            if (GoldIndicators.Apply(c, series, prior) is not null) break;
            // some coin's prices resume after a gap longer than the look-back: its state lies further back
        }
        return targets.Concat(forward).Order().ToList();
    }

    /// <summary>
    /// The target days whose freshly computed rows differ from what the gold table holds (row count, or an order-independent
    /// hash over every column): unchanged days are not rewritten, so neither the table nor the warehouse churns.
    /// </summary>
    private async Task<List<DateOnly>> ChangedDaysAsync(DuckDbConnection c, TableDef def, string staged, Snapshot current,
        IReadOnlyCollection<DateOnly> targets, CancellationToken ct)
    {
        if (targets.Count == 0) return [];
        var set = targets.ToHashSet();
        var files = current.FilesOnDays("day", set).Select(current.StorePath).ToList();
        var locals = await lake.Store.MaterializeAllAsync(files, ct: ct);
        var hash = "hash(" + string.Join(", ", def.DataColumns.Select(col => $"\"{col.Name}\"")) + ")";
        var dayList = DayList(targets);
        var summary = $"SELECT day, count(*) AS n, bit_xor({hash}) AS h FROM {{0}} WHERE day IN ({dayList}) GROUP BY day";
        var sql = $"""
            SELECT coalesce(a.day, b.day) FROM ({string.Format(CultureInfo.InvariantCulture, summary, staged)}) a
            FULL OUTER JOIN ({string.Format(CultureInfo.InvariantCulture, summary, $"({LakeViews.SelectSql(def, locals, current)})")}) b ON a.day = b.day
            WHERE a.n IS DISTINCT FROM b.n OR a.h IS DISTINCT FROM b.h ORDER BY 1
            """;
        var changed = new List<DateOnly>();
        using var r = c.Query(sql);
        while (r.Read()) changed.Add(r.GetDate(0));
        return changed;
    }

    /// <summary>Each day of <paramref name="days"/> and the <paramref name="back"/> days before it.</summary>
    private static HashSet<DateOnly> Before(IEnumerable<DateOnly> days, int back)
    {
        var set = new HashSet<DateOnly>();
        foreach (var d in days)
            for (var k = 0; k <= back && d.DayNumber - k >= DateOnly.MinValue.DayNumber; k++) set.Add(d.AddDays(-k));
        return set;
    }

    private static string DayList(IEnumerable<DateOnly> days)
    {
        var list = string.Join(", ", days.Select(d => "DATE '" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'"));
        return list.Length == 0 ? "NULL" : list;
    }
}
