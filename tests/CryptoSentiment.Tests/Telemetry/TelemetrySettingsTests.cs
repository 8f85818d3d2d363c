using CryptoSentiment.Telemetry;

namespace CryptoSentiment.Tests.Telemetry;

/// <summary>The three export switches and the OTel variables, read as both hosts read them.</summary>
public class TelemetrySettingsTests
{
    private static TelemetrySettings From(params (string Name, string Value)[] env) =>
        TelemetrySettings.From(n => env.FirstOrDefault(e => e.Name == n).Value, "svc");

    [Fact]
    public void Telemetry_options_are_off_by_default_and_each_switch_turns_its_exporter_on()
    {
        var none = From();
        Assert.False(none.Enabled);
        using (var providers = TelemetrySetup.Start(none)) Assert.False(providers.Enabled);

        var otlp = From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_METRIC_EXPORT_INTERVAL", "5000"));
        Assert.Equal((new Uri("http://collector:4318"), OtlpProtocol.HttpProtobuf, 5000), (otlp.OtlpEndpoint, otlp.OtlpProtocol, otlp.MetricIntervalMs));
        Assert.True(otlp.Enabled);
        Assert.Equal(OtlpProtocol.Grpc, From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")).OtlpProtocol);
        Assert.True(From(("TELEMETRY", "console")).Console);
        Assert.Equal(TelemetrySettings.DefaultMetricIntervalMs, From(("TELEMETRY", "console")).MetricIntervalMs);

        var azure = From(("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/"),
            ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=AAD;ClientId=11111111-2222-3333-4444-555555555555"),
            ("AZURE_CLIENT_ID", "other"));
        Assert.True(azure.Enabled);
        Assert.Equal("11111111-2222-3333-4444-555555555555", azure.ManagedIdentityClientId); // the auth string's identity wins
        Assert.Equal("other", From(("AZURE_CLIENT_ID", "other")).ManagedIdentityClientId);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(TelemetrySetup.CredentialFor(azure));
        Assert.IsType<Azure.Identity.DefaultAzureCredential>(TelemetrySetup.CredentialFor(From()));
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]
    [InlineData("OTEL_METRIC_EXPORT_INTERVAL", "-5")]
    [InlineData("TELEMETRY", "prometheus")]
    public void Telemetry_options_reject_a_bad_value_naming_the_variable(string name, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => From((name, value)));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Telemetry_an_exporter_that_cannot_start_disables_telemetry_instead_of_failing_the_host()
    {
        var lines = new List<string>();
        var saved = PipelineTelemetry.ErrorLog; // Start points the recording-error log at the host's: put it back after
        try
        {
            var bad = new TelemetrySettings { AppInsightsConnectionString = "this is not a connection string" };
            using var providers = TelemetrySetup.Start(bad, line => { lock (lines) lines.Add(line); }, new Azure.Identity.DefaultAzureCredential());
            Assert.False(providers.Enabled);
            Assert.Contains(lines, l => l.StartsWith("telemetry: disabled", StringComparison.Ordinal));
        }
        finally { PipelineTelemetry.ErrorLog = saved; }
    }
}
