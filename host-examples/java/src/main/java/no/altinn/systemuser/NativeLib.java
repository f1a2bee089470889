package no.altinn.systemuser;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.io.File;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * libsystemuser through JNA direct mapping: loading (the library inside the jar under JNA's
 * resource prefix, e.g. {@code linux-x86-64/libsystemuser.so}), the ABI version check, and one
 * Java method per C function that turns an {@code su_error_t *} into an exception and an
 * {@code su_buffer_t *} into bytes, freeing both. No callbacks: nothing native ever calls Java.
 */
final class NativeLib {
    /** The {@code SU_ABI_VERSION} this binding was written for. */
    static final int ABI_VERSION = 1;
    /** The base name of the library ({@code libsystemuser.so}, {@code libsystemuser.dylib}, {@code systemuser.dll}). */
    static final String NAME = "systemuser";
    /** A system property naming the library file, ahead of the jar's copy (a build of your own). */
    static final String PATH_PROPERTY = "altinn.systemuser.library";

    /** Frees native handles a caller forgot to close (runtimes, clients), on one daemon thread. */
    static final Cleaner CLEANER = Cleaner.create();

    private static volatile NativeLib instance;

    /** Where the library came from (a file path: the jar's copy in the cache directory, or extracted by JNA). */
    final String origin;

    private NativeLib(String origin) {
        this.origin = origin;
    }

    /** The library, loaded (and its ABI version checked) on first use. */
    static NativeLib get() {
        NativeLib lib = instance;
        if (lib != null) return lib;
        synchronized (NativeLib.class) {
            if (instance == null) instance = load();
            return instance;
        }
    }

    private static NativeLib load() {
        if (Native.POINTER_SIZE != 8 || Native.SIZE_T_SIZE != 8) {
            throw new LoadException("libsystemuser is built for 64-bit platforms only; this JVM is " + (Native.POINTER_SIZE * 8) + "-bit");
        }
        NativeLibrary library = locate(Platform.RESOURCE_PREFIX, NativeLib.class.getClassLoader());
        String origin = library.getFile() != null ? library.getFile().getPath() : library.getName();
        Function version;
        try {
            version = library.getFunction("su_abi_version");
        } catch (UnsatisfiedLinkError e) {
            throw new LoadException(origin + " is not libsystemuser: it has no su_abi_version", e);
        }
        checkAbiVersion(version.invokeInt(new Object[0]), origin);
        try {
            Native.register(Api.class, library);
        } catch (UnsatisfiedLinkError e) {
            throw new LoadException(origin + " lacks a function of ABI version " + ABI_VERSION + ": " + e.getMessage(), e);
        }
        return new NativeLib(origin);
    }

    /** Refuses a library of another ABI version than this binding's, saying what to do. */
    static void checkAbiVersion(int found, String origin) {
        if (found != ABI_VERSION) {
            throw new LoadException("libsystemuser at " + origin + " has ABI version " + found + ", but this binding (altinn-systemuser for Java) was written for ABI version "
                    + ABI_VERSION + ": use the jar and the library of the same release (or rebuild the library from this release with `cargo build --release -p systemuser-c`)");
        }
    }

