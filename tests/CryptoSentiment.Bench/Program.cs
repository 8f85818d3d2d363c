using CryptoSentiment.Bench;
using Spectre.Console;

// Piped or captured output (`make bench | tee`) gets full-width tables instead of an 80-column default.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 140;
return await BenchCommand.Create().Parse(args).InvokeAsync();
