using System.Text;

namespace CryptoSentiment.Tests.Dashboards;

/// <summary>
/// A small line-based reader of the TMDL subset the Power BI project uses (TMDL as documented at
/// learn.microsoft.com/analysis-services/tmdl/tmdl-overview): objects are declared as <c>type name[ = value]</c>,
/// children and properties are indented one tab deeper, multi-line expressions are indented deeper still,
/// <c>///</c> lines are descriptions. Enough to check names and references, not a full TMDL implementation.
/// </summary>
internal sealed record TmdlColumn(string Table, string Name, string? DataType, string? SourceColumn, string? Expression);
internal sealed record TmdlMeasure(string Table, string Name, string Expression);
internal sealed record TmdlPartition(string Table, string Name, string Kind, string? Mode, string Source);
internal sealed record TmdlRelationship(string Name, string FromTable, string FromColumn, string ToTable, string ToColumn);
internal sealed record TmdlExpression(string Name, string Value);

internal sealed class TmdlTable(string name)
{
    public string Name { get; } = name;
    public List<TmdlColumn> Columns { get; } = [];
    public List<TmdlMeasure> Measures { get; } = [];
    public List<TmdlPartition> Partitions { get; } = [];
    public TmdlColumn? Column(string name) => Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
    public TmdlMeasure? Measure(string name) => Measures.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}

internal sealed class TmdlModel
{
    public Dictionary<string, TmdlTable> Tables { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<TmdlRelationship> Relationships { get; } = [];
    public Dictionary<string, TmdlExpression> Expressions { get; } = new(StringComparer.Ordinal);
    public List<string> TableRefs { get; } = [];

    /// <summary>Reads <paramref name="definitionDir"/> (database.tmdl, model.tmdl, expressions.tmdl, relationships.tmdl, tables/*.tmdl).</summary>
    public static TmdlModel Load(string definitionDir)
    {
        var model = new TmdlModel();
        foreach (var required in new[] { "database.tmdl", "model.tmdl", "expressions.tmdl", "relationships.tmdl" })
            if (!File.Exists(Path.Combine(definitionDir, required)))
                throw new FileNotFoundException($"TMDL file {required} is missing in {definitionDir}");
        foreach (var file in Directory.GetFiles(definitionDir, "*.tmdl", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            model.Read(file);
        return model;
    }

    private void Read(string file)
    {
        var lines = File.ReadAllLines(file);
        TmdlTable? table = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var (depth, text) = Split(lines[i]);
            if (text.Length == 0 || text.StartsWith("///", StringComparison.Ordinal)) continue;
            string Where() => $"{Path.GetFileName(file)}:{i + 1}";

            if (depth == 0)
            {
                table = null;
                var (keyword, rest) = Keyword(text);
                switch (keyword)
                {
                    case "table":
                        var name = ReadName(rest, out _);
                        table = Tables.TryGetValue(name, out var existing) ? existing : Tables[name] = new TmdlTable(name);
                        break;
                    case "ref":
                        var (what, refName) = Keyword(rest);
                        if (what == "table") TableRefs.Add(ReadName(refName, out _));
                        break;
                    case "relationship":
                        var relName = ReadName(rest, out _);
                        var props = Properties(lines, ref i, 1);
                        if (!props.TryGetValue("fromColumn", out var from) || !props.TryGetValue("toColumn", out var to))
                            throw new FormatException($"{Where()}: relationship {relName} needs fromColumn and toColumn");
                        var (ft, fc) = ColumnRef(from);
                        var (tt, tc) = ColumnRef(to);
                        Relationships.Add(new TmdlRelationship(relName, ft, fc, tt, tc));
                        break;
                    case "expression":
                        var exprName = ReadName(rest, out var afterName);
                        Expressions[exprName] = new TmdlExpression(exprName, Value(afterName, lines, ref i, 0));
                        break;
                    case "database": case "model": case "queryGroup": case "annotation": case "culture": case "role": case "perspective":
                        break;
                    default:
                        throw new FormatException($"{Where()}: unexpected top-level TMDL object '{keyword}'");
                }
                continue;
            }
            if (depth != 1 || table is null) continue;

            var (kind, body) = Keyword(text);
            switch (kind)
            {
                case "measure":
                {
                    var name = ReadName(body, out var after);
                    table.Measures.Add(new TmdlMeasure(table.Name, name, Value(after, lines, ref i, 1)));
                    Properties(lines, ref i, 2);
                    break;
                }
                case "column":
                {
                    var name = ReadName(body, out var after);
                    var expr = after.TrimStart().StartsWith('=') ? Value(after, lines, ref i, 1) : null;
                    var props = Properties(lines, ref i, 2);
                    table.Columns.Add(new TmdlColumn(table.Name, name, props.GetValueOrDefault("dataType"), props.GetValueOrDefault("sourceColumn"), expr));
                    break;
                }
                case "partition":
                {
                    var name = ReadName(body, out var after);
                    var partitionKind = after.Trim().TrimStart('=').Trim();
                    string? mode = null, source = null;
                    while (i + 1 < lines.Length)
                    {
                        var (d, t) = Split(lines[i + 1]);
                        if (t.Length > 0 && d < 2) break;
                        i++;
                        if (t.StartsWith("mode:", StringComparison.Ordinal)) mode = t[5..].Trim();
                        else if (t.StartsWith("source", StringComparison.Ordinal) && t.Contains('=')) source = Value(t[6..], lines, ref i, 2);
                    }
                    table.Partitions.Add(new TmdlPartition(table.Name, name, partitionKind, mode,
                        source ?? throw new FormatException($"{Where()}: partition {name} has no source")));
                    break;
                }
            }
        }
    }

    /// <summary>'Table Name'.column or Table.column.</summary>
    public static (string Table, string Column) ColumnRef(string text)
    {
        var table = ReadName(text.Trim(), out var rest);
        if (!rest.StartsWith('.')) throw new FormatException($"not a column reference: {text}");
        return (table, ReadName(rest[1..], out _));
    }

    /// <summary>A TMDL name: 'quoted name' (with '' for a quote) or a bare token; <paramref name="rest"/> is what follows.</summary>
    public static string ReadName(string text, out string rest)
    {
        text = text.TrimStart();
        if (text.StartsWith('\''))
        {
            var sb = new StringBuilder();
            for (var i = 1; i < text.Length; i++)
            {
                if (text[i] == '\'')
                {
                    if (i + 1 < text.Length && text[i + 1] == '\'') { sb.Append('\''); i++; continue; }
                    rest = text[(i + 1)..];
                    return sb.ToString();
                }
                sb.Append(text[i]);
            }
            throw new FormatException($"unterminated quoted name: {text}");
        }
        var end = 0;
        while (end < text.Length && text[end] is not (' ' or '=' or '.' or '\t')) end++;
        rest = text[end..];
        return text[..end];
    }

    private static (int Depth, string Text) Split(string line)
    {
        var depth = 0;
        while (depth < line.Length && line[depth] == '\t') depth++;
        return (depth, line[depth..].TrimEnd());
    }

    private static (string Keyword, string Remainder) Keyword(string text)
    {
        var space = text.IndexOf(' ');
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..]);
    }

