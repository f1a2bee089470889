package no.altinn.systemuser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Paths and fixture constants of the repository the tests run in. */
final class Repo {
    private Repo() {}

    /** The repository root: {@code -Daltinn.repo=…} (run-tests.sh sets it), else found upwards from the working directory. */
    static final Path ROOT = findRoot();

    static final String VENDOR = "314248295";
    static final String SYSTEM = "314248295_smartregnskap";
    static final String AGENT_SYSTEM = "314248295_smartbyraa";
    static final String CLIENT_ID = "sim-smartregnskap-client";
    static final String KID = "sim-test-key-1";
    static final String REDIRECT = "https://smartregnskap.example/callback";
    static final String SERVICE_SCOPE = "ttd:regnskap.read";
    /** Customers of the default fixture (valid mod-11, in the simulator's register). */
    static final List<String> CUSTOMERS = List.of("310816191", "314224965", "317103360", "316501389", "313981436", "316859356", "312317761",
            "313526011", "314941888", "313093808", "314456726");

    static final List<String> WRITE = List.of("altinn:authentication/systemuser.request.write");
    static final List<String> ALL_SCOPES = List.of("altinn:authentication/systemuser.request.read", "altinn:authentication/systemuser.request.write",
            "altinn:authentication/systemregister.write");

    static Path keys(String file) {
        return ROOT.resolve("simulator/tests/keys").resolve(file);
    }

    static final Path KEY_PEM = keys("TEST-ONLY-client-key.pk8.pem");
    static final Path CERT_PEM = keys("TEST-ONLY-client-cert.pem");
    static final Path UNREGISTERED_KEY_PEM = keys("TEST-ONLY-unregistered-key.pk8.pem");
    static final Path SIM = ROOT.resolve("target/release/altinn-sim");
    static final Path TRAP_WASM = ROOT.resolve("target/wasm/altinn_systemuser.test-trap.wasm");
    static final Path SCHEMA = ROOT.resolve("host-examples/c/schema/systemuser.schema.json");

    static MaskinportenKey pemKey() {
        try {
            return MaskinportenKey.fromPemFile(KEY_PEM, KID);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Map<String, Object> json(String relative) {
        try {
            return Json.parseObject(Files.readAllBytes(ROOT.resolve(relative)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path findRoot() {
        String given = System.getProperty("altinn.repo");
        if (given != null) return Path.of(given).toAbsolutePath().normalize();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("simulator/README.md")) && Files.isDirectory(p.resolve("host-examples"))) return p;
        }
        throw new IllegalStateException("cannot find the repository root: run with -Daltinn.repo=PATH");
    }
}
