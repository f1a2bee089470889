package no.altinn.systemuser;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The altinn-systemuser component, compiled by libsystemuser (wasmtime) and ready to run. Compiling
 * takes about a second; with a cache directory (the default: {@link #defaultCacheDirectory()}) the
 * compiled code is kept there, keyed on the component's SHA-256 and the engine, so the next start
 * costs milliseconds. The directory must be trusted: a compiled artifact is machine code.
 *
 * <p>{@link #shared()} (what {@link SystemUserClient.Builder} uses unless given one) is the
 * component inside this jar, compiled once per JVM. Clients keep what they need of a runtime:
 * closing it does not disturb them.
 */
public final class ComponentRuntime implements AutoCloseable {
    /** The component inside the jar. */
    static final String RESOURCE = "no/altinn/systemuser/altinn_systemuser.wasm";
    private static volatile ComponentRuntime shared;

    final NativeLib lib;
    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    private final String description;

    private ComponentRuntime(NativeLib lib, Pointer pointer, String description) {
        this.lib = lib;
        this.handle = new Handle(lib, pointer);
        this.cleanable = NativeLib.CLEANER.register(this, handle);
        this.description = description;
    }

    /** The component inside this jar with the default cache directory, compiled once per JVM (never closed). */
    public static ComponentRuntime shared() {
        ComponentRuntime r = shared;
        if (r != null) return r;
        synchronized (ComponentRuntime.class) {
            if (shared == null) shared = builder().build();
            return shared;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where compiled components are kept by default: {@code $XDG_CACHE_HOME/altinn-systemuser}
     * (or {@code ~/.cache/…}) on Linux, {@code ~/Library/Caches/altinn-systemuser} on macOS,
     * {@code %LOCALAPPDATA%\altinn-systemuser\cache} on Windows.
     */
    public static Path defaultCacheDirectory() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String home = System.getProperty("user.home");
        if (os.contains("win")) {
            String local = System.getenv("LOCALAPPDATA");
            return (local != null ? Path.of(local) : Path.of(home, "AppData", "Local")).resolve("altinn-systemuser").resolve("cache");
        }
        if (os.contains("mac")) return Path.of(home, "Library", "Caches", "altinn-systemuser");
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(home, ".cache")).resolve("altinn-systemuser");
    }

    Pointer pointer() {
        Pointer p = handle.pointer;
        if (p == null) throw new IllegalStateException("this ComponentRuntime is closed");
        return p;
    }

    /** Frees the compiled component (clients made from it keep what they need). Closing {@link #shared()} does nothing. */
    @Override
    public void close() {
        if (this == shared) return;
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "ComponentRuntime[" + description + "]";
    }

    /** Options of a runtime: which component, which cache. */
    public static final class Builder {
        private Path component;
        private byte[] bytes;
        private Path cacheDirectory = null;
        private boolean cache = true;
        private boolean explicitCache;
        private Boolean pooling;

        private Builder() {}

        /** A component file instead of the jar's (e.g. a newer build). */
        public Builder component(Path file) {
            this.component = file;
            this.bytes = null;
            return this;
        }

        /** A component from memory instead of the jar's. */
        public Builder component(byte[] wasm) {
            this.bytes = wasm.clone();
            this.component = null;
            return this;
        }

        /** Keep compiled code in {@code dir} (created if missing; must be trusted). */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = dir;
            this.cache = true;
            this.explicitCache = true;
            return this;
        }

        /** Compile every time (about a second), keep nothing on disk. */
        public Builder noCache() {
            this.cache = false;
            return this;
        }

        /** wasmtime's pooling allocator (faster instantiation, more virtual memory reserved up front). */
        public Builder pooling(boolean pooling) {
            this.pooling = pooling;
            return this;
        }

        public ComponentRuntime build() {
            NativeLib lib = NativeLib.get();
            Path dir = null;
            if (cache) {
                dir = cacheDirectory != null ? cacheDirectory : defaultCacheDirectory();
                try {
                    createPrivate(dir);
                } catch (IOException e) {
                    if (explicitCache) throw new LoadException("cannot create the cache directory " + dir + ": " + e.getMessage(), e);
                    dir = null; // the default place is not writable here: compile without a cache
                }
            }
            Map<String, Object> options = Json.obj("v", 1L, "cacheDir", dir == null ? null : dir.toAbsolutePath().toString(), "pooling", pooling);
            byte[] optionBytes = Json.writeBytes(options);
            String where = (component != null ? component.toString() : bytes != null ? "component from memory" : "component in the jar")
                    + (dir != null ? ", cache " + dir : ", no cache");
            Pointer p;
            if (component != null) {
                p = lib.runtimeLoad(component.toAbsolutePath().toString(), optionBytes);
            } else {
                p = lib.runtimeFromBytes(bytes != null ? bytes : bundledComponent(), optionBytes);
            }
            return new ComponentRuntime(lib, p, where);
        }
    }

    /** Creates {@code dir} (and its parents) with the last level readable by this user only, where POSIX permissions exist. */
    static void createPrivate(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        if (dir.getParent() != null) Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made meanwhile by another process
        }
    }

    /** The component file carried in this jar. */
    static byte[] bundledComponent() {
        try (InputStream in = ComponentRuntime.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new LoadException("this jar carries no component (" + RESOURCE + "): build it with host-examples/java/build.sh, or name a file with ComponentRuntime.builder().component(path)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the component from the jar", e);
        }
    }

    /** Whether this jar carries a component. */
    static Optional<String> bundledResource() {
        return Optional.ofNullable(ComponentRuntime.class.getClassLoader().getResource(RESOURCE)).map(Object::toString);
    }

    /** Frees the native runtime once (close or the cleaner, whichever comes first). */
    private static final class Handle implements Runnable {
        private final NativeLib lib;
        volatile Pointer pointer;

        Handle(NativeLib lib, Pointer pointer) {
            this.lib = lib;
            this.pointer = pointer;
        }

        @Override
        public synchronized void run() {
            Pointer p = pointer;
            pointer = null;
            if (p != null) lib.runtimeDelete(p);
        }
    }
}
