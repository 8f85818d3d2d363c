using System.Numerics;
using System.Text;
using DuckDB.NET.Data;

namespace CryptoSentiment.DuckDb;

/// <summary>
/// A query result read row by row through DuckDB.NET's <see cref="DuckDBDataReader"/>, one DuckDB data chunk (up to 2,048
/// rows) at a time: only the current chunk is held; values are read from the chunk's vectors. TIMESTAMP and TIMESTAMPTZ
/// values are UTC. A DML statement (INSERT, UPDATE, DELETE, MERGE without RETURNING) answers as DuckDB's C API does: one
/// row, one BIGINT column <c>Count</c>, the rows changed (also <see cref="RowsChanged"/>).
/// </summary>
public sealed class DuckDbResult : IDisposable
{
    private readonly DuckDBCommand? _command;
    private readonly DuckDBDataReader? _reader;
    private readonly long _changed;
    private int _changedRow = -1;
    private readonly DuckDbType[] _types;
    private readonly string[] _names;

    internal DuckDbResult(DuckDBCommand command, DuckDBDataReader reader)
    {
        _command = command;
        _reader = reader;
        var n = reader.FieldCount;
        _types = new DuckDbType[n];
        _names = new string[n];
        for (var i = 0; i < n; i++)
        {
            _names[i] = reader.GetName(i);
            _types[i] = Enum.TryParse<DuckDB.NET.Native.DuckDBType>(reader.GetDataTypeName(i), out var t) ? (DuckDbType)(int)t : DuckDbType.Invalid;
        }
    }

    private DuckDbResult(long changed)
    {
        _changed = changed;
        _types = [DuckDbType.BigInt];
        _names = ["Count"];
    }

    internal static DuckDbResult Changed(long rows) => new(rows);

    public int ColumnCount => _types.Length;
    public string ColumnName(int i) => _names[i];
    public DuckDbType ColumnType(int i) => _types[i];

    /// <summary>Rows changed by a DML statement (0 for a query).</summary>
    public long RowsChanged => _reader is null ? _changed : 0;

