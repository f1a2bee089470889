// The C ABI of libsystemuser (host-examples/c/include/systemuser.h), declared once. Every
// declaration follows the header exactly: size_t is UIntPtr, uint32_t is uint, every pointer is
// IntPtr (out IntPtr / out UIntPtr for out-parameters); tests/HeaderTests.cs parses the header
// and checks each of these against it.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Altinn.SystemUser
{
    internal static class NativeMethods
    {
        internal const string Library = "systemuser";

        /// <summary>The ABI version this binding speaks (SU_ABI_VERSION of the header).</summary>
        internal const uint AbiVersion = 1;

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint su_abi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_buffer_data(IntPtr buffer, out UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void su_buffer_delete(IntPtr buffer);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_client_new(IntPtr runtime, IntPtr config_json, UIntPtr len, out IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void su_client_delete(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_client_validate(IntPtr client, IntPtr request_json, UIntPtr len, out IntPtr buffer);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_error_kind(IntPtr error, out UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_error_message(IntPtr error, out UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void su_error_delete(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_test_panic();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_operation_new(IntPtr client, IntPtr task_json, UIntPtr len, out IntPtr operation);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_operation_start(IntPtr operation, out IntPtr step);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_operation_advance(IntPtr operation, IntPtr input_json, UIntPtr len, out IntPtr step);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void su_operation_delete(IntPtr operation);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_runtime_load(IntPtr path, UIntPtr path_len, IntPtr options, UIntPtr options_len, out IntPtr runtime);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr su_runtime_from_bytes(IntPtr wasm, UIntPtr wasm_len, IntPtr options, UIntPtr options_len, out IntPtr runtime);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void su_runtime_delete(IntPtr runtime);
    }

    /// <summary>Calls into the library: pinning, error handles always freed, buffers copied out.</summary>
    internal static class Native
    {
        private static readonly object LoadLock = new object();
        private static bool loaded;

        /// <summary>Loads libsystemuser and checks its ABI version (once per process).</summary>
        internal static void EnsureLoaded()
        {
            if (loaded) return;
            lock (LoadLock)
            {
                if (loaded) return;
                uint version;
                try
                {
                    version = NativeMethods.su_abi_version();
                }
                catch (DllNotFoundException e)
                {
                    throw new LoadException("libsystemuser could not be loaded (" + e.GetType().Name + "): put libsystemuser.so (.dylib, .dll) where the runtime looks for native libraries: runtimes/<rid>/native/ of the package, the application's directory, or LD_LIBRARY_PATH", e);
                }
                catch (EntryPointNotFoundException e)
                {
                    throw new LoadException("the native library named systemuser is not libsystemuser: it has no su_abi_version", e);
                }
                catch (BadImageFormatException e)
                {
                    throw new LoadException("libsystemuser is built for another platform or architecture than this process", e);
                }
                if (version != NativeMethods.AbiVersion)
                {
                    throw new LoadException("libsystemuser speaks ABI version " + version + ", this binding speaks version " + NativeMethods.AbiVersion + ": use the library and the binding of one release");
                }
                loaded = true;
            }
        }

        /// <summary>Throws the library's error (freed first) when <paramref name="error"/> is not NULL.</summary>
        internal static void Check(IntPtr error)
        {
            if (error == IntPtr.Zero) return;
            string kind, message;
            try
            {
                UIntPtr klen, mlen;
                IntPtr k = NativeMethods.su_error_kind(error, out klen);
                IntPtr m = NativeMethods.su_error_message(error, out mlen);
                kind = Utf8(k, klen);
                message = Utf8(m, mlen);
            }
            finally
            {
                NativeMethods.su_error_delete(error);
            }
            throw Errors.FromLibrary(kind, message);
        }

        /// <summary>The bytes of a returned buffer, copied out; the buffer is freed.</summary>
        internal static byte[] TakeBuffer(IntPtr buffer)
        {
            try
            {
                UIntPtr len;
                IntPtr data = NativeMethods.su_buffer_data(buffer, out len);
                return Copy(data, len);
            }
            finally
            {
                NativeMethods.su_buffer_delete(buffer);
            }
        }

        private static byte[] Copy(IntPtr data, UIntPtr len)
        {
            ulong n = len.ToUInt64();
            if (n > int.MaxValue) throw new InvalidOperationException("a document of " + n + " bytes is more than this binding reads");
            var bytes = new byte[(int)n];
            if (n > 0) Marshal.Copy(data, bytes, 0, (int)n);
            return bytes;
        }

        private static string Utf8(IntPtr data, UIntPtr len)
        {
            if (data == IntPtr.Zero) return "";
            return Encoding.UTF8.GetString(Copy(data, len));
        }

        /// <summary>A byte array pinned for one call (NULL for null).</summary>
        internal struct Pinned : IDisposable
        {
            private GCHandle handle;
            internal readonly IntPtr Pointer;
            internal readonly UIntPtr Length;

            internal Pinned(byte[] bytes)
            {
                if (bytes == null)
                {
                    handle = default(GCHandle);
                    Pointer = IntPtr.Zero;
                    Length = UIntPtr.Zero;
                    return;
                }
                handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
                Pointer = handle.AddrOfPinnedObject();
                Length = new UIntPtr((uint)bytes.Length);
            }

            public void Dispose()
            {
                if (handle.IsAllocated) handle.Free();
            }
        }
    }

    /// <summary>An owned handle of the library; freed once, never while a call on it runs.</summary>
    internal abstract class LibraryHandle : SafeHandle
    {
        protected LibraryHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        internal void Adopt(IntPtr value) { SetHandle(value); }

        /// <summary>Runs <paramref name="call"/> with the raw pointer, holding a reference so that
        /// Dispose on another thread waits for the call to end before the handle is freed.</summary>
        internal T Use<T>(Func<IntPtr, T> call)
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                return call(handle);
            }
            finally
            {
                if (added) DangerousRelease();
            }
        }
    }

    internal sealed class RuntimeHandle : LibraryHandle
    {
        protected override bool ReleaseHandle() { NativeMethods.su_runtime_delete(handle); return true; }
    }

    internal sealed class ClientHandle : LibraryHandle
    {
        protected override bool ReleaseHandle() { NativeMethods.su_client_delete(handle); return true; }
    }

    internal sealed class OperationHandle : LibraryHandle
    {
        protected override bool ReleaseHandle() { NativeMethods.su_operation_delete(handle); return true; }

        internal byte[] Start()
        {
            return Use(op =>
            {
                IntPtr step;
                Native.Check(NativeMethods.su_operation_start(op, out step));
                return Native.TakeBuffer(step);
            });
        }

        internal byte[] Advance(byte[] input)
        {
            return Use(op =>
            {
                using (var p = new Native.Pinned(input))
                {
                    IntPtr step;
                    Native.Check(NativeMethods.su_operation_advance(op, p.Pointer, p.Length, out step));
                    return Native.TakeBuffer(step);
                }
            });
        }
    }
}