    /// <summary>The value after '=': inline, or the following lines indented deeper than <paramref name="depth"/> + 1.</summary>
    private static string Value(string afterName, string[] lines, ref int i, int depth)
    {
        var inline = afterName.Trim();
        if (inline.StartsWith('=')) inline = inline[1..].Trim();
        if (inline.Length > 0) return inline;
        var sb = new StringBuilder();
        while (i + 1 < lines.Length)
        {
            var (d, t) = Split(lines[i + 1]);
            if (t.Length > 0 && d <= depth + 1) break;
            i++;
            sb.AppendLine(t.Length == 0 ? "" : new string(' ', Math.Max(0, d - depth - 2) * 4) + t);
        }
        return sb.ToString().Trim();
    }

    /// <summary>The <c>name: value</c> properties (and flags) at exactly <paramref name="depth"/>, stopping at the next shallower line.</summary>
    private static Dictionary<string, string> Properties(string[] lines, ref int i, int depth)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        while (i + 1 < lines.Length)
        {
            var (d, t) = Split(lines[i + 1]);
            if (t.Length > 0 && d < depth) break;
            i++;
            if (d != depth || t.StartsWith("///", StringComparison.Ordinal)) continue;
            var colon = t.IndexOf(':');
            if (colon > 0 && !t[..colon].Contains(' ')) props[t[..colon]] = t[(colon + 1)..].Trim();
            else props[t] = "";
        }
        return props;
    }
}
