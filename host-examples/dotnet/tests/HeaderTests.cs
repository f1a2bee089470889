// The P/Invoke declarations against the C header, and the library's references against
// netstandard 2.0: an `int` where the header says size_t, a missing `out`, another calling
// convention, a function the header lacks, or a type outside netstandard 2.0 fails here.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Altinn.SystemUser.Tests
{
    internal static class HeaderCheck
    {
        public sealed class CFunction
        {
            public string Name;
            public string Return;
            public List<string> Parameters;
        }

        /// <summary>The function declarations of a C header (comments and preprocessor lines removed).</summary>
        public static List<CFunction> Parse(string header)
        {
            string text = Regex.Replace(header, "/\\*.*?\\*/", " ", RegexOptions.Singleline);
            text = Regex.Replace(text, "//[^\n]*", " ");
            text = Regex.Replace(text, "^\\s*#[^\n]*", " ", RegexOptions.Multiline);
            text = text.Replace("extern \"C\" {", " ");
            var list = new List<CFunction>();
            foreach (Match m in Regex.Matches(text, "(?<ret>[A-Za-z_][\\w\\s\\*]*?)\\s*\\b(?<name>su_\\w+)\\s*\\((?<params>[^)]*)\\)\\s*;"))
            {
                string ret = Norm(m.Groups["ret"].Value);
                ret = Regex.Replace(ret, "^(typedef\\s+struct\\s+\\w+\\s+\\w+\\s*;\\s*)+", "");
                string ps = m.Groups["params"].Value.Trim();
                var parameters = new List<string>();
                if (ps != "void" && ps.Length > 0)
                {
                    foreach (string p in ps.Split(','))
                    {
                        // the type is everything but the last identifier
                        string t = Norm(Regex.Replace(p.Trim(), "\\b\\w+$", ""));
                        parameters.Add(t);
                    }
                }
                list.Add(new CFunction { Name = m.Groups["name"].Value, Return = ret, Parameters = parameters });
            }
            return list;
        }

        private static string Norm(string t)
        {
            t = Regex.Replace(t, "\\s+", " ").Trim();
            t = Regex.Replace(t, "\\s*\\*", " *");
            return t.Replace("* *", "**").Trim();
        }

        /// <summary>The .NET type a C type must be declared as (with out-ness for pointers to pointers
        /// and to size_t).</summary>
        public static string Expected(string c, bool isReturn)
        {
            string t = Regex.Replace(c, "\\bconst\\b", "").Trim();
            t = Regex.Replace(t, "\\s+", " ");
            if (t == "void") return isReturn ? "System.Void" : "?";
            if (t == "uint32_t") return "System.UInt32";
            if (t == "size_t") return "System.UIntPtr";
            if (t == "size_t *") return "out System.UIntPtr";
            if (t.EndsWith("**")) return "out System.IntPtr";
            if (t.EndsWith("*")) return "System.IntPtr";
            return "? (" + c + ")";
        }

        private static string Actual(Type t, bool isOut)
        {
            if (t.IsByRef) return (isOut ? "out " : "ref ") + t.GetElementType().FullName;
            return t.FullName;
        }

        /// <summary>Every mismatch between the DllImports of <paramref name="declarations"/> and the header.</summary>
        public static List<string> Compare(Type declarations, string header, string library)
        {
            var errors = new List<string>();
            List<CFunction> functions = Parse(header);
            if (functions.Count == 0) errors.Add("no function found in the header");
            var imports = declarations.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0).ToList();
            foreach (CFunction f in functions)
            {
                var matching = imports.Where(x => EntryPoint(x) == f.Name).ToList();
                if (matching.Count != 1)
                {
                    errors.Add(f.Name + ": declared " + matching.Count + " times");
                    continue;
                }
                MethodInfo m = matching[0];
                var dll = m.GetCustomAttributes(typeof(DllImportAttribute), false).Cast<DllImportAttribute>().FirstOrDefault();
                if (dll == null) errors.Add(f.Name + ": no DllImportAttribute visible");
                else
                {
                    if (dll.Value != library) errors.Add(f.Name + ": library " + dll.Value + ", not " + library);
                    if (dll.CallingConvention != CallingConvention.Cdecl) errors.Add(f.Name + ": calling convention " + dll.CallingConvention + ", not Cdecl");
                }
                string ret = Expected(f.Return, true);
                if (Actual(m.ReturnType, false) != ret) errors.Add(f.Name + ": returns " + Actual(m.ReturnType, false) + ", the header says " + f.Return + " (" + ret + ")");
                ParameterInfo[] ps = m.GetParameters();
                if (ps.Length != f.Parameters.Count)
                {
                    errors.Add(f.Name + ": " + ps.Length + " parameters, the header has " + f.Parameters.Count);
                    continue;
                }
                for (int i = 0; i < ps.Length; i++)
                {
                    string want = Expected(f.Parameters[i], false), got = Actual(ps[i].ParameterType, ps[i].IsOut);
                    if (want != got) errors.Add(f.Name + ": parameter " + (i + 1) + " (" + ps[i].Name + ") is " + got + ", the header says " + f.Parameters[i] + " (" + want + ")");
                }
            }
            foreach (MethodInfo m in imports)
            {
                if (!functions.Any(f => f.Name == EntryPoint(m))) errors.Add(EntryPoint(m) + ": declared, but not in the header");
            }
            return errors;
        }

        private static string EntryPoint(MethodInfo m)
        {
            var dll = m.GetCustomAttributes(typeof(DllImportAttribute), false).Cast<DllImportAttribute>().FirstOrDefault();
            return dll != null && dll.EntryPoint != null ? dll.EntryPoint : m.Name;
        }
    }

    /// <summary>Deliberately wrong declarations: the checker must catch each.</summary>
    internal static class WrongDeclarations
    {
        [DllImport("systemuser", CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr su_buffer_data(IntPtr buffer, out int len); // size_t as int: the Extism bug

        [DllImport("systemuser", CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr su_client_new(IntPtr runtime, IntPtr config, UIntPtr len, IntPtr client); // not out

        [DllImport("systemuser", CallingConvention = CallingConvention.StdCall)]
        internal static extern uint su_abi_version(); // calling convention

        [DllImport("systemuser", CallingConvention = CallingConvention.Cdecl)]
        internal static extern int su_error_delete(IntPtr error); // returns void

        [DllImport("systemuser", CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr su_client_validate(IntPtr client, IntPtr json, uint len, out IntPtr buffer); // size_t as uint

        [DllImport("systemuser", CallingConvention = CallingConvention.Cdecl)]
        internal static extern void su_not_in_the_header();
    }

    internal sealed class HeaderTests
    {
        private static string Header() { return Repo.Text("host-examples/c/include/systemuser.h"); }

        [Test]
        public void EveryDllImportMatchesTheHeader()
        {
            List<string> errors = HeaderCheck.Compare(typeof(NativeMethods), Header(), "systemuser");
            Assert.True(errors.Count == 0, string.Join("; ", errors));
            Assert.Equal(17, HeaderCheck.Parse(Header()).Count, "functions in the header (ABI.md lists 17)");
        }

        [Test]
        public void TheCheckerCatchesWrongDeclarations()
        {
            string all = string.Join("\n", HeaderCheck.Compare(typeof(WrongDeclarations), Header(), "systemuser"));
            Assert.Contains("su_buffer_data: parameter 2 (len) is out System.Int32, the header says size_t *", all, "size_t as int");
            Assert.Contains("su_client_new: parameter 4 (client) is System.IntPtr", all, "a missing out");
            Assert.Contains("su_abi_version: calling convention StdCall", all, "calling convention");
            Assert.Contains("su_error_delete: returns System.Int32", all, "a return type");
            Assert.Contains("su_client_validate: parameter 3 (len) is System.UInt32, the header says size_t", all, "size_t as uint32");
            Assert.Contains("su_not_in_the_header: declared, but not in the header", all, "an extra function");
            Assert.Contains("su_runtime_load: declared 0 times", all, "a missing function");
        }

        [Test]
        public void TheAbiVersionIsTheHeadersAndTheLibrarys()
        {
            Match m = Regex.Match(Header(), "#define SU_ABI_VERSION (\\d+)");
            Assert.True(m.Success, "SU_ABI_VERSION in the header");
            Assert.Equal(uint.Parse(m.Groups[1].Value), NativeMethods.AbiVersion, "the binding's version against the header");
            Assert.Equal(NativeMethods.AbiVersion, SystemUserRuntime.LibraryAbiVersion, "the loaded library's su_abi_version()");
        }

        /// <summary>The exported types of netstandard 2.0 (Mono's reference facade of it).</summary>
        internal static HashSet<string> NetStandardTypes()
        {
            string facade = "/usr/lib/mono/4.7.2-api/Facades/netstandard.dll";
            var module = Mono.Cecil.ModuleDefinition.ReadModule(facade);
            Assert.Equal("2.0.0.0", module.Assembly.Name.Version.ToString(), "the facade's netstandard version");
            var set = new HashSet<string>(module.ExportedTypes.Select(t => t.FullName.Replace('/', '+')));
            foreach (var t in module.Types) set.Add(t.FullName);
            return set;
        }

        /// <summary>Types an assembly references (from other assemblies) that netstandard 2.0 lacks.</summary>
        internal static List<string> OutsideNetStandard(string assemblyPath, HashSet<string> netstandard)
        {
            var module = Mono.Cecil.ModuleDefinition.ReadModule(assemblyPath);
            var outside = new SortedSet<string>();
            foreach (Mono.Cecil.TypeReference t in module.GetTypeReferences())
            {
                Mono.Cecil.TypeReference top = t;
                string name = t.FullName.Replace('/', '+');
                if (!(t.Scope is Mono.Cecil.AssemblyNameReference) && t.DeclaringType == null) continue;
                while (top.DeclaringType != null) top = top.DeclaringType;
                if (!(top.Scope is Mono.Cecil.AssemblyNameReference)) continue;
                if (!netstandard.Contains(name) && !netstandard.Contains(top.FullName)) outside.Add(name + " [" + top.Scope.Name + "]");
            }
            return outside.ToList();
        }

        [Test]
        public void TheLibraryReferencesOnlyNetStandard20Types()
        {
            HashSet<string> ns = NetStandardTypes();
            string dll = typeof(SystemUserClient).Assembly.Location;
            List<string> outside = OutsideNetStandard(dll, ns);
            Assert.True(outside.Count == 0, "types outside netstandard 2.0: " + string.Join(", ", outside));
            // And the check can fail: this test assembly uses Mono.Cecil, which netstandard lacks.
            List<string> mine = OutsideNetStandard(typeof(HeaderTests).Assembly.Location, ns);
            Assert.True(mine.Any(n => n.StartsWith("Mono.Cecil.")), "the check finds Mono.Cecil in the test assembly");
        }
    }
}