    /// <summary>Advances to the next row; false at the end.</summary>
    public bool Read()
    {
        if (_reader is null) return ++_changedRow == 0;
        try { return _reader.Read(); }
        catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw DuckDbException.From(e, _command!.CommandText); }
    }

    public bool IsNull(int col) => _reader is null ? false : _reader.IsDBNull(col);

    public bool GetBoolean(int col) => R.GetBoolean(col);

    public long GetInt64(int col) => _reader is null ? _changed : _types[col] switch
    {
        DuckDbType.BigInt => R.GetInt64(col),
        DuckDbType.Integer => R.GetInt32(col),
        DuckDbType.SmallInt => R.GetInt16(col),
        DuckDbType.TinyInt => R.GetFieldValue<sbyte>(col),
        DuckDbType.UTinyInt => R.GetByte(col),
        DuckDbType.USmallInt => R.GetFieldValue<ushort>(col),
        DuckDbType.UInteger => R.GetFieldValue<uint>(col),
        DuckDbType.UBigInt => checked((long)R.GetFieldValue<ulong>(col)),
        DuckDbType.HugeInt => checked((long)R.GetFieldValue<BigInteger>(col)),
        _ => throw TypeError(col, "an integer"),
    };

    public double GetDouble(int col) => _types[col] switch
    {
        DuckDbType.Double => R.GetDouble(col),
        DuckDbType.Float => R.GetFloat(col),
        DuckDbType.Decimal => (double)R.GetDecimal(col),
        DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt or DuckDbType.UTinyInt
            or DuckDbType.USmallInt or DuckDbType.UInteger or DuckDbType.UBigInt or DuckDbType.HugeInt => GetInt64(col),
        _ => throw TypeError(col, "a number"),
    };

    public decimal GetDecimal(int col) => _types[col] == DuckDbType.Decimal ? R.GetDecimal(col) : (decimal)GetDouble(col);

    public string GetString(int col) => _types[col] switch
    {
        DuckDbType.Varchar => R.GetString(col),
        DuckDbType.Blob => Encoding.UTF8.GetString(Blob(col)),
        _ => Convert.ToString(GetValue(col), System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The raw bytes of a VARCHAR (UTF-8) or BLOB value.</summary>
    public ReadOnlySpan<byte> GetBytesSpan(int col) => _types[col] == DuckDbType.Blob ? Blob(col) : Encoding.UTF8.GetBytes(R.GetString(col));

    private byte[] Blob(int col)
    {
        using var s = R.GetStream(col);
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        return bytes;
    }

    public DateOnly GetDate(int col) => _types[col] == DuckDbType.Date ? R.GetFieldValue<DateOnly>(col) : DateOnly.FromDateTime(GetDateTime(col));

    /// <summary>TIMESTAMP values as UTC <see cref="DateTime"/>s (TIMESTAMPTZ values are UTC instants).</summary>
    public DateTime GetDateTime(int col) => _types[col] switch
    {
        DuckDbType.TimestampTz => R.GetFieldValue<DateTimeOffset>(col).UtcDateTime,
        DuckDbType.Timestamp or DuckDbType.TimestampS or DuckDbType.TimestampMs or DuckDbType.TimestampNs =>
            DateTime.SpecifyKind(R.GetDateTime(col), DateTimeKind.Utc),
        DuckDbType.Date => R.GetFieldValue<DateOnly>(col).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        _ => throw TypeError(col, "a timestamp"),
    };

    public DateTimeOffset GetDateTimeOffset(int col) => new(GetDateTime(col), TimeSpan.Zero);

    /// <summary>The value as a .NET object (null for NULL); timestamps as UTC, TIMESTAMPTZ as a zero-offset DateTimeOffset.</summary>
    public object? GetValue(int col)
    {
        if (_reader is null) return _changed;
        if (IsNull(col)) return null;
        return _types[col] switch
        {
            DuckDbType.Boolean => GetBoolean(col),
            DuckDbType.TinyInt => R.GetFieldValue<sbyte>(col),
            DuckDbType.SmallInt => R.GetInt16(col),
            DuckDbType.Integer => R.GetInt32(col),
            DuckDbType.BigInt => R.GetInt64(col),
            DuckDbType.UTinyInt => R.GetByte(col),
            DuckDbType.USmallInt => R.GetFieldValue<ushort>(col),
            DuckDbType.UInteger => R.GetFieldValue<uint>(col),
            DuckDbType.UBigInt => R.GetFieldValue<ulong>(col),
            DuckDbType.HugeInt => (Int128)R.GetFieldValue<BigInteger>(col),
            DuckDbType.UHugeInt => (UInt128)R.GetFieldValue<BigInteger>(col),
            DuckDbType.Float => R.GetFloat(col),
            DuckDbType.Double => R.GetDouble(col),
            DuckDbType.Decimal => R.GetDecimal(col),
            DuckDbType.Varchar => R.GetString(col),
            DuckDbType.Blob => Blob(col),
            DuckDbType.Date => R.GetFieldValue<DateOnly>(col),
            DuckDbType.Time => R.GetFieldValue<TimeOnly>(col),
            DuckDbType.TimestampTz => GetDateTimeOffset(col),
            DuckDbType.Timestamp or DuckDbType.TimestampS or DuckDbType.TimestampMs or DuckDbType.TimestampNs => GetDateTime(col),
            DuckDbType.Uuid => R.GetGuid(col),
            _ => R.GetValue(col),
        };
    }

    private DuckDBDataReader R => _reader ?? throw new InvalidCastException("A DML result has only its BIGINT Count column");

    private InvalidCastException TypeError(int col, string what) =>
        new($"Column '{_names[col]}' is {_types[col]}, not {what}");

    public void Dispose()
    {
        _reader?.Dispose();
        _command?.Dispose();
    }
}
