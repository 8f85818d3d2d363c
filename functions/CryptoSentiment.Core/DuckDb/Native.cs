using System.Runtime.InteropServices;

namespace CryptoSentiment.DuckDb;

/// <summary>DuckDB C type ids (duckdb.h <c>DUCKDB_TYPE</c>).</summary>
public enum DuckDbType
{
    Invalid = 0, Boolean = 1, TinyInt = 2, SmallInt = 3, Integer = 4, BigInt = 5, UTinyInt = 6, USmallInt = 7,
    UInteger = 8, UBigInt = 9, Float = 10, Double = 11, Timestamp = 12, Date = 13, Time = 14, Interval = 15,
    HugeInt = 16, Varchar = 17, Blob = 18, Decimal = 19, TimestampS = 20, TimestampMs = 21, TimestampNs = 22,
    Enum = 23, List = 24, Struct = 25, Map = 26, Uuid = 27, Union = 28, Bit = 29, TimeTz = 30, TimestampTz = 31,
    UHugeInt = 32, Array = 33,
}

/// <summary>The <c>duckdb_result</c> struct (six pointer-sized fields); only ever handled through the C API.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeResult
{
    public nuint ColumnCount, RowCount, RowsChanged;
    public nint Columns, ErrorMessage, InternalData;
}

/// <summary>P/Invoke declarations for the subset of the DuckDB C API we use. Nothing else touches these.</summary>
internal static partial class Native
{
    private const string Lib = "duckdb";
    internal const int Success = 0;

