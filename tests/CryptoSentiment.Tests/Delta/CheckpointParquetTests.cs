using CryptoSentiment.Lake;
using CryptoSentiment.Lake.Delta;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Tests.Delta;

public class CheckpointParquetTests
{
    [Fact]
    public async Task Simple_table_with_checkpoint_reads_checkpoint_10_and_matches_json_replay()
    {
        var store = new LocalLakeStore(TestData.DeltaRoot);
        var reader = new DuckDbCheckpointReader();

        var actions = reader.Read(store.LocalPath("simple_table_with_checkpoint/_delta_log/00000000000000000010.checkpoint.parquet")!).ToList();
        Assert.Equal(13, actions.Count(a => a.IsKnown)); // _last_checkpoint says size 13: protocol + metaData + 11 adds
        Assert.Single(actions, a => a.Protocol is not null);
        Assert.Equal("cf3741a3-5f93-434f-99ac-9a4bebcdf06c", actions.Single(a => a.MetaData is not null).MetaData!.Id);
        Assert.Equal(11, actions.Count(a => a.Add is not null));

        var fromCheckpoint = await Snapshot.LoadAsync(store, "simple_table_with_checkpoint", null, reader);
        var fromJson = await Snapshot.LoadAsync(store, "simple_table_with_checkpoint");
        Assert.Equal(10, fromCheckpoint.Version);
        Assert.Equal(fromJson.Files.Keys.Order(), fromCheckpoint.Files.Keys.Order());
        Assert.Equal(11, fromCheckpoint.Files.Count);
        Assert.Equal(442, fromCheckpoint.Files["part-00000-f0e955c5-a1e3-4eec-834e-dcc098fc9005-c000.snappy.parquet"].Size);
    }
}
