using System.Text.Json;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Blob;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Functions;

/// <summary>
/// Fault suite (issue 10): several published handler processes on one lake (local folder, Azurite), four Event Hubs
/// partitions, overlapping redeliveries and an instance SIGKILLed mid-batch whose partitions move to a new instance that
/// gets the same batch again (the host's retry). Afterwards bronze holds every (partition, sequence) once, silver every
/// article once, quarantine every bad event once, and verify passes.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScaleOutFaultTests(AzuriteFixture azurite)
{
    private const int Partitions = 4, BatchesPerPartition = 8, BatchSize = 25;

    /// <summary>The stream: unique articles, every 9th event malformed, every 13th a copy of an article of the next partition.</summary>
    private static (List<List<string>> Partitions, int Events, int Malformed, int Articles) Stream()
    {
        var n = BatchesPerPartition * BatchSize;
        var parts = new List<List<string>>();
        var ids = new HashSet<string>();
        int malformed = 0, valid = 0;
        for (var p = 0; p < Partitions; p++)
        {
            var events = new List<string>();
            for (var s = 0; s < n; s++)
            {
                if (s % 9 == 4) { events.Add("{\"id\": \"broken"); malformed++; continue; }
                var id = s % 13 == 6 ? $"a-{(p + 1) % Partitions}-{s}" : $"a-{p}-{s}";
                events.Add(JsonSerializer.Serialize(new
                {
                    id, title = $"Bitcoin story {id}", url = $"https://news.example/{id}", source = "wire",
                    published_at = new DateTime(2026, 3, 1 + s % 2, s % 24, 0, 0, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                }));
                ids.Add(id);
                valid++;
            }
            parts.Add(events);
        }
        return (parts, Partitions * n, malformed, ids.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThreeInstancesWithRedeliveriesAndAKilledInstanceLoseAndDuplicateNothing(bool onAzurite)
    {
        var app = PublishedApp.Ensure();
        var exe = Path.Combine(app, "CryptoSentiment.Functions");
        using var t = new TempLake();
        var container = AzuriteFixture.NewContainer();
        var settings = onAzurite
            ? new Dictionary<string, string>
            {
                ["LAKE_URI"] = azurite.Server.ContainerUrl(container), ["LAKE_AUTH"] = "sharedkey", ["LAKE_ACCOUNT_KEY"] = azurite.Server.AccountKey,
                ["WAREHOUSE"] = "duckdb:" + t.WarehouseFile,
            }
            : new Dictionary<string, string> { ["LAKE_URI"] = t.LakeDir, ["WAREHOUSE"] = "duckdb:" + t.WarehouseFile };
        var (stream, events, malformed, articles) = Stream();

        var instances = new List<HandlerProcess>();
        for (var i = 0; i < 3; i++) instances.Add(await HandlerProcess.StartAsync(exe, settings));
        var gate = new object();
        try
        {
            var owner = Enumerable.Range(0, Partitions).Select(p => p % 3).ToArray(); // the partition's lease
            var victim = 1;
            var killed = false;
            var random = new Random(17);

            async Task<bool> PostAsync(int instance, int partition, int from, int count)
            {
                var body = TestFiles.EventHubPayload(stream[partition].Skip(from).Take(count).ToList(), partition.ToString(), from);
                try
                {
                    var answer = await instances[instance].PostAsync("NewsIngest", body);
                    return answer.Status == 200;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; } // the instance died
            }

            async Task RunPartitionAsync(int p)
            {
                for (var b = 0; b < BatchesPerPartition; b++)
                {
                    var from = b * BatchSize;
                    Task<bool> post;
                    lock (gate) post = PostAsync(owner[p], p, from, BatchSize);
                    // Partition 1's third batch: its instance is SIGKILLed while the batch is in flight.
                    if (p == 1 && b == 2 && !killed)
                    {
                        await Task.Delay(30);
                        lock (gate)
                        {
                            instances[victim].Kill();
                            killed = true;
                        }
                    }
                    while (!await post)
                    {
                        // The host retries the batch; when the instance is gone its partitions move to a live one.
                        lock (gate)
                        {
                            if (instances[owner[p]].HasExited) owner[p] = Enumerable.Range(0, instances.Count).First(i => !instances[i].HasExited);
                            post = PostAsync(owner[p], p, from, BatchSize);
                        }
                    }
                    // Overlapping redeliveries: the second half of this batch and the first half of the next, to another instance.
                    if (b + 1 < BatchesPerPartition && random.Next(3) == 0)
                    {
                        int other;
                        lock (gate) other = Enumerable.Range(0, instances.Count).Where(i => !instances[i].HasExited && i != owner[p]).DefaultIfEmpty(owner[p]).First();
                        await PostAsync(other, p, from + BatchSize / 2, BatchSize);
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => Task.Run(() => RunPartitionAsync(p))));
            Assert.True(killed);

            using var lake = new Lakehouse(onAzurite ? azurite.NewStore(container: container) : new LocalLakeStore(t.LakeDir));
            using var c = await PipelineTestKit.ViewsAsync(lake);
            Assert.Equal(events, c.Scalar<long>("SELECT count(*) FROM bronze_news"));
            Assert.Equal(events, c.Scalar<long>("SELECT count(DISTINCT (partition_id, sequence_number)) FROM bronze_news"));
            Assert.Equal(malformed, c.Scalar<long>("SELECT count(*) FROM silver_quarantine"));
            Assert.Equal(articles, c.Scalar<long>("SELECT count(DISTINCT article_id) FROM silver_news_sentiment"));
            Assert.Equal(articles, c.Scalar<long>("SELECT count(*) FROM silver_news_sentiment")); // one coin each: no row twice
            var reconcile = (await PipelineTestKit.AssertVerifiesAsync(lake)).Checks.Single(x => x.Name == "reconcile news");
            Assert.Contains($"duplicates {events - malformed - articles}", reconcile.Detail);
        }
        finally
        {
            foreach (var h in instances) await h.DisposeAsync();
        }
    }
}
