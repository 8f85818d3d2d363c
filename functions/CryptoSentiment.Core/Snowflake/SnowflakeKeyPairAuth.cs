using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CryptoSentiment.Configuration;

namespace CryptoSentiment.Snowflake;

/// <summary>
/// Key-pair authentication for the SQL API: an RS256 JWT with <c>iss = ACCOUNT.USER.SHA256:&lt;fingerprint&gt;</c>
/// (base64 SHA-256 of the public key's DER SubjectPublicKeyInfo, what <c>DESC USER</c> shows as RSA_PUBLIC_KEY_FP),
/// <c>sub = ACCOUNT.USER</c>, <c>iat</c>, <c>exp</c> ≤ 1 h. The token is reused until <see cref="SnowflakeOptions.TokenRenewBefore"/>
/// before it expires, and minted anew after <see cref="Invalidate"/> (a 401). The key never leaves this class.
/// </summary>
public sealed class SnowflakeKeyPairAuth : IDisposable
{
    private readonly RSA _rsa;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lifetime, _renewBefore;
    private readonly Lock _gate = new();
    private (string Token, DateTimeOffset Expires)? _current;

    public string Issuer { get; }
    public string Subject { get; }
    /// <summary><c>SHA256:&lt;base64&gt;</c> of the public key, as Snowflake's RSA_PUBLIC_KEY_FP.</summary>
    public string PublicKeyFingerprint { get; }
    /// <summary>How many tokens were minted (renewals and 401s add one).</summary>
    public int TokensMinted { get; private set; }

    public SnowflakeKeyPairAuth(SnowflakeOptions options, TimeProvider? clock = null)
    {
        if (options.TokenLifetime <= TimeSpan.Zero || options.TokenLifetime > TimeSpan.FromHours(1))
            throw new SnowflakeConfigurationException("Snowflake JWT lifetime must be positive and at most 1 hour.");
        _rsa = LoadKey(options.PrivateKeyPem);
        _clock = clock ?? TimeProvider.System;
        _lifetime = options.TokenLifetime;
        _renewBefore = options.TokenRenewBefore < _lifetime ? options.TokenRenewBefore : _lifetime / 10;
        PublicKeyFingerprint = Fingerprint(_rsa);
        var qualified = $"{options.AccountForToken}.{options.User.Trim().ToUpperInvariant()}";
        Subject = qualified;
        Issuer = $"{qualified}.{PublicKeyFingerprint}";
    }

    /// <summary>The current token, minting a new one when none is cached or it is within the renewal window.</summary>
    public string GetToken()
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (_current is { } c && now < c.Expires - _renewBefore) return c.Token;
            var token = Mint(now);
            _current = (token, now + _lifetime);
            TokensMinted++;
            return token;
        }
    }

    /// <summary>Drops the cached token (after a 401) so the next call mints a fresh one.</summary>
    public void Invalidate()
    {
        lock (_gate) _current = null;
    }

    private string Mint(DateTimeOffset now)
    {
        var iat = now.ToUnixTimeSeconds();
        var header = B64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT" }));
        var payload = B64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = Issuer, ["sub"] = Subject, ["iat"] = iat, ["exp"] = iat + (long)_lifetime.TotalSeconds,
        }));
        var signingInput = header + "." + payload;
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64Url(signature);
    }

    /// <summary><c>SHA256:</c> + base64(SHA-256(DER SubjectPublicKeyInfo)).</summary>
    public static string Fingerprint(RSA key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    internal static string B64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Imports the PEM; a bad value gets a message that describes the problem, never the value.</summary>
    private static RSA LoadKey(SecretText pem)
    {
        // App settings often hold the PEM on one line with literal "\n" escapes.
        var text = pem.Reveal().Replace("\\n", "\n").Trim();
        if (text.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            throw new SnowflakeConfigurationException("SNOWFLAKE_PRIVATE_KEY is an encrypted PEM; give the unencrypted PKCS#8 key (keep it in Key Vault).");
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(text);
            if (rsa.KeySize < 2048) throw new CryptographicException();
            _ = rsa.ExportParameters(includePrivateParameters: true);
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            // No inner exception: it could carry parts of the key text.
            throw new SnowflakeConfigurationException(
                "SNOWFLAKE_PRIVATE_KEY is not a PEM RSA private key of at least 2048 bits (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).");
        }
    }

    public void Dispose() => _rsa.Dispose();
}
