using System.Text;
using System.Text.Json.Nodes;
using CryptoSentiment.Lake.Delta;

namespace CryptoSentiment.Tests.Delta;

public class ActionsJsonTests
{
    private static DeltaAction RoundTrip(DeltaAction a)
    {
        var json = a.ToJson();
        Assert.DoesNotContain('\n', json);
        var back = DeltaAction.FromJson(json);
        Assert.Equal(json, back.ToJson());
        return back;
    }

    [Fact]
    public void Protocol_round_trips()
    {
        var back = RoundTrip(new ProtocolAction { MinReaderVersion = 1, MinWriterVersion = 2 });
        Assert.Equal("{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}", back.ToJson());
        Assert.Equal(1, back.Protocol!.MinReaderVersion);
        Assert.Equal(2, back.Protocol.MinWriterVersion);
        Assert.Null(back.Add);
    }

    [Fact]
    public void Metadata_round_trips_with_schema_string()
    {
        var schema = DeltaSchema.Of(("body", "string", true), ("sequence_number", "long", false), ("ingest_date", "date", true));
        var back = RoundTrip(new MetadataAction
        {
            Id = "5fba94ed-9794-4965-ba6e-6ee3c0d22af9",
            SchemaString = schema.ToJson(),
            PartitionColumns = ["ingest_date"],
            Configuration = new() { ["delta.appendOnly"] = "false" },
            CreatedTime = 1587968585495,
        }).MetaData!;
        Assert.Equal("5fba94ed-9794-4965-ba6e-6ee3c0d22af9", back.Id);
        Assert.Equal("parquet", back.Format.Provider);
        Assert.Equal(["ingest_date"], back.PartitionColumns);
        Assert.Equal("false", back.Configuration["delta.appendOnly"]);
        Assert.Equal(1587968585495, back.CreatedTime);
        Assert.Equal(schema, back.Schema);
        Assert.Contains("\"format\":{\"provider\":\"parquet\",\"options\":{}}", ((DeltaAction)back).ToJson());
    }

    [Fact]
    public void Add_round_trips_with_stats_and_null_partition_value()
    {
        var stats = new FileStats
        {
            NumRecords = 3,
            MinValues = new JsonObject { ["coin"] = "BTC", ["price_usd"] = 1.5 },
            MaxValues = new JsonObject { ["coin"] = "SOL", ["price_usd"] = 99.25 },
            NullCount = new JsonObject { ["coin"] = 0, ["price_usd"] = 1 },
        };
        var back = RoundTrip(new AddAction
        {
            Path = "ingest_date=2026-11-21/part-00000-x-c000.snappy.parquet",
            PartitionValues = new() { ["ingest_date"] = "2026-11-21", ["other"] = null },
            Size = 1234,
            ModificationTime = 1700000000000,
            DataChange = true,
            Stats = stats.ToJson(),
        }).Add!;
        Assert.Equal("ingest_date=2026-11-21/part-00000-x-c000.snappy.parquet", back.Path);
        Assert.Equal("2026-11-21", back.PartitionValues["ingest_date"]);
        Assert.True(back.PartitionValues.ContainsKey("other"));
        Assert.Null(back.PartitionValues["other"]);
        Assert.Equal(1234, back.Size);
        Assert.Equal(1700000000000, back.ModificationTime);
        var s = back.ParseStats()!;
        Assert.Equal(3, s.NumRecords);
        Assert.Equal("BTC", (string?)s.MinValues!["coin"]);
        Assert.Equal(99.25, (double)s.MaxValues!["price_usd"]!);
        Assert.Equal(1, (int)s.NullCount!["price_usd"]!);
    }

    [Fact]
    public void Remove_txn_and_commitInfo_round_trip()
    {
        var rm = RoundTrip(new RemoveAction
        {
            Path = "a.parquet", DeletionTimestamp = 1587968596250, DataChange = true,
            PartitionValues = new() { ["d"] = "1" }, Size = 10, ExtendedFileMetadata = true,
        }).Remove!;
        Assert.Equal(("a.parquet", 1587968596250L, true, 10L, "1"), (rm.Path, rm.DeletionTimestamp!.Value, rm.DataChange, rm.Size!.Value, rm.PartitionValues!["d"]));

        var txn = RoundTrip(new TxnAction { AppId = "bronze/news/3", Version = 42, LastUpdated = 7 }).Txn!;
        Assert.Equal(("bronze/news/3", 42L, 7L), (txn.AppId, txn.Version, txn.LastUpdated!.Value));

        var ci = RoundTrip(new CommitInfoAction
        {
            Timestamp = 5, Operation = "WRITE",
            OperationParameters = new() { ["mode"] = "Append" },
            OperationMetrics = new() { ["numFiles"] = "1" },
            EngineInfo = "x/1",
        }).CommitInfo!;
        Assert.Equal((5L, "WRITE", "Append", "1", "x/1"), (ci.Timestamp!.Value, ci.Operation, ci.OperationParameters!["mode"], ci.OperationMetrics!["numFiles"], ci.EngineInfo));
    }

