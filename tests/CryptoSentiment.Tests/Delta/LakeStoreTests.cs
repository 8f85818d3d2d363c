using System.Text;
using CryptoSentiment.Lake.Stores;

namespace CryptoSentiment.Tests.Delta;

public class LakeStoreTests
{
    [Theory]
    [InlineData("../x")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a/../b")]
    [InlineData("a\\b")]
    [InlineData("a/")]
    [InlineData("")]
    [InlineData(".")]
    public async Task Invalid_paths_are_rejected(string path)
    {
        Assert.False(LakePath.IsValid(path, out _));
        Assert.Throws<ArgumentException>(() => LakePath.Validate(path));
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(path));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutIfAbsentAsync(path, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(path, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(path));
        Assert.Throws<ArgumentException>(() => store.LocalPath(path));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("bronze/news/_delta_log/00000000000000000000.json")]
    [InlineData("t/ingest_date=2026-11-21/part-00000-a-c000.snappy.parquet")]
    [InlineData("a/.hidden/b..c")]
    public void Valid_paths_are_accepted(string path) => Assert.Equal(path, LakePath.Validate(path));

    [Fact]
    public async Task Put_if_absent_creates_once()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        Assert.Null(await store.ReadAsync("t/_delta_log/0.json"));
        Assert.True(await store.PutIfAbsentAsync("t/_delta_log/0.json", "first"u8.ToArray()));
        Assert.False(await store.PutIfAbsentAsync("t/_delta_log/0.json", "second"u8.ToArray()));
        Assert.Equal("first", Encoding.UTF8.GetString((await store.ReadAsync("t/_delta_log/0.json"))!));
        Assert.Single(Directory.GetFiles(Path.Combine(tmp.Path, "t", "_delta_log"))); // no temp files left behind
    }

    [Fact]
    public async Task Put_if_absent_has_exactly_one_winner_under_contention()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        const int contenders = 6, rounds = 300;
        using var barrier = new Barrier(contenders);
        var wins = new int[rounds, contenders];
        var threads = Enumerable.Range(0, contenders).Select(i => new Thread(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                barrier.SignalAndWait();
                if (store.PutIfAbsentAsync($"race/{round}.json", Encoding.UTF8.GetBytes($"writer {i}")).GetAwaiter().GetResult())
                    wins[round, i] = 1;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (var round = 0; round < rounds; round++)
        {
            var winners = Enumerable.Range(0, contenders).Where(i => wins[round, i] == 1).ToList();
            Assert.Single(winners);
            Assert.Equal($"writer {winners[0]}", Encoding.UTF8.GetString((await store.ReadAsync($"race/{round}.json"))!));
        }
        Assert.Equal(rounds, Directory.GetFiles(Path.Combine(tmp.Path, "race")).Length);
    }

    [Fact]
    public async Task Put_overwrites_put_file_copies_list_sorts_delete_removes()
    {
        using var tmp = new TempDir();
        var store = new LocalLakeStore(tmp.Path);
        await store.PutAsync("t/b.txt", "1"u8.ToArray());
        await store.PutAsync("t/b.txt", "22"u8.ToArray());
        Assert.Equal("22", Encoding.UTF8.GetString((await store.ReadAsync("t/b.txt"))!));

        var local = Path.Combine(tmp.Path, "outside.parquet");
        await File.WriteAllBytesAsync(local, new byte[] { 1, 2, 3 });
        await store.PutFileAsync("t/p=1/a.parquet", local);
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.ReadAsync("t/p=1/a.parquet"));
        await store.PutAsync("t/a.txt", "x"u8.ToArray());
        await store.PutAsync("tother/z.txt", "x"u8.ToArray());

        var listed = new List<LakeEntry>();
        await foreach (var e in store.ListAsync("t/")) listed.Add(e);
        Assert.Equal(["t/a.txt", "t/b.txt", "t/p=1/a.parquet"], listed.Select(e => e.Path));
        Assert.Equal(3, listed[2].Size);

        var all = new List<string>();
        await foreach (var e in store.ListAsync("t")) all.Add(e.Path);
        Assert.Equal(["t/a.txt", "t/b.txt", "t/p=1/a.parquet", "tother/z.txt"], all);

        await foreach (var _ in store.ListAsync("missing/")) Assert.Fail("nothing expected");

        Assert.Equal(Path.Combine(tmp.Path, "t", "p=1", "a.parquet"), store.LocalPath("t/p=1/a.parquet"));
        Assert.Equal(store.LocalPath("t/p=1/a.parquet"), await store.MaterializeAsync("t/p=1/a.parquet"));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.MaterializeAsync("t/none.parquet"));

        await store.DeleteAsync("t/b.txt");
        await store.DeleteAsync("t/b.txt");
        await store.DeleteAsync("nowhere/b.txt");
        Assert.Null(await store.ReadAsync("t/b.txt"));
    }
}