    /**
     * Finds the library: the file named by {@code -Daltinn.systemuser.library}, else the copy in
     * the jar for {@code prefix} (JNA's resource-path convention), else JNA's own search
     * ({@code jna.library.path}, then the system's). None: a {@link LoadException} naming the
     * platform and what to do.
     */
    static NativeLibrary locate(String prefix, ClassLoader loader) {
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            try {
                return NativeLibrary.getInstance(new File(explicit).getAbsolutePath());
            } catch (UnsatisfiedLinkError e) {
                throw new LoadException("cannot load libsystemuser from -D" + PATH_PROPERTY + "=" + explicit + ": " + e.getMessage(), e);
            }
        }
        String resource = prefix + "/" + System.mapLibraryName(NAME);
        URL url = loader == null ? null : loader.getResource(resource);
        if (url != null) {
            try {
                File cached = cachedCopy(url, prefix);
                File file = cached != null ? cached : Native.extractFromResourcePath("/" + resource, loader);
                return NativeLibrary.getInstance(file.getAbsolutePath());
            } catch (IOException | UnsatisfiedLinkError e) {
                throw new LoadException("cannot load " + resource + " from the jar: " + e.getMessage(), e);
            }
        }
        try {
            // jna.library.path, then the system's search; not the class path again (JNA would
            // look there under this JVM's own prefix, which the lookup above already did).
            return NativeLibrary.getInstance(NAME, Map.of(Library.OPTION_CLASSLOADER, new ClassLoader(null) {}));
        } catch (UnsatisfiedLinkError e) {
            throw new LoadException(missingMessage(prefix), e);
        }
    }

    /**
     * The library of the jar as a file: the jar entry's copy in the cache directory
     * ({@code <cache>/native/<prefix>-<crc32>-<size>/}), made once and checked (CRC-32) at every
     * load, so that a JVM does not extract 17 MB again on every start. The library itself when
     * the class path is a directory. {@code null} when there is no usable cache directory (JNA
     * then extracts it to its temporary directory, as usual).
     */
    static File cachedCopy(URL url, String prefix) {
        try {
            if ("file".equals(url.getProtocol())) return new File(url.toURI());
            URLConnection connection = url.openConnection();
            if (!(connection instanceof JarURLConnection)) return null;
            JarEntry entry = ((JarURLConnection) connection).getJarEntry();
            long crc = entry.getCrc();
            long size = entry.getSize();
            if (crc < 0 || size < 0) return null;
            Path dir = ComponentRuntime.defaultCacheDirectory().resolve("native").resolve(prefix + "-" + Long.toHexString(crc) + "-" + size);
            Path lib = dir.resolve(System.mapLibraryName(NAME));
            if (Files.isRegularFile(lib) && Files.size(lib) == size && crc32(lib) == crc) return lib.toFile();
            ComponentRuntime.createPrivate(dir);
            Path part = Files.createTempFile(dir, "libsystemuser", ".part");
            try {
                try (InputStream in = connection.getInputStream()) {
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                }
                if (Files.size(part) != size || crc32(part) != crc) return null;
                Files.move(part, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(part);
            }
            return lib.toFile();
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            return null; // a read-only home, a full disk: JNA's own extraction instead
        }
    }

    private static long crc32(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0;) crc.update(buffer, 0, n);
        }
        return crc.getValue();
    }

    static String missingMessage(String prefix) {
        return "no libsystemuser for " + prefix + " in this jar (it carries linux-x86-64 only): build it with `cargo build --release -p systemuser-c` and put it on jna.library.path "
                + "(-Djna.library.path=DIR, for " + System.mapLibraryName(NAME) + "), or name the file with -D" + PATH_PROPERTY + "=PATH";
    }

    // ---- the functions -------------------------------------------------------------------------

    Pointer runtimeFromBytes(byte[] wasm, byte[] options) {
        Documents.seen(Documents.Kind.RUNTIME_OPTIONS, options);
        PointerByReference out = new PointerByReference();
        check(Api.su_runtime_from_bytes(wasm, wasm.length, options, options.length, out));
        return out.getValue();
    }

    Pointer runtimeLoad(String path, byte[] options) {
        Documents.seen(Documents.Kind.RUNTIME_OPTIONS, options);
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        PointerByReference out = new PointerByReference();
        check(Api.su_runtime_load(p, p.length, options, options.length, out));
        return out.getValue();
    }

    void runtimeDelete(Pointer runtime) {
        Api.su_runtime_delete(runtime);
    }

    Pointer clientNew(Pointer runtime, byte[] config) {
        Documents.seen(Documents.Kind.CONFIG, config);
        PointerByReference out = new PointerByReference();
        check(Api.su_client_new(runtime, config, config.length, out));
        return out.getValue();
    }

    void clientDelete(Pointer client) {
        Api.su_client_delete(client);
    }

    byte[] clientValidate(Pointer client, byte[] validate) {
        Documents.seen(Documents.Kind.VALIDATE, validate);
        PointerByReference out = new PointerByReference();
        check(Api.su_client_validate(client, validate, validate.length, out));
        return Documents.seen(Documents.Kind.VALIDATED, take(out.getValue()));
    }

    Pointer operationNew(Pointer client, byte[] task) {
        Documents.seen(Documents.Kind.TASK, task);
        PointerByReference out = new PointerByReference();
        check(Api.su_operation_new(client, task, task.length, out));
        return out.getValue();
    }

    byte[] operationStart(Pointer operation) {
        PointerByReference out = new PointerByReference();
        check(Api.su_operation_start(operation, out));
        return Documents.seen(Documents.Kind.STEP, take(out.getValue()));
    }

    byte[] operationAdvance(Pointer operation, byte[] input) {
        Documents.seen(Documents.Kind.INPUT, input);
        PointerByReference out = new PointerByReference();
        check(Api.su_operation_advance(operation, input, input.length, out));
        return Documents.seen(Documents.Kind.STEP, take(out.getValue()));
    }

    void operationDelete(Pointer operation) {
        Api.su_operation_delete(operation);
    }

    /** {@code su_test_panic()}: the error a panic inside the library becomes (for tests). */
    SystemUserException testPanic() {
        Pointer error = Api.su_test_panic();
        if (error == null) throw new IllegalStateException("su_test_panic returned no error");
        return toException(error);
    }

    private static void check(Pointer error) {
        if (error != null) throw toException(error);
    }

    /** Reads an {@code su_error_t}, frees it, and gives the exception of its kind. */
    private static SystemUserException toException(Pointer error) {
        try {
            LongByReference len = new LongByReference();
            Pointer kindPtr = Api.su_error_kind(error, len);
            String kind = text(kindPtr, len.getValue());
            Pointer messagePtr = Api.su_error_message(error, len);
            String message = text(messagePtr, len.getValue());
            return Errors.fromLibrary(kind, message);
        } finally {
            Api.su_error_delete(error);
        }
    }

    private static String text(Pointer p, long len) {
        if (p == null || len == 0) return "";
        return new String(p.getByteArray(0, Math.toIntExact(len)), StandardCharsets.UTF_8);
    }

    /** The bytes of a returned buffer; frees it. */
    private static byte[] take(Pointer buffer) {
        if (buffer == null) throw new IllegalStateException("libsystemuser returned success without a document");
        try {
            LongByReference len = new LongByReference();
            Pointer data = Api.su_buffer_data(buffer, len);
            long n = len.getValue();
            return n == 0 || data == null ? new byte[0] : data.getByteArray(0, Math.toIntExact(n));
        } finally {
            Api.su_buffer_delete(buffer);
        }
    }

    /** The C functions of include/systemuser.h; {@code size_t} is a Java {@code long} (64-bit platforms only, checked at load). */
    static final class Api {
        private Api() {}

        static native int su_abi_version();

        static native Pointer su_runtime_load(byte[] path, long pathLen, byte[] options, long optionsLen, PointerByReference runtime);

        static native Pointer su_runtime_from_bytes(byte[] wasm, long wasmLen, byte[] options, long optionsLen, PointerByReference runtime);

        static native void su_runtime_delete(Pointer runtime);

        static native Pointer su_client_new(Pointer runtime, byte[] config, long configLen, PointerByReference client);

        static native void su_client_delete(Pointer client);

        static native Pointer su_client_validate(Pointer client, byte[] request, long requestLen, PointerByReference buffer);

        static native Pointer su_operation_new(Pointer client, byte[] task, long taskLen, PointerByReference operation);

        static native Pointer su_operation_start(Pointer operation, PointerByReference step);

        static native Pointer su_operation_advance(Pointer operation, byte[] input, long inputLen, PointerByReference step);

        static native void su_operation_delete(Pointer operation);

        static native Pointer su_buffer_data(Pointer buffer, LongByReference len);

        static native void su_buffer_delete(Pointer buffer);

        static native Pointer su_error_kind(Pointer error, LongByReference len);

        static native Pointer su_error_message(Pointer error, LongByReference len);

        static native void su_error_delete(Pointer error);

        static native Pointer su_test_panic();
    }
}
