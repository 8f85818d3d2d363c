using System.Text.Json;
using System.Text.RegularExpressions;

namespace CryptoSentiment.Tests.Infra;

/// <summary>
/// No Azure exists here, so these tests read the deployment files and check them against the code: every setting the
/// code reads is set by the Bicep app settings and listed in local.settings.sample.json, every function.json binding
/// resolves to a setting, azure.yaml deploys what `make publish` builds, and the Bicep module graph is consistent
/// (parameters passed exist, required ones are passed, files exist). <see cref="BicepCompilerTests"/> checks the same
/// with the official Bicep compiler on the compiled ARM template.
/// </summary>
public partial class InfraStaticChecksTests
{
    /// <summary>Settings the code reads that Azure deliberately does not set, and why.</summary>
    internal static readonly Dictionary<string, string> NotSetInAzure = new()
    {
        ["LAKE_ACCOUNT_KEY"] = "emulator-only shared key; Azure uses the managed identity",
        ["AZURE_OPENAI_API_KEY"] = "no keys in Azure: the scorer gets an Entra token",
        ["OPENAI_BASE_URL"] = "only for non-Azure OpenAI-compatible servers",
        ["SNOWFLAKE_URL"] = "only to point at a proxy or a test server",
        ["FUNCTIONS_CUSTOMHANDLER_PORT"] = "set by the Functions host for the handler process",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "telemetry goes to Application Insights in Azure; OTLP is for a local collector",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "OTLP only",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "OTLP and console only (the Azure Monitor exporter keeps its own interval)",
        ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "OTLP only",
        ["TELEMETRY"] = "console telemetry is for local runs",
    };

    private static readonly string[] Functions = ["NewsIngest", "PricesIngest", "GoldRefresh", "Reenrich", "Maintenance", "NewsPoll", "PricePoll",
        "ApiCoins", "ApiCoin", "ApiTop", "ApiHeadlines", "ApiAlerts", "ApiOpenApi"];

    [Fact]
    public void EverySettingTheCodeReadsIsSetInAzureAndListedInTheSample()
    {
        var read = SettingsTheCodeReads();
        Assert.Contains("LAKE_URI", read);
        Assert.Contains("SNOWFLAKE_PRIVATE_KEY", read);
        var azure = BicepAppSettings();
        var sample = SampleSettings();
        foreach (var name in read)
        {
            Assert.True(sample.Contains(name) || name == "FUNCTIONS_CUSTOMHANDLER_PORT", $"{name} is read by the code but missing from local.settings.sample.json");
            if (NotSetInAzure.ContainsKey(name)) Assert.DoesNotContain(name, azure);
            else Assert.True(azure.Contains(name), $"{name} is read by the code but not set in the Bicep app settings");
        }
        // The sample lists nothing the code does not know (stale settings confuse operators), host settings aside.
        var hostOnly = new HashSet<string> { "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage" };
        foreach (var name in sample.Where(n => !hostOnly.Contains(n) && !n.StartsWith("EventHubConnection__", StringComparison.Ordinal)))
            Assert.True(read.Contains(name) || BindingSettings().Contains(name), $"local.settings.sample.json lists {name}, which nothing reads");
    }

