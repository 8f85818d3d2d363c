using System.Text.Json;
using System.Text.RegularExpressions;
using CryptoSentiment.DuckDb;
using CryptoSentiment.Pipeline.Warehouse;
using CryptoSentiment.Tests.Snowflake;

namespace CryptoSentiment.Tests.Dashboards;

/// <summary>
/// The Power BI project (dashboards/powerbi, PBIP with a TMDL model and a PBIR report) against the Snowflake DDL:
/// every table, view and column the model reads exists in infra/snowflake/02_tables.sql + 03_views.sql (run in an
/// in-memory DuckDB after the Snowflake→DuckDB type translation the loopback SQL API server uses), every measure,
/// relationship and visual resolves inside the model, and every JSON file parses.
/// </summary>
public partial class PowerBiModelTests
{
    private const string SchemaBase = "https://developer.microsoft.com/json-schemas/fabric/";

    internal sealed record DdlObject(string Name, bool IsView, Dictionary<string, string> Columns);

    private static string ProjectDir
    {
        get
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "powerbi");
            Assert.True(Directory.Exists(dir), dir + " is missing (dashboards/powerbi is linked into the test output)");
            return dir;
        }
    }

    private static string ModelDir => Path.Combine(ProjectDir, "CryptoSentiment.SemanticModel", "definition");
    private static string ReportDir => Path.Combine(ProjectDir, "CryptoSentiment.Report");

    /// <summary>Tables and views (upper-case names, as Snowflake stores unquoted identifiers) with their columns and DuckDB types.</summary>
    internal static Dictionary<string, DdlObject> SnowflakeObjects(string tablesSql, string viewsSql)
    {
        using var db = DuckDbConnection.Open();
        foreach (var statement in SnowflakeWarehouse.SplitStatements(SqlApiServer.Translate(tablesSql)))
            db.Execute(statement);
        foreach (var statement in SnowflakeWarehouse.SplitStatements(viewsSql))
            db.Execute(statement);
        var objects = new Dictionary<string, DdlObject>(StringComparer.OrdinalIgnoreCase);
        using (var r = db.Query("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"))
            while (r.Read())
                objects[r.GetString(0).ToUpperInvariant()] = new DdlObject(r.GetString(0).ToUpperInvariant(), r.GetString(1) == "VIEW",
                    new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
        using (var r = db.Query("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'"))
            while (r.Read())
                objects[r.GetString(0)].Columns[r.GetString(1).ToUpperInvariant()] = r.GetString(2);
        return objects;
    }

    private static Dictionary<string, DdlObject> SnowflakeObjects() => SnowflakeObjects(
        File.ReadAllText(SnowflakeTestKit.InfraFile("02_tables.sql")), File.ReadAllText(SnowflakeTestKit.InfraFile("03_views.sql")));

    /// <summary>The TMDL data type a Snowflake column (seen through its DuckDB twin) loads as.</summary>
    private static string? TmdlTypeOf(string duckDbType) => duckDbType switch
    {
        "VARCHAR" => "string",
        "BOOLEAN" => "boolean",
        "DATE" or "TIMESTAMP" or "TIMESTAMP WITH TIME ZONE" => "dateTime",
        "DOUBLE" or "FLOAT" or "REAL" => "double",
        "BIGINT" or "INTEGER" or "SMALLINT" or "HUGEINT" => "int64",
        _ when duckDbType.StartsWith("DECIMAL(", StringComparison.Ordinal) => duckDbType.EndsWith(",0)", StringComparison.Ordinal) ? "int64" : "double",
        _ => null,
    };

    private static string? TmdlTypeOfM(string mType) => mType switch
    {
        "date" or "datetime" or "datetimezone" => "dateTime",
        "logical" => "boolean",
        "text" => "string",
        "number" => "double",
        _ when mType.StartsWith("Int64", StringComparison.Ordinal) => "int64",
        _ => null,
    };

    [GeneratedRegex("""\{\s*\[\s*Name\s*=\s*"([^"]+)"\s*,\s*Kind\s*=\s*"(Table|View)"\s*\]\s*\}""")] private static partial Regex NavigationRx();
    [GeneratedRegex("""Table\.AddColumn\(\s*\w+\s*,\s*"([^"]+)"[^\n]*?,\s*type\s+([A-Za-z0-9.]+)\s*\)""")] private static partial Regex AddColumnRx();
    [GeneratedRegex("""Table\.SelectColumns\(.*?,\s*\{(\s*"[^"]*"(?:\s*,\s*"[^"]*")*\s*)\}\s*\)""")] private static partial Regex SelectColumnsRx();
    [GeneratedRegex("""\{\s*"([^"]+)"\s*,\s*each\b""")] private static partial Regex TransformColumnRx();
    [GeneratedRegex("""\[([A-Z][A-Z0-9_]*)\]""")] private static partial Regex FieldAccessRx();
    [GeneratedRegex(""""([^"]+)"""")] private static partial Regex StringLiteralRx();
    [GeneratedRegex("""(?:'((?:[^']|'')+)'|\b([A-Za-z_][A-Za-z0-9_]*))\[([^\]]+)\]""")] private static partial Regex DaxQualifiedRx();
    [GeneratedRegex("""(?<![\w'\]])\[([^\]]+)\]""")] private static partial Regex DaxBareRx();
    [GeneratedRegex("""Snowflake\.Databases\(\s*(\w+)\s*,\s*(\w+)\s*,\s*\[\s*Role\s*=\s*(\w+)\s*\]\s*\)""")] private static partial Regex ConnectorRx();
    [GeneratedRegex("""\[\s*Name\s*=\s*(\w+)\s*,\s*Kind\s*=\s*"(Database|Schema)"\s*\]""")] private static partial Regex ContainerRx();

    /// <summary>Every way the model's import partitions and columns could disagree with the DDL, one line per problem.</summary>
    internal static List<string> ModelVersusDdl(TmdlModel model, Dictionary<string, DdlObject> ddl)
    {
        var problems = new List<string>();
        foreach (var table in model.Tables.Values)
        {
            var m = table.Partitions.Where(p => p.Kind == "m").ToList();
            if (m.Count == 0) continue;
            foreach (var partition in m)
            {
                var objects = NavigationRx().Matches(partition.Source).Select(x => (Name: x.Groups[1].Value, Kind: x.Groups[2].Value)).ToList();
                if (objects.Count == 0) { problems.Add($"{table.Name}: partition {partition.Name} reads no Snowflake table or view"); continue; }
                var found = new List<DdlObject>();
                foreach (var (name, kind) in objects)
                {
                    if (!ddl.TryGetValue(name, out var obj)) { problems.Add($"{table.Name}: partition reads {kind} {name}, which 02_tables.sql/03_views.sql do not create"); continue; }
                    if (obj.IsView != (kind == "View")) problems.Add($"{table.Name}: {name} is navigated as Kind=\"{kind}\" but the DDL creates a {(obj.IsView ? "view" : "table")}");
                    found.Add(obj);
                }
                var derived = AddColumnRx().Matches(partition.Source).ToDictionary(x => x.Groups[1].Value, x => x.Groups[2].Value, StringComparer.Ordinal);

                // Columns named in the M itself (selected, transformed, or read as [FIELD]) exist in every source object.
                var mColumns = SelectColumnsRx().Matches(partition.Source).SelectMany(x => StringLiteralRx().Matches(x.Groups[1].Value).Select(l => l.Groups[1].Value))
                    .Concat(TransformColumnRx().Matches(partition.Source).Select(x => x.Groups[1].Value))
                    .Concat(FieldAccessRx().Matches(partition.Source).Select(x => x.Groups[1].Value));
                foreach (var c in mColumns.Distinct())
                    foreach (var obj in found.Where(o => !o.Columns.ContainsKey(c) && !derived.ContainsKey(c)))
                        problems.Add($"{table.Name}: Power Query uses column {c}, which {obj.Name} does not have");

                foreach (var column in table.Columns.Where(c => c.Expression is null))
                {
                    var source = column.SourceColumn;
                    if (string.IsNullOrEmpty(source)) { problems.Add($"{table.Name}.{column.Name}: no sourceColumn"); continue; }
                    if (source != source.ToUpperInvariant())
                        problems.Add($"{table.Name}.{column.Name}: sourceColumn {source} must be upper case (Snowflake returns unquoted identifiers upper-cased)");
                    if (derived.TryGetValue(source, out var mType))
                    {
                        if (TmdlTypeOfM(mType) != column.DataType)
                            problems.Add($"{table.Name}.{column.Name}: dataType {column.DataType} but Power Query adds {source} as type {mType}");
                        continue;
                    }
                    foreach (var obj in found)
                    {
                        if (!obj.Columns.TryGetValue(source, out var duckType))
                            problems.Add($"{table.Name}.{column.Name}: sourceColumn {source} is not a column of {obj.Name} in the Snowflake DDL");
                        else if (TmdlTypeOf(duckType) != column.DataType)
                            problems.Add($"{table.Name}.{column.Name}: dataType {column.DataType} does not match {obj.Name}.{source} ({duckType} → {TmdlTypeOf(duckType) ?? "unmapped"})");
                    }
                }
            }
        }
        return problems;
    }

    /// <summary>Measures, calculated tables, relationships, parameters and the ref list, checked inside the model.</summary>
    internal static List<string> ModelInternals(TmdlModel model)
    {
        var problems = new List<string>();
        var measures = model.Tables.Values.SelectMany(t => t.Measures).ToList();
        foreach (var dup in measures.GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            problems.Add($"measure name {dup.Key} is used {dup.Count()} times");
        var columnNames = model.Tables.Values.SelectMany(t => t.Columns).Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var m in measures.Where(m => columnNames.Contains(m.Name)))
            problems.Add($"measure {m.Table}[{m.Name}] has the name of a column");

        void CheckQualified(string owner, string dax)
        {
            foreach (Match x in DaxQualifiedRx().Matches(dax))
            {
                var tableName = x.Groups[1].Success ? x.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal) : x.Groups[2].Value;
                var field = x.Groups[3].Value;
                if (!model.Tables.TryGetValue(tableName, out var t)) problems.Add($"{owner}: refers to unknown table {tableName}");
                else if (t.Column(field) is null && t.Measure(field) is null) problems.Add($"{owner}: refers to {tableName}[{field}], which is neither a column nor a measure");
            }
        }
        foreach (var m in measures)
        {
            CheckQualified($"measure {m.Table}[{m.Name}]", m.Expression);
            foreach (Match x in DaxBareRx().Matches(m.Expression))
                if (!measures.Any(o => string.Equals(o.Name, x.Groups[1].Value, StringComparison.OrdinalIgnoreCase)))
                    problems.Add($"measure {m.Table}[{m.Name}]: [{x.Groups[1].Value}] is not a measure");
        }
        foreach (var p in model.Tables.Values.SelectMany(t => t.Partitions).Where(p => p.Kind == "calculated"))
            CheckQualified($"calculated table {p.Table}", p.Source);
        foreach (var t in model.Tables.Values)
        {
            if (t.Partitions.Count == 0) problems.Add($"table {t.Name} has no partition");
            foreach (var c in t.Columns.Where(c => c.DataType is null)) problems.Add($"{t.Name}.{c.Name}: no dataType");
        }

        foreach (var r in model.Relationships)
        {
            var from = model.Tables.GetValueOrDefault(r.FromTable)?.Column(r.FromColumn);
            var to = model.Tables.GetValueOrDefault(r.ToTable)?.Column(r.ToColumn);
            if (from is null) problems.Add($"relationship {r.Name}: from column {r.FromTable}.{r.FromColumn} does not exist");
            if (to is null) problems.Add($"relationship {r.Name}: to column {r.ToTable}.{r.ToColumn} does not exist");
            if (from is not null && to is not null && from.DataType != to.DataType)
                problems.Add($"relationship {r.Name}: {r.FromTable}.{r.FromColumn} ({from.DataType}) and {r.ToTable}.{r.ToColumn} ({to.DataType}) differ in type");
        }
        foreach (var dup in model.Relationships.GroupBy(r => (r.FromTable, r.FromColumn, r.ToTable)).Where(g => g.Count() > 1))
            problems.Add($"{dup.Key.FromTable}.{dup.Key.FromColumn} → {dup.Key.ToTable} is declared twice");

        // The connection: one Snowflake.Databases call whose server, warehouse, role, database and schema are parameters.
        var connectors = model.Expressions.Values.Where(e => e.Value.Contains("Snowflake.Databases", StringComparison.Ordinal)).ToList();
        if (connectors.Count != 1) problems.Add($"expected one shared expression calling Snowflake.Databases, found {connectors.Count}");
        foreach (var e in connectors)
        {
            var call = ConnectorRx().Match(e.Value);
            if (!call.Success) problems.Add($"expression {e.Name}: Snowflake.Databases must take (server, warehouse, [Role = role]) parameters");
            var parameters = call.Success ? new[] { call.Groups[1].Value, call.Groups[2].Value, call.Groups[3].Value }.ToList() : [];
            var containers = ContainerRx().Matches(e.Value).Select(x => (x.Groups[2].Value, x.Groups[1].Value)).ToList();
            if (containers.Select(c => c.Item1).Order().SequenceEqual(["Database", "Schema"]) is false)
                problems.Add($"expression {e.Name}: must navigate Kind=\"Database\" then Kind=\"Schema\" by parameter");
            parameters.AddRange(containers.Select(c => c.Item2));
            foreach (var p in parameters)
                if (!model.Expressions.TryGetValue(p, out var param) || !param.Value.Contains("IsParameterQuery = true", StringComparison.Ordinal))
                    problems.Add($"expression {e.Name}: {p} is not a parameter in expressions.tmdl");
            foreach (var table in model.Tables.Values)
                foreach (var part in table.Partitions.Where(p => p.Kind == "m" && !p.Source.Contains(e.Name, StringComparison.Ordinal)))
                    problems.Add($"{table.Name}: partition does not start from the shared connection {e.Name}");
        }
        foreach (var t in model.Tables.Keys.Except(model.TableRefs, StringComparer.OrdinalIgnoreCase)) problems.Add($"model.tmdl has no 'ref table' for {t}");
        foreach (var t in model.TableRefs.Except(model.Tables.Keys, StringComparer.OrdinalIgnoreCase)) problems.Add($"model.tmdl refers to missing table {t}");
        return problems;
    }

    /// <summary>(kind, entity, property) of every Column/Measure a report JSON document refers to.</summary>
    internal static IEnumerable<(string Kind, string Entity, string Property)> FieldRefs(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in e.EnumerateObject())
            {
                if (prop.Name is "Column" or "Measure" && prop.Value.ValueKind == JsonValueKind.Object
                    && prop.Value.TryGetProperty("Property", out var property)
                    && prop.Value.TryGetProperty("Expression", out var expr) && expr.TryGetProperty("SourceRef", out var sourceRef))
                    yield return (prop.Name, sourceRef.GetProperty("Entity").GetString()!, property.GetString()!);
                foreach (var inner in FieldRefs(prop.Value)) yield return inner;
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
            foreach (var item in e.EnumerateArray())
                foreach (var inner in FieldRefs(item)) yield return inner;
    }

    private static JsonDocument ReadJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException ex) { throw new Xunit.Sdk.XunitException($"{Path.GetRelativePath(ProjectDir, path)} is not valid JSON: {ex.Message}"); }
    }

    private static void AssertNoProblems(List<string> problems) =>
        Assert.True(problems.Count == 0, problems.Count + " problem(s):\n" + string.Join("\n", problems));

    [Fact]
    public void EveryTableViewAndColumnTheModelReadsExistsInTheSnowflakeDdl()
    {
        var ddl = SnowflakeObjects();
        Assert.Contains("LATEST_HEADLINES", ddl.Keys);
        Assert.True(ddl["DAILY_LEADERS"].IsView && !ddl["COIN_DAILY"].IsView);
        var model = TmdlModel.Load(ModelDir);
        Assert.Equal(10, model.Tables.Count); // + Alerts, Scorer Daily (§10)
        AssertNoProblems(ModelVersusDdl(model, ddl));

        // Every object the dashboards are meant to read is read (directly, or through the view built on it).
        var read = model.Tables.Values.SelectMany(t => t.Partitions).SelectMany(p => NavigationRx().Matches(p.Source)).Select(x => x.Groups[1].Value).ToHashSet();
        foreach (var view in new[] { "COIN_DAILY", "COIN_HOURLY", "LATEST_HEADLINES", "COIN_LATEST", "DIVERGENCE_ALERTS", "DAILY_LEADERS", "ALERTS", "SCORER_DAILY" })
            Assert.Contains(view, read);
        Assert.All(model.Tables.Values, t => Assert.NotEmpty(t.Columns));
    }

    [Fact]
    public void ARenamedOrRetypedDdlColumnFailsTheCheckNamingTheColumn()
    {
        var tables = File.ReadAllText(SnowflakeTestKit.InfraFile("02_tables.sql"));
        var views = File.ReadAllText(SnowflakeTestKit.InfraFile("03_views.sql"));
        var model = TmdlModel.Load(ModelDir);

        var renamed = tables.Replace("    title VARCHAR(4000) NOT NULL,", "    headline VARCHAR(4000) NOT NULL,", StringComparison.Ordinal);
        Assert.NotEqual(tables, renamed);
        var problems = ModelVersusDdl(model, SnowflakeObjects(renamed, views));
        Assert.Contains("Headlines.title: sourceColumn TITLE is not a column of LATEST_HEADLINES in the Snowflake DDL", problems);

        var retyped = tables.Replace("    mentions NUMBER(18,0) NOT NULL,\n    positive", "    mentions FLOAT NOT NULL,\n    positive", StringComparison.Ordinal);
        Assert.NotEqual(tables, retyped);
        Assert.Contains(ModelVersusDdl(model, SnowflakeObjects(retyped, views)), p => p.StartsWith("Coin Daily.mentions: dataType int64 does not match COIN_DAILY.MENTIONS (DOUBLE", StringComparison.Ordinal));

        var droppedView = views.Replace("CREATE OR REPLACE VIEW COIN_LATEST AS", "CREATE OR REPLACE VIEW COIN_LATEST_V2 AS", StringComparison.Ordinal);
        Assert.Contains("Coin Latest: partition reads View COIN_LATEST, which 02_tables.sql/03_views.sql do not create", ModelVersusDdl(model, SnowflakeObjects(tables, droppedView)));
    }

    [Fact]
    public void MeasuresRelationshipsAndConnectionParametersResolveInsideTheModel()
    {
        var model = TmdlModel.Load(ModelDir);
        AssertNoProblems(ModelInternals(model));
        Assert.Equal(13, model.Relationships.Count); // + Alerts → Date, Coin; Scorer Daily → Date
        Assert.All(model.Relationships, r => Assert.Contains(r.ToTable, new[] { "Date", "Coin" }));
        Assert.Equal(["SnowflakeDatabase", "SnowflakeRole", "SnowflakeSchema", "SnowflakeServer", "SnowflakeWarehouse"],
            model.Expressions.Values.Where(e => e.Value.Contains("IsParameterQuery = true", StringComparison.Ordinal)).Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(model.Tables.Values.SelectMany(t => t.Partitions), p => Assert.Equal("import", p.Mode));
        var weighted = model.Tables["Headlines"].Measure("Headline Weighted Score");
        Assert.NotNull(weighted);
        Assert.Contains("SUMX(Headlines, Headlines[confidence] * Headlines[polarity])", weighted.Expression, StringComparison.Ordinal);
        foreach (var name in new[] { "% Positive", "Headline Mentions" }) Assert.NotNull(model.Tables["Headlines"].Measure(name));
        Assert.Contains("RETURN CALCULATE(SELECTEDVALUE('Daily Leaders'[coin]), 'Daily Leaders'[day] = lastDay)", model.Tables["Daily Leaders"].Measure("Top Coin Today")!.Expression, StringComparison.Ordinal);
        Assert.Equal(17, model.Tables["Coin Daily"].Columns.Count);   // 14 §5 columns + sma_7d, sma_30d, rsi_14d (§12)
        foreach (var (table, column) in new[] { ("Coin Daily", "sma_7d"), ("Coin Daily", "sma_30d"), ("Coin Daily", "rsi_14d"),
                     ("Coin Hourly", "sma_24h"), ("Coin Hourly", "ema_24h"), ("Coin Hourly", "rsi_14h") })
            Assert.Contains(model.Tables[table].Columns, col => col.Name == column);
        Assert.Contains("CALENDAR(", Assert.Single(model.Tables["Date"].Partitions, p => p.Kind == "calculated").Source, StringComparison.Ordinal);
        Assert.NotNull(model.Tables["Coin Hourly"].Measure("Divergence Count"));
        Assert.NotNull(model.Tables["Coin Hourly"].Measure("Avg Volatility"));

        // The checker catches a broken measure and a dangling relationship.
        model.Tables["Headlines"].Measures.Add(new TmdlMeasure("Headlines", "Broken", "SUM(Headlines[no_such_column]) + [No Such Measure]"));
        model.Relationships.Add(new TmdlRelationship("dangling", "Headlines", "missing_day", "Date", "Date"));
        var problems = ModelInternals(model);
        Assert.Contains("measure Headlines[Broken]: refers to Headlines[no_such_column], which is neither a column nor a measure", problems);
        Assert.Contains("measure Headlines[Broken]: [No Such Measure] is not a measure", problems);
        Assert.Contains("relationship dangling: from column Headlines.missing_day does not exist", problems);
    }

    [Fact]
    public void ProjectFilesParseAndPointAtEachOther()
    {
        var jsonFiles = Directory.GetFiles(ProjectDir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".json" or ".pbip" or ".pbir" or ".pbism").ToList();
        Assert.True(jsonFiles.Count >= 25, $"only {jsonFiles.Count} JSON files under {ProjectDir}");
        foreach (var f in jsonFiles)
        {
            using var doc = ReadJson(f);
            var schema = doc.RootElement.GetProperty("$schema").GetString()!;
            Assert.StartsWith(SchemaBase, schema);
            Assert.EndsWith("/schema.json", schema);
        }

        using var pbip = ReadJson(Path.Combine(ProjectDir, "CryptoSentiment.pbip"));
        var reportPath = pbip.RootElement.GetProperty("artifacts")[0].GetProperty("report").GetProperty("path").GetString()!;
        Assert.True(File.Exists(Path.Combine(ProjectDir, reportPath, "definition.pbir")), reportPath);

        using var pbir = ReadJson(Path.Combine(ReportDir, "definition.pbir"));
        Assert.Equal("4.0", pbir.RootElement.GetProperty("version").GetString());
        var modelPath = pbir.RootElement.GetProperty("datasetReference").GetProperty("byPath").GetProperty("path").GetString()!;
        Assert.True(File.Exists(Path.Combine(ReportDir, modelPath, "definition.pbism")), modelPath);
        Assert.True(Directory.Exists(Path.Combine(ReportDir, modelPath, "definition", "tables")), "the semantic model is TMDL (definition/ folder)");
        Assert.False(File.Exists(Path.Combine(ReportDir, "report.json")), "PBIR format: no legacy report.json beside definition/");
    }

    [Fact]
    public void EveryVisualRefersToAnExistingTableColumnOrMeasure()
    {
        var model = TmdlModel.Load(ModelDir);
        var pagesDir = Path.Combine(ReportDir, "definition", "pages");
        using var pagesJson = ReadJson(Path.Combine(pagesDir, "pages.json"));
        var order = pagesJson.RootElement.GetProperty("pageOrder").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Equal(order.Order(StringComparer.Ordinal), Directory.GetDirectories(pagesDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var problems = new List<string>();
        var visualsByPage = new Dictionary<string, List<(string Type, List<(string Role, string Kind, string Entity, string Property)> Fields)>>();
        foreach (var page in order)
        {
            using var pageJson = ReadJson(Path.Combine(pagesDir, page, "page.json"));
            Assert.Equal(page, pageJson.RootElement.GetProperty("name").GetString());
            var visuals = visualsByPage[pageJson.RootElement.GetProperty("displayName").GetString()!] = [];
            foreach (var dir in Directory.GetDirectories(Path.Combine(pagesDir, page, "visuals")))
            {
                using var v = ReadJson(Path.Combine(dir, "visual.json"));
                var name = Path.GetFileName(dir);
                Assert.Equal(name, v.RootElement.GetProperty("name").GetString());
                var visual = v.RootElement.GetProperty("visual");
                var fields = new List<(string, string, string, string)>();
                foreach (var role in visual.GetProperty("query").GetProperty("queryState").EnumerateObject())
                    foreach (var projection in role.Value.GetProperty("projections").EnumerateArray())
                        foreach (var (kind, entity, property) in FieldRefs(projection.GetProperty("field")))
                            fields.Add((role.Name, kind, entity, property));
                foreach (var (kind, entity, property) in FieldRefs(visual))
                {
                    var table = model.Tables.GetValueOrDefault(entity);
                    if (table is null) problems.Add($"{page}/{name}: table {entity} is not in the model");
                    else if (kind == "Column" && table.Column(property) is null) problems.Add($"{page}/{name}: column {entity}.{property} is not in the model");
                    else if (kind == "Measure" && table.Measure(property) is null) problems.Add($"{page}/{name}: measure {entity}[{property}] is not in the model");
                }
                Assert.NotEmpty(fields);
                visuals.Add((visual.GetProperty("visualType").GetString()!, fields));
            }
        }
        AssertNoProblems(problems);

        // The three views the product promises, with the fields that make them what they are.
        Assert.Equal(["Executive overview", "Sentiment vs price", "Volatility"], visualsByPage.Keys);
        bool Has(string page, string type, params string[] fields) =>
            visualsByPage[page].Any(v => v.Type == type && fields.All(f => v.Fields.Any(x => $"{x.Entity}.{x.Property}" == f)));
        foreach (var page in visualsByPage.Keys)
        {
            Assert.True(Has(page, "slicer", "Date.Date"), page + ": date slicer");
            Assert.True(Has(page, "slicer", "Coin.coin"), page + ": coin slicer");
        }
        Assert.True(Has("Executive overview", "donutChart", "Headlines.label", "Headlines.Headline Mentions"));
        Assert.True(Has("Executive overview", "card", "Daily Leaders.Top Coin Today"));
        Assert.True(Has("Executive overview", "lineChart", "Date.Date", "Coin.coin", "Coin Daily.Weighted Score"));
        Assert.True(Has("Executive overview", "tableEx", "Headlines.title", "Headlines.coin", "Headlines.label", "Headlines.confidence", "Headlines.scorer", "Headlines.published_at"));
        Assert.True(Has("Sentiment vs price", "scatterChart", "Coin Hourly.Avg Score 24h", "Coin Hourly.Avg Return 24h", "Coin Hourly.divergence"));
        Assert.True(Has("Sentiment vs price", "tableEx", "Divergence Alerts.kind"));
        Assert.True(Has("Volatility", "clusteredBarChart", "Coin.coin", "Coin Latest.Latest Volatility"));
        // §10: ALERTS as a card and a table on the overview; scorer drift (SCORER_DAILY) as a card there and on the volatility page
        Assert.True(Has("Executive overview", "card", "Alerts.Alert Count"));
        Assert.True(Has("Executive overview", "tableEx", "Alerts.hour", "Alerts.kind", "Alerts.coin", "Alerts.severity", "Alerts.message"));
        Assert.True(Has("Executive overview", "card", "Scorer Daily.Drifted Days"));
        Assert.True(Has("Volatility", "multiRowCard", "Scorer Daily.Max PSI", "Scorer Daily.Fallback Share"));
    }
}
