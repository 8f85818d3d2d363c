using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace CryptoSentiment.DuckDb;

/// <summary>
/// A query result read row by row, one DuckDB data chunk (up to 2,048 rows) at a time:
/// only the current chunk is held; values are read straight from the chunk's vectors.
/// </summary>
public sealed unsafe class DuckDbResult : IDisposable
{
    private readonly ResultHandle _result;
    private readonly DuckDbType[] _types;
    private readonly string[] _names;
    private readonly (byte scale, DuckDbType internalType)[] _decimals;
    private readonly nint[] _data;
    private readonly ulong*[] _validity;
    private nint _chunk;
    private int _chunkSize;
    private int _row = -1;
    private bool _done;

    internal DuckDbResult(ResultHandle result)
    {
        _result = result;
        var n = (int)Native.ColumnCount(result.Ptr);
        _types = new DuckDbType[n];
        _names = new string[n];
        _decimals = new (byte, DuckDbType)[n];
        _data = new nint[n];
        _validity = new ulong*[n];
        for (var i = 0; i < n; i++)
        {
            _names[i] = Native.Utf8(Native.ColumnName(result.Ptr, (ulong)i)) ?? $"column{i}";
            _types[i] = Native.ColumnType(result.Ptr, (ulong)i);
            if (_types[i] == DuckDbType.Decimal)
            {
                var lt = Native.ColumnLogicalType(result.Ptr, (ulong)i);
                _decimals[i] = (Native.DecimalScale(lt), Native.DecimalInternalType(lt));
                Native.DestroyLogicalType(ref lt);
            }
        }
    }

    public int ColumnCount => _types.Length;
    public string ColumnName(int i) => _names[i];
    public DuckDbType ColumnType(int i) => _types[i];
    public long RowsChanged => (long)Native.RowsChanged(_result.Ptr);

    /// <summary>Advances to the next row; false at the end.</summary>
    public bool Read()
    {
        if (_done) return false;
        if (_chunk != 0 && ++_row < _chunkSize) return true;
        while (true)
        {
            if (_chunk != 0) Native.DestroyChunk(ref _chunk);
            _chunk = Native.FetchChunk(*_result.Ptr);
            if (_chunk == 0) { _done = true; return false; }
            _chunkSize = (int)Native.ChunkSize(_chunk);
            if (_chunkSize == 0) continue;
            for (var c = 0; c < _types.Length; c++)
            {
                var v = Native.ChunkVector(_chunk, (ulong)c);
                _data[c] = Native.VectorData(v);
                _validity[c] = (ulong*)Native.VectorValidity(v);
            }
            _row = 0;
            return true;
        }
    }

    public bool IsNull(int col)
    {
        var v = _validity[col];
        return v != null && (v[_row >> 6] & (1UL << (_row & 63))) == 0;
    }

    private T At<T>(int col) where T : unmanaged => ((T*)_data[col])[_row];

    public bool GetBoolean(int col) => At<byte>(col) != 0;

    public long GetInt64(int col) => _types[col] switch
    {
        DuckDbType.TinyInt => At<sbyte>(col),
        DuckDbType.SmallInt => At<short>(col),
        DuckDbType.Integer => At<int>(col),
        DuckDbType.BigInt => At<long>(col),
        DuckDbType.UTinyInt => At<byte>(col),
        DuckDbType.USmallInt => At<ushort>(col),
        DuckDbType.UInteger => At<uint>(col),
        DuckDbType.UBigInt => checked((long)At<ulong>(col)),
        DuckDbType.HugeInt => checked((long)At<Int128>(col)),
        _ => throw TypeError(col, "an integer"),
    };

    public double GetDouble(int col) => _types[col] switch
    {
        DuckDbType.Double => At<double>(col),
        DuckDbType.Float => At<float>(col),
        DuckDbType.Decimal => (double)GetDecimal(col),
        DuckDbType.TinyInt or DuckDbType.SmallInt or DuckDbType.Integer or DuckDbType.BigInt or DuckDbType.UTinyInt
            or DuckDbType.USmallInt or DuckDbType.UInteger or DuckDbType.UBigInt or DuckDbType.HugeInt => GetInt64(col),
        _ => throw TypeError(col, "a number"),
    };

    public decimal GetDecimal(int col)
    {
        if (_types[col] != DuckDbType.Decimal) return (decimal)GetDouble(col);
        var (scale, internalType) = _decimals[col];
        Int128 raw = internalType switch
        {
            DuckDbType.SmallInt => At<short>(col),
            DuckDbType.Integer => At<int>(col),
            DuckDbType.BigInt => At<long>(col),
            _ => At<Int128>(col),
        };
        return (decimal)raw / (decimal)Math.Pow(10, scale);
    }

