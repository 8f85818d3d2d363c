using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Lake;
using CryptoSentiment.Pipeline;
using Spectre.Console;

namespace CryptoSentiment.Cli.Commands;

/// <summary>
/// <c>query "SQL"</c>: runs SQL on the warehouse (session time zone UTC) with every lake table reachable as a view
/// <c>&lt;tier&gt;_&lt;table&gt;</c> showing exactly the committed rows. <c>--format csv</c> prints a header and rows only.
/// </summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var sql = new Argument<string>("sql") { Description = "One SQL statement." };
        var lake = CommonOptions.Lake();
        var warehouse = CommonOptions.Warehouse();
        var format = new Option<string>("--format") { Description = "csv | table | json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("csv", "table", "json");
        var cmd = new Command("query", "Run SQL over the warehouse and the lake's tables (views bronze_news, silver_news_sentiment, gold_coin_daily, …).")
            { sql, lake, warehouse, format };
        cmd.SetAction(async (r, ct) =>
        {
            var settings = CommonOptions.Settings(r, lake, warehouse);
            var file = settings.WarehouseDuckDbPath;
            using var c = file is not null && File.Exists(file)
                ? DuckDbConnection.Open(file, new Dictionary<string, string> { ["access_mode"] = "READ_ONLY" })
                : DuckDbConnection.Open();
            using (var lakehouse = Lakehouse.Open(settings))
                await lakehouse.CreateViewsAsync(c, LakeTables.All, ct);
            var (columns, rows) = Run(c, r.GetValue(sql)!);
            switch (r.GetValue(format))
            {
                case "csv": WriteCsv(Console.Out, columns, rows); break;
                case "json": WriteJson(Console.Out, columns, rows); break;
                default: WriteTable(columns, rows); break;
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Runs the statement; columns of nested types (LIST, STRUCT, MAP…) come back as their text form.</summary>
    internal static (List<string> Columns, List<object?[]> Rows) Run(DuckDbConnection c, string sql)
    {
        try { return Read(c, sql); }
        catch (NotSupportedException) { return Read(c, $"SELECT COLUMNS(*)::VARCHAR FROM ({sql.TrimEnd().TrimEnd(';')})"); }
    }

    private static (List<string>, List<object?[]>) Read(DuckDbConnection c, string sql)
    {
        using var r = c.Query(sql);
        var columns = Enumerable.Range(0, r.ColumnCount).Select(r.ColumnName).ToList();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[columns.Count];
            for (var i = 0; i < row.Length; i++) row[i] = r.GetValue(i);
            rows.Add(row);
        }
        return (columns, rows);
    }

    internal static string Text(object? v) => v switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "+00",
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToHexString(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static void WriteCsv(TextWriter w, List<string> columns, List<object?[]> rows)
    {
        w.WriteLine(string.Join(',', columns.Select(Csv)));
        foreach (var row in rows) w.WriteLine(string.Join(',', row.Select(v => Csv(Text(v)))));

        static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }

    private static void WriteJson(TextWriter w, List<string> columns, List<object?[]> rows)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartArray();
            foreach (var row in rows)
            {
                j.WriteStartObject();
                for (var i = 0; i < columns.Count; i++)
                {
                    j.WritePropertyName(columns[i]);
                    switch (row[i])
                    {
                        case null: j.WriteNullValue(); break;
                        case bool b: j.WriteBooleanValue(b); break;
                        case double d when double.IsFinite(d): j.WriteNumberValue(d); break;
                        case float f when float.IsFinite(f): j.WriteNumberValue(f); break;
                        case long or int or short or sbyte or byte or ushort or uint or ulong or decimal:
                            j.WriteRawValue(Text(row[i])); break;
                        default: j.WriteStringValue(Text(row[i])); break;
                    }
                }
                j.WriteEndObject();
            }
            j.WriteEndArray();
        }
        w.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static void WriteTable(List<string> columns, List<object?[]> rows)
    {
        var t = new Table();
        foreach (var col in columns) t.AddColumn(Markup.Escape(col));
        foreach (var row in rows) t.AddRow(row.Select(v => Markup.Escape(Text(v))).ToArray());
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine($"[grey]{rows.Count:N0} row(s)[/]");
    }
}
