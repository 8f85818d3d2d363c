using System.Globalization;

namespace CryptoSentiment.Events;

/// <summary>
/// Strict ISO-8601 timestamps: <c>YYYY-MM-DD(T| )hh:mm[:ss[.fraction]][Z|±hh:mm|±hhmm|±hh]</c>.
/// No offset means UTC. Fractions beyond 100 ns are truncated. The result is always in UTC (offset zero).
/// </summary>
public static class Timestamps
{
    /// <summary>Parses <paramref name="s"/>; false for anything else (date only, local formats, out-of-range fields).</summary>
    public static bool TryParseUtc(ReadOnlySpan<char> s, out DateTimeOffset utc)
    {
        utc = default;
        s = s.Trim();
        int i = 0;
        if (!Digits(s, ref i, 4, out int year) || !Expect(s, ref i, '-') || !Digits(s, ref i, 2, out int month)
            || !Expect(s, ref i, '-') || !Digits(s, ref i, 2, out int day)) return false;
        if (i >= s.Length || (s[i] != 'T' && s[i] != 't' && s[i] != ' ')) return false;
        i++;
        if (!Digits(s, ref i, 2, out int hour) || !Expect(s, ref i, ':') || !Digits(s, ref i, 2, out int minute)) return false;
        int second = 0;
        long ticks = 0;
        if (i < s.Length && s[i] == ':')
        {
            i++;
            if (!Digits(s, ref i, 2, out second)) return false;
            if (i < s.Length && (s[i] == '.' || s[i] == ','))
            {
                i++;
                int start = i;
                long scale = TimeSpan.TicksPerSecond;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    if (scale > 1) { scale /= 10; ticks += (s[i] - '0') * scale; }
                    i++;
                }
                if (i == start) return false;
            }
        }
        int offsetMinutes = 0;
        if (i < s.Length)
        {
            char c = s[i++];
            if (c is 'Z' or 'z') { }
            else if (c is '+' or '-')
            {
                if (!Digits(s, ref i, 2, out int oh)) return false;
                int om = 0;
                if (i < s.Length)
                {
                    if (s[i] == ':') i++;
                    if (!Digits(s, ref i, 2, out om)) return false;
                }
                if (oh > 14 || om > 59 || oh * 60 + om > 14 * 60) return false;
                offsetMinutes = (c == '-' ? -1 : 1) * (oh * 60 + om);
            }
            else return false;
            if (i != s.Length) return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59) return false;
        try
        {
            var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
            utc = new DateTimeOffset(local, TimeSpan.FromMinutes(offsetMinutes)).ToUniversalTime();
            return true;
        }
        catch (ArgumentOutOfRangeException) { return false; }
    }

    /// <summary>Parses a timestamp from UTF-8 bytes (see <see cref="TryParseUtc(ReadOnlySpan{char}, out DateTimeOffset)"/>).</summary>
    public static bool TryParseUtc(ReadOnlySpan<byte> utf8, out DateTimeOffset utc)
    {
        utc = default;
        if (utf8.Length > 64) return false;
        Span<char> chars = stackalloc char[utf8.Length];
        for (int k = 0; k < utf8.Length; k++)
        {
            if (utf8[k] >= 128) return false;
            chars[k] = (char)utf8[k];
        }
        return TryParseUtc(chars, out utc);
    }

    /// <summary>Formats as <c>yyyy-MM-ddTHH:mm:ss[.fffffff]Z</c> in UTC.</summary>
    public static string Format(DateTimeOffset t) =>
        t.UtcDateTime.ToString(t.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static bool Digits(ReadOnlySpan<char> s, ref int i, int count, out int value)
    {
        value = 0;
        if (i + count > s.Length) return false;
        for (int k = 0; k < count; k++)
        {
            char c = s[i + k];
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        i += count;
        return true;
    }

    private static bool Expect(ReadOnlySpan<char> s, ref int i, char c)
    {
        if (i >= s.Length || s[i] != c) return false;
        i++;
        return true;
    }
}
