using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CryptoSentiment.Tests.Infra;

/// <summary>
/// The official Bicep compiler (NuGet <c>Azure.Bicep.CommandLine.linux-x64</c>, fetched by restore) on <c>infra/</c>: every
/// file builds and lints with no diagnostic at all (warnings fail), the parameters file compiles against the template
/// with azd's environment, and the compiled ARM template deploys what the app needs — resource types with stable API
/// versions, the Flex Consumption app on the custom runtime, identity-based connections only, every app setting.
/// </summary>
public sealed partial class BicepCompilerTests
{
    private static string Root => TestPaths.RepoRoot;
    private static string Infra => Path.Combine(Root, "infra");

    /// <summary>azd's environment as azd passes it to <c>bicep build-params</c>.</summary>
    private static readonly Dictionary<string, string?> AzdEnvironment = new()
    {
        ["AZURE_ENV_NAME"] = "ci", ["AZURE_LOCATION"] = "westeurope", ["AZURE_PRINCIPAL_ID"] = "00000000-0000-0000-0000-000000000001",
    };

    [Fact]
    public void EveryBicepFileBuildsAndLintsWithoutADiagnostic()
    {
        var files = Directory.GetFiles(Infra, "*.bicep", SearchOption.AllDirectories).Order().ToList();
        Assert.True(files.Count >= 9, "expected main.bicep and its modules");
        foreach (var file in files)
        {
            var lint = Bicep(["lint", file]);
            Assert.True(lint.ExitCode == 0 && lint.Output.Length == 0, $"bicep lint {Path.GetRelativePath(Root, file)} (exit {lint.ExitCode}):\n{lint.Output}");
        }
        var lintParams = Bicep(["lint", Path.Combine(Infra, "main.bicepparam")], AzdEnvironment);
        Assert.True(lintParams.ExitCode == 0 && lintParams.Output.Length == 0, $"bicep lint main.bicepparam (exit {lintParams.ExitCode}):\n{lintParams.Output}");
        var template = CompiledTemplate();
        Assert.Equal("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", template["$schema"]!.GetValue<string>());
    }

    [Fact]
    public void TheParametersFileCompilesAgainstTheTemplateWithAzdsEnvironment()
    {
        var env = new Dictionary<string, string?>(AzdEnvironment) { ["AZURE_OPENAI_CAPACITY"] = "30", ["SNOWFLAKE_ACCOUNT"] = "myorg-myaccount" };
        var parameters = BuildParams(env);
        Assert.Equal("ci", parameters["environmentName"]!["value"]!.GetValue<string>());
        Assert.Equal("westeurope", parameters["location"]!["value"]!.GetValue<string>());
        Assert.Equal(30, parameters["openAiCapacity"]!["value"]!.GetValue<int>()); // a number, as the template declares it
        Assert.Equal("myorg-myaccount", parameters["snowflakeAccount"]!["value"]!.GetValue<string>());
        Assert.Equal("gpt-4o-mini", parameters["openAiModelName"]!["value"]!.GetValue<string>()); // unset → main.bicep's default

        // Every template parameter is set by the file or has a default; the file sets nothing the template lacks.
        var declared = CompiledTemplate()["parameters"]!.AsObject();
        foreach (var (name, p) in declared)
            Assert.True(parameters.ContainsKey(name) || p!.AsObject().ContainsKey("defaultValue"), $"template parameter {name} is neither set nor defaulted");
        foreach (var (name, _) in parameters) Assert.True(declared.ContainsKey(name), $"main.bicepparam sets {name}, which the template does not declare");

        // Without azd's environment the compiler names what is missing (azd always sets these two).
        var bare = Bicep(["build-params", Path.Combine(Infra, "main.bicepparam"), "--stdout"], new() { ["AZURE_ENV_NAME"] = null, ["AZURE_LOCATION"] = null });
        Assert.NotEqual(0, bare.ExitCode);
        Assert.Contains("AZURE_ENV_NAME", bare.Output);
        Assert.Contains("BCP427", bare.Output);
    }

