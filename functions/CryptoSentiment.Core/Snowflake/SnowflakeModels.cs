using System.Globalization;

namespace CryptoSentiment.Snowflake;

/// <summary>One bind value of a SQL API request (<c>bindings</c>: <c>{"1": {"type": "TEXT", "value": "abc"}}</c>); values are strings.</summary>
public sealed record SnowflakeBinding(string Type, string? Value)
{
    public static SnowflakeBinding Text(string? v) => new("TEXT", v);
    public static SnowflakeBinding Fixed(long? v) => new("FIXED", v?.ToString(CultureInfo.InvariantCulture));
    public static SnowflakeBinding Real(double? v) => new("REAL", v?.ToString("R", CultureInfo.InvariantCulture));
    public static SnowflakeBinding Boolean(bool? v) => new("BOOLEAN", v is null ? null : v.Value ? "true" : "false");
}

/// <summary>
/// What to run: SQL text (several statements separated by <c>;</c> when <paramref name="StatementCount"/> &gt; 1 —
/// sent as <c>parameters.multi_statement_count</c>), positional <c>?</c> bindings numbered across the whole text,
/// a label that errors name, and the <c>requestId</c> (new per logical operation; kept on every resubmission).
/// </summary>
public sealed record SnowflakeStatement(
    string Sql,
    IReadOnlyList<SnowflakeBinding>? Bindings = null,
    int StatementCount = 1,
    string? Label = null,
    Guid? RequestId = null)
{
    /// <summary>The label, else the start of the SQL text (comments skipped), for messages.</summary>
    public string Describe()
    {
        if (Label is not null) return Label;
        var text = string.Join(' ', Sql.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal)));
        return text.Length <= 120 ? text : text[..120] + "…";
    }
}

/// <summary>A result column (<c>resultSetMetaData.rowType[]</c>).</summary>
public sealed record SnowflakeColumn(string Name, string Type, bool Nullable);

/// <summary>
/// The result of one statement: columns and rows (values as Snowflake sends them: strings, null for NULL, all
/// partitions joined). A multi-statement request's result holds one child result per statement in <see cref="Statements"/>.
/// </summary>
public sealed record SnowflakeResult(
    string StatementHandle,
    IReadOnlyList<SnowflakeColumn> Columns,
    IReadOnlyList<string?[]> Rows,
    IReadOnlyList<SnowflakeResult> Statements)
{
    /// <summary>Rows a DML statement changed: the sum of its <c>number of rows inserted/updated/deleted</c> columns.</summary>
    public long RowsChanged
    {
        get
        {
            if (Rows.Count == 0) return 0;
            long n = 0;
            for (var i = 0; i < Columns.Count; i++)
                if (Columns[i].Name.StartsWith("number of rows", StringComparison.OrdinalIgnoreCase)
                    && long.TryParse(Rows[0][i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                    n += v;
            return n;
        }
    }
}

/// <summary>A SQL API failure. The message names the statement (label or start of its text), the HTTP status and
/// Snowflake's own message and code — never credentials, tokens or bind values.</summary>
public class SnowflakeException(string message, int? httpStatus = null, string? code = null, string? sqlState = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int? HttpStatus { get; } = httpStatus;
    public string? Code { get; } = code;
    public string? SqlState { get; } = sqlState;
}

/// <summary>The Snowflake settings are missing or invalid (e.g. <c>SNOWFLAKE_PRIVATE_KEY</c> is not a PEM RSA key).</summary>
public sealed class SnowflakeConfigurationException(string message) : SnowflakeException(message);
