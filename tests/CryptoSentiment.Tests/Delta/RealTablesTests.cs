using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Tests.Delta;

/// <summary>
/// Reads the real Delta tables under shared/data/delta. The expected live file sets were derived by hand from the
/// log files (adds minus later removes), not computed with the code under test.
/// </summary>
public class RealTablesTests
{
    private static LocalLakeStore Store => new(TestData.DeltaRoot);

    private static async Task<Snapshot> Load(string table, long? version = null) =>
        await Snapshot.LoadAsync(Store, table, version);

    [Fact]
    public async Task Simple_table_latest_has_the_five_surviving_files()
    {
        var s = await Load("simple_table");
        Assert.Equal(4, s.Version); // .tmp/00000000000000000005.json is not a commit
        Assert.Equal(1, s.Protocol.MinReaderVersion);
        Assert.Equal(2, s.Protocol.MinWriterVersion);
        Assert.Equal("5fba94ed-9794-4965-ba6e-6ee3c0d22af9", s.Metadata.Id);
        Assert.Equal([new DeltaField("id", "long", true)], s.Schema.Fields);
        Assert.Empty(s.PartitionColumns);
        Assert.Equal(
        [
            "part-00000-2befed33-c358-4768-a43c-3eda0d2a499d-c000.snappy.parquet",
            "part-00000-c1777d7d-89d9-4790-b38a-6ee7e24456b1-c000.snappy.parquet",
            "part-00001-7891c33d-cedc-47c3-88a6-abcfb049d3b4-c000.snappy.parquet",
            "part-00004-315835fe-fb44-4562-98f6-5e6cfa3ae45d-c000.snappy.parquet",
            "part-00007-3a0e4727-de0d-41b6-81ef-5223cf40f025-c000.snappy.parquet",
        ], s.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(262, s.Files["part-00000-2befed33-c358-4768-a43c-3eda0d2a499d-c000.snappy.parquet"].Size);
        foreach (var path in s.FileStorePaths()) Assert.True(File.Exists(Store.LocalPath(path)), path);
        Assert.Empty(s.Txns);
    }

    [Fact]
    public async Task Simple_table_time_travel()
    {
        var v0 = await Load("simple_table", 0);
        Assert.Equal(
        [
            "part-00000-a72b1fb3-f2df-41fe-a8f0-e65b746382dd-c000.snappy.parquet",
            "part-00001-c506e79a-0bf8-4e2b-a42b-9731b2e490ae-c000.snappy.parquet",
            "part-00003-508ae4aa-801c-4c2c-a923-f6f89930a5c1-c000.snappy.parquet",
            "part-00004-80938522-09c0-420c-861f-5a649e3d9674-c000.snappy.parquet",
            "part-00006-63ce9deb-bc0f-482d-b9a1-7e717b67f294-c000.snappy.parquet",
            "part-00007-94f725e2-3963-4b00-9e83-e31021a93cf9-c000.snappy.parquet",
        ], v0.Files.Keys.Order(StringComparer.Ordinal));

        var v1 = await Load("simple_table", 1);
        Assert.Equal(22, v1.Files.Count); // 1 survivor of v0 + 21 adds
        Assert.Contains("part-00000-a72b1fb3-f2df-41fe-a8f0-e65b746382dd-c000.snappy.parquet", v1.Files.Keys);
        Assert.DoesNotContain("part-00006-63ce9deb-bc0f-482d-b9a1-7e717b67f294-c000.snappy.parquet", v1.Files.Keys);

        var v3 = await Load("simple_table", 3);
        Assert.Equal(
        [
            "part-00000-c1777d7d-89d9-4790-b38a-6ee7e24456b1-c000.snappy.parquet",
            "part-00000-f17fcbf5-e0dc-40ba-adae-ce66d1fcaef6-c000.snappy.parquet",
            "part-00001-7891c33d-cedc-47c3-88a6-abcfb049d3b4-c000.snappy.parquet",
            "part-00001-bb70d2ba-c196-4df2-9c85-f34969ad3aa9-c000.snappy.parquet",
            "part-00004-315835fe-fb44-4562-98f6-5e6cfa3ae45d-c000.snappy.parquet",
            "part-00007-3a0e4727-de0d-41b6-81ef-5223cf40f025-c000.snappy.parquet",
        ], v3.Files.Keys.Order(StringComparer.Ordinal));

        // incremental refresh from v1 reaches the same state as a full load
        var updated = await v1.UpdateAsync();
        Assert.Equal(4, updated.Version);
        Assert.Equal((await Load("simple_table")).Files.Keys.Order(), updated.Files.Keys.Order());
        Assert.Same(updated, await updated.UpdateAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Load("simple_table", 5));
    }

    [Fact]
    public async Task Partitioned_table_has_six_files_with_partition_values()
    {
        var s = await Load("delta-0.8.0-partitioned");
        Assert.Equal(0, s.Version);
        Assert.Equal(["year", "month", "day"], s.PartitionColumns);
        Assert.Equal(
        [
            "year=2020/month=1/day=1/part-00000-8eafa330-3be9-4a39-ad78-fd13c2027c7e.c000.snappy.parquet",
            "year=2020/month=2/day=3/part-00000-94d16827-f2fd-42cd-a060-f67ccc63ced9.c000.snappy.parquet",
            "year=2020/month=2/day=5/part-00000-89cdd4c8-2af7-4add-8ea3-3990b2f027b5.c000.snappy.parquet",
            "year=2021/month=12/day=20/part-00000-9275fdf4-3961-4184-baa0-1c8a2bb98104.c000.snappy.parquet",
            "year=2021/month=12/day=4/part-00000-6dc763c0-3e8b-4d52-b19e-1f92af3fbb25.c000.snappy.parquet",
            "year=2021/month=4/day=5/part-00000-c5856301-3439-4032-a6fc-22b7bc92bebb.c000.snappy.parquet",
        ], s.Files.Keys.Order(StringComparer.Ordinal));
        var f = s.Files["year=2021/month=12/day=20/part-00000-9275fdf4-3961-4184-baa0-1c8a2bb98104.c000.snappy.parquet"];
        Assert.Equal(("2021", "12", "20", 407L), (f.PartitionValues["year"], f.PartitionValues["month"], f.PartitionValues["day"], f.Size));
        Assert.Equal(2, s.FilesInPartition(new Dictionary<string, string?> { ["year"] = "2021", ["month"] = "12" }).Count());
        foreach (var path in s.FileStorePaths()) Assert.True(File.Exists(Store.LocalPath(path)), path);
    }

    [Fact]
    public async Task Concurrent_workers_table_is_empty_at_version_0()
    {
        var s = await Load("concurrent_workers");
        Assert.Equal(0, s.Version);
        Assert.Equal(1, s.Protocol.MinWriterVersion);
        Assert.Empty(s.Files);
        Assert.Equal([new DeltaField("value", "integer", true)], s.Schema.Fields);
    }

    [Fact]
    public async Task Checkpoints_table_json_log_has_twelve_appends()
    {
        var s = await Load("checkpoints");
        Assert.Equal(12, s.Version);
        Assert.Equal(["date"], s.PartitionColumns);
        string[] ids =
        [
            "b207ef5f-4458-4969-bd34-46439cdeb6a6", "762e2b03-6a04-4707-b676-5d38d1ef9fca", "ca044815-1585-4e08-aa15-904c5ec961e6",
            "ee6161de-c5be-4117-9ffe-e09b7475dbc7", "c7966c2b-09de-499d-8a90-5694ade6d659", "ce9ff441-1618-489a-8810-301d2a3fa32d",
            "696c78e6-3b86-4bd1-94a7-b1ec40eafe76", "1c6c1825-ee0e-4f44-a3e8-73245adcea35", "2d0a97a0-62a6-415e-b598-1479e361f91f",
            "c3f3c634-9695-4cc1-b76d-0f5feb30f278", "187631a9-ef68-445e-9e78-b03451ebd63f", "69e74256-615d-49cc-94c8-a02826bd4221",
        ];
        string[] dates = ["2020-06-01", "2020-06-01", "2020-06-01", "2020-06-01", "2020-06-01", "2020-06-01", "2020-06-02", "2020-06-02", "2020-06-03", "2020-06-03", "2020-06-03", "2020-06-03"];
        var expected = ids.Select((id, i) => $"date={dates[i]}/part-00000-{id}.c000.snappy.parquet").Order(StringComparer.Ordinal);
        Assert.Equal(expected, s.Files.Keys.Order(StringComparer.Ordinal));

        var stats = s.Files[$"date=2020-06-01/part-00000-{ids[0]}.c000.snappy.parquet"].ParseStats()!;
        Assert.Equal(1, stats.NumRecords);
        Assert.Equal("x", (string?)stats.MinValues!["value"]);
        Assert.Equal("2021-07-30T18:11:24.594Z", (string?)stats.MaxValues!["some_struct"]!["some_struct_timestamp"]);
        Assert.Equal(0, (int)stats.NullCount!["ts"]!);
        Assert.Equal(4, s.FilesInPartition(new Dictionary<string, string?> { ["date"] = "2020-06-03" }).Count());
    }

    [Fact]
    public async Task Table_with_checkpoint_falls_back_to_json_replay_without_a_checkpoint_reader()
    {
        // simple_table_with_checkpoint has 00000000000000000010.checkpoint.parquet + _last_checkpoint, but also every
        // JSON commit 0..10, so without an ICheckpointReader the log is replayed from version 0.
        var listing = await DeltaLog.ListAsync(Store, "simple_table_with_checkpoint");
        Assert.Equal(["simple_table_with_checkpoint/_delta_log/00000000000000000010.checkpoint.parquet"], listing.CompleteCheckpoint(10));
        var last = await DeltaLog.ReadLastCheckpointAsync(Store, "simple_table_with_checkpoint");
        Assert.Equal((10L, 13L), (last!.Version, last.Size));

        var s = await Load("simple_table_with_checkpoint");
        Assert.Equal(10, s.Version);
        Assert.Equal(
        [
            "part-00000-136c36f5-639d-4e95-bb0f-15cde3fb14eb-c000.snappy.parquet",
            "part-00000-1abe25d3-0da6-46c5-98c1-7a69872fd797-c000.snappy.parquet",
            "part-00000-3810fbe0-9892-431d-bcfd-7de5788dfe8d-c000.snappy.parquet",
            "part-00000-3fa65c69-4e55-4b18-a195-5f1ae583e553-c000.snappy.parquet",
            "part-00000-72ecc4d6-2e44-4df4-99e6-23f1ac2b7b7c-c000.snappy.parquet",
            "part-00000-7d239c98-d74b-4b02-b3f6-9f256992c633-c000.snappy.parquet",
            "part-00000-8e7dc8c1-337b-40b8-a411-46d4295da531-c000.snappy.parquet",
            "part-00000-9afd9224-729f-4420-a05e-8032113a6568-c000.snappy.parquet",
            "part-00000-e93060ad-9c8c-4170-a9da-7c6f53f6406b-c000.snappy.parquet",
            "part-00000-e9c6df9a-e585-4c70-bc1f-de9bd8ae025b-c000.snappy.parquet",
            "part-00000-f0e955c5-a1e3-4eec-834e-dcc098fc9005-c000.snappy.parquet",
        ], s.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([new DeltaField("version", "integer", true)], s.Schema.Fields);
    }

    [Fact]
    public async Task Missing_table_is_reported()
    {
        await Assert.ThrowsAsync<DeltaTableNotFoundException>(() => Load("no_such_table"));
        var t = await DeltaTable.OpenAsync(Store, "no_such_table");
        Assert.False(t.Exists);
        Assert.Throws<DeltaTableNotFoundException>(() => t.Snapshot);
    }
}

public class LogEdgeCaseTests
{
    [Fact]
    public async Task Checkpoint_without_reader_and_without_old_commits_is_not_supported()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await store.PutAsync("t/_delta_log/00000000000000000002.checkpoint.parquet", new byte[] { 0x50, 0x41, 0x52, 0x31 });
        await store.PutAsync("t/_delta_log/_last_checkpoint", "{\"version\":2,\"size\":3}"u8.ToArray());
        await store.PutAsync("t/_delta_log/00000000000000000003.json", DeltaAction.SerializeCommit([new TxnAction { AppId = "a", Version = 1 }]));
        var listing = await DeltaLog.ListAsync(store, "t");
        Assert.Equal([3L], listing.Commits);
        Assert.Equal(2, listing.LatestCompleteCheckpoint(3));
        await Assert.ThrowsAsync<NotSupportedException>(() => Snapshot.LoadAsync(store, "t"));
    }

    [Fact]
    public async Task Gap_in_commits_is_reported_and_multi_part_checkpoints_need_all_parts()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await store.PutAsync("t/_delta_log/00000000000000000000.json",
            DeltaAction.SerializeCommit([new ProtocolAction(), new MetadataAction { Id = "x", SchemaString = DeltaSchema.Of(("a", "long", true)).ToJson() }]));
        await store.PutAsync("t/_delta_log/00000000000000000002.json", DeltaAction.SerializeCommit([new TxnAction { AppId = "a", Version = 1 }]));
        await Assert.ThrowsAsync<InvalidDataException>(() => Snapshot.LoadAsync(store, "t"));
        Assert.Equal(0, (await Snapshot.LoadAsync(store, "t", 0)).Version);

        await store.PutAsync("t/_delta_log/00000000000000000005.checkpoint.0000000001.0000000002.parquet", new byte[] { 1 });
        var listing = await DeltaLog.ListAsync(store, "t");
        Assert.Null(listing.CompleteCheckpoint(5));
        await store.PutAsync("t/_delta_log/00000000000000000005.checkpoint.0000000002.0000000002.parquet", new byte[] { 1 });
        listing = await DeltaLog.ListAsync(store, "t");
        Assert.Equal(
            ["t/_delta_log/00000000000000000005.checkpoint.0000000001.0000000002.parquet", "t/_delta_log/00000000000000000005.checkpoint.0000000002.0000000002.parquet"],
            listing.CompleteCheckpoint(5));
        Assert.Equal(listing.CompleteCheckpoint(5), DeltaPaths.CheckpointPaths("t", 5, 2));
    }
}
