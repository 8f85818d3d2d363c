using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CryptoSentiment.Telemetry;

/// <summary>
/// The one telemetry setup both hosts call (the Functions handler at start, the CLI in <c>Main</c>): a tracer provider
/// for the <c>CryptoSentiment</c> ActivitySource and a meter provider for the <c>CryptoSentiment</c> Meter, with the
/// exporters <see cref="TelemetrySettings"/> names. Exporters are batched and run on their own threads: a batch never
/// waits on them, and an unreachable endpoint only loses telemetry. Dispose the result at shutdown to flush.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>Starts the providers (an empty, do-nothing <see cref="TelemetryProviders"/> when no exporter is set).</summary>
    /// <param name="log">Where setup notes and the first recording error go (default: stderr).</param>
    /// <param name="credential">The Entra credential of the Azure Monitor exporter (default: <see cref="CredentialFor"/>).</param>
    public static TelemetryProviders Start(TelemetrySettings options, Action<string>? log = null, TokenCredential? credential = null)
    {
        if (log is not null) PipelineTelemetry.ErrorLog = log;
        if (!options.Enabled) return new TelemetryProviders(null, null, options);
        try { return Build(options, credential); }
        catch (Exception e)
        {
            // An exporter that cannot start (e.g. a malformed connection string) costs the telemetry, never the host.
            (log ?? PipelineTelemetry.ErrorLog)($"telemetry: disabled, the exporters did not start: {e.GetType().Name}: {e.Message}");
            return new TelemetryProviders(null, null, options);
        }
    }

    private static TelemetryProviders Build(TelemetrySettings options, TokenCredential? credential)
    {

        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName,
            serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString());
        // Always on: a run's parent may be the web host's request activity, which nobody records (ParentBased would drop the run).
        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(PipelineTelemetry.Name).SetSampler(new AlwaysOnSampler());
        var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(PipelineTelemetry.Name);

        if (options.AppInsightsConnectionString is { } connectionString)
        {
            var entra = credential ?? CredentialFor(options);
            tracing.AddAzureMonitorTraceExporter(o => { o.ConnectionString = connectionString; o.Credential = entra; });
            metrics.AddAzureMonitorMetricExporter(o => { o.ConnectionString = connectionString; o.Credential = entra; });
        }
        if (options.OtlpEndpoint is { } endpoint)
        {
            tracing.AddOtlpExporter(o => Otlp(o, options, endpoint, "v1/traces"));
            metrics.AddOtlpExporter((o, reader) =>
            {
                Otlp(o, options, endpoint, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.MetricIntervalMs;
            });
        }
        if (options.Console)
        {
            tracing.AddConsoleExporter();
            metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.MetricIntervalMs);
        }
        return new TelemetryProviders(tracing.Build(), metrics.Build(), options);
    }

    /// <summary>
    /// The Azure Monitor exporter's Entra credential: the app's user-assigned managed identity when a client id is known
    /// (<c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> <c>ClientId=</c>, else <c>AZURE_CLIENT_ID</c>), otherwise
    /// <see cref="DefaultAzureCredential"/> (system-assigned identity in Azure, the developer's login locally).
    /// </summary>
    public static TokenCredential CredentialFor(TelemetrySettings options) =>
        options.ManagedIdentityClientId is { } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();

    /// <summary>
    /// OTLP endpoint, protocol and timeout. Set in code, the http/protobuf endpoint is used as given, so the signal path is
    /// appended here (as the exporter does itself for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); gRPC takes the base endpoint.
    /// </summary>
    private static void Otlp(OtlpExporterOptions o, TelemetrySettings options, Uri endpoint, string signalPath)
    {
        o.Protocol = options.OtlpProtocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        o.Endpoint = options.OtlpProtocol == OtlpProtocol.Grpc ? endpoint
            : new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath);
        o.TimeoutMilliseconds = options.ExportTimeoutMs;
    }
}

/// <summary>The running tracer and meter providers; <see cref="Dispose"/> flushes what is buffered and stops them.</summary>
public sealed class TelemetryProviders(TracerProvider? tracing, MeterProvider? metrics, TelemetrySettings options) : IDisposable
{
    private int _disposed;

    public TelemetrySettings Options { get; } = options;
    public bool Enabled => tracing is not null || metrics is not null;

    /// <summary>Exports what is buffered now (tests; the periodic reader does it every interval otherwise).</summary>
    public bool Flush(int timeoutMs = 10_000)
    {
        var ok = true;
        try
        {
            ok &= tracing?.ForceFlush(timeoutMs) ?? true;
            ok &= metrics?.ForceFlush(timeoutMs) ?? true;
        }
        catch (Exception) { ok = false; }
        return ok;
    }

    /// <summary>Flushes and shuts down (bounded by the export timeout, so an unreachable endpoint cannot hang shutdown).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            tracing?.Shutdown(Options.ExportTimeoutMs);
            metrics?.Shutdown(Options.ExportTimeoutMs);
        }
        catch (Exception) { /* shutting down: telemetry never fails the host */ }
        finally
        {
            tracing?.Dispose();
            metrics?.Dispose();
        }
    }
}
