using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Pipeline.Silver;
using static CryptoSentiment.Tests.Pipeline.PipelineTestKit;

namespace CryptoSentiment.Tests.Pipeline;

/// <summary>
/// Silver files carry their dedupe keys in their <c>add</c> (tag <see cref="DedupeKeys.Tag"/>), so other writers learn them
/// from the log; the tag must hold exactly the keys the file's rows give, and files without it are still read.
/// </summary>
public class DedupeKeysTests
{
    [Fact]
    public void KeysRoundTripThroughTheTagAndUnreadableTagsAreIgnored()
    {
        var keys = new[] { "a1", "url:https://x.example/a", "title:20260301:t:abc", "BTC@1772323200000000" }.Select(DedupeKeys.Hash).ToList();
        Assert.Equal(4, keys.Distinct().Count());
        Assert.Equal(DedupeKeys.Hash("a1"), DedupeKeys.Hash(new string(['a', '1']))); // by content
        Assert.NotEqual(DedupeKeys.Hash("a1"), DedupeKeys.Hash("A1"));
        var longKey = new string('é', 2000); // more than the stack buffer
        Assert.Equal(DedupeKeys.Hash(longKey), DedupeKeys.Hash(string.Concat(longKey)));

        AddAction With(string? value) => new() { Path = "day=2026-03-01/part-0.parquet", Tags = value is null ? null : new() { [DedupeKeys.Tag] = value } };
        Assert.Equal(keys, DedupeKeys.FromTags(With(DedupeKeys.Encode(keys))));
        Assert.Empty(DedupeKeys.FromTags(With(DedupeKeys.Encode([])))!);
        Assert.Null(DedupeKeys.FromTags(With(null)));
        Assert.Null(DedupeKeys.FromTags(With("sha1:" + Convert.ToBase64String(new byte[16]))));  // another format
        Assert.Null(DedupeKeys.FromTags(With("xxh128:not base64!")));
        Assert.Null(DedupeKeys.FromTags(With("xxh128:" + Convert.ToBase64String(new byte[15])))); // not whole digests
    }

