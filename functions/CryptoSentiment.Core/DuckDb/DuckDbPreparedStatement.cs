using System.Buffers;
using System.Text;

namespace CryptoSentiment.DuckDb;

/// <summary>A prepared statement; parameters are positional (1-based in SQL, 0-based in <c>args</c>). A <c>string[]</c> (any
/// <c>IReadOnlyList&lt;string&gt;</c>) binds as one <c>VARCHAR[]</c> value, e.g. <c>WHERE list_contains($1, coin)</c>.</summary>
public sealed class DuckDbPreparedStatement : IDisposable
{
    private readonly PreparedHandle _handle;
    private readonly string _sql;

    internal DuckDbPreparedStatement(PreparedHandle handle, string sql) { _handle = handle; _sql = sql; }

    public int ParameterCount => (int)Native.ParameterCount(_handle.DangerousGetHandle());

    public unsafe DuckDbResult Query(params object?[] args)
    {
        Bind(args);
        var r = ResultHandle.Allocate();
        if (Native.ExecutePrepared(_handle.DangerousGetHandle(), r.Ptr) != Native.Success)
        {
            var msg = Native.Utf8(Native.ResultError(r.Ptr));
            r.Dispose();
            throw new DuckDbException(DuckDbException.Describe(_sql, msg));
        }
        return new DuckDbResult(r);
    }

    public unsafe long ExecuteNonQuery(params object?[] args)
    {
        using var r = Query(args);
        return r.RowsChanged;
    }

    private void Bind(object?[] args)
    {
        var s = _handle.DangerousGetHandle();
        if (args.Length != ParameterCount)
            throw new DuckDbException(DuckDbException.Describe(_sql, $"expected {ParameterCount} parameters, got {args.Length}"));
        Native.ClearBindings(s);
        for (var i = 0; i < args.Length; i++)
        {
            var idx = (ulong)(i + 1);
            var state = args[i] switch
            {
                null or DBNull => Native.BindNull(s, idx),
                bool b => Native.BindBoolean(s, idx, b),
                int n => Native.BindInt32(s, idx, n),
                long n => Native.BindInt64(s, idx, n),
                double d => Native.BindDouble(s, idx, d),
                float f => Native.BindDouble(s, idx, f),
                decimal m => Native.BindDouble(s, idx, (double)m),
                DateOnly d => Native.BindDate(s, idx, d.DayNumber - DuckDbValues.EpochDayNumber),
                DateTimeOffset t => Native.BindTimestampTz(s, idx, DuckDbValues.ToMicros(t.UtcDateTime)),
                DateTime t => Native.BindTimestamp(s, idx, DuckDbValues.ToMicros(t)),
                byte[] bytes => BindBytes(s, idx, bytes, blob: true),
                string str => BindString(s, idx, str),
                IReadOnlyList<string> list => BindStringList(s, idx, list),
                _ => throw new ArgumentException($"Unsupported parameter type {args[i]!.GetType().Name} at position {i + 1}"),
            };
            if (state != Native.Success)
                throw new DuckDbException(DuckDbException.Describe(_sql, $"cannot bind parameter {i + 1} ({args[i]!.GetType().Name})"));
        }
    }

    private static int BindString(nint s, ulong idx, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(max, 1));
        try
        {
            var n = Encoding.UTF8.GetBytes(value, rented);
            return BindBytes(s, idx, rented.AsSpan(0, n), blob: false);
        }
        finally { ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>A <c>VARCHAR[]</c> parameter: one list value built from the strings (never SQL text).</summary>
    private static unsafe int BindStringList(nint s, ulong idx, IReadOnlyList<string> list)
    {
        var values = new nint[list.Count];
        var child = Native.CreateLogicalType(DuckDbType.Varchar);
        nint value = 0;
        try
        {
            for (var i = 0; i < list.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(list[i] ?? throw new ArgumentException($"null element {i} in a list parameter"));
                fixed (byte* p = bytes) values[i] = Native.CreateVarchar(p, (ulong)bytes.Length);
            }
            nint none = 0; // DuckDB wants a non-null array pointer even for an empty list
            fixed (nint* v = values) value = Native.CreateListValue(child, values.Length == 0 ? &none : v, (ulong)values.Length);
            return value == 0 ? -1 : Native.BindValue(s, idx, value);
        }
        finally
        {
            if (value != 0) Native.DestroyValue(ref value);
            for (var i = 0; i < values.Length; i++) if (values[i] != 0) Native.DestroyValue(ref values[i]);
            Native.DestroyLogicalType(ref child);
        }
    }

    private static unsafe int BindBytes(nint s, ulong idx, ReadOnlySpan<byte> bytes, bool blob)
    {
        fixed (byte* p = bytes)
            return blob ? Native.BindBlob(s, idx, p, (ulong)bytes.Length) : Native.BindVarchar(s, idx, p, (ulong)bytes.Length);
    }

    public void Dispose() => _handle.Dispose();
}
