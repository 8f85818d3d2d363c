using System.Buffers;
using System.Text;

namespace CryptoSentiment.DuckDb;

/// <summary>A prepared statement; parameters are positional (1-based in SQL, 0-based in <c>args</c>).</summary>
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

    private static unsafe int BindBytes(nint s, ulong idx, ReadOnlySpan<byte> bytes, bool blob)
    {
        fixed (byte* p = bytes)
            return blob ? Native.BindBlob(s, idx, p, (ulong)bytes.Length) : Native.BindVarchar(s, idx, p, (ulong)bytes.Length);
    }

    public void Dispose() => _handle.Dispose();
}