    [Fact]
    public async Task EverySilverFileCarriesExactlyTheKeysItsRowsGive()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(61, Start).Generate(600, 5 * 24);
        using (var p = Open(t, IngestTime(stream)))
        {
            await IngestAllAsync(p, stream.ToBatches(EventStream.News, 40, 2));
            await IngestAllAsync(p, stream.ToBatches(EventStream.Prices, 60, 2));
        }
        using var lake = Lakehouse.Open(t.Settings);
        using var c = DuckDbConnection.Open();
        foreach (var (def, expression) in new[] { (LakeTables.SilverNewsSentiment, SilverStep.ArticleKeys), (LakeTables.SilverPrices, SilverStep.PriceKeys) })
        {
            var snapshot = (await lake.SnapshotIfExistsAsync(def))!;
            Assert.True(snapshot.Files.Count > 5, $"{def.Path}: {snapshot.Files.Count} files");
            foreach (var add in snapshot.Files.Values)
            {
                var tagged = DedupeKeys.FromTags(add);
                Assert.NotNull(tagged);
                var file = Path.Combine(t.LakeDir, snapshot.StorePath(add));
                var read = new HashSet<UInt128>();
                using (var r = c.Query($"SELECT k FROM (SELECT {expression} AS k FROM read_parquet({DuckDbConnection.QuoteLiteral(file)})) WHERE k IS NOT NULL"))
                    while (r.Read()) read.Add(DedupeKeys.Hash(r.GetString(0)));
                Assert.True(read.Count > 0);
                Assert.True(read.SetEquals(tagged!), $"{add.Path}: the tag holds {tagged!.Length} keys, the file gives {read.Count}");
            }
        }
    }

    [Fact]
    public async Task TheConflictCheckFindsASharedKeyFromTagsAndFromFilesWithoutThem()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(62, Start).Generate(200, 2 * 24);
        using (var p = Open(t, IngestTime(stream))) await IngestAllAsync(p, stream.ToBatches(EventStream.News, 50, 1));
        using var lake = Lakehouse.Open(t.Settings);
        var def = LakeTables.SilverNewsSentiment;
        var snapshot = (await lake.SnapshotIfExistsAsync(def))!;
        using var c = await ViewsAsync(lake);
        var (id, day) = (c.Scalar<string>("SELECT min(article_id) FROM silver_news_sentiment")!,
            DateOnly.Parse(c.Scalar<string>("SELECT strftime(day, '%Y-%m-%d') FROM silver_news_sentiment WHERE article_id = (SELECT min(article_id) FROM silver_news_sentiment) LIMIT 1")!,
                System.Globalization.CultureInfo.InvariantCulture));
        var adds = snapshot.Files.Values.ToList();
        var untagged = adds.Select(a => a with { Tags = null }).ToList();
        Dictionary<UInt128, List<DateOnly>> Claim(string key, DateOnly on) => new() { [DedupeKeys.Hash(key)] = [on] };

        foreach (var (files, fromTags) in new[] { (adds, true), (untagged, false) })
        {
            var index = new DedupeIndex(SilverStep.ArticleKeys, "day", readTags: true);
            Assert.True(await index.CollidesAsync(c, lake.Store, def.Path, files, Claim(id, day.AddDays(3)), window: 7, default));
            Assert.Equal(fromTags, index.FilesRead == 0);
            Assert.Equal(fromTags, index.FilesFromTags > 0);
            Assert.True(index.Contains(day, id)); // learnt on the way

            var fresh = new DedupeIndex(SilverStep.ArticleKeys, "day", readTags: true);
            Assert.False(await fresh.CollidesAsync(c, lake.Store, def.Path, files, Claim("no-such-article", day), window: 7, default));
            Assert.False(await fresh.CollidesAsync(c, lake.Store, def.Path, files, Claim(id, day.AddDays(30)), window: 7, default)); // out of the window
        }

        // An index that does not trust tags (another key expression) always reads the files.
        var byId = new DedupeIndex("article_id", "day");
        await byId.LoadAsync(c, lake.Store, snapshot, snapshot.PartitionDays("day").ToHashSet(), default);
        Assert.Equal((adds.Count, 0L), (byId.FilesRead, byId.FilesFromTags));
        Assert.True(byId.Contains(day, id));
        Assert.False(byId.Contains(day, "url:" + c.Scalar<string>($"SELECT canonical_url FROM silver_news_sentiment WHERE article_id = '{id}' LIMIT 1")));
    }

    [Fact]
    public async Task AfterCompactionTheUntaggedFilesAreReadAndARedeliveryIsStillADuplicate()
    {
        using var t = new TempLake();
        var stream = new SampleStreamGenerator(63, Start).Generate(400, 3 * 24);
        var now = IngestTime(stream);
        using (var p = Open(t, now))
        {
            await IngestAllAsync(p, stream.ToBatches(EventStream.News, 20, 2));
            await p.MaintainAsync(new CryptoSentiment.Pipeline.Maintain.MaintenanceOptions { Retention = TimeSpan.Zero });
        }
        using var cold = Open(t, now);
        var silver = (await cold.Lake.SnapshotIfExistsAsync(LakeTables.SilverNewsSentiment))!;
        Assert.All(silver.Files.Values, a => Assert.Null(DedupeKeys.FromTags(a))); // compacted files are new files, without the tag
        var ids = new HashSet<string>();
        using (var c = await ViewsAsync(cold.Lake))
        using (var r = c.Query("SELECT DISTINCT article_id FROM silver_news_sentiment"))
            while (r.Read()) ids.Add(r.GetString(0));
        static string? IdOf(byte[] body)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(body);
                return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out var v)
                       && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
            }
            catch (System.Text.Json.JsonException) { return null; } // the generator's malformed events
        }
        var body = stream.News.First(b => IdOf(b) is { } id && ids.Contains(id));
        var o = await cold.IngestAsync(new EventBatch(EventStream.News, "late", [new RawEvent("late", 0, now, body)]));
        Assert.Equal((0, 1), (o.Accepted, o.Duplicates));
        var index = cold.Silver.IndexFor(EventStream.News);
        Assert.True(index.FilesRead > 0);
        Assert.Equal(0, index.FilesFromTags);
        await AssertVerifiesAsync(cold.Lake);
    }
}
