using System.Runtime.InteropServices;

namespace CryptoSentiment.DuckDb;

internal sealed class DatabaseHandle() : SafeHandle(0, true)
{
    public override bool IsInvalid => handle == 0;
    protected override bool ReleaseHandle() { var h = handle; Native.Close(ref h); return true; }
    internal static DatabaseHandle Wrap(nint h) { var s = new DatabaseHandle(); s.SetHandle(h); return s; }
}

internal sealed class ConnectionHandle() : SafeHandle(0, true)
{
    private DatabaseHandle? _database;
    public override bool IsInvalid => handle == 0;

    internal static ConnectionHandle Wrap(nint h, DatabaseHandle database)
    {
        var s = new ConnectionHandle();
        var added = false;
        database.DangerousAddRef(ref added); // the database must outlive every connection
        s._database = database;
        s.SetHandle(h);
        return s;
    }

    protected override bool ReleaseHandle()
    {
        var h = handle;
        Native.Disconnect(ref h);
        _database?.DangerousRelease();
        return true;
    }
}

internal sealed class PreparedHandle() : SafeHandle(0, true)
{
    public override bool IsInvalid => handle == 0;
    protected override bool ReleaseHandle() { var h = handle; Native.DestroyPrepare(ref h); return true; }
    internal static PreparedHandle Wrap(nint h) { var s = new PreparedHandle(); s.SetHandle(h); return s; }
}

internal sealed class AppenderHandle() : SafeHandle(0, true)
{
    public override bool IsInvalid => handle == 0;
    protected override bool ReleaseHandle() { var h = handle; Native.AppenderDestroy(ref h); return true; }
    internal static AppenderHandle Wrap(nint h) { var s = new AppenderHandle(); s.SetHandle(h); return s; }
}

/// <summary>Owns a native <c>duckdb_result</c> in unmanaged memory (so its address never moves).</summary>
internal sealed unsafe class ResultHandle() : SafeHandle(0, true)
{
    public override bool IsInvalid => handle == 0;
    internal NativeResult* Ptr => (NativeResult*)handle;

    internal static ResultHandle Allocate()
    {
        var s = new ResultHandle();
        var p = NativeMemory.AllocZeroed((nuint)sizeof(NativeResult));
        s.SetHandle((nint)p);
        return s;
    }

    protected override bool ReleaseHandle()
    {
        Native.DestroyResult((NativeResult*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
