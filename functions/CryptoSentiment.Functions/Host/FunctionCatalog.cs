using System.Text.Json;

namespace CryptoSentiment.Functions.Host;

/// <summary>One function as its function.json declares it: trigger binding name and data type, output binding names.</summary>
public sealed record FunctionDef(string Name, string TriggerType, string TriggerBinding, string? DataType, IReadOnlyList<string> Outputs)
{
    public bool Binary => string.Equals(DataType, "binary", StringComparison.OrdinalIgnoreCase);

    /// <summary>An httpTrigger function (served by the HTTP API, <see cref="HttpPayload"/>).</summary>
    public bool Http => string.Equals(TriggerType, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>The httpTrigger's <c>route</c> (under the host's <c>api</c> prefix), e.g. <c>v1/coins/{coin}</c>.</summary>
    public string? Route { get; init; }
}

/// <summary>
/// The functions of the app, read from <c>&lt;app root&gt;/&lt;Name&gt;/function.json</c> (the files the host reads), so
/// binding names and <c>dataType</c> have one source of truth. Without any function.json, the shipped definitions apply.
/// </summary>
public sealed class FunctionCatalog
{
    private readonly Dictionary<string, FunctionDef> _byName;

    public FunctionCatalog(IEnumerable<FunctionDef> functions) =>
        _byName = functions.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<FunctionDef> All => _byName.Values;

    public bool TryGet(string name, out FunctionDef def) => _byName.TryGetValue(name, out def!);

    /// <summary>The definitions shipped in this project's function.json files.</summary>
    public static FunctionCatalog Default { get; } = new(
    [
        new("NewsIngest", "eventHubTrigger", "events", "string", []),
        new("PricesIngest", "eventHubTrigger", "events", "string", []),
        new("GoldRefresh", "timerTrigger", "timer", null, []),
        new("NewsPoll", "timerTrigger", "timer", null, ["news"]),
        new("PricePoll", "timerTrigger", "timer", null, ["prices"]),
        new("Reenrich", "timerTrigger", "timer", null, []),
        new("Maintenance", "timerTrigger", "timer", null, []),
        .. HttpApi.Functions.Select(f => new FunctionDef(f.Name, "httpTrigger", "req", null, ["res"]) { Route = f.Route }),
    ]);

    /// <summary>Reads every <c>*/function.json</c> under <paramref name="appRoot"/>; <see cref="Default"/> when there is none.</summary>
    public static FunctionCatalog Load(string appRoot)
    {
        var defs = new List<FunctionDef>();
        if (Directory.Exists(appRoot))
            foreach (var dir in Directory.GetDirectories(appRoot).Order(StringComparer.Ordinal))
            {
                var file = Path.Combine(dir, "function.json");
                if (File.Exists(file)) defs.Add(Parse(Path.GetFileName(dir), File.ReadAllBytes(file), file));
            }
        return defs.Count == 0 ? Default : new FunctionCatalog(defs);
    }

    public static FunctionDef Parse(string name, byte[] json, string where)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            string? triggerType = null, triggerName = null, dataType = null, route = null;
            var outputs = new List<string>();
            foreach (var b in doc.RootElement.GetProperty("bindings").EnumerateArray())
            {
                var type = b.GetProperty("type").GetString() ?? "";
                var direction = b.TryGetProperty("direction", out var d) ? d.GetString() : "in";
                var bindingName = b.GetProperty("name").GetString() ?? "";
                if (type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
                {
                    triggerType = type;
                    triggerName = bindingName;
                    dataType = b.TryGetProperty("dataType", out var dt) ? dt.GetString() : null;
                    route = b.TryGetProperty("route", out var rt) ? rt.GetString() : null;
                }
                else if (string.Equals(direction, "out", StringComparison.OrdinalIgnoreCase)) outputs.Add(bindingName);
            }
            if (triggerType is null || triggerName is null) throw new InvalidDataException("no trigger binding");
            return new FunctionDef(name, triggerType, triggerName, dataType, outputs) { Route = route };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"{where}: not a usable function.json ({e.Message})", e);
        }
    }
}
