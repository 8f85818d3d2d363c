using System.CommandLine;
using CryptoSentiment.Api;
using CryptoSentiment.Cli.Dashboard;
using CryptoSentiment.Configuration;
using CryptoSentiment.Pipeline;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>
/// <c>serve [--warehouse FILE] [--lake DIR] [--port P]</c>: the local dashboard on 127.0.0.1 over the embedded warehouse.
/// With <c>--lake</c> the lake's gold is loaded into the warehouse first (the same idempotent MERGE as <c>load</c>).
/// Also serves the HTTP API <c>/api/v1</c> (ARCHITECTURE §11) straight from the lake (<c>--lake</c>, else <c>LAKE_URI</c>, else
/// ./.local/lake): the same <see cref="LakeApi"/> the Functions app's HTTP triggers run.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var lake = CommonOptions.Lake();
        lake.Description = "Load this lake's gold into the warehouse before serving (idempotent, like `load`). Overrides LAKE_URI.";
        var warehouse = CommonOptions.Warehouse();
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = any free port).", DefaultValueFactory = _ => DashboardServer.DefaultPort };
        var cmd = new Command("serve", "The local dashboard (executive overview, sentiment vs price, volatility) on http://127.0.0.1:PORT/.")
            { warehouse, lake, port };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = CommonOptions.Settings(r, lake, warehouse);
            if (settings.WarehouseDuckDbPath is null) settings = settings with { Warehouse = Settings.DefaultWarehouse };
            var file = Path.GetFullPath(settings.WarehouseDuckDbPath!);
            var p = r.GetValue(port);
            if (p is < 0 or > 65535) throw new ArgumentException($"--port {p} is not a TCP port (0–65535).");
            if (r.GetValue(lake) is not null)
            {
                using var pipeline = new CryptoPipeline(settings);
                var load = await pipeline.LoadWarehouseAsync(ct);
                AnsiConsole.MarkupLine($"warehouse: loaded from {Markup.Escape(settings.LakeUri)} ({string.Join(", ", load.Rows.Select(kv => $"{kv.Key} {kv.Value:N0}"))})");
            }
            if (!File.Exists(file))
                throw new FileNotFoundException($"Warehouse file '{file}' not found: run `make demo` (or `crypto-sentiment load --lake DIR --warehouse FILE`) first.", file);
            // The API reads the lake (never the warehouse): read-only use, nothing is created nor upgraded.
            using var lakehouse = Lakehouse.Open(settings);
            await using var server = await DashboardServer.StartAsync(new DashboardOptions(file, p) { Api = new LakeApi(lakehouse), Lake = lakehouse }, ct);
            Console.WriteLine($"Dashboard: {server.Url}  (warehouse {file}, opened read-only per request; Ctrl+C to stop)");
            Console.WriteLine($"API: {server.Url}api/v1/coins  (lake {settings.LakeUri}; {server.Url}api/v1/openapi.json)");
            try { await server.WaitForShutdownAsync(ct); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return cmd;
    }
}
