using System.Buffers;
using System.Text;

namespace CryptoSentiment.DuckDb;

/// <summary>
/// DuckDB's appender: the fast path for bulk rows. Append one value per column, then <see cref="EndRow"/>;
/// values are flushed on <see cref="Flush"/> or <see cref="Dispose"/> (which also closes it).
/// Timestamps are appended as UTC instants (connections run with TimeZone = UTC).
/// </summary>
public sealed class DuckDbAppender : IDisposable
{
    private readonly AppenderHandle _handle;
    private readonly string _table;
    private readonly nint _a;
    private byte[] _buffer = new byte[256];
    private bool _closed;

    internal DuckDbAppender(AppenderHandle handle, string table)
    {
        _handle = handle;
        _table = table;
        _a = handle.DangerousGetHandle();
    }

    public DuckDbAppender AppendNull() => Check(Native.AppendNull(_a));
    public DuckDbAppender Append(bool value) => Check(Native.AppendBool(_a, value));
    public DuckDbAppender Append(int value) => Check(Native.AppendInt32(_a, value));
    public DuckDbAppender Append(long value) => Check(Native.AppendInt64(_a, value));
    public DuckDbAppender Append(double value) => Check(Native.AppendDouble(_a, value));
    public DuckDbAppender Append(DateOnly value) => Check(Native.AppendDate(_a, DuckDbValues.ToDays(value)));
    public DuckDbAppender Append(DateTimeOffset value) => Check(Native.AppendTimestamp(_a, DuckDbValues.ToMicros(value)));
    public DuckDbAppender Append(DateTime value) => Check(Native.AppendTimestamp(_a, DuckDbValues.ToMicros(value)));

    public DuckDbAppender Append(long? value) => value is { } v ? Append(v) : AppendNull();
    public DuckDbAppender Append(double? value) => value is { } v ? Append(v) : AppendNull();
    public DuckDbAppender Append(bool? value) => value is { } v ? Append(v) : AppendNull();
    public DuckDbAppender Append(DateTimeOffset? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends a VARCHAR (null → NULL).</summary>
    public DuckDbAppender Append(string? value)
    {
        if (value is null) return AppendNull();
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _buffer.Length) _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
        var n = Encoding.UTF8.GetBytes(value, _buffer);
        return AppendUtf8(_buffer.AsSpan(0, n));
    }

    /// <summary>Appends a VARCHAR from bytes that must be valid UTF-8.</summary>
    public unsafe DuckDbAppender AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8) return Check(Native.AppendVarchar(_a, p, (ulong)utf8.Length));
    }

    public unsafe DuckDbAppender AppendBlob(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) return Check(Native.AppendBlob(_a, p, (ulong)bytes.Length));
    }

    public void EndRow() => Check(Native.AppenderEndRow(_a));

    public void Flush() => Check(Native.AppenderFlush(_a));

    private DuckDbAppender Check(int state)
    {
        if (state != Native.Success)
            throw new DuckDbException($"DuckDB appender on '{_table}': {Native.Utf8(Native.AppenderError(_a)) ?? "error"}");
        return this;
    }

    /// <summary>Flushes and closes; errors from the final flush are thrown.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        Check(Native.AppenderClose(_a));
    }

    public void Dispose()
    {
        try { if (!_closed) { _closed = true; Native.AppenderClose(_a); } }
        finally { _handle.Dispose(); }
    }
}
