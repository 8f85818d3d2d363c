using CryptoSentiment.Functions;

FunctionsAppOptions options;
try { options = FunctionsAppOptions.FromEnvironment(); }
catch (ArgumentException e)
{
    Console.Error.WriteLine($"CryptoSentiment.Functions: {e.Message}");
    return 2;
}
await using var app = FunctionsApp.Build(options);
await app.RunAsync();
return 0;