    [Fact]
    public void EveryFunctionJsonBindingResolvesToASetting()
    {
        var azure = BicepAppSettings();
        var sample = SampleSettings();
        foreach (var fn in Functions)
        {
            var path = Path.Combine(Root, "functions", "CryptoSentiment.Functions", fn, "function.json");
            Assert.True(File.Exists(path), $"missing {path}");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var bindings = doc.RootElement.GetProperty("bindings").EnumerateArray().ToList();
            Assert.NotEmpty(bindings);
            foreach (var b in bindings)
            {
                foreach (var prop in b.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                    foreach (Match m in AppSettingReference().Matches(prop.Value.GetString()!))
                    {
                        var name = m.Groups[1].Value;
                        Assert.True(azure.Contains(name), $"{fn}: %{name}% is not set in the Bicep app settings");
                        Assert.True(sample.Contains(name), $"{fn}: %{name}% is not in local.settings.sample.json");
                    }
                if (b.TryGetProperty("connection", out var conn))
                {
                    var prefix = conn.GetString() + "__";
                    Assert.Contains(azure, s => s.StartsWith(prefix, StringComparison.Ordinal) && s.EndsWith("fullyQualifiedNamespace", StringComparison.Ordinal));
                    Assert.Contains(azure, s => s == prefix + "credential");
                    Assert.Contains(sample, s => s.StartsWith(prefix, StringComparison.Ordinal));
                }
                if (b.GetProperty("type").GetString() == "eventHubTrigger")
                {
                    Assert.Equal("many", b.GetProperty("cardinality").GetString());
                    Assert.Equal("string", b.GetProperty("dataType").GetString());
                    Assert.Equal("exponentialBackoff", doc.RootElement.GetProperty("retry").GetProperty("strategy").GetString());
                }
            }
        }
    }

    [Fact]
    public void AzureYamlDeploysThePackageMakePublishBuilds()
    {
        var yaml = File.ReadAllText(Path.Combine(Root, "azure.yaml"));
        Assert.Matches(@"(?m)^\s+host:\s*function\s*$", yaml);
        Assert.Matches(@"(?m)^\s+dist:\s*\./dist/functionapp\s*$", yaml);
        Assert.Matches(@"(?m)^\s+run:\s*make publish\s*$", yaml);
        Assert.Matches(@"(?m)^\s+path:\s*infra\s*$", yaml);
        var makefile = File.ReadAllText(Path.Combine(Root, "Makefile"));
        Assert.Matches(@"(?m)^publish:", makefile);
        Assert.Contains("dist/functionapp", makefile);
        // host.json starts the handler that the Functions project builds.
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "host.json")));
        var exe = host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString();
        var csproj = File.ReadAllText(Path.Combine(Root, "functions", "CryptoSentiment.Functions", "CryptoSentiment.Functions.csproj"));
        var assembly = Regex.Match(csproj, "<AssemblyName>([^<]+)</AssemblyName>");
        Assert.Equal(exe, assembly.Success ? assembly.Groups[1].Value : "CryptoSentiment.Functions");
        Assert.Equal("[4.*, 5.0.0)", host.RootElement.GetProperty("extensionBundle").GetProperty("version").GetString());
    }

    [Fact]
    public void TheParametersFileSetsOnlyDeclaredParametersAndEveryRequiredOne()
    {
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        Assert.Contains("targetScope = 'subscription'", main);
        var mainParams = Params(main);
        var bicepparam = File.ReadAllText(Path.Combine(Root, "infra", "main.bicepparam"));
        Assert.Contains("using './main.bicep'", bicepparam);
        var set = Regex.Matches(bicepparam, @"(?m)^param\s+(\w+)\s*=").Select(m => m.Groups[1].Value).ToHashSet();
        foreach (var name in set)
            Assert.True(mainParams.ContainsKey(name), $"main.bicepparam sets {name}, which main.bicep does not declare");
        foreach (var (name, _) in mainParams.Where(p => !p.Value))
            Assert.True(set.Contains(name), $"required parameter {name} is not in main.bicepparam");
        Assert.False(File.Exists(Path.Combine(Root, "infra", "main.parameters.json")), "azd prefers main.bicepparam; a second parameters file would be ignored");
        using var abbrs = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "infra", "abbreviations.json")));
        foreach (Match m in Regex.Matches(main, @"abbrs\.(\w+)"))
            Assert.True(abbrs.RootElement.TryGetProperty(m.Groups[1].Value, out _), $"abbreviations.json has no {m.Groups[1].Value}");
    }

    [Fact]
    public void EveryModuleExistsAndGetsExactlyTheParametersItDeclares()
    {
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var modules = ModuleBlock().Matches(main).ToList();
        Assert.True(modules.Count >= 8, "expected the identity, monitoring, storage, eventhubs, openai, keyvault, functionapp and rbac modules");
        foreach (Match m in modules)
        {
            var file = Path.Combine(Root, "infra", m.Groups[2].Value);
            Assert.True(File.Exists(file), $"module {m.Groups[1].Value}: {file} does not exist");
            var declared = Params(File.ReadAllText(file));
            var passed = TopLevelKeys(Block(main, m.Index, "params:"));
            foreach (var p in passed) Assert.True(declared.ContainsKey(p), $"module {m.Groups[1].Value} is passed {p}, which {m.Groups[2].Value} does not declare");
            foreach (var (p, hasDefault) in declared.Where(d => !d.Value))
                Assert.True(passed.Contains(p), $"module {m.Groups[1].Value} does not pass the required parameter {p}");
        }
    }

    [Fact]
    public void TheInfraHoldsNoKeysAndFollowsFlexConsumptionRules()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "infra"), "*.bicep", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("listKeys(", text);
            Assert.DoesNotContain("AccountKey=", text);
            Assert.DoesNotContain("SharedAccessKey", text);
        }
        // Flex Consumption rejects these app settings (the runtime is set by functionAppConfig.runtime instead).
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", BicepAppSettings());
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", BicepAppSettings());
        var app = File.ReadAllText(Path.Combine(Root, "infra", "modules", "functionapp.bicep"));
        Assert.Contains("runtime: { name: 'custom', version: '1.0' }", app);
        Assert.Contains("name: 'FC1'", app);
        Assert.Contains("AzureWebJobsStorage__credential: 'managedidentity'", app);
        var storage = File.ReadAllText(Path.Combine(Root, "infra", "modules", "storage.bicep"));
        Assert.Contains("isHnsEnabled: true", storage);
        Assert.Contains("allowSharedKeyAccess: false", storage);
        var rbac = File.ReadAllText(Path.Combine(Root, "infra", "modules", "rbac.bicep"));
        foreach (var role in new[] { "eventHubsDataReceiver", "eventHubsDataSender", "storageBlobDataOwner", "cognitiveServicesOpenAiUser", "keyVaultSecretsUser", "monitoringMetricsPublisher" })
            Assert.Matches($@"roles\.{role}\)", rbac);
    }

    // ---- file readers ------------------------------------------------------------------------------------------

    private static string Root => TestPaths.RepoRoot;

    /// <summary>Settings read through Settings.From (Get("X")) and environment reads anywhere in the product code.</summary>
    internal static HashSet<string> SettingsTheCodeReads()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "functions"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                                 && !f.Contains($"{Path.DirectorySeparatorChar}Testing{Path.DirectorySeparatorChar}")))
        {
            var text = File.ReadAllText(file);
            if (file.EndsWith("Settings.cs", StringComparison.Ordinal))
                foreach (Match m in Regex.Matches(text, @"\bGet\(""([A-Za-z0-9_]+)""\)")) names.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"GetEnvironmentVariable\(""([A-Za-z0-9_]+)""\)")) names.Add(m.Groups[1].Value);
        }
        names.RemoveWhere(n => n.StartsWith("DOTNET_", StringComparison.Ordinal) || n is "HOME" or "PATH" or "TMPDIR" or "CI");
        return names;
    }

    /// <summary>Names referenced as %NAME% in function.json files.</summary>
    internal static HashSet<string> BindingSettings()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var dir = Path.Combine(Root, "functions", "CryptoSentiment.Functions");
        if (!Directory.Exists(dir)) return names;
        foreach (var f in Directory.GetFiles(dir, "function.json", SearchOption.AllDirectories).Where(f => !f.Contains("/bin/") && !f.Contains("/obj/")))
            foreach (Match m in AppSettingReference().Matches(File.ReadAllText(f))) names.Add(m.Groups[1].Value);
        return names;
    }

    /// <summary>App settings the Bicep sets: main.bicep's appSettings object and functionapp.bicep's host settings.</summary>
    private static HashSet<string> BicepAppSettings()
    {
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var app = File.ReadAllText(Path.Combine(Root, "infra", "modules", "functionapp.bicep"));
        var names = TopLevelKeys(Block(main, 0, "appSettings:"));
        names.UnionWith(TopLevelKeys(Block(app, 0, "var hostSettings =")));
        return names;
    }

    private static HashSet<string> SampleSettings()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        return doc.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The text between the braces of the first object literal after <paramref name="marker"/>.</summary>
    private static string Block(string text, int from, string marker)
    {
        var start = text.IndexOf(marker, from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{marker}' not found");
        var open = text.IndexOf('{', start);
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text[(open + 1)..i];
        }
        throw new InvalidOperationException($"unbalanced braces after '{marker}'");
    }

    /// <summary>Keys of an object literal's body, at its top level only.</summary>
    private static HashSet<string> TopLevelKeys(string body)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var depth = 0;
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.Trim();
            if (depth == 0 && Regex.Match(line, @"^'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:") is { Success: true } m) keys.Add(m.Groups[1].Value);
            depth += line.Count(ch => ch is '{' or '[') - line.Count(ch => ch is '}' or ']');
        }
        return keys;
    }

    /// <summary>Declared parameters of a Bicep file → whether each has a default.</summary>
    private static Dictionary<string, bool> Params(string bicep) =>
        Regex.Matches(bicep, @"(?m)^param\s+(\w+)\s+\w+(\s*=)?").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success);

    [GeneratedRegex(@"%([A-Za-z0-9_]+)%")]
    private static partial Regex AppSettingReference();

    [GeneratedRegex(@"(?m)^module\s+(\w+)\s+'([^']+)'")]
    private static partial Regex ModuleBlock();
}
