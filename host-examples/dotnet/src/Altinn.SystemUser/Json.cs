// A small JSON reader and writer for the library's documents (netstandard2.0 has no JSON of its
// own, and the binding takes no dependency). Objects keep their members in order (duplicates
// too: the writer writes back what it read); numbers are long when integral, else double.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Altinn.SystemUser
{
    /// <summary>A JSON object: members in order. Lookups return the first member of a name.</summary>
    internal sealed class JsonObject : IEnumerable<KeyValuePair<string, object>>
    {
        private readonly List<KeyValuePair<string, object>> members = new List<KeyValuePair<string, object>>();

        public int Count { get { return members.Count; } }

        /// <summary>Appends a member (also when the name is there already: see <see cref="Set"/>).</summary>
        public JsonObject Add(string name, object value)
        {
            members.Add(new KeyValuePair<string, object>(name, value));
            return this;
        }

        /// <summary>Replaces the member of that name, or appends it.</summary>
        public JsonObject Set(string name, object value)
        {
            for (int i = 0; i < members.Count; i++)
            {
                if (members[i].Key == name)
                {
                    members[i] = new KeyValuePair<string, object>(name, value);
                    return this;
                }
            }
            return Add(name, value);
        }

        public bool Remove(string name)
        {
            int i = members.FindIndex(m => m.Key == name);
            if (i < 0) return false;
            members.RemoveAt(i);
            return true;
        }

        public bool Has(string name)
        {
            foreach (var m in members) if (m.Key == name) return true;
            return false;
        }

        public object Get(string name)
        {
            foreach (var m in members) if (m.Key == name) return m.Value;
            return null;
        }

        public string GetString(string name)
        {
            object v = Get(name);
            if (v == null) return null;
            string s = v as string;
            if (s == null) throw new FormatException("member " + name + " is not a string");
            return s;
        }

        public string RequireString(string name)
        {
            string s = GetString(name);
            if (s == null) throw new FormatException("member " + name + " is missing");
            return s;
        }

        public bool GetBool(string name, bool absent = false)
        {
            object v = Get(name);
            if (v == null) return absent;
            if (!(v is bool)) throw new FormatException("member " + name + " is not a boolean");
            return (bool)v;
        }

        public long? GetLong(string name)
        {
            object v = Get(name);
            if (v == null) return null;
            if (v is long) return (long)v;
            throw new FormatException("member " + name + " is not an integer");
        }

        public JsonObject GetObject(string name)
        {
            object v = Get(name);
            if (v == null) return null;
            JsonObject o = v as JsonObject;
            if (o == null) throw new FormatException("member " + name + " is not an object");
            return o;
        }

        public List<object> GetArray(string name)
        {
            object v = Get(name);
            if (v == null) return null;
            List<object> a = v as List<object>;
            if (a == null) throw new FormatException("member " + name + " is not an array");
            return a;
        }

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator() { return members.GetEnumerator(); }
        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }
    }

    internal static class Json
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>How deep documents may nest; deeper is a <see cref="FormatException"/>.</summary>
        public const int MaxDepth = 128;

        // ---- writing --------------------------------------------------------------------------

        public static byte[] WriteBytes(object value)
        {
            try
            {
                return StrictUtf8.GetBytes(Write(value));
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException("a text holds an unpaired UTF-16 surrogate: it is not valid Unicode and cannot be sent");
            }
        }

        public static string Write(object value)
        {
            var sb = new StringBuilder();
            WriteValue(sb, value);
            return sb.ToString();
        }

        private static void WriteValue(StringBuilder sb, object value)
        {
            if (value == null) { sb.Append("null"); return; }
            string s = value as string;
            if (s != null) { WriteString(sb, s); return; }
            if (value is bool) { sb.Append((bool)value ? "true" : "false"); return; }
            if (value is long) { sb.Append(((long)value).ToString(CultureInfo.InvariantCulture)); return; }
            if (value is int) { sb.Append(((int)value).ToString(CultureInfo.InvariantCulture)); return; }
            if (value is uint) { sb.Append(((uint)value).ToString(CultureInfo.InvariantCulture)); return; }
            if (value is double)
            {
                double d = (double)value;
                if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("JSON has no NaN or infinity");
                sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            JsonObject o = value as JsonObject;
            if (o != null)
            {
                sb.Append('{');
                bool first = true;
                foreach (var m in o)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, m.Key);
                    sb.Append(':');
                    WriteValue(sb, m.Value);
                }
                sb.Append('}');
                return;
            }
            IEnumerable list = value as IEnumerable;
            if (list != null)
            {
                sb.Append('[');
                bool first = true;
                foreach (object item in list)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteValue(sb, item);
                }
                sb.Append(']');
                return;
            }
            throw new ArgumentException("no JSON for a value of type " + value.GetType().Name);
        }

        public static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        // ---- reading --------------------------------------------------------------------------

        /// <summary>Strict UTF-8, then JSON; <see cref="FormatException"/> for anything else.</summary>
        public static object Parse(byte[] utf8)
        {
            string text;
            try
            {
                text = StrictUtf8.GetString(utf8);
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException("the bytes are not UTF-8");
            }
            return Parse(text);
        }

        public static object Parse(string text)
        {
            var r = new Reader(text);
            r.SkipWs();
            object v = r.Value(0);
            r.SkipWs();
            if (r.Pos != text.Length) throw new FormatException("trailing characters after the JSON value");
            return v;
        }

        public static JsonObject ParseObject(byte[] utf8)
        {
            JsonObject o = Parse(utf8) as JsonObject;
            if (o == null) throw new FormatException("the document is not a JSON object");
            return o;
        }

        private sealed class Reader
        {
            private readonly string s;
            public int Pos;

            public Reader(string s) { this.s = s; }

            public void SkipWs()
            {
                while (Pos < s.Length && (s[Pos] == ' ' || s[Pos] == '\t' || s[Pos] == '\n' || s[Pos] == '\r')) Pos++;
            }

            private FormatException Error(string what) { return new FormatException(what + " at offset " + Pos); }

            public object Value(int depth)
            {
                if (depth > MaxDepth) throw Error("nesting deeper than " + MaxDepth);
                if (Pos >= s.Length) throw Error("unexpected end");
                char c = s[Pos];
                switch (c)
                {
                    case '{': return Object(depth);
                    case '[': return Array(depth);
                    case '"': return String();
                    case 't': Literal("true"); return true;
                    case 'f': Literal("false"); return false;
                    case 'n': Literal("null"); return null;
                    default: return Number();
                }
            }

            private void Literal(string word)
            {
                if (string.CompareOrdinal(s, Pos, word, 0, word.Length) != 0) throw Error("unexpected character");
                Pos += word.Length;
            }

            private JsonObject Object(int depth)
            {
                var o = new JsonObject();
                Pos++;
                SkipWs();
                if (Pos < s.Length && s[Pos] == '}') { Pos++; return o; }
                while (true)
                {
                    SkipWs();
                    if (Pos >= s.Length || s[Pos] != '"') throw Error("expected a member name");
                    string name = String();
                    SkipWs();
                    if (Pos >= s.Length || s[Pos] != ':') throw Error("expected ':'");
                    Pos++;
                    SkipWs();
                    o.Add(name, Value(depth + 1));
                    SkipWs();
                    if (Pos < s.Length && s[Pos] == ',') { Pos++; continue; }
                    if (Pos < s.Length && s[Pos] == '}') { Pos++; return o; }
                    throw Error("expected ',' or '}'");
                }
            }

            private List<object> Array(int depth)
            {
                var a = new List<object>();
                Pos++;
                SkipWs();
                if (Pos < s.Length && s[Pos] == ']') { Pos++; return a; }
                while (true)
                {
                    SkipWs();
                    a.Add(Value(depth + 1));
                    SkipWs();
                    if (Pos < s.Length && s[Pos] == ',') { Pos++; continue; }
                    if (Pos < s.Length && s[Pos] == ']') { Pos++; return a; }
                    throw Error("expected ',' or ']'");
                }
            }

            private string String()
            {
                Pos++;
                StringBuilder sb = null;
                int start = Pos;
                while (true)
                {
                    if (Pos >= s.Length) throw Error("unterminated string");
                    char c = s[Pos];
                    if (c == '"')
                    {
                        string tail = s.Substring(start, Pos - start);
                        Pos++;
                        return sb == null ? tail : sb.Append(tail).ToString();
                    }
                    if (c < 0x20) throw Error("control character in a string");
                    if (c != '\\') { Pos++; continue; }
                    if (sb == null) sb = new StringBuilder();
                    sb.Append(s, start, Pos - start);
                    Pos++;
                    if (Pos >= s.Length) throw Error("unterminated escape");
                    char e = s[Pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (Pos + 4 > s.Length) throw Error("short \\u escape");
                            int cp;
                            if (!int.TryParse(s.Substring(Pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out cp)) throw Error("bad \\u escape");
                            Pos += 4;
                            sb.Append((char)cp);
                            break;
                        default: throw Error("bad escape");
                    }
                    start = Pos;
                }
            }

            private object Number()
            {
                int start = Pos;
                if (Pos < s.Length && s[Pos] == '-') Pos++;
                int digits = Pos;
                while (Pos < s.Length && s[Pos] >= '0' && s[Pos] <= '9') Pos++;
                if (Pos == digits) throw Error("unexpected character");
                if (s[digits] == '0' && Pos - digits > 1) throw Error("leading zero");
                bool integral = true;
                if (Pos < s.Length && s[Pos] == '.')
                {
                    integral = false;
                    Pos++;
                    int frac = Pos;
                    while (Pos < s.Length && s[Pos] >= '0' && s[Pos] <= '9') Pos++;
                    if (Pos == frac) throw Error("bad number");
                }
                if (Pos < s.Length && (s[Pos] == 'e' || s[Pos] == 'E'))
                {
                    integral = false;
                    Pos++;
                    if (Pos < s.Length && (s[Pos] == '+' || s[Pos] == '-')) Pos++;
                    int exp = Pos;
                    while (Pos < s.Length && s[Pos] >= '0' && s[Pos] <= '9') Pos++;
                    if (Pos == exp) throw Error("bad number");
                }
                string text = s.Substring(start, Pos - start);
                long l;
                if (integral && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l)) return l;
                return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }
    }
}