    public string GetString(int col)
    {
        if (_types[col] is not (DuckDbType.Varchar or DuckDbType.Blob)) return Convert.ToString(GetValue(col), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return Encoding.UTF8.GetString(GetBytesSpan(col));
    }

    /// <summary>The raw bytes of a VARCHAR or BLOB value (valid until the next <see cref="Read"/>).</summary>
    public ReadOnlySpan<byte> GetBytesSpan(int col)
    {
        // duckdb_string_t: 4-byte length, then 12 inlined bytes (≤ 12) or a 4-byte prefix and a pointer.
        var p = (byte*)_data[col] + (long)_row * 16;
        var len = *(uint*)p;
        return len <= 12 ? new ReadOnlySpan<byte>(p + 4, (int)len) : new ReadOnlySpan<byte>(*(byte**)(p + 8), (int)len);
    }

    public DateOnly GetDate(int col) => _types[col] == DuckDbType.Date ? DuckDbValues.FromDays(At<int>(col)) : DateOnly.FromDateTime(GetDateTime(col));

    /// <summary>TIMESTAMP values as UTC <see cref="DateTime"/>s (TIMESTAMPTZ values are UTC instants).</summary>
    public DateTime GetDateTime(int col) => _types[col] switch
    {
        DuckDbType.Timestamp or DuckDbType.TimestampTz => DuckDbValues.FromMicros(At<long>(col)),
        DuckDbType.TimestampS => DuckDbValues.FromMicros(At<long>(col) * 1_000_000),
        DuckDbType.TimestampMs => DuckDbValues.FromMicros(At<long>(col) * 1_000),
        DuckDbType.TimestampNs => DuckDbValues.FromMicros(At<long>(col) / 1_000),
        DuckDbType.Date => DuckDbValues.FromDays(At<int>(col)).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        _ => throw TypeError(col, "a timestamp"),
    };

    public DateTimeOffset GetDateTimeOffset(int col) => new(GetDateTime(col), TimeSpan.Zero);

    /// <summary>The value as a .NET object (null for NULL).</summary>
    public object? GetValue(int col)
    {
        if (IsNull(col)) return null;
        return _types[col] switch
        {
            DuckDbType.Boolean => GetBoolean(col),
            DuckDbType.TinyInt => At<sbyte>(col),
            DuckDbType.SmallInt => At<short>(col),
            DuckDbType.Integer => At<int>(col),
            DuckDbType.BigInt => At<long>(col),
            DuckDbType.UTinyInt => At<byte>(col),
            DuckDbType.USmallInt => At<ushort>(col),
            DuckDbType.UInteger => At<uint>(col),
            DuckDbType.UBigInt => At<ulong>(col),
            DuckDbType.HugeInt => At<Int128>(col),
            DuckDbType.UHugeInt => At<UInt128>(col),
            DuckDbType.Float => At<float>(col),
            DuckDbType.Double => At<double>(col),
            DuckDbType.Decimal => GetDecimal(col),
            DuckDbType.Varchar => GetString(col),
            DuckDbType.Blob => GetBytesSpan(col).ToArray(),
            DuckDbType.Date => GetDate(col),
            DuckDbType.Time => TimeOnly.FromTimeSpan(TimeSpan.FromTicks(At<long>(col) * 10)),
            DuckDbType.TimestampTz => GetDateTimeOffset(col),
            DuckDbType.Timestamp or DuckDbType.TimestampS or DuckDbType.TimestampMs or DuckDbType.TimestampNs => GetDateTime(col),
            DuckDbType.Uuid => UuidFrom(At<Int128>(col)),
            _ => throw new NotSupportedException(
                $"DuckDB type {_types[col]} of column '{_names[col]}' is not read directly; CAST it to VARCHAR"),
        };
    }

    private static Guid UuidFrom(Int128 v)
    {
        // DuckDB stores UUIDs as a hugeint with the top bit flipped (so they sort as unsigned).
        var u = (UInt128)v ^ ((UInt128)1 << 127);
        Span<byte> b = stackalloc byte[16];
        for (var i = 0; i < 16; i++) b[15 - i] = (byte)(u >> (8 * i));
        return new Guid(b, bigEndian: true);
    }

    private InvalidCastException TypeError(int col, string what) =>
        new($"Column '{_names[col]}' is {_types[col]}, not {what}");

    public void Dispose()
    {
        if (_chunk != 0) Native.DestroyChunk(ref _chunk);
        _result.Dispose();
    }
}
