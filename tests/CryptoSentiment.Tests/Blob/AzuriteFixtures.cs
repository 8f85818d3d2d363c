using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using CryptoSentiment.Testing;
using CryptoSentiment.Lake.Stores;
using CryptoSentiment.Lake.Stores.Blob;

namespace CryptoSentiment.Tests.Blob;

/// <summary>Every test against Azurite shares these two servers (one HTTP + SharedKey, one HTTPS + OAuth); tests run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<AzuriteHttpsFixture>
{
    public const string Name = "azurite";
}

/// <summary>Azurite's blob service over plain HTTP with SharedKey (a random account key per run), started once, killed on dispose.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Server { get; private set; } = null!;

    /// <summary>Download cache of the stores made here (removed on dispose).</summary>
    public string CacheDirectory { get; } = Directory.CreateTempSubdirectory("cs-azurite-cache-").FullName;

    public async Task InitializeAsync() => Server = await AzuriteServer.StartAsync();

    public Task DisposeAsync()
    {
        Server?.Dispose();
        try { Directory.Delete(CacheDirectory, recursive: true); } catch (DirectoryNotFoundException) { }
        return Task.CompletedTask;
    }

    /// <summary>A fresh container name (each test its own lake).</summary>
    public static string NewContainer() => "lake-" + Guid.NewGuid().ToString("N");

    /// <summary>A store on a new container (or on <paramref name="container"/>), SharedKey-signed, caching below <see cref="CacheDirectory"/> unless the options say otherwise.</summary>
    public BlobLakeStore NewStore(BlobLakeStoreOptions? options = null, string? container = null)
    {
        options ??= new BlobLakeStoreOptions();
        options.CacheDirectory ??= CacheDirectory;
        return new(new Uri(Server.ContainerUrl(container ?? NewContainer())), new StorageSharedKeyCredential(AzuriteServer.Account, Server.AccountKey), options);
    }
}

/// <summary>
/// Azurite over HTTPS with <c>--oauth basic</c>: a self-signed certificate made at test time (PEM files in a temp dir),
/// trusted by the test's HttpPipeline only (the transport pins that certificate), and a test <see cref="TokenCredential"/>
/// that mints well-formed JWTs for the storage audience (Azurite decodes but does not verify signatures).
/// </summary>
public sealed class AzuriteHttpsFixture : IAsyncLifetime
{
    private DirectoryInfo _dir = null!;

    public AzuriteServer Server { get; private set; } = null!;
    public X509Certificate2 Certificate { get; private set; } = null!;
    public TestTokenCredential Credential { get; } = new();

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("cs-azurite-tls-");
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Certificate = X509CertificateLoader.LoadCertificate(cert.RawData);
        var certPem = Path.Combine(_dir.FullName, "cert.pem");
        var keyPem = Path.Combine(_dir.FullName, "key.pem");
        await File.WriteAllTextAsync(certPem, cert.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPem, key.ExportPkcs8PrivateKeyPem());
        Server = await AzuriteServer.StartAsync(new AzuriteOptions { CertPemFile = certPem, KeyPemFile = keyPem, OAuth = true });
    }

    public Task DisposeAsync()
    {
        Server?.Dispose();
        try { _dir?.Delete(recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    /// <summary>Options whose transport trusts exactly the test certificate (nothing else changes for production code).</summary>
    public BlobLakeStoreOptions PinnedOptions(BlobLakeStoreOptions? options = null)
    {
        options ??= new BlobLakeStoreOptions();
        var pinned = Certificate.RawData;
        options.Transport = new HttpClientTransport(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
                cert is not null && cert.RawData.AsSpan().SequenceEqual(pinned),
        });
        return options;
    }
}

/// <summary>
/// Mints JWTs like Entra ID's for Azure Storage (aud https://storage.azure.com, iss https://sts.windows.net/&lt;tenant&gt;/,
/// iat/nbf/exp), RS256-signed with a key made at test time. Counts the token requests and the scopes asked for.
/// </summary>
public sealed class TestTokenCredential : TokenCredential
{
    private readonly RSA _key = RSA.Create(2048);
    private int _calls;

    public string Audience { get; set; } = "https://storage.azure.com";
    public int Calls => _calls;
    public List<string> Scopes { get; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        lock (Scopes) Scopes.AddRange(requestContext.Scopes);
        var now = DateTimeOffset.UtcNow;
        var header = new { alg = "RS256", typ = "JWT" };
        var payload = new Dictionary<string, object>
        {
            ["aud"] = Audience,
            ["iss"] = $"https://sts.windows.net/{Guid.Empty}/",
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            ["oid"] = Guid.NewGuid().ToString(),
            ["tid"] = Guid.Empty.ToString(),
        };
        var signingInput = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new AccessToken(signingInput + "." + B64(signature), now.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Counts requests by a key (e.g. "GET comp=list") as they leave the pipeline; add with <see cref="Attach"/>.</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly Dictionary<string, int> _counts = new();

    public static RequestCounter Attach(BlobLakeStoreOptions options)
    {
        var c = new RequestCounter();
        options.AddPolicy(c, HttpPipelinePosition.PerRetry);
        return c;
    }

    public int this[string key] { get { lock (_counts) return _counts.GetValueOrDefault(key); } }

    public override void OnReceivedResponse(HttpMessage message)
    {
        var q = message.Request.Uri.Query;
        var kind = q.Contains("comp=list", StringComparison.Ordinal) ? "list"
            : q.Contains("comp=blocklist", StringComparison.Ordinal) ? "blocklist"
            : q.Contains("comp=block", StringComparison.Ordinal) ? "block"
            : q.Contains("restype=container", StringComparison.Ordinal) ? "container" : "blob";
        var key = $"{message.Request.Method.Method} {kind} {message.Response.Status}";
        lock (_counts) _counts[key] = _counts.GetValueOrDefault(key) + 1;
    }
}
