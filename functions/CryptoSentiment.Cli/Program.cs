using System.CommandLine;
using CryptoSentiment.Cli.Commands;
using CryptoSentiment.Telemetry;
using Spectre.Console;

// Piped or captured output (CI, `make demo | tee`) gets full-width tables instead of an 80-column default.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 140;

var root = new RootCommand("CryptoSentiment — crypto news sentiment through a bronze/silver/gold Delta lake, offline or on Azure.")
{
    DemoCommand.Create(),
    ReplayCommand.Create(),
    GenerateCommand.Create(),
    QueryCommand.Create(),
    ScoreCommand.Create(),
    EvalCommand.Create(),
    TrainCommand.Create(),
    LoadCommand.Create(),
    RefreshCommand.Create(),
    VerifyCommand.Create(),
    MaintainCommand.Create(),
    ReenrichCommand.Create(),
    ServeCommand.Create(),
};
// Telemetry (ARCHITECTURE §10) from the same environment variables as the handler; disposed (flushed) when the command ends.
TelemetrySettings telemetrySettings;
try { telemetrySettings = TelemetrySettings.FromEnvironment("CryptoSentiment.Cli"); }
catch (ArgumentException e)
{
    Console.Error.WriteLine($"crypto-sentiment: {e.Message}");
    return 2;
}
using var telemetry = TelemetrySetup.Start(telemetrySettings);
return await root.Parse(args).InvokeAsync();