    [Fact]
    public void CommitInfo_accepts_non_string_parameter_and_metric_values()
    {
        var a = DeltaAction.FromJson("""{"commitInfo":{"timestamp":1,"operation":"CREATE TABLE","operationParameters":{"isManaged":"false","description":null,"n":3,"b":true,"o":{"x":[1]}},"operationMetrics":{"numFiles":6},"notebook":{"notebookId":"1"}}}""");
        var p = a.CommitInfo!.OperationParameters!;
        Assert.Equal("false", p["isManaged"]);
        Assert.Null(p["description"]);
        Assert.Equal("3", p["n"]);
        Assert.Equal("true", p["b"]);
        Assert.Equal("{\"x\":[1]}", p["o"]);
        Assert.Equal("6", a.CommitInfo.OperationMetrics!["numFiles"]);
    }

    [Fact]
    public void Unknown_actions_and_fields_are_ignored()
    {
        var commit = """
            {"commitInfo":{"timestamp":1,"operation":"WRITE","someFutureField":{"a":1}}}
            {"cdc":{"path":"_change_data/x.parquet","partitionValues":{},"size":1,"dataChange":false}}
            {"domainMetadata":{"domain":"d","configuration":"{}","removed":false}}

            {"add":{"path":"x.parquet","partitionValues":{},"size":1,"modificationTime":2,"dataChange":true,"tags":{"k":"v"},"deletionVector":null,"baseRowId":4}}
            """;
        var actions = DeltaAction.ParseCommit(Encoding.UTF8.GetBytes(commit.Replace("\r\n", "\n")));
        Assert.Equal(4, actions.Count);
        Assert.True(actions[0].IsKnown);
        Assert.False(actions[1].IsKnown);
        Assert.False(actions[2].IsKnown);
        Assert.Equal("x.parquet", actions[3].Add!.Path);
        Assert.Equal("v", actions[3].Add!.Tags!["k"]);
    }

    [Fact]
    public void Commit_is_one_action_per_line()
    {
        var bytes = DeltaAction.SerializeCommit([new ProtocolAction(), new TxnAction { AppId = "a", Version = 1 }]);
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"protocol\":", lines[0]);
        Assert.StartsWith("{\"txn\":", lines[1]);
        Assert.Equal(2, DeltaAction.ParseCommit(bytes).Count);
    }

    [Fact]
    public void Schema_builds_and_parses()
    {
        var schema = DeltaSchema.Of(("s", "string", true), ("l", "long", false), ("i", "integer", true), ("d", "double", true),
            ("b", "boolean", false), ("dt", "date", true), ("ts", "timestamp", true));
        var json = schema.ToJson();
        Assert.StartsWith("{\"type\":\"struct\",\"fields\":[{\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}", json);
        var back = DeltaSchema.Parse(json);
        Assert.Equal(schema, back);
        Assert.False(back["l"]!.Nullable);
        Assert.Equal("timestamp", back["ts"]!.Type);
        Assert.Throws<ArgumentException>(() => DeltaSchema.Of(("x", "varchar", true)).ToJson());
        Assert.Throws<ArgumentException>(() => DeltaSchema.Of(("x", "long", true), ("x", "long", true)).ToJson());
    }

    [Fact]
    public void Schema_parses_nested_struct_from_real_table()
    {
        var line = File.ReadLines(Path.Combine(TestData.DeltaRoot, "checkpoints", "_delta_log", "00000000000000000000.json"))
            .Single(l => l.StartsWith("{\"metaData\"", StringComparison.Ordinal));
        var schema = DeltaAction.FromJson(line).MetaData!.Schema;
        Assert.Equal(["some_struct", "value", "ts", "date"], schema.Fields.Select(f => f.Name));
        Assert.True(schema["some_struct"]!.IsComplex);
        Assert.Equal("timestamp", schema["ts"]!.Type);
        Assert.Equal(schema, DeltaSchema.Parse(schema.ToJson()));
    }

    [Fact]
    public void Data_file_paths_are_hive_style_and_escaped()
    {
        var id = Guid.Parse("8eafa330-3be9-4a39-ad78-fd13c2027c7e");
        Assert.Equal("part-00000-8eafa330-3be9-4a39-ad78-fd13c2027c7e-c000.snappy.parquet", DeltaPaths.NewDataFileName(id));

        var loc = DeltaPaths.NewDataFile([("ingest_date", "2026-11-21")], id);
        Assert.Equal("ingest_date=2026-11-21/part-00000-8eafa330-3be9-4a39-ad78-fd13c2027c7e-c000.snappy.parquet", loc.RelativePath);
        Assert.Equal(loc.RelativePath, loc.ActionPath);

        var odd = DeltaPaths.NewDataFile([("coin", "a b/c:%"), ("d", null)], id);
        Assert.Equal("coin=a b%2Fc%3A%25/d=__HIVE_DEFAULT_PARTITION__/" + DeltaPaths.NewDataFileName(id), odd.RelativePath);
        Assert.Equal("coin=a%20b%252Fc%253A%2525/d=__HIVE_DEFAULT_PARTITION__/" + DeltaPaths.NewDataFileName(id), odd.ActionPath);
        Assert.Equal(odd.RelativePath, DeltaPaths.DecodeActionPath(odd.ActionPath));
        Assert.Null(odd.PartitionValues["d"]);

        var add = AddAction.Create(loc, 99);
        Assert.Equal(loc.ActionPath, add.Path);
        Assert.Equal("2026-11-21", add.PartitionValues["ingest_date"]);
        Assert.Throws<NotSupportedException>(() => DeltaPaths.DecodeActionPath("s3://bucket/x.parquet"));
    }
}
