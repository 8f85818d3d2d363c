using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using CryptoSentiment.Testing;
using CryptoSentiment.Configuration;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Lake.Stores.Blob;

namespace CryptoSentiment.Tests.Blob;

/// <summary>The <see cref="ILakeStore"/> contract of <see cref="BlobLakeStore"/>, against a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobStoreContractTests(AzuriteFixture azurite)
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task PutIfAbsent_creates_once_and_the_loser_gets_false_from_409()
    {
        var options = new BlobLakeStoreOptions();
        var counter = RequestCounter.Attach(options);
        var store = azurite.NewStore(options);
        Assert.True(await store.PutIfAbsentAsync("t/_delta_log/00000000000000000000.json", Bytes("first")));
        Assert.False(await store.PutIfAbsentAsync("t/_delta_log/00000000000000000000.json", Bytes("second")));
        // Without a retry a conflict is never ours, even with the same bytes (another writer made the same commit).
        Assert.False(await store.PutIfAbsentAsync("t/_delta_log/00000000000000000000.json", Bytes("first")));
        Assert.Equal("first", Encoding.UTF8.GetString((await store.ReadAsync("t/_delta_log/00000000000000000000.json"))!));
        Assert.Equal(2, counter["PUT blob 409"]); // Azurite answers 409 BlobAlreadyExists (not 412)
        Assert.Equal(1, counter["GET blob 200"]); // only the read above: a conflict without a retry downloads nothing
        Assert.Equal(1, counter["PUT blob 201"]);
    }

    [Fact]
    public async Task Twenty_parallel_conditional_creates_have_exactly_one_winner()
    {
        var container = AzuriteFixture.NewContainer();
        var stores = Enumerable.Range(0, 20).Select(_ => azurite.NewStore(container: container)).ToList();
        await stores[0].PutAsync("warmup", Bytes("x")); // container exists before the race
        var results = await Task.WhenAll(stores.Select((s, i) => Task.Run(() => s.PutIfAbsentAsync("race/00000000000000000001.json", Bytes($"writer {i}")))));
        Assert.Single(results, r => r);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"writer {winner}", Encoding.UTF8.GetString((await stores[5].ReadAsync("race/00000000000000000001.json"))!));
    }

    [Fact]
    public async Task A_lost_answer_to_our_own_create_still_counts_as_created_but_a_rival_blob_does_not()
    {
        var options = new BlobLakeStoreOptions();
        var lose = new LoseFirstAnswerPolicy(beforeSending: false);
        options.AddPolicy(lose, HttpPipelinePosition.PerRetry);
        var store = azurite.NewStore(options);
        // The first attempt creates the blob, its answer is "lost", the retry gets 409: the content is ours → created.
        Assert.True(await store.PutIfAbsentAsync("t/_delta_log/00000000000000000003.json", Bytes("mine")));
        Assert.Equal(1, lose.Lost);

        // A retried create that finds a rival's blob: not ours → false.
        var rival = azurite.NewStore(container: ContainerOf(store));
        Assert.True(await rival.PutIfAbsentAsync("t/_delta_log/00000000000000000004.json", Bytes("theirs")));
        var flaky = new BlobLakeStoreOptions();
        var failBeforeSending = new LoseFirstAnswerPolicy(beforeSending: true);
        flaky.AddPolicy(failBeforeSending, HttpPipelinePosition.PerRetry);
        var losing = azurite.NewStore(flaky, ContainerOf(store));
        Assert.False(await losing.PutIfAbsentAsync("t/_delta_log/00000000000000000004.json", Bytes("mine")));
        Assert.Equal(1, failBeforeSending.Lost);
        Assert.Equal("theirs", Encoding.UTF8.GetString((await store.ReadAsync("t/_delta_log/00000000000000000004.json"))!));
    }

    [Fact]
    public async Task Put_read_overwrite_and_missing_objects()
    {
        var store = azurite.NewStore();
        Assert.Null(await store.ReadAsync("nothing/here.json")); // container does not even exist yet
        await foreach (var _ in store.ListAsync("")) Assert.Fail("empty lake lists nothing");
        await store.PutAsync("a/b.json", Bytes("v1"));
        await store.PutAsync("a/b.json", Bytes("v2"));
        Assert.Equal("v2", Encoding.UTF8.GetString((await store.ReadAsync("a/b.json"))!));
        await store.PutAsync("a/empty", ReadOnlyMemory<byte>.Empty);
        Assert.Empty((await store.ReadAsync("a/empty"))!);
        Assert.Null(store.LocalPath("a/b.json"));
        Assert.Null(await store.ReadAsync("a/missing.json"));
    }

    [Fact]
    public async Task Ranged_reads_return_the_slice_and_stop_at_the_end()
    {
        var store = azurite.NewStore();
        var data = RandomNumberGenerator.GetBytes(1000);
        await store.PutAsync("r/data.bin", data);
        Assert.Equal(data[100..150], await store.ReadRangeAsync("r/data.bin", 100, 50));
        Assert.Equal(data[990..], await store.ReadRangeAsync("r/data.bin", 990, 50));
        Assert.Equal(data[..1], await store.ReadRangeAsync("r/data.bin", 0, 1));
        Assert.Empty((await store.ReadRangeAsync("r/data.bin", 1000, 10))!);
        Assert.Empty((await store.ReadRangeAsync("r/data.bin", 5000, 10))!);
        Assert.Empty((await store.ReadRangeAsync("r/data.bin", 10, 0))!);
        Assert.Null(await store.ReadRangeAsync("r/missing.bin", 0, 10));
    }

    [Fact]
    public async Task List_pages_through_NextMarker_and_returns_exactly_the_prefix_sorted()
    {
        var options = new BlobLakeStoreOptions { ListPageSize = 3 };
        var counter = RequestCounter.Attach(options);
        var store = azurite.NewStore(options);
        var names = Enumerable.Range(0, 11).Select(i => $"t/_delta_log/{i:D20}.json").ToList();
        foreach (var n in names.AsEnumerable().Reverse()) await store.PutAsync(n, Bytes(n));
        await store.PutAsync("t/_delta_log.json", Bytes("not in the folder"));
        await store.PutAsync("t/part-1.parquet", Bytes("x"));
        await store.PutAsync("u/_delta_log/00000000000000000000.json", Bytes("x"));

        var listed = new List<LakeEntry>();
        await foreach (var e in store.ListAsync("t/_delta_log/")) listed.Add(e);
        Assert.Equal(names, listed.Select(e => e.Path));
        Assert.All(listed, e => Assert.Equal(Bytes(e.Path).Length, e.Size));
        Assert.All(listed, e => Assert.True(e.LastModified > DateTimeOffset.UtcNow.AddMinutes(-10)));
        Assert.Equal(4, counter["GET list 200"]); // 11 blobs, 3 per page

        var all = new List<string>();
        await foreach (var e in store.ListAsync("")) all.Add(e.Path);
        Assert.Equal(14, all.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        var partial = new List<string>();
        await foreach (var e in store.ListAsync("t/_delta")) partial.Add(e.Path);
        Assert.Equal(12, partial.Count); // a plain string prefix, like the local store
    }

    [Fact]
    public async Task Delete_removes_and_a_missing_blob_is_fine()
    {
        var store = azurite.NewStore();
        await store.PutAsync("d/x.json", Bytes("x"));
        await store.DeleteAsync("d/x.json");
        Assert.Null(await store.ReadAsync("d/x.json"));
        await store.DeleteAsync("d/x.json");
        await store.DeleteAsync("never/was.json");
    }

    [Theory]
    [InlineData("tbl/day=2026-11-21/part-0001 with spaces.parquet")]
    [InlineData("tbl/coin=BTC/day=2026-11-21/ümlaut-日本語-😀.parquet")]
    [InlineData("tbl/k=a+b&c=d;e,f@g$h!/file%41%2F#frag?q='quoted'.json")]
    [InlineData("tbl/...three-dots/..x/x../file.json")]
    public async Task Names_with_spaces_unicode_and_reserved_characters_round_trip(string path)
    {
        var store = azurite.NewStore();
        await store.PutAsync(path, Bytes(path));
        Assert.True(await store.PutIfAbsentAsync(path + ".2", Bytes("2")));
        Assert.Equal(path, Encoding.UTF8.GetString((await store.ReadAsync(path))!));
        var listed = new List<string>();
        await foreach (var e in store.ListAsync("tbl/")) listed.Add(e.Path);
        Assert.Equal(new[] { path, path + ".2" }.Order(StringComparer.Ordinal), listed);
        var local = await store.MaterializeAsync(path);
        Assert.EndsWith(Path.Combine(path.Split('/')), local, StringComparison.Ordinal);
        Assert.Equal(path, await File.ReadAllTextAsync(local));
        await store.DeleteAsync(path);
        Assert.Null(await store.ReadAsync(path));
    }

    [Theory]
    [InlineData("a/../b")]
    [InlineData("./a")]
    [InlineData("/a")]
    [InlineData("a//b")]
    [InlineData("a/.")]
    [InlineData("a\\b")]
    public async Task Dot_segments_and_other_invalid_names_are_refused_before_any_request(string path)
    {
        var options = new BlobLakeStoreOptions();
        var counter = RequestCounter.Attach(options);
        var store = azurite.NewStore(options);
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(path, Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(path));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(path));
        await Assert.ThrowsAsync<ArgumentException>(() => store.MaterializeAsync(path));
        Assert.Equal(0, counter["PUT blob 201"] + counter["GET blob 404"]);
    }

    [Fact]
    public async Task Large_files_go_up_in_blocks_and_small_ones_in_one_put()
    {
        var options = new BlobLakeStoreOptions { SingleUploadThreshold = 1 << 20, BlockSize = 256 * 1024, MaxConcurrency = 3 };
        var counter = RequestCounter.Attach(options);
        var store = azurite.NewStore(options);
        var dir = Directory.CreateTempSubdirectory("cs-blob-upload-");
        try
        {
            var big = Path.Combine(dir.FullName, "big.parquet");
            var bigData = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 12345);
            await File.WriteAllBytesAsync(big, bigData);
            await store.PutFileAsync("tbl/day=2026-11-21/big.parquet", big);
            Assert.Equal(13, counter["PUT block 201"]); // ceil(3.01 MiB / 256 KiB)
            Assert.Equal(1, counter["PUT blocklist 201"]);
            Assert.Equal(bigData, await store.ReadAsync("tbl/day=2026-11-21/big.parquet"));

            var small = Path.Combine(dir.FullName, "small.parquet");
            await File.WriteAllBytesAsync(small, bigData[..5000]);
            await store.PutFileAsync("tbl/day=2026-11-21/big.parquet", small); // replaces
            Assert.Equal(13, counter["PUT block 201"]);
            Assert.Equal(bigData[..5000], await store.ReadAsync("tbl/day=2026-11-21/big.parquet"));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public async Task Materialize_mirrors_the_path_reuses_an_unchanged_copy_and_refetches_a_changed_blob()
    {
        var options = new BlobLakeStoreOptions { CacheDirectory = Directory.CreateTempSubdirectory("cs-blob-cache-").FullName };
        var counter = RequestCounter.Attach(options);
        var store = azurite.NewStore(options);
        try
        {
            const string path = "silver/prices/day=2026-11-21/part-1.parquet";
            await store.PutAsync(path, Bytes("one"));
            var local = await store.MaterializeAsync(path);
            Assert.StartsWith(store.CacheRoot, local, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(store.CacheRoot, "silver", "prices", "day=2026-11-21", "part-1.parquet"), local);
            Assert.Equal("one", await File.ReadAllTextAsync(local));
            Assert.Equal(local, await store.MaterializeAsync(path));
            Assert.Equal(1, counter["GET blob 304"]); // revalidated, not downloaded again

            await store.PutAsync(path, Bytes("changed"));
            Assert.Equal("changed", await File.ReadAllTextAsync(await store.MaterializeAsync(path)));
            File.WriteAllText(local, "tampered, other size");
            Assert.Equal("changed", await File.ReadAllTextAsync(await store.MaterializeAsync(path)));

            // A second store (another process) with the same cache reuses the copy.
            var other = azurite.NewStore(options, ContainerOf(store));
            Assert.Equal(local, await other.MaterializeAsync(path));
            Assert.Equal(2, counter["GET blob 304"]);

            await store.DeleteAsync(path);
            await Assert.ThrowsAsync<FileNotFoundException>(() => store.MaterializeAsync(path));
            Assert.False(File.Exists(local));

            var many = Enumerable.Range(0, 12).Select(i => $"t/day=2026-11-{i + 1:D2}/f.parquet").ToList();
            foreach (var p in many) await store.PutAsync(p, Bytes(p));
            var locals = await store.MaterializeAllAsync(many);
            Assert.Equal(many, locals.Select(l => File.ReadAllText(l)));
        }
        finally { Directory.Delete(options.CacheDirectory, true); }
    }

    [Fact]
    public async Task A_lake_below_a_prefix_sees_only_its_own_objects()
    {
        var container = AzuriteFixture.NewContainer();
        var settings = azurite.Server.LakeSettings(container) with { LakeUri = azurite.Server.ContainerUrl(container) + "/env/dev" };
        var store = BlobLakeStore.FromSettings(settings);
        Assert.EndsWith("/env/dev", store.Root, StringComparison.Ordinal);
        await store.PutAsync("bronze/news/_delta_log/00000000000000000000.json", Bytes("{}"));
        var whole = azurite.NewStore(container: container);
        await whole.PutAsync("env/other/x.json", Bytes("x"));
        Assert.Equal("{}", Encoding.UTF8.GetString((await whole.ReadAsync("env/dev/bronze/news/_delta_log/00000000000000000000.json"))!));
        var listed = new List<string>();
        await foreach (var e in store.ListAsync("")) listed.Add(e.Path);
        Assert.Equal(["bronze/news/_delta_log/00000000000000000000.json"], listed);
    }

    [Fact]
    public async Task Errors_name_the_blob_the_status_and_the_error_code_but_not_the_key()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var options = new BlobLakeStoreOptions();
        options.Retry.MaxRetries = 0;
        var container = AzuriteFixture.NewContainer();
        await azurite.NewStore(container: container).PutAsync("x/ok.json", Bytes("x"));
        var store = new BlobLakeStore(new Uri(azurite.Server.ContainerUrl(container)), new StorageSharedKeyCredential(AzuriteServer.Account, wrongKey), options);
        var e = await Assert.ThrowsAsync<RequestFailedException>(() => store.ReadAsync("x/ok.json"));
        Assert.Equal(403, e.Status);
        Assert.Contains("'x/ok.json'", e.Message, StringComparison.Ordinal);
        Assert.Contains("403", e.Message, StringComparison.Ordinal);
        Assert.Contains("AuthorizationFailure", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(azurite.Server.AccountKey, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_request_is_SharedKey_signed_with_the_pinned_service_version()
    {
        var options = new BlobLakeStoreOptions();
        var seen = new HeaderRecorder();
        options.AddPolicy(seen, HttpPipelinePosition.PerRetry);
        var store = azurite.NewStore(options);
        await store.PutAsync("v/a.json", Bytes("a"));
        Assert.True(await store.PutIfAbsentAsync("v/b.json", Bytes("b")));
        Assert.Equal("a", Encoding.UTF8.GetString((await store.ReadAsync("v/a.json"))!));
        await foreach (var _ in store.ListAsync("v/")) { }
        await store.DeleteAsync("v/a.json");
        Assert.True(seen.Requests.Count >= 5);
        Assert.All(seen.Requests, r => Assert.Equal("2026-06-06", r.Version));
        Assert.All(seen.Requests, r => Assert.StartsWith($"SharedKey {AzuriteServer.Account}:", r.Authorization, StringComparison.Ordinal));
        Assert.All(seen.Requests, r => Assert.True(r.Status is >= 200 and < 300, $"status {r.Status}"));
    }

    /// <summary>Records x-ms-version, Authorization and the status of each request as sent (after signing).</summary>
    private sealed class HeaderRecorder : HttpPipelinePolicy
    {
        public List<(string? Version, string? Authorization, int Status)> Requests { get; } = [];

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            message.Request.Headers.TryGetValue("x-ms-version", out var version);
            message.Request.Headers.TryGetValue("Authorization", out var auth);
            lock (Requests) Requests.Add((version, auth, message.Response.Status));
        }
    }

    private static string ContainerOf(BlobLakeStore store) => store.Container.Name;

    /// <summary>Lets the first conditional Put Blob reach the service, then fails it as if the answer was lost on the wire.</summary>
    private sealed class LoseFirstAnswerPolicy(bool beforeSending) : HttpPipelinePolicy
    {
        private int _lost;

        public int Lost => _lost;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var conditional = message.Request.Headers.TryGetValue("If-None-Match", out _);
            if (beforeSending && conditional && Interlocked.Exchange(ref _lost, 1) == 0)
                throw new IOException("simulated: connection reset before the request was sent");
            await ProcessNextAsync(message, pipeline);
            if (!beforeSending && conditional && message.Response.Status == 201 && Interlocked.Exchange(ref _lost, 1) == 0)
                throw new IOException("simulated: connection reset before the answer arrived");
        }
    }
}
