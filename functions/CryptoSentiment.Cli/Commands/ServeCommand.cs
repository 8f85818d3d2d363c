using System.CommandLine;
using CryptoSentiment.Cli.Dashboard;
using CryptoSentiment.Configuration;
using CryptoSentiment.Pipeline;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>
/// <c>serve [--warehouse FILE] [--lake DIR] [--port P]</c>: the local dashboard on 127.0.0.1 over the embedded warehouse.
/// With <c>--lake</c> the lake's gold is loaded into the warehouse first (the same idempotent MERGE as <c>load</c>).
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
            await using var server = await DashboardServer.StartAsync(new DashboardOptions(file, p), ct);
            Console.WriteLine($"Dashboard: {server.Url}  (warehouse {file}, opened read-only per request; Ctrl+C to stop)");
            try { await server.WaitForShutdownAsync(ct); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return cmd;
    }
}
