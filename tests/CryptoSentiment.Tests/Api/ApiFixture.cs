using System.Text.Json;
using CryptoSentiment.Api;
using CryptoSentiment.Cli.Dashboard;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Events;
using CryptoSentiment.Generator;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Pipeline;
using CryptoSentiment.Tests.Functions;
using CryptoSentiment.Tests.Pipeline;

namespace CryptoSentiment.Tests.Api;

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}

/// <summary>
/// A lake built by the sample pipeline (generated stream → bronze → silver → gold) in a temp folder, the API over it in
/// process, the CLI's dashboard server with the API (what <c>serve</c> runs) and the Functions handler app on the same lake.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private readonly TempLake _lake = new();
    private DashboardServer? _serve;
    private HandlerHost? _functions;

    internal TempLake Lake => _lake;
    public Lakehouse Lakehouse { get; private set; } = null!;
    public LakeApi Api { get; private set; } = null!;
    public HttpClient Serve { get; private set; } = null!;
    internal HandlerHost Functions => _functions!;

    public async Task InitializeAsync()
    {
        var stream = new SampleStreamGenerator(23, PipelineTestKit.Start).Generate(1200, 120);
        using (var p = PipelineTestKit.Open(_lake, PipelineTestKit.IngestTime(stream)))
        {
            await PipelineTestKit.IngestAllAsync(p, stream.ToBatches(EventStream.News, 300, 2).Concat(stream.ToBatches(EventStream.Prices, 1000, 2)));
            await p.RefreshGoldAsync();
        }
        Lakehouse = new Lakehouse(new LocalLakeStore(_lake.LakeDir));
        Api = new LakeApi(Lakehouse);
        _serve = await DashboardServer.StartAsync(new DashboardOptions(_lake.WarehouseFile, 0) { Api = new LakeApi(new Lakehouse(new LocalLakeStore(_lake.LakeDir))) });
        Serve = new HttpClient { BaseAddress = _serve.Url, Timeout = TimeSpan.FromSeconds(60) };
        _functions = await HandlerHost.StartAsync(_lake.Settings);
    }

    /// <summary>The lake's views on a fresh connection, for expected values.</summary>
    public async Task<DuckDbConnection> ViewsAsync() => await PipelineTestKit.ViewsAsync(Lakehouse);

    public Task<ApiResponse> GetAsync(string pathAndQuery, string? ifNoneMatch = null) => Api.HandleAsync(ApiRequest.Get(pathAndQuery, ifNoneMatch));

    public async Task<JsonElement> OkAsync(string pathAndQuery)
    {
        var r = await GetAsync(pathAndQuery);
        Assert.True(r.Status == 200, $"{pathAndQuery}: {r.Status} {r.BodyText}");
        Assert.Equal("application/json; charset=utf-8", r.ContentType);
        using var doc = JsonDocument.Parse(r.Body);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and returns its detail.</summary>
    public async Task<string> ProblemAsync(string pathAndQuery, int status)
    {
        var r = await GetAsync(pathAndQuery);
        Assert.True(r.Status == status, $"{pathAndQuery}: expected {status}, got {r.Status} {r.BodyText}");
        Assert.Equal("application/problem+json", r.ContentType);
        using var doc = JsonDocument.Parse(r.Body);
        Assert.Equal(status, doc.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("title").GetString()));
        return doc.RootElement.GetProperty("detail").GetString()!;
    }

    public async Task DisposeAsync()
    {
        Serve?.Dispose();
        if (_serve is not null) await _serve.DisposeAsync();
        if (_functions is not null) await _functions.DisposeAsync();
        Lakehouse?.Dispose();
        _lake.Dispose();
    }
}
