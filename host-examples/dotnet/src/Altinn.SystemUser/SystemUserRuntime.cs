// The compiled component (su_runtime_t): compiling takes a moment (about half a second), so
// one per process is enough; every client shares it. The default is the component embedded in
// this assembly.
using System;
using System.IO;
using System.Reflection;
using System.Text;

namespace Altinn.SystemUser
{
    /// <summary>Options of a runtime.</summary>
    public sealed class RuntimeOptions
    {
        /// <summary>Keep the compiled component here, so that the next start takes milliseconds.
        /// It holds machine code that is mapped into the process: the directory must be writable by
        /// this service's own user only.</summary>
        public string CacheDirectory { get; set; }

        /// <summary>Pre-allocate instance slots (for servers running many short operations).</summary>
        public bool? Pooling { get; set; }

        internal byte[] Document()
        {
            var o = new JsonObject().Add("v", 1L);
            if (CacheDirectory != null) o.Add("cacheDir", CacheDirectory);
            if (Pooling.HasValue) o.Add("pooling", Pooling.Value);
            return Json.WriteBytes(o);
        }
    }

    /// <summary>The altinn-systemuser component, compiled, ready for clients. Thread-safe.</summary>
    public sealed class SystemUserRuntime : IDisposable
    {
        internal const string ResourceName = "altinn_systemuser.wasm";
        private static readonly object DefaultLock = new object();
        private static SystemUserRuntime shared;

        internal readonly RuntimeHandle Handle;

        private SystemUserRuntime(RuntimeHandle handle) { Handle = handle; }

        /// <summary>The component embedded in this assembly, compiled once per process.</summary>
        public static SystemUserRuntime Default
        {
            get
            {
                lock (DefaultLock)
                {
                    if (shared == null) shared = FromBytes(EmbeddedComponent(), null);
                    return shared;
                }
            }
        }

        /// <summary>The component file at <paramref name="path"/> (e.g. a newer build than the embedded one).</summary>
        public static SystemUserRuntime Load(string path, RuntimeOptions options = null)
        {
            if (path == null) throw new ArgumentNullException("path");
            Native.EnsureLoaded();
            byte[] pathBytes = Encoding.UTF8.GetBytes(Path.GetFullPath(path));
            byte[] opts = options == null ? null : options.Document();
            if (opts != null) Documents.Observe("runtimeOptions", opts);
            IntPtr raw;
            using (var p = new Native.Pinned(pathBytes))
            using (var o = new Native.Pinned(opts))
            {
                Native.Check(NativeMethods.su_runtime_load(p.Pointer, p.Length, o.Pointer, o.Length, out raw));
            }
            return Adopt(raw);
        }

        /// <summary>The component from its bytes.</summary>
        public static SystemUserRuntime FromBytes(byte[] wasm, RuntimeOptions options = null)
        {
            if (wasm == null) throw new ArgumentNullException("wasm");
            Native.EnsureLoaded();
            byte[] opts = options == null ? null : options.Document();
            if (opts != null) Documents.Observe("runtimeOptions", opts);
            IntPtr raw;
            using (var p = new Native.Pinned(wasm))
            using (var o = new Native.Pinned(opts))
            {
                Native.Check(NativeMethods.su_runtime_from_bytes(p.Pointer, p.Length, o.Pointer, o.Length, out raw));
            }
            return Adopt(raw);
        }

        private static SystemUserRuntime Adopt(IntPtr raw)
        {
            var h = new RuntimeHandle();
            h.Adopt(raw);
            return new SystemUserRuntime(h);
        }

        /// <summary>The bytes of the embedded component.</summary>
        public static byte[] EmbeddedComponent()
        {
            Assembly a = typeof(SystemUserRuntime).Assembly;
            using (Stream s = a.GetManifestResourceStream(ResourceName))
            {
                if (s == null) throw new LoadException("this build of Altinn.SystemUser embeds no component (" + ResourceName + "): use SystemUserRuntime.Load(path)");
                var m = new MemoryStream();
                s.CopyTo(m);
                return m.ToArray();
            }
        }

        /// <summary>The ABI version of the loaded libsystemuser (checked at load to be the binding's).</summary>
        public static uint LibraryAbiVersion
        {
            get
            {
                Native.EnsureLoaded();
                return NativeMethods.su_abi_version();
            }
        }

        /// <summary>Frees the runtime; clients made from it keep working.</summary>
        public void Dispose() { Handle.Dispose(); }

        public override string ToString() { return "SystemUserRuntime"; }
    }
}
