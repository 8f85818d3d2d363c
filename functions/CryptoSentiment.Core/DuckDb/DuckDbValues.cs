namespace CryptoSentiment.DuckDb;

/// <summary>Conversions between .NET values and DuckDB's physical representations.</summary>
public static class DuckDbValues
{
    internal static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;
    private const long TicksPerMicro = 10;

    /// <summary>Microseconds since the Unix epoch (UTC for <see cref="DateTimeKind.Utc"/>/unspecified values).</summary>
    public static long ToMicros(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / TicksPerMicro;

    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) / TicksPerMicro;

    public static DateTime FromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + micros * TicksPerMicro, DateTimeKind.Utc);

    public static int ToDays(DateOnly d) => d.DayNumber - EpochDayNumber;

    public static DateOnly FromDays(int days) => DateOnly.FromDayNumber(days + EpochDayNumber);
}
