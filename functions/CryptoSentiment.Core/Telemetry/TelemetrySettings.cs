using System.Globalization;

namespace CryptoSentiment.Telemetry;

/// <summary>OTLP transport (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</summary>
public enum OtlpProtocol { HttpProtobuf, Grpc }

/// <summary>
/// Where telemetry goes (ARCHITECTURE §10), read from the environment by both hosts: Azure Monitor when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (Entra auth with the app's managed identity), OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the console when <c>TELEMETRY=console</c>. Any combination; none = off.
/// </summary>
public sealed record TelemetrySettings
{
    /// <summary>Default metric export interval (the OpenTelemetry default, 60 s).</summary>
    public const int DefaultMetricIntervalMs = 60_000;

    /// <summary>The service name on every span and metric (<c>service.name</c>).</summary>
    public string ServiceName { get; init; } = "CryptoSentiment";
    public string? AppInsightsConnectionString { get; init; }
    /// <summary><c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, e.g. <c>Authorization=AAD;ClientId=&lt;uami client id&gt;</c>.</summary>
    public string? AppInsightsAuthentication { get; init; }
    /// <summary>The user-assigned identity's client id (<c>AZURE_CLIENT_ID</c>), used when the authentication string names none.</summary>
    public string? AzureClientId { get; init; }
    /// <summary>OTLP base endpoint, e.g. <c>http://127.0.0.1:4318</c> (http/protobuf: <c>/v1/traces</c>, <c>/v1/metrics</c> are appended).</summary>
    public Uri? OtlpEndpoint { get; init; }
    public OtlpProtocol OtlpProtocol { get; init; } = OtlpProtocol.HttpProtobuf;
    /// <summary>Metric export interval (<c>OTEL_METRIC_EXPORT_INTERVAL</c>, ms).</summary>
    public int MetricIntervalMs { get; init; } = DefaultMetricIntervalMs;
    /// <summary>OTLP export timeout (<c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, ms); also bounds the flush at shutdown.</summary>
    public int ExportTimeoutMs { get; init; } = 10_000;
    public bool Console { get; init; }

    /// <summary>True when at least one exporter is configured.</summary>
    public bool Enabled => AppInsightsConnectionString is not null || OtlpEndpoint is not null || Console;

    public static TelemetrySettings FromEnvironment(string serviceName) => From(Environment.GetEnvironmentVariable, serviceName);

    /// <summary>From a settings lookup (environment, local.settings.json values).</summary>
    public static TelemetrySettings From(Func<string, string?> get, string serviceName)
    {
        string? Get(string name) => get(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var endpoint = Get("OTEL_EXPORTER_OTLP_ENDPOINT");
        Uri? otlp = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out otlp))
            throw new ArgumentException($"OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}' is not an absolute URL (e.g. http://127.0.0.1:4318)");
        var protocol = Get("OTEL_EXPORTER_OTLP_PROTOCOL")?.ToLowerInvariant() switch
        {
            null or "http/protobuf" => OtlpProtocol.HttpProtobuf,
            "grpc" => OtlpProtocol.Grpc,
            var other => throw new ArgumentException($"OTEL_EXPORTER_OTLP_PROTOCOL '{other}' is not one of: http/protobuf, grpc"),
        };
        var telemetry = Get("TELEMETRY")?.ToLowerInvariant();
        if (telemetry is not null and not ("console" or "off" or "none"))
            throw new ArgumentException($"TELEMETRY '{telemetry}' is not one of: console, off");
        return new TelemetrySettings
        {
            ServiceName = serviceName,
            AppInsightsConnectionString = Get("APPLICATIONINSIGHTS_CONNECTION_STRING"),
            AppInsightsAuthentication = Get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"),
            AzureClientId = Get("AZURE_CLIENT_ID"),
            OtlpEndpoint = otlp,
            OtlpProtocol = protocol,
            MetricIntervalMs = PositiveMs(Get("OTEL_METRIC_EXPORT_INTERVAL"), "OTEL_METRIC_EXPORT_INTERVAL", DefaultMetricIntervalMs),
            ExportTimeoutMs = PositiveMs(Get("OTEL_EXPORTER_OTLP_TIMEOUT"), "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000),
            Console = telemetry == "console",
        };
    }

    /// <summary>The client id of the identity the Azure Monitor exporter authenticates as (null: system-assigned / developer).</summary>
    public string? ManagedIdentityClientId =>
        AppInsightsAuthentication?.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase) && kv[1].Length > 0)
            .Select(kv => kv[1]).FirstOrDefault() ?? AzureClientId;

    private static int PositiveMs(string? text, string name, int fallback) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms
        : throw new ArgumentException($"{name} '{text}' is not a positive number of milliseconds");
}
