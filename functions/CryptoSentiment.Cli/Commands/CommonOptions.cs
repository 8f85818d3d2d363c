using System.CommandLine;
using CryptoSentiment.Configuration;

namespace CryptoSentiment.Cli.Commands;

/// <summary>Options shared by several commands; each overrides the setting of the same meaning.</summary>
internal static class CommonOptions
{
    public static Option<string?> Lake() => new("--lake") { Description = "Lake root: a folder (or Blob URL). Overrides LAKE_URI." };
    public static Option<string?> Warehouse() => new("--warehouse") { Description = "Warehouse DuckDB file. Overrides WAREHOUSE." };

    public static Settings Settings(ParseResult r, Option<string?>? lake = null, Option<string?>? warehouse = null) =>
        CryptoSentiment.Configuration.Settings.FromEnvironment().With(
            lake is null ? null : r.GetValue(lake),
            warehouse is null ? null : r.GetValue(warehouse));
}
