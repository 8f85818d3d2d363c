using CryptoSentiment.Configuration;

namespace CryptoSentiment.Snowflake;

/// <summary>Everything the SQL API client and the Snowflake loader need; built from <see cref="Settings"/> (§7).</summary>
public sealed record SnowflakeOptions
{
    /// <summary><c>SNOWFLAKE_ACCOUNT</c>: account identifier, e.g. <c>myorg-myaccount</c> (or a legacy locator like <c>xy12345.east-us-2.azure</c>).</summary>
    public required string Account { get; init; }
    /// <summary><c>SNOWFLAKE_USER</c>: the service user with the RSA public key.</summary>
    public required string User { get; init; }
    /// <summary><c>SNOWFLAKE_PRIVATE_KEY</c>: PEM (PKCS#8 <c>BEGIN PRIVATE KEY</c> or PKCS#1 <c>BEGIN RSA PRIVATE KEY</c>), unencrypted.</summary>
    public required SecretText PrivateKeyPem { get; init; }
    public string? Role { get; init; }
    public string? Warehouse { get; init; }
    public string? Database { get; init; }
    public string? Schema { get; init; }
    /// <summary><c>SNOWFLAKE_URL</c> override; default <c>https://&lt;account&gt;.snowflakecomputing.com</c>.</summary>
    public Uri? BaseUrl { get; init; }
    /// <summary>Sent as <c>User-Agent</c> (required by the SQL API).</summary>
    public string UserAgent { get; init; } = "CryptoSentiment/1.0";

    /// <summary>Server-side statement timeout (<c>timeout</c> in the request body), seconds.</summary>
    public int StatementTimeoutSeconds { get; init; } = 3600;
    /// <summary>One HTTP attempt; a POST that times out is resubmitted with the same requestId and <c>retry=true</c>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Retries after the first attempt for 429/503/504, dropped connections and timeouts.</summary>
    public int MaxRetries { get; init; } = 8;
    /// <summary>First backoff delay (exponential with jitter) and its cap.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Polling of a running statement (202): first interval, doubled up to <see cref="PollMaxInterval"/>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan PollMaxInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>JWT lifetime (Snowflake allows at most 1 hour) and how long before expiry a new one is minted.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(59);
    public TimeSpan TokenRenewBefore { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Rows per staging INSERT request (<c>SNOWFLAKE_BATCH_ROWS</c>) and the approximate bytes of bind values per request.</summary>
    public int MaxRowsPerRequest { get; init; } = 1000;
    public int MaxBytesPerRequest { get; init; } = 1_000_000;

    /// <summary>The account part of JWT claims: upper-case, cut at the first <c>.</c> (for <c>.global</c> hosts at the first <c>-</c>).</summary>
    public string AccountForToken
    {
        get
        {
            var a = Account.Trim().ToUpperInvariant();
            if (a.EndsWith(".SNOWFLAKECOMPUTING.COM", StringComparison.Ordinal)) a = a[..^".SNOWFLAKECOMPUTING.COM".Length];
            if (a.Contains(".GLOBAL", StringComparison.Ordinal) && a.Contains('-')) return a[..a.IndexOf('-')];
            return a.Contains('.') ? a[..a.IndexOf('.')] : a;
        }
    }

    public Uri EffectiveBaseUrl => BaseUrl ?? new Uri($"https://{Account.Trim().ToLowerInvariant().Replace('_', '-')}.snowflakecomputing.com");

    /// <summary>The Snowflake options from the settings; names every missing setting at once.</summary>
    public static SnowflakeOptions FromSettings(Settings s)
    {
        var missing = new List<string>();
        if (s.SnowflakeAccount is null) missing.Add("SNOWFLAKE_ACCOUNT");
        if (s.SnowflakeUser is null) missing.Add("SNOWFLAKE_USER");
        if (s.SnowflakePrivateKey is null) missing.Add("SNOWFLAKE_PRIVATE_KEY");
        if (missing.Count > 0)
            throw new SnowflakeConfigurationException($"WAREHOUSE=snowflake needs {string.Join(", ", missing)} (see local.settings.sample.json).");
        Uri? url = null;
        if (s.SnowflakeUrl is { } u && (!Uri.TryCreate(u.TrimEnd('/') + "/", UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            throw new SnowflakeConfigurationException($"SNOWFLAKE_URL '{u}' is not an http(s) URL.");
        return new SnowflakeOptions
        {
            Account = s.SnowflakeAccount!,
            User = s.SnowflakeUser!,
            PrivateKeyPem = s.SnowflakePrivateKey!,
            Role = s.SnowflakeRole,
            Warehouse = s.SnowflakeWarehouse,
            Database = s.SnowflakeDatabase,
            Schema = s.SnowflakeSchema,
            BaseUrl = url,
            MaxRowsPerRequest = s.SnowflakeBatchRows,
        };
    }
}
