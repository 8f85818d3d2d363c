using System.CommandLine;
using CryptoSentiment.Cli.Commands;

var root = new RootCommand("CryptoSentiment — crypto news sentiment through a bronze/silver/gold Delta lake, offline or on Azure.")
{
    DemoCommand.Create(),
    ReplayCommand.Create(),
    GenerateCommand.Create(),
    QueryCommand.Create(),
    ScoreCommand.Create(),
    LoadCommand.Create(),
    RefreshCommand.Create(),
    VerifyCommand.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
