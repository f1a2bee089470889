// A JSON Schema validator for the subset host-examples/c/schema/systemuser.schema.json uses:
// $ref (#/$defs/…), type, const, enum, pattern, minimum, maximum, properties, required,
// additionalProperties, items (a schema or false), prefixItems, minItems, maxItems, oneOf, allOf,
// if/then. A keyword outside that subset makes the validator refuse the schema, so a new
// keyword cannot be silently ignored. Errors name the path and the rule, never a value.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace Altinn.SystemUser.Tests
{
    internal sealed class SchemaValidator
    {
        private static readonly HashSet<string> Known = new HashSet<string>
        {
            "$schema", "$defs", "$ref", "title", "description", "type", "const", "enum", "pattern", "minimum", "maximum", "properties", "required",
            "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "oneOf", "allOf", "if", "then",
        };

        private readonly JsonObject defs;
        private readonly Dictionary<string, Regex> patterns = new Dictionary<string, Regex>();

        public SchemaValidator(JsonObject schema)
        {
            defs = schema.GetObject("$defs");
            CheckKeywords(schema, "#");
        }

        private static void CheckKeywords(object node, string path)
        {
            var o = node as JsonObject;
            if (o != null)
            {
                foreach (var m in o)
                {
                    if (!Known.Contains(m.Key)) throw new ArgumentException("the schema uses " + m.Key + " at " + path + ", which this validator does not implement");
                    if (m.Key == "properties" || m.Key == "$defs")
                    {
                        foreach (var p in (JsonObject)m.Value) CheckKeywords(p.Value, path + "/" + m.Key + "/" + p.Key);
                    }
                    else if (m.Key != "const" && m.Key != "enum" && m.Key != "required")
                    {
                        CheckKeywords(m.Value, path + "/" + m.Key);
                    }
                }
            }
            var a = node as List<object>;
            if (a != null) for (int i = 0; i < a.Count; i++) CheckKeywords(a[i], path + "/" + i);
        }

        /// <summary>Null when <paramref name="value"/> matches $defs/<paramref name="def"/>, else the first error.</summary>
        public string Check(string def, object value)
        {
            object schema = defs.Get(def);
            if (schema == null) return "the schema has no $defs entry " + def;
            return Validate(schema, value, "$");
        }

        private string Validate(object schemaNode, object v, string path)
        {
            if (schemaNode is bool) return (bool)schemaNode ? null : path + ": not allowed here";
            var s = (JsonObject)schemaNode;
            string r = s.GetString("$ref");
            if (r != null)
            {
                if (!r.StartsWith("#/$defs/")) return path + ": $ref " + r + " is not supported";
                string e = Validate(defs.Get(r.Substring(8)), v, path);
                if (e != null) return e;
            }
            object type = s.Get("type");
            if (type != null)
            {
                IEnumerable<object> types = type is string ? new object[] { type } : (IEnumerable<object>)type;
                if (!types.Any(t => HasType((string)t, v))) return path + ": not of type " + Altinn.SystemUser.Json.Write(type) + " (a " + TypeName(v) + ")";
            }
            if (s.Has("const") && !Same(s.Get("const"), v)) return path + ": not the constant " + Altinn.SystemUser.Json.Write(s.Get("const"));
            List<object> en = s.GetArray("enum");
            if (en != null && !en.Any(x => Same(x, v))) return path + ": not one of " + Altinn.SystemUser.Json.Write(en);
            string str = v as string;
            if (str != null && s.GetString("pattern") != null)
            {
                string p = s.GetString("pattern");
                Regex re;
                if (!patterns.TryGetValue(p, out re))
                {
                    re = new Regex(p, RegexOptions.CultureInvariant);
                    patterns[p] = re;
                }
                if (!re.IsMatch(str)) return path + ": does not match the pattern " + p;
            }
            if (IsNumber(v))
            {
                double d = Convert.ToDouble(v);
                if (s.Has("minimum") && d < Convert.ToDouble(s.Get("minimum"))) return path + ": below the minimum";
                if (s.Has("maximum") && d > Convert.ToDouble(s.Get("maximum"))) return path + ": above the maximum";
            }
            var obj = v as JsonObject;
            if (obj != null)
            {
                List<object> required = s.GetArray("required");
                if (required != null) foreach (string name in required) if (!obj.Has(name)) return path + ": the member " + name + " is missing";
                JsonObject props = s.GetObject("properties");
                object additional = s.Get("additionalProperties");
                foreach (var m in obj)
                {
                    object sub = props == null ? null : props.Get(m.Key);
                    if (sub != null)
                    {
                        string e = Validate(sub, m.Value, path + "." + m.Key);
                        if (e != null) return e;
                    }
                    else if (additional != null)
                    {
                        string e = Validate(additional, m.Value, path + "." + m.Key);
                        if (e != null) return additional is bool ? path + ": the member " + m.Key + " is not allowed" : e;
                    }
                }
            }
            var arr = v as List<object>;
            if (arr != null)
            {
                if (s.Has("minItems") && arr.Count < (long)s.Get("minItems")) return path + ": fewer than " + s.Get("minItems") + " items";
                if (s.Has("maxItems") && arr.Count > (long)s.Get("maxItems")) return path + ": more than " + s.Get("maxItems") + " items";
                List<object> prefix = s.GetArray("prefixItems") ?? new List<object>();
                for (int i = 0; i < arr.Count; i++)
                {
                    object sub = i < prefix.Count ? prefix[i] : s.Get("items");
                    if (sub == null) continue;
                    string e = Validate(sub, arr[i], path + "[" + i + "]");
                    if (e != null) return e;
                }
            }
            List<object> oneOf = s.GetArray("oneOf");
            if (oneOf != null)
            {
                var errors = oneOf.Select(sub => Validate(sub, v, path)).ToList();
                int matched = errors.Count(e => e == null);
                if (matched != 1) return matched == 0 ? path + ": matches none of oneOf (" + string.Join(" | ", errors) + ")" : path + ": matches " + matched + " of oneOf";
            }
            List<object> allOf = s.GetArray("allOf");
            if (allOf != null)
            {
                foreach (object sub in allOf)
                {
                    string e = Validate(sub, v, path);
                    if (e != null) return e;
                }
            }
            if (s.Has("if") && Validate(s.Get("if"), v, path) == null && s.Has("then"))
            {
                string e = Validate(s.Get("then"), v, path);
                if (e != null) return e;
            }
            return null;
        }

        private static bool IsNumber(object v) { return v is long || v is double; }

        private static bool HasType(string t, object v)
        {
            switch (t)
            {
                case "null": return v == null;
                case "boolean": return v is bool;
                case "string": return v is string;
                case "integer": return v is long || (v is double && Math.Floor((double)v) == (double)v);
                case "number": return IsNumber(v);
                case "object": return v is JsonObject;
                case "array": return v is List<object>;
                default: throw new ArgumentException("unknown type " + t);
            }
        }

        private static string TypeName(object v)
        {
            if (v == null) return "null";
            if (v is bool) return "boolean";
            if (v is string) return "string";
            if (IsNumber(v)) return "number";
            if (v is JsonObject) return "object";
            return "array";
        }

        private static bool Same(object a, object b)
        {
            if (a == null || b == null) return a == null && b == null;
            if (IsNumber(a) && IsNumber(b)) return Convert.ToDouble(a) == Convert.ToDouble(b);
            if (a is string || a is bool) return a.Equals(b);
            return Altinn.SystemUser.Json.Write(a) == Altinn.SystemUser.Json.Write(b);
        }
    }

    internal sealed class SchemaValidatorTests
    {
        private static SchemaValidator V() { return new SchemaValidator(Repo.Json("host-examples/c/schema/systemuser.schema.json")); }

        private static object J(string text) { return Altinn.SystemUser.Json.Parse(text); }

        [Test]
        public void AcceptsDocumentsOfTheAbi()
        {
            var v = V();
            Assert.Equal<string>(null, v.Check("input", J("{\"v\":1,\"input\":\"waited\"}")), "waited");
            Assert.Equal<string>(null, v.Check("config", J("{\"v\":1,\"environment\":\"tt02\",\"timeoutMs\":5000}")), "config");
            Assert.Equal<string>(null, v.Check("step", J("{\"v\":1,\"step\":\"done\",\"outcome\":{\"outcome\":\"withdrawn\"}}")), "done withdrawn");
            Assert.Equal<string>(null, v.Check("input", J("{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[[\"a\",\"b\"]],\"body\":\"e30=\"}}")), "response");
            Assert.Equal<string>(null, v.Check("step", J("{\"v\":1,\"step\":\"done\",\"error\":{\"kind\":\"transport\",\"message\":\"m\",\"transport\":\"timeout\"}}")), "transport error");
        }

        [Test]
        public void RefusesWhatTheSchemaRefuses()
        {
            var v = V();
            Assert.NotNull(v.Check("input", J("{\"v\":2,\"input\":\"waited\"}")), "another v");
            Assert.NotNull(v.Check("input", J("{\"v\":1,\"input\":\"waited\",\"extra\":1}")), "an unknown member");
            Assert.NotNull(v.Check("input", J("{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[[\"a\"]],\"body\":\"e30=\"}}")), "a header pair of one");
            Assert.NotNull(v.Check("input", J("{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[],\"body\":\"e30\"}}")), "unpadded base64");
            Assert.NotNull(v.Check("input", J("{\"v\":1,\"input\":\"response\",\"response\":{\"status\":70000,\"headers\":[],\"body\":\"\"}}")), "status above the maximum");
            Assert.NotNull(v.Check("step", J("{\"v\":1,\"step\":\"done\",\"error\":{\"kind\":\"transport\",\"message\":\"m\"}}")), "transport without its kind (if/then)");
            Assert.NotNull(v.Check("step", J("{\"v\":1,\"step\":\"done\",\"error\":{\"kind\":\"teapot\",\"message\":\"m\"}}")), "an unknown kind");
            Assert.NotNull(v.Check("validated", J("{\"v\":1,\"valid\":true,\"request\":{},\"violations\":[{\"code\":\"x\",\"field\":\"f\",\"message\":\"m\"}]}")), "valid with violations (maxItems)");
            Assert.NotNull(v.Check("config", J("{\"v\":1,\"environment\":\"tt03\"}")), "an unknown environment (oneOf)");
            Assert.NotNull(v.Check("step", J("{\"v\":1,\"step\":\"sign\",\"data\":\"abc\"}")), "sign data not base64");
        }

        [Test]
        public void RefusesASchemaWithAKeywordItDoesNotImplement()
        {
            var schema = (JsonObject)J("{\"$defs\":{\"x\":{\"type\":\"string\",\"minLength\":3}}}");
            Assert.ThrowsSync<ArgumentException>(() => new SchemaValidator(schema), "minLength is outside the subset");
        }
    }
}