    [Fact]
    public void TheCompiledTemplateDeploysWhatTheAppNeeds()
    {
        var template = CompiledTemplate();
        var resources = Resources(template["resources"]!.AsArray()).ToList();
        var types = resources.Select(r => r["type"]!.GetValue<string>()).ToHashSet();
        foreach (var type in new[]
                 {
                     "Microsoft.Resources/resourceGroups", "Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.OperationalInsights/workspaces",
                     "Microsoft.Insights/components", "Microsoft.Storage/storageAccounts", "Microsoft.Storage/storageAccounts/blobServices/containers",
                     "Microsoft.EventHub/namespaces", "Microsoft.EventHub/namespaces/eventhubs", "Microsoft.EventHub/namespaces/eventhubs/consumergroups",
                     "Microsoft.CognitiveServices/accounts", "Microsoft.CognitiveServices/accounts/deployments", "Microsoft.KeyVault/vaults",
                     "Microsoft.Web/serverfarms", "Microsoft.Web/sites", "Microsoft.Web/sites/config", "Microsoft.Authorization/roleAssignments",
                 })
            Assert.True(types.Contains(type), $"the compiled template deploys no {type}");

        // Stable API versions only; Flex Consumption (functionAppConfig) needs Microsoft.Web 2023-12-01 or later.
        foreach (var r in resources)
        {
            var (type, api) = (r["type"]!.GetValue<string>(), r["apiVersion"]!.GetValue<string>());
            Assert.True(StableApiVersion().IsMatch(api), $"{type}@{api} is not a stable API version");
            if (type.StartsWith("Microsoft.Web/", StringComparison.Ordinal))
                Assert.True(string.CompareOrdinal(api, "2023-12-01") >= 0, $"{type}@{api}: Flex Consumption needs 2023-12-01 or later");
        }

        var plan = Assert.Single(resources, r => r["type"]!.GetValue<string>() == "Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan["sku"]!["name"]!.GetValue<string>());
        Assert.Equal("FlexConsumption", plan["sku"]!["tier"]!.GetValue<string>());
        var site = Assert.Single(resources, r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", site["kind"]!.GetValue<string>());
        Assert.Equal("UserAssigned", site["identity"]!["type"]!.GetValue<string>());
        var config = site["properties"]!["functionAppConfig"]!;
        Assert.Equal("custom", config["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("1.0", config["runtime"]!["version"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", config["deployment"]!["storage"]!["authentication"]!["type"]!.GetValue<string>());
        Assert.True(site["properties"]!["httpsOnly"]!.GetValue<bool>());
        foreach (var account in resources.Where(r => r["type"]!.GetValue<string>() == "Microsoft.Storage/storageAccounts"))
            Assert.False(account["properties"]!["allowSharedKeyAccess"]!.GetValue<bool>(), "storage accounts take Entra ID only");

        // No keys or connection strings anywhere: no listKeys()/listConnectionStrings(), no key material in any value.
        var text = template.ToJsonString();
        foreach (var banned in new[] { "listKeys(", "listConnectionStrings(", "AccountKey=", "SharedAccessKey", "listSecrets(" })
            Assert.DoesNotContain(banned, text, StringComparison.OrdinalIgnoreCase);

        // Every app setting: the host's (identity-based storage and Event Hubs), and every setting the code or a binding reads.
        var settings = AppSettings(template);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys); // Flex Consumption rejects it: the runtime is functionAppConfig's
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys); // a connection string; the identity form below replaces it
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("managedidentity", settings["EventHubConnection__credential"]);
        Assert.Contains("EventHubConnection__fullyQualifiedNamespace", settings.Keys);
        Assert.Equal("managedidentity", settings["LAKE_AUTH"]);
        Assert.Contains("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]); // Entra auth for telemetry
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["SNOWFLAKE_PRIVATE_KEY"]); // a Key Vault reference, never the key
        foreach (var name in InfraStaticChecksTests.SettingsTheCodeReads().Where(n => !InfraStaticChecksTests.NotSetInAzure.ContainsKey(n)))
            Assert.True(settings.ContainsKey(name), $"{name} is read by the code but the compiled template does not set it");
        foreach (var name in InfraStaticChecksTests.BindingSettings())
            Assert.True(settings.ContainsKey(name) || settings.Keys.Any(k => k.StartsWith(name + "__", StringComparison.Ordinal)),
                $"a function.json binding reads %{name}%, which the compiled template does not set");
        foreach (var name in InfraStaticChecksTests.NotSetInAzure.Keys)
            Assert.False(settings.ContainsKey(name), $"{name} must not be set in Azure ({InfraStaticChecksTests.NotSetInAzure[name]})");
    }

    [Fact]
    public void TheCompiledTemplateWiresTelemetryWithEntraAndTheFourMetricAlerts()
    {
        var template = CompiledTemplate();
        var resources = Resources(template["resources"]!.AsArray()).ToList();
        string Type(JsonObject r) => r["type"]!.GetValue<string>();

        // Application Insights on the Log Analytics workspace, local (key) auth off: telemetry needs an Entra token.
        var insights = Assert.Single(resources, r => Type(r) == "Microsoft.Insights/components");
        Assert.True(insights["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
        Assert.Contains("Microsoft.OperationalInsights/workspaces", insights["properties"]!["WorkspaceResourceId"]!.GetValue<string>());
        // The app identity may publish metrics to it (Monitoring Metrics Publisher, scoped to the component).
        var publisher = Assert.Single(resources, r => Type(r) == "Microsoft.Authorization/roleAssignments"
            && r["properties"]!["roleDefinitionId"]!.GetValue<string>().Contains("monitoringMetricsPublisher"));
        Assert.Contains("Microsoft.Insights/components", publisher["scope"]!.GetValue<string>());
        Assert.Contains("identityPrincipalId", publisher["properties"]!["principalId"]!.GetValue<string>());
        // The exporter authenticates as the user-assigned identity, named in the app settings.
        var settings = AppSettings(template);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", settings.Keys);
        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);

        // The action group: one email receiver when alertEmail is set, none when it is empty.
        Assert.Equal("", template["parameters"]!["alertEmail"]!["defaultValue"]!.GetValue<string>());
        var group = Assert.Single(resources, r => Type(r) == "Microsoft.Insights/actionGroups");
        Assert.Equal("global", group["location"]!.GetValue<string>());
        Assert.StartsWith("[if(empty(parameters('alertEmail')), createArray(),", group["properties"]!["emailReceivers"]!.GetValue<string>());

        // The four rules: scheduled query rules over customMetrics of the App Insights resource, each notifying the group.
        var alerts = template["resources"]!.AsArray().Select(n => n!.AsObject())
            .Single(r => Type(r) == "Microsoft.Resources/deployments" && r["name"]!.GetValue<string>() == "alerts");
        var rules = alerts["properties"]!["template"]!["variables"]!["rules"]!.AsArray().Select(n => n!.AsObject()).ToList();
        var byName = rules.ToDictionary(r => r["name"]!.GetValue<string>());
        Assert.Equal(["event-lag-p95", "fallback-share", "no-events", "quarantine-rate"], byName.Keys.Order().ToList());
        void Rule(string name, string metric, string op, double threshold, string window)
        {
            var r = byName[name];
            Assert.Contains($"customMetrics | where name == \"{metric}\"", r["query"]!.GetValue<string>());
            Assert.Contains(r["measure"]!.GetValue<string>(), r["query"]!.GetValue<string>());
            // A fraction compiles to "[json('0.2')]" (Bicep has no decimal literals).
            var t = r["threshold"]!;
            var value = t.GetValueKind() == System.Text.Json.JsonValueKind.String
                ? double.Parse(Regex.Match(t.GetValue<string>(), @"^\[json\('([0-9.]+)'\)\]$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
                : t.GetValue<double>();
            Assert.Equal((op, threshold, window), (r["operator"]!.GetValue<string>(), value, r["window"]!.GetValue<string>()));
        }
        Rule("no-events", "cryptosentiment.events", "LessThan", 1, "PT15M");
        Rule("fallback-share", "cryptosentiment.headlines", "GreaterThan", 0.2, "PT1H");
        Rule("quarantine-rate", "cryptosentiment.events", "GreaterThan", 0.05, "PT1H");
        Rule("event-lag-p95", "cryptosentiment.event.lag", "GreaterThan", 600, "PT30M");
        var ruleResource = Assert.Single(resources, r => Type(r) == "Microsoft.Insights/scheduledQueryRules");
        Assert.Equal("[length(variables('rules'))]", ruleResource["copy"]!["count"]!.GetValue<string>());
        // Scoped to the App Insights component: the alerts module gets the monitoring module's appInsightsId output.
        Assert.Equal("[parameters('appInsightsId')]", Assert.Single(ruleResource["properties"]!["scopes"]!.AsArray())!.GetValue<string>());
        Assert.Matches(@"'monitoring'.*outputs\.appInsightsId\.value", alerts["properties"]!["parameters"]!["appInsightsId"]!["value"]!.GetValue<string>());
        var monitoring = template["resources"]!.AsArray().Select(n => n!.AsObject())
            .Single(r => Type(r) == "Microsoft.Resources/deployments" && r["name"]!.GetValue<string>() == "monitoring");
        Assert.Contains("Microsoft.Insights/components", monitoring["properties"]!["template"]!["outputs"]!["appInsightsId"]!["value"]!.GetValue<string>());
        Assert.Contains("Microsoft.Insights/actionGroups", ruleResource["properties"]!["actions"]!["actionGroups"]!.ToJsonString());
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// <summary>Resources of the template and of every nested deployment's template.</summary>
    private static IEnumerable<JsonObject> Resources(JsonArray resources)
    {
        foreach (var node in resources)
        {
            var r = node!.AsObject();
            yield return r;
            if (r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments" && r["properties"]?["template"]?["resources"] is JsonArray inner)
                foreach (var x in Resources(inner)) yield return x;
        }
    }

    /// <summary>
    /// The app settings the compiled template writes (<c>sites/config</c> 'appsettings' = union(hostSettings, appSettings)):
    /// name → literal value, or the ARM expression when the value is computed at deployment.
    /// </summary>
    private static Dictionary<string, string> AppSettings(JsonObject template)
    {
        var app = template["resources"]!.AsArray().Select(n => n!.AsObject())
            .Single(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]!.GetValue<string>() == "functionapp");
        var inner = app["properties"]!["template"]!.AsObject();
        var config = Resources(inner["resources"]!.AsArray()).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites/config");
        Assert.Equal("[union(variables('hostSettings'), parameters('appSettings'))]", config["properties"]!.GetValue<string>());
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { inner["variables"]!["hostSettings"]!.AsObject(), app["properties"]!["parameters"]!["appSettings"]!["value"]!.AsObject() })
            foreach (var (name, value) in source) settings[name] = value!.GetValue<string>();
        return settings;
    }

    private static JsonObject CompiledTemplate()
    {
        var outDir = Directory.CreateTempSubdirectory("cs-bicep-");
        try
        {
            var outFile = Path.Combine(outDir.FullName, "main.json");
            var build = Bicep(["build", Path.Combine(Infra, "main.bicep"), "--outfile", outFile]);
            Assert.True(build.ExitCode == 0 && build.Output.Length == 0, $"bicep build infra/main.bicep (exit {build.ExitCode}):\n{build.Output}");
            return JsonNode.Parse(File.ReadAllText(outFile))!.AsObject();
        }
        finally { outDir.Delete(true); }
    }

    private static JsonObject BuildParams(Dictionary<string, string?> env)
    {
        var r = Bicep(["build-params", Path.Combine(Infra, "main.bicepparam"), "--stdout"], env);
        Assert.True(r.ExitCode == 0, $"bicep build-params infra/main.bicepparam (exit {r.ExitCode}):\n{r.Output}");
        var doc = JsonNode.Parse(r.Stdout)!;
        return JsonNode.Parse(doc["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject();
    }

    private sealed record Run(int ExitCode, string Stdout, string Output);

    /// <summary>Runs the Bicep CLI; <c>Output</c> is its diagnostics (stderr, and stdout unless stdout is the product).</summary>
    private static Run Bicep(string[] args, Dictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(BicepPath()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var k in AzdEnvironment.Keys) psi.Environment.Remove(k); // only what a test passes
        foreach (var (k, v) in env ?? []) if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); Assert.Fail($"bicep {string.Join(' ', args)} did not finish in 2 minutes"); }
        var output = (stderr.Result + (args.Contains("--stdout") ? "" : stdout.Result)).Trim();
        return new Run(p.ExitCode, stdout.Result, output);
    }

    /// <summary>The compiler restore downloaded (PackageDownload in the test project); a missing one fails, never skips.</summary>
    private static string BicepPath()
    {
        var path = typeof(BicepCompilerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
        Assert.True(File.Exists(path), $"the Bicep compiler is missing at {path}: `dotnet restore` of the test project downloads Azure.Bicep.CommandLine.linux-x64");
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute))
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return path;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex StableApiVersion();
}
