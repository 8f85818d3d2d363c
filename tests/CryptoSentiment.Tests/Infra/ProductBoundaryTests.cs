using System.Xml.Linq;

namespace CryptoSentiment.Tests.Infra;

/// <summary>What ships (everything under <c>functions/</c>) references no test support: no project under <c>tests/</c>, no test-double namespace.</summary>
public sealed class ProductBoundaryTests
{
    [Fact]
    public void NoShippingProjectReferencesTestSupport()
    {
        var projects = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "functions"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}")).ToList();
        Assert.Equal(3, projects.Count); // Core, Functions, the CLI
        foreach (var project in projects)
        {
            var references = XDocument.Load(project).Descendants("ProjectReference").Select(r => (string)r.Attribute("Include")!).ToList();
            foreach (var r in references)
                Assert.False(r.Replace('\\', '/').Contains("tests/", StringComparison.Ordinal), $"{Path.GetFileName(project)} references {r}");
            if (project.EndsWith("CryptoSentiment.Cli.csproj", StringComparison.Ordinal))
                Assert.DoesNotContain(references, r => r.Contains("CryptoSentiment.Functions", StringComparison.Ordinal)); // the bench tool drives the handler, not the CLI
        }
    }

    [Fact]
    public void NoShippingSourceUsesTheTestSupportNamespaces()
    {
        var sources = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")).ToList();
        Assert.NotEmpty(sources);
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            Assert.False(text.Contains("CryptoSentiment.Testing", StringComparison.Ordinal), $"{Path.GetRelativePath(TestPaths.RepoRoot, file)} uses CryptoSentiment.Testing");
            Assert.False(text.Contains("OpenAiLoopbackServer", StringComparison.Ordinal) || text.Contains("AzuriteServer", StringComparison.Ordinal),
                $"{Path.GetRelativePath(TestPaths.RepoRoot, file)} uses a test double or emulator launcher");
        }
    }
}
