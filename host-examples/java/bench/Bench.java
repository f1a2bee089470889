package no.altinn.systemuser;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-operation cost through libsystemuser (the component pumped by this binding, over real HTTP
 * to the simulator) against the same exchanges written plainly in Java (java.net.http plus a
 * JSON parse of each answer), measured in the same run, and the client's start-up with and
 * without the compiled-code cache. Prints markdown tables; asserts nothing about time.
 *
 * <p>Both sides use the same bearer token (token mode: no Maskinporten in the loop) and the same
 * exchanges: a create is the POST (answered 200, the existing request, after the first), its
 * pre-flight on the registered system read once per client and kept for five minutes (the
 * component's instance cache; plain Java keeps it the same way), a get is one GET, a list one page.
 *
 * <pre>java -cp bench-classes:altinn-systemuser.jar:jna.jar no.altinn.systemuser.Bench SIMULATOR_URL [ITERATIONS]</pre>
 */
public final class Bench {
    static final String SYSTEM = "314248295_smartregnskap";
    static final String ORG = "310816191";

    final String base;
    final String token;
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    /** How long a pre-flight's read of a registered system is used again (the component's SYSTEM_TTL_SECS). */
    static final long SYSTEM_TTL_NANOS = Duration.ofMinutes(5).toNanos();
    /** The registered system plain Java's creates read, and when: N creates are N POSTs and one read. */
    Map<String, Object> system;
    long systemReadAt;

    Bench(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--start")) {
            startHere();
            return;
        }
        String base = args[0];
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        String token = mint(base);
        Bench b = new Bench(base, token);
        System.out.println("## Java binding (JNA → libsystemuser) against plain java.net.http, same run");
        System.out.println();
        System.out.printf("Java %s (%s), %s; simulator on loopback; %d iterations per row after %d warm-up; times are medians.%n%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.arch"), iterations, iterations / 5);
        b.operations(iterations);
        System.out.println();
        startup();
    }

    static String mint(String base) throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        String body = "{\"vendorOrgNo\":\"314248295\",\"scopes\":[\"altinn:authentication/systemuser.request.read\",\"altinn:authentication/systemuser.request.write\","
                + "\"altinn:authentication/systemregister.write\"],\"expiresIn\":3600}";
        HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(URI.create(base + "/_sim/token")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        return Json.string(Json.parseObject(r.body()), "access_token");
    }

    // ---- plain Java: the same exchanges, HttpClient and a JSON parse ----

    Map<String, Object> plain(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/authentication/api/v1/" + path)).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + token).header("accept", "application/json").header("accept-encoding", "identity")
                .version(HttpClient.Version.HTTP_1_1);
        if (json != null) b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        else b.method(method, HttpRequest.BodyPublishers.noBody());
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + ": " + r.statusCode());
        return Json.parseObject(r.body());
    }

    /** A create's pre-flight read: once, then the kept system until it is five minutes old. */
    Map<String, Object> keptSystem() throws Exception {
        if (system == null || System.nanoTime() - systemReadAt >= SYSTEM_TTL_NANOS) {
            system = plain("GET", "systemregister/vendor/" + SYSTEM, null);
            systemReadAt = System.nanoTime();
        }
        return system;
    }

    void operations(int n) throws Exception {
        String createBody = "{\"systemId\":\"" + SYSTEM + "\",\"partyOrgNo\":\"" + ORG + "\",\"externalRef\":\"bench-1\",\"rights\":[{\"resource\":[{\"id\":\"urn:altinn:resource\","
                + "\"value\":\"ske-krav-og-betalinger\"}]}]}";
        try (SystemUserClient client = SystemUserClient.builder().environment(Environment.local(base)).tokenSupplier(s -> token).build()) {
            StandardRequest request = StandardRequest.builder(SYSTEM, ORG).externalRef("bench-1").right(Right.forResource("ske-krav-og-betalinger")).build();
            String id = client.createStandardRequest(request).request().id();
            for (int i = 0; i < 30; i++) client.createStandardRequest(StandardRequest.builder(SYSTEM, "3" + "14224965").externalRef("bench-list-" + i)
                    .right(Right.forResource("ske-krav-og-betalinger")).build());
            System.out.println("| operation | HTTP exchanges | plain Java µs | through libsystemuser µs | ratio | of which HTTP µs | in libsystemuser (start/advance) µs | rest: operation new/delete, JSON in Java µs |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            row("get request", 1, n, () -> plainCall(() -> plain("GET", "systemuser/request/vendor/" + id, null)), () -> client.getRequest(id));
            row("list one page (31 requests)", 1, n, () -> plainCall(() -> plain("GET", "systemuser/request/vendor/bysystem/" + SYSTEM, null)),
                    () -> client.listRequests(SYSTEM));
            row("create (existing key: 200; system kept)", 1, n, () -> plainCall(() -> {
                keptSystem();
                return plain("POST", "systemuser/request/vendor", createBody);
            }), () -> client.createStandardRequest(request));
            row("verify (no system user: 404)", 1, n, () -> {
                try {
                    plain("GET", "systemuser/vendor/byquery?system-id=" + SYSTEM + "&orgno=" + ORG + "&external-ref=bench-1", null);
                } catch (IllegalStateException e) {
                    return null; // 404: none
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return null;
            }, () -> client.verifySystemUser(SYSTEM, ORG, "bench-1"));
        }
    }

    interface Call {
        Object call() throws Exception;
    }

    static Object plainCall(Call c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void row(String name, int exchanges, int n, Supplier<Object> plain, Supplier<Object> library) {
        for (int i = 0; i < n / 5; i++) {
            plain.get();
            library.get();
        }
        long[] p = new long[n];
        long[] l = new long[n];
        long[] http = new long[n];
        long[] lib = new long[n];
        long[] rest = new long[n];
        for (int i = 0; i < n; i++) {
            // Interleaved, so that both sides see the same machine and simulator state.
            long t0 = System.nanoTime();
            plain.get();
            p[i] = System.nanoTime() - t0;
            Pump.TRANSPORT_NANOS.reset();
            Pump.LIBRARY_NANOS.reset();
            Pump.timing = true;
            t0 = System.nanoTime();
            library.get();
            l[i] = System.nanoTime() - t0;
            Pump.timing = false;
            http[i] = Pump.TRANSPORT_NANOS.sum();
            lib[i] = Pump.LIBRARY_NANOS.sum();
            rest[i] = l[i] - http[i] - lib[i];
        }
        double pm = median(p) / 1e3, lm = median(l) / 1e3;
        System.out.printf("| %s | %d | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f |%n", name, exchanges, pm, lm, lm / pm, median(http) / 1e3, median(lib) / 1e3,
                median(rest) / 1e3);
    }

    static double median(long[] xs) {
        long[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    /** The client's start-up: in fresh JVMs (the library copied out of the jar, the component compiled; or both from the cache), and in this one. */
    static void startup() throws Exception {
        Path dir = Files.createTempDirectory("altinn-systemuser-bench-cache");
        try {
            List<double[]> first = new ArrayList<>();
            List<double[]> next = new ArrayList<>();
            for (int i = 0; i < 3; i++) first.add(freshJvm(dir.resolve("cold-" + i)));
            freshJvm(dir.resolve("warm"));
            for (int i = 0; i < 5; i++) next.add(freshJvm(dir.resolve("warm")));
            List<Double> cold = new ArrayList<>();
            List<Double> warm = new ArrayList<>();
            for (int i = 0; i < 3; i++) cold.add(start(ComponentRuntime.builder().noCache()));
            start(ComponentRuntime.builder().cacheDirectory(dir.resolve("in-process"))); // fills the cache
            for (int i = 0; i < 10; i++) warm.add(start(ComponentRuntime.builder().cacheDirectory(dir.resolve("in-process"))));
            System.out.println("| client start-up (to the first call's answer), medians | libsystemuser loaded ms | JDK: first HttpClient ms | component + client ms | total ms | runs |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            System.out.printf("| a JVM's first start: library copied out of the jar, component compiled | %.0f | %.0f | %.0f | %.0f | %d |%n", med(first, 0), med(first, 1),
                    med(first, 2), med(first, 3), first.size());
            System.out.printf("| a JVM's next start: both from the cache directory | %.0f | %.0f | %.0f | %.0f | %d |%n", med(next, 0), med(next, 1), med(next, 2),
                    med(next, 3), next.size());
            System.out.printf("| in a running JVM: component compiled (no cache) + client | — | — | %.0f | %.0f | %d |%n", medianOf(cold), medianOf(cold), cold.size());
            System.out.printf("| in a running JVM: component from the cache + client | — | — | %.1f | %.1f | %d |%n", medianOf(warm), medianOf(warm), warm.size());
            System.out.printf("%nWith the cache the component costs %.0f× less to start (in a running JVM); a new JVM still pays for loading the%n", medianOf(cold) / medianOf(warm));
            System.out.println("17 MB library (dlopen, JNA) and for the JDK's own first HttpClient.");
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs {@code Bench --start} in a new JVM with {@code cache} as its cache home; [library, java.net.http, component + client, total] in ms. */
    static double[] freshJvm(Path cache) throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"), Bench.class.getName(), "--start");
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) throw new IllegalStateException("--start: " + out);
        String[] f = out.split(" ");
        double lib = Double.parseDouble(f[0]), jdk = Double.parseDouble(f[1]), rest = Double.parseDouble(f[2]);
        return new double[] {lib, jdk, rest, lib + jdk + rest};
    }

    /**
     * In this (fresh) JVM: the library, the JDK's HttpClient (its first one loads java.net.http and
     * the default TLS context: the JDK's cost, paid once by any Java HTTP client), then the shared
     * runtime and a client up to its first answer. Prints "library-ms jdk-ms rest-ms".
     */
    static void startHere() {
        long t0 = System.nanoTime();
        NativeLib.get();
        long t1 = System.nanoTime();
        HttpClient http = HttpTransport.defaultClient();
        long t2 = System.nanoTime();
        try (SystemUserClient c = SystemUserClient.builder().environment(Environment.TT02).tokenSupplier(s -> "t").httpClient(http).build()) {
            c.validate(StandardRequest.builder(SYSTEM, ORG).right(Right.forResource("x")).build());
        }
        long t3 = System.nanoTime();
        System.out.printf(java.util.Locale.ROOT, "%.1f %.1f %.1f%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
    }

    static double med(List<double[]> runs, int i) {
        return medianOf(runs.stream().map(r -> r[i]).toList());
    }

    static double start(ComponentRuntime.Builder builder) {
        long t0 = System.nanoTime();
        try (ComponentRuntime rt = builder.build();
                SystemUserClient c = SystemUserClient.builder().environment(Environment.TT02).tokenSupplier(s -> "t").runtime(rt).build()) {
            c.validate(StandardRequest.builder(SYSTEM, ORG).right(Right.forResource("x")).build()); // the first call instantiates
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    static double medianOf(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