    [LibraryImport(Lib, EntryPoint = "duckdb_library_version")] internal static partial nint LibraryVersion();
    [LibraryImport(Lib, EntryPoint = "duckdb_open_ext", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenExt(string? path, out nint database, nint config, out nint error);
    [LibraryImport(Lib, EntryPoint = "duckdb_close")] internal static partial void Close(ref nint database);
    [LibraryImport(Lib, EntryPoint = "duckdb_connect")] internal static partial int Connect(nint database, out nint connection);
    [LibraryImport(Lib, EntryPoint = "duckdb_disconnect")] internal static partial void Disconnect(ref nint connection);
    [LibraryImport(Lib, EntryPoint = "duckdb_free")] internal static partial void Free(nint ptr);
    [LibraryImport(Lib, EntryPoint = "duckdb_create_config")] internal static partial int CreateConfig(out nint config);
    [LibraryImport(Lib, EntryPoint = "duckdb_set_config", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetConfig(nint config, string name, string option);
    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_config")] internal static partial void DestroyConfig(ref nint config);

    [LibraryImport(Lib, EntryPoint = "duckdb_query", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Query(nint connection, string sql, NativeResult* result);
    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_result")] internal static unsafe partial void DestroyResult(NativeResult* result);
    [LibraryImport(Lib, EntryPoint = "duckdb_result_error")] internal static unsafe partial nint ResultError(NativeResult* result);
    [LibraryImport(Lib, EntryPoint = "duckdb_column_count")] internal static unsafe partial ulong ColumnCount(NativeResult* result);
    [LibraryImport(Lib, EntryPoint = "duckdb_column_name")] internal static unsafe partial nint ColumnName(NativeResult* result, ulong col);
    [LibraryImport(Lib, EntryPoint = "duckdb_column_type")] internal static unsafe partial DuckDbType ColumnType(NativeResult* result, ulong col);
    [LibraryImport(Lib, EntryPoint = "duckdb_column_logical_type")] internal static unsafe partial nint ColumnLogicalType(NativeResult* result, ulong col);
    [LibraryImport(Lib, EntryPoint = "duckdb_rows_changed")] internal static unsafe partial ulong RowsChanged(NativeResult* result);
    [LibraryImport(Lib, EntryPoint = "duckdb_fetch_chunk")] internal static partial nint FetchChunk(NativeResult result);

    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_logical_type")] internal static partial void DestroyLogicalType(ref nint type);
    [LibraryImport(Lib, EntryPoint = "duckdb_decimal_width")] internal static partial byte DecimalWidth(nint type);
    [LibraryImport(Lib, EntryPoint = "duckdb_decimal_scale")] internal static partial byte DecimalScale(nint type);
    [LibraryImport(Lib, EntryPoint = "duckdb_decimal_internal_type")] internal static partial DuckDbType DecimalInternalType(nint type);

    [LibraryImport(Lib, EntryPoint = "duckdb_data_chunk_get_size")] internal static partial ulong ChunkSize(nint chunk);
    [LibraryImport(Lib, EntryPoint = "duckdb_data_chunk_get_vector")] internal static partial nint ChunkVector(nint chunk, ulong col);
    [LibraryImport(Lib, EntryPoint = "duckdb_vector_get_data")] internal static partial nint VectorData(nint vector);
    [LibraryImport(Lib, EntryPoint = "duckdb_vector_get_validity")] internal static partial nint VectorValidity(nint vector);
    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_data_chunk")] internal static partial void DestroyChunk(ref nint chunk);

    [LibraryImport(Lib, EntryPoint = "duckdb_prepare", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Prepare(nint connection, string sql, out nint statement);
    [LibraryImport(Lib, EntryPoint = "duckdb_prepare_error")] internal static partial nint PrepareError(nint statement);
    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_prepare")] internal static partial void DestroyPrepare(ref nint statement);
    [LibraryImport(Lib, EntryPoint = "duckdb_nparams")] internal static partial ulong ParameterCount(nint statement);
    [LibraryImport(Lib, EntryPoint = "duckdb_clear_bindings")] internal static partial int ClearBindings(nint statement);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_null")] internal static partial int BindNull(nint s, ulong i);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_boolean")] internal static partial int BindBoolean(nint s, ulong i, [MarshalAs(UnmanagedType.U1)] bool v);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_int32")] internal static partial int BindInt32(nint s, ulong i, int v);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_int64")] internal static partial int BindInt64(nint s, ulong i, long v);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_double")] internal static partial int BindDouble(nint s, ulong i, double v);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_date")] internal static partial int BindDate(nint s, ulong i, int days);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_timestamp")] internal static partial int BindTimestamp(nint s, ulong i, long micros);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_timestamp_tz")] internal static partial int BindTimestampTz(nint s, ulong i, long micros);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_varchar_length")] internal static unsafe partial int BindVarchar(nint s, ulong i, byte* v, ulong length);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_blob")] internal static unsafe partial int BindBlob(nint s, ulong i, byte* v, ulong length);
    // Values (for list parameters: VARCHAR[] bound as one duckdb_value).
    [LibraryImport(Lib, EntryPoint = "duckdb_create_logical_type")] internal static partial nint CreateLogicalType(DuckDbType type);
    [LibraryImport(Lib, EntryPoint = "duckdb_create_varchar_length")] internal static unsafe partial nint CreateVarchar(byte* text, ulong length);
    [LibraryImport(Lib, EntryPoint = "duckdb_create_list_value")] internal static unsafe partial nint CreateListValue(nint childType, nint* values, ulong count);
    [LibraryImport(Lib, EntryPoint = "duckdb_destroy_value")] internal static partial void DestroyValue(ref nint value);
    [LibraryImport(Lib, EntryPoint = "duckdb_bind_value")] internal static partial int BindValue(nint s, ulong i, nint value);
    [LibraryImport(Lib, EntryPoint = "duckdb_execute_prepared")] internal static unsafe partial int ExecutePrepared(nint s, NativeResult* result);

    [LibraryImport(Lib, EntryPoint = "duckdb_appender_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int AppenderCreate(nint connection, string? schema, string table, out nint appender);
    [LibraryImport(Lib, EntryPoint = "duckdb_appender_error")] internal static partial nint AppenderError(nint appender);
    [LibraryImport(Lib, EntryPoint = "duckdb_appender_flush")] internal static partial int AppenderFlush(nint appender);
    [LibraryImport(Lib, EntryPoint = "duckdb_appender_close")] internal static partial int AppenderClose(nint appender);
    [LibraryImport(Lib, EntryPoint = "duckdb_appender_destroy")] internal static partial int AppenderDestroy(ref nint appender);
    [LibraryImport(Lib, EntryPoint = "duckdb_appender_end_row")] internal static partial int AppenderEndRow(nint appender);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_null")] internal static partial int AppendNull(nint a);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_bool")] internal static partial int AppendBool(nint a, [MarshalAs(UnmanagedType.U1)] bool v);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_int32")] internal static partial int AppendInt32(nint a, int v);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_int64")] internal static partial int AppendInt64(nint a, long v);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_double")] internal static partial int AppendDouble(nint a, double v);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_date")] internal static partial int AppendDate(nint a, int days);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_timestamp")] internal static partial int AppendTimestamp(nint a, long micros);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_varchar_length")] internal static unsafe partial int AppendVarchar(nint a, byte* v, ulong length);
    [LibraryImport(Lib, EntryPoint = "duckdb_append_blob")] internal static unsafe partial int AppendBlob(nint a, byte* v, ulong length);

    internal static string? Utf8(nint p) => p == 0 ? null : Marshal.PtrToStringUTF8(p);
}
