using System.Collections.Concurrent;

namespace CryptoSentiment.Sql;

/// <summary>The project's SQL, kept as readable <c>.sql</c> files embedded in the assembly.</summary>
public static class SqlFiles
{
    private static readonly ConcurrentDictionary<string, string> Cache = new();

    /// <summary>The text of <c>Sql/&lt;name&gt;</c>, e.g. <c>warehouse/schema.sql</c>.</summary>
    public static string Get(string name) => Cache.GetOrAdd(name, static n =>
    {
        using var s = typeof(SqlFiles).Assembly.GetManifestResourceStream("Sql/" + n)
            ?? throw new FileNotFoundException($"Embedded SQL file Sql/{n} not found");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    });
}
