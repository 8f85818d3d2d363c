namespace CryptoSentiment.Tests;

public class SmokeTests
{
    [Fact]
    public void LibDuckDbIsBesideTheBinaries() => Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libduckdb.so")));
}
