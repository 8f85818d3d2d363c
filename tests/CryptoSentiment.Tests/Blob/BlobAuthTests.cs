using System.Text;
using Azure;
using CryptoSentiment.Configuration;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Lake.Stores.Blob;
using CryptoSentiment.Pipeline;

namespace CryptoSentiment.Tests.Blob;

/// <summary>LAKE_URI / LAKE_AUTH parsing (no server needed).</summary>
public sealed class BlobSettingsTests
{
    [Theory]
    [InlineData("https://myacct.blob.core.windows.net/lake", "https://myacct.blob.core.windows.net/lake", "myacct", "lake", "")]
    [InlineData("https://myacct.blob.core.windows.net/lake/", "https://myacct.blob.core.windows.net/lake", "myacct", "lake", "")]
    [InlineData("https://myacct.blob.core.windows.net/lake/env/prod", "https://myacct.blob.core.windows.net/lake", "myacct", "lake", "env/prod")]
    [InlineData("https://myacct.dfs.core.windows.net/lake", "https://myacct.blob.core.windows.net/lake", "myacct", "lake", "")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/lake-1", "http://127.0.0.1:10000/devstoreaccount1/lake-1", "devstoreaccount1", "lake-1", "")]
    [InlineData("http://localhost:10000/devstoreaccount1/lake/x", "http://localhost:10000/devstoreaccount1/lake", "devstoreaccount1", "lake", "x")]
    public void Container_urls_parse(string uri, string container, string account, string name, string prefix)
    {
        var a = BlobLakeAddress.Parse(uri);
        Assert.Equal(container, a.ContainerUri.AbsoluteUri);
        Assert.Equal(account, a.Account);
        Assert.Equal(name, a.Container);
        Assert.Equal(prefix, a.Prefix);
    }

    [Theory]
    [InlineData("https://myacct.blob.core.windows.net/")]
    [InlineData("https://myacct.blob.core.windows.net/Upper")]
    [InlineData("https://myacct.blob.core.windows.net/lake?sv=2020&sig=x")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1")]
    [InlineData("https://myacct.blob.core.windows.net/lake/a/../b")]
    [InlineData("ftp://host/lake")]
    public void Bad_container_urls_are_refused_with_the_url_in_the_message(string uri)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => BlobLakeAddress.Parse(uri));
        Assert.Contains("LAKE_URI", e.Message + (e.InnerException?.Message ?? ""), StringComparison.Ordinal);
    }

    [Fact]
    public void Auth_defaults_and_combinations()
    {
        // https defaults to managed identity (no request is made when the store is built).
        var mi = Lakehouse.OpenStore(new Settings { LakeUri = "https://myacct.blob.core.windows.net/lake" });
        Assert.IsType<BlobLakeStore>(mi);
        Assert.Equal("https://myacct.blob.core.windows.net/lake", mi.Root);
        Assert.IsType<BlobLakeStore>(Lakehouse.OpenStore(new Settings { LakeUri = "https://myacct.blob.core.windows.net/lake", LakeAuth = "azurecli" }));
        Assert.IsType<BlobLakeStore>(Lakehouse.OpenStore(new Settings { LakeUri = "https://myacct.blob.core.windows.net/lake", LakeAuth = "default" }));
        Assert.IsType<LocalLakeStore>(Lakehouse.OpenStore(new Settings { LakeUri = Path.GetTempPath() }));

        // http (the emulator) needs a shared key; bearer tokens are never sent over http.
        var e = Assert.Throws<ArgumentException>(() => Lakehouse.OpenStore(new Settings { LakeUri = "http://127.0.0.1:10000/devstoreaccount1/lake" }));
        Assert.Contains("LAKE_ACCOUNT_KEY", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Lakehouse.OpenStore(new Settings { LakeUri = "http://127.0.0.1:10000/devstoreaccount1/lake", LakeAuth = "managedidentity" }));
        Assert.Contains("https", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Lakehouse.OpenStore(new Settings { LakeUri = "https://a.blob.core.windows.net/lake", LakeAuth = "sas" }));
        Assert.Contains("LAKE_AUTH 'sas'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Lakehouse.OpenStore(new Settings
            { LakeUri = "http://127.0.0.1:1/devstoreaccount1/lake", LakeAuth = "sharedkey", LakeAccountKey = "not base64 !!" }));
        Assert.DoesNotContain("not base64 !!", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_style_hosts_the_sdk_cannot_read_as_such_are_refused_instead_of_misplacing_blobs()
    {
        var key = Convert.ToBase64String(new byte[64]);
        // The emulator's own port and any IPv4 host are path-style for the SDK too.
        foreach (var ok in new[] { "http://localhost:10000/devstoreaccount1/lake", "http://127.0.0.1:43210/devstoreaccount1/lake" })
            Assert.Equal(ok, Lakehouse.OpenStore(new Settings { LakeUri = ok, LakeAuth = "sharedkey", LakeAccountKey = key }).Root);
        var e = Assert.Throws<ArgumentException>(() => Lakehouse.OpenStore(new Settings
            { LakeUri = "http://localhost:43210/devstoreaccount1/lake", LakeAuth = "sharedkey", LakeAccountKey = key }));
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_read_from_the_environment_names()
    {
        var env = new Dictionary<string, string>
        {
            ["LAKE_URI"] = "http://127.0.0.1:10000/devstoreaccount1/lake",
            ["LAKE_AUTH"] = "sharedkey",
            ["LAKE_ACCOUNT_KEY"] = Convert.ToBase64String(new byte[64]),
        };
        var s = Settings.From(n => env.GetValueOrDefault(n));
        var store = Assert.IsType<BlobLakeStore>(Lakehouse.OpenStore(s));
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/lake", store.Root);
    }
}

/// <summary>Bearer-token specifics against Azurite over HTTPS with <c>--oauth basic</c>.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobBearerTests(AzuriteHttpsFixture https)
{
    [Fact]
    public async Task A_token_for_another_audience_is_refused_and_the_error_names_blob_and_status()
    {
        var wrong = new TestTokenCredential { Audience = "https://vault.azure.net" };
        var options = https.PinnedOptions();
        options.Retry.MaxRetries = 0;
        var store = new BlobLakeStore(new Uri(https.Server.ContainerUrl(AzuriteFixture.NewContainer())), wrong, options);
        var e = await Assert.ThrowsAsync<RequestFailedException>(() => store.ReadAsync("x/_delta_log/00000000000000000000.json"));
        Assert.True(e.Status is 401 or 403, $"status {e.Status}");
        Assert.Contains("'x/_delta_log/00000000000000000000.json'", e.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(e.ErrorCode));
    }

    [Fact]
    public async Task The_https_endpoint_is_trusted_only_through_the_pinned_transport()
    {
        var store = new BlobLakeStore(new Uri(https.Server.ContainerUrl(AzuriteFixture.NewContainer())), https.Credential,
            new BlobLakeStoreOptions { Retry = { MaxRetries = 0 } });
        var e = await Assert.ThrowsAnyAsync<Exception>(() => store.ReadAsync("a.json"));
        Assert.Contains("SSL", e.ToString(), StringComparison.OrdinalIgnoreCase);

        var pinned = new BlobLakeStore(new Uri(https.Server.ContainerUrl(AzuriteFixture.NewContainer())), https.Credential, https.PinnedOptions());
        await pinned.PutAsync("a.json", Encoding.UTF8.GetBytes("{}"));
        Assert.Equal("{}", Encoding.UTF8.GetString((await pinned.ReadAsync("a.json"))!));
    }
}
