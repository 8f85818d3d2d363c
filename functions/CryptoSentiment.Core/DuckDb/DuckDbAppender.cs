using System.Runtime.InteropServices;
using DuckDB.NET.Data;

namespace CryptoSentiment.DuckDb;

/// <summary>
/// DuckDB's appender (DuckDB.NET's <see cref="DuckDBAppender"/>, which fills DuckDB data chunks in place and hands over
/// 2,048 rows at a time): the fast path for bulk rows. Append one value per column, then <see cref="EndRow"/>; rows are
/// handed to DuckDB chunk by chunk and on <see cref="Close"/>/<see cref="Dispose"/>, whose errors are thrown.
/// Timestamps are appended as UTC instants (connections run with TimeZone = UTC).
/// </summary>
public sealed class DuckDbAppender : IDisposable
{
    private readonly DuckDBAppender _appender;
    private readonly string _table;
    private IDuckDBAppenderRow? _row;
    private bool _closed;

    internal DuckDbAppender(DuckDBAppender appender, string table) { _appender = appender; _table = table; }

    private IDuckDBAppenderRow Row => _row ??= _appender.CreateRow();

    public DuckDbAppender AppendNull() { try { Row.AppendNullValue(); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }
    public DuckDbAppender Append(bool value) { try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }
    public DuckDbAppender Append(int value) { try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }
    public DuckDbAppender Append(long value) { try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }
    public DuckDbAppender Append(double value) { try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }
    public DuckDbAppender Append(DateOnly value) { try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }
    /// <summary>The UTC instant, into a TIMESTAMP or TIMESTAMPTZ column.</summary>
    public DuckDbAppender Append(DateTimeOffset value) => Append(value.UtcDateTime);
    public DuckDbAppender Append(DateTime value) { try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); } return this; }

    public DuckDbAppender Append(long? value) => value is { } v ? Append(v) : AppendNull();
    public DuckDbAppender Append(double? value) => value is { } v ? Append(v) : AppendNull();
    public DuckDbAppender Append(bool? value) => value is { } v ? Append(v) : AppendNull();
    public DuckDbAppender Append(DateTimeOffset? value) => value is { } v ? Append(v) : AppendNull();

    /// <summary>Appends a VARCHAR (null → NULL).</summary>
    public DuckDbAppender Append(string? value)
    {
        if (value is null) return AppendNull();
        try { Row.AppendValue(value); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); }
        return this;
    }

    /// <summary>Appends a VARCHAR from bytes that must be valid UTF-8 (copied straight into the chunk, no string made).</summary>
    public DuckDbAppender AppendUtf8(ReadOnlySpan<byte> utf8) => Bytes(utf8);

    public DuckDbAppender AppendBlob(ReadOnlySpan<byte> bytes) => Bytes(bytes);

    private DuckDbAppender Bytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            // DuckDB.NET takes a Span<byte> (it only reads it) and treats a null-reference span as NULL: an empty value
            // goes in from a one-byte array, sliced to nothing.
            var span = bytes.IsEmpty ? Empty.AsSpan(0, 0) : MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
            Row.AppendValue(span);
        }
        catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); }
        return this;
    }

    private static readonly byte[] Empty = new byte[1];

    public void EndRow()
    {
        try { Row.EndRow(); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); }
        _row = null;
    }

    private DuckDbException Error(Exception e) => new($"DuckDB appender on '{_table}': {e.Message}", e);

    /// <summary>Hands the rows to DuckDB and closes; errors from the final append are thrown.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        try { _appender.Close(); } catch (Exception e) when (DuckDbException.IsProviderError(e)) { throw Error(e); }
    }

    public void Dispose() => Close();
}
