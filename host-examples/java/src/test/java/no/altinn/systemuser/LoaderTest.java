package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Loading: the library and the component from inside the jar, the ABI version check, a platform without a library, the compiled-code cache. */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoaderTest {
    /** The jar the tests run against (the binding's classes come from it). */
    static Path jar() throws Exception {
        return Path.of(SystemUserClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void theJarCarriesTheLibraryAndTheComponentAndTheyAreLoadedFromIt() throws Exception {
        Path jar = jar();
        assertTrue(jar.getFileName().toString().endsWith(".jar"), "the tests run against the jar, not loose classes: " + jar);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertTrue(zip.getEntry("linux-x86-64/libsystemuser.so").getSize() > 1_000_000);
            assertTrue(zip.getEntry(ComponentRuntime.RESOURCE).getSize() > 100_000);
        }
        assertTrue(ComponentRuntime.bundledResource().orElseThrow().startsWith("jar:"), ComponentRuntime.bundledResource().toString());
        NativeLib lib = NativeLib.get();
        assertFalse(lib.origin.contains("target/release"), "the library came from the jar, not from " + lib.origin);
        assertTrue(lib.origin.startsWith(ComponentRuntime.defaultCacheDirectory().resolve("native").resolve("linux-x86-64-").toString()), lib.origin);
        assertEquals(NativeLib.ABI_VERSION, NativeLib.Api.su_abi_version());
        assertEquals(null, System.getProperty(NativeLib.PATH_PROPERTY));
    }

    @Test
    void anotherAbiVersionIsRefusedClearly() {
        LoadException e = assertThrows(LoadException.class, () -> NativeLib.checkAbiVersion(2, "/opt/lib/libsystemuser.so"));
        assertTrue(e.getMessage().contains("/opt/lib/libsystemuser.so has ABI version 2"), e.getMessage());
        assertTrue(e.getMessage().contains("written for ABI version 1"), e.getMessage());
    }

    @Test
    void aPlatformWithoutALibraryInTheJarIsNamed() {
        LoadException e = assertThrows(LoadException.class, () -> NativeLib.locate("darwin-aarch64", LoaderTest.class.getClassLoader()));
        assertTrue(e.getMessage().startsWith("no libsystemuser for darwin-aarch64 in this jar"), e.getMessage());
        assertTrue(e.getMessage().contains("cargo build --release -p systemuser-c") && e.getMessage().contains("jna.library.path"), e.getMessage());
    }

    @Test
    void aLibraryThatIsNotLibsystemuserIsRefusedInAFreshJvm() throws Exception {
        Path libc = Stream.of("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6").map(Path::of).filter(Files::exists).findFirst()
                .orElseThrow();
        String out = probe("-D" + NativeLib.PATH_PROPERTY + "=" + libc);
        assertTrue(out.contains("LoadException") && out.contains("is not libsystemuser: it has no su_abi_version"), out);
        String missing = probe("-D" + NativeLib.PATH_PROPERTY + "=/nonexistent/libsystemuser.so");
        assertTrue(missing.contains("LoadException") && missing.contains("cannot load libsystemuser from"), missing);
    }

    @Test
    void theLibraryIsCopiedOutOfTheJarOnceAndACorruptCopyIsReplaced(@TempDir Path cache) throws Exception {
        Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
        String first = probe(env);
        assertTrue(first.startsWith("loaded ABI 1 from " + cache.resolve("altinn-systemuser/native")), first);
        Path copy = Path.of(first.trim().substring(first.indexOf(" from ") + 6));
        byte[] good = Files.readAllBytes(copy);
        long modified = Files.getLastModifiedTime(copy).toMillis();
        assertTrue(probe(env).trim().endsWith(copy.toString()));
        assertEquals(modified, Files.getLastModifiedTime(copy).toMillis(), "the second JVM loaded the same copy, not a new one");
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x5a; // same size, one byte off: caught by the CRC
        Files.write(copy, bad);
        String third = probe(env);
        assertTrue(third.startsWith("loaded ABI 1 from "), third);
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(copy)), "the corrupt copy was replaced");
    }

    /** Runs {@link LoaderProbe} in a JVM of its own (a load is once per JVM) and returns what it printed. */
    static String probe(String... jvmArgs) throws Exception {
        return probe(Map.of(), jvmArgs);
    }

    static String probe(Map<String, String> env, String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(jvmArgs));
        // run-tests.sh passes the class path (the console launcher builds its own class loader);
        // under Maven's failsafe the JVM's own class path holds the tests and the jar.
        String cp = System.getProperty("altinn.test.classpath", System.getProperty("java.class.path"));
        cmd.addAll(List.of("-cp", cp, LoaderProbe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void theCacheMakesTheSecondStartCheap(@TempDir Path dir) throws IOException {
        Path cache = dir.resolve("cache");
        long t0 = System.nanoTime();
        ComponentRuntime.builder().cacheDirectory(cache).build().close();
        long cold = System.nanoTime() - t0;
        try (Stream<Path> files = Files.list(cache)) {
            assertTrue(files.findAny().isPresent(), "the compiled component was kept in the cache directory");
        }
        t0 = System.nanoTime();
        try (ComponentRuntime warm = ComponentRuntime.builder().cacheDirectory(cache).build();
                Sim sim = Sim.start();
                SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(sim.tokens()).runtime(warm).build()) {
            long hot = System.nanoTime() - t0;
            System.out.printf("component start: %.0f ms compiling into the cache, %.0f ms from it (with a simulator start)%n", cold / 1e6, hot / 1e6);
            assertEquals(Repo.SYSTEM, c.getRegisteredSystem(Repo.SYSTEM).id(), "the cached component works");
        }
        Path none = dir.resolve("none");
        ComponentRuntime.builder().noCache().build().close();
        assertFalse(Files.exists(none));
    }

    @Test
    void theDefaultCacheDirectoryIsTheUsersCache() {
        Path d = ComponentRuntime.defaultCacheDirectory();
        assertTrue(d.endsWith("altinn-systemuser"), d.toString());
    }
}
