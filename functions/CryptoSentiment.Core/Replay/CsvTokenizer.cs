using System.Text;

namespace CryptoSentiment.Replay;

/// <summary>Streaming RFC 4180-style CSV records with a chosen delimiter: quoted fields may hold the delimiter, <c>""</c> and line breaks.</summary>
public static class CsvTokenizer
{
    public static IEnumerable<string[]> Records(TextReader reader, char delimiter)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            char ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else field.Append(ch);
                continue;
            }
            if (ch == '"') { quoted = true; any = true; }
            else if (ch == delimiter) { fields.Add(field.ToString()); field.Clear(); any = true; }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                if (any || field.Length > 0 || fields.Count > 0)
                {
                    fields.Add(field.ToString());
                    yield return [.. fields];
                }
                fields.Clear(); field.Clear(); any = false;
            }
            else { field.Append(ch); any = true; }
        }
        if (any || field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return [.. fields];
        }
    }
}
