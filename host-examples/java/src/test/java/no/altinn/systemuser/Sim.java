package no.altinn.systemuser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The local Altinn: {@code target/release/altinn-sim --admin --listen 127.0.0.1:0} in a process
 * of its own, on a free port, stopped by {@link #close()}. Its admin routes drive the tests
 * (tokens, faults, approvals, the call log). Never logs a token.
 */
final class Sim implements AutoCloseable {
    private static final HttpClient ADMIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();

    private final Process process;
    final String url;
    /** Every token minted through {@link #token}/{@link #tokens()} (for no-secret checks). */
    final List<String> minted = Collections.synchronizedList(new ArrayList<>());
    /** The scope lists the component asked a {@link #tokens()} supplier for. */
    final List<List<String>> asked = Collections.synchronizedList(new ArrayList<>());

    private Sim(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    static Sim start(String... extraArgs) {
        return start(Map.of(), extraArgs);
    }

    static Sim start(Map<String, String> env, String... extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(Repo.SIM.toString(), "--admin", "--listen", "127.0.0.1:0"));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + Repo.SIM + " (build it: cargo build --release -p altinn-sim)", e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        try {
            line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("the simulator did not say where it listens within 15 s", e);
        }
        if (line == null || !line.startsWith("listening on http://")) {
            p.destroyForcibly();
            throw new IllegalStateException("the simulator said " + line);
        }
        return new Sim(p, line.substring("listening on ".length()).trim());
    }

    Environment environment() {
        return Environment.local(url);
    }

    /** A token of vendor 314248295 with {@code scopes} ({@code expiresIn} seconds; ≤ 0: expired). */
    String token(List<String> scopes, long expiresIn) {
        Map<String, Object> r = post("/_sim/token", Json.obj("vendorOrgNo", Repo.VENDOR, "scopes", scopes, "expiresIn", expiresIn));
        String t = Json.string(r, "access_token");
        minted.add(t);
        return t;
    }

    /** A token supplier minting a token with exactly the scopes asked (recorded in {@link #asked}). */
    TokenSupplier tokens() {
        return scopes -> {
            asked.add(List.copyOf(scopes));
            return token(scopes, 3600);
        };
    }

    /** A client in token mode on this simulator. */
    SystemUserClient tokenClient() {
        return SystemUserClient.builder().environment(environment()).tokenSupplier(tokens()).build();
    }

    /** A client in Maskinporten mode (the TEST-ONLY PEM key of sim-smartregnskap-client). */
    SystemUserClient keyClient() {
        return SystemUserClient.builder().environment(environment()).maskinporten(Repo.CLIENT_ID, Repo.pemKey()).build();
    }

    void fault(Map<String, Object> spec) {
        post("/_sim/faults", spec);
    }

    void fault(String route, String kind, Object... more) {
        Map<String, Object> spec = Json.obj("route", route, "kind", kind);
        spec.putAll(Json.obj(more));
        fault(spec);
    }

    void clearFaults() {
        send("DELETE", "/_sim/faults", null);
    }

    Map<String, Object> approve(String id) {
        return post("/_sim/requests/" + id + "/approve", Json.obj());
    }

    Map<String, Object> reject(String id) {
        return post("/_sim/requests/" + id + "/reject", Json.obj());
    }

    void settings(Map<String, Object> settings) {
        send("PUT", "/_sim/settings", settings);
    }

    void reset() {
        send("POST", "/_sim/reset", Json.obj());
    }

    List<Map<String, Object>> calls() {
        return Json.objects(get("/_sim/calls"), "calls");
    }

    /** Calls to Altinn's and Maskinporten's routes (not admin routes, not the customer's pages). */
    long apiCalls() {
        return calls().stream().filter(c -> c.get("route") != null).count();
    }

    /** How many calls the simulator logged on the route (e.g. {@code exchange_token}). */
    long calls(String route) {
        return calls().stream().filter(c -> route.equals(c.get("route"))).count();
    }

    /** The bureau approves its own klientadministrator system user (keyed on {@code externalRef}); its id. */
    String clientAdministrator(String orgNo, String externalRef) {
        return Json.string(post("/_sim/clientadministrators", Json.obj("orgNo", orgNo, "externalRef", externalRef)), "systemUserId");
    }

    /** The party uuid the fixture gives an organisation (a client's id in client delegation). */
    String partyUuid(String orgNo) {
        for (Map<String, Object> o : Json.objects(get("/_sim/fixture"), "organizations")) {
            if (orgNo.equals(o.get("orgNo"))) return Json.string(o, "partyUuid");
        }
        throw new IllegalArgumentException(orgNo + " is not in the fixture");
    }

    List<Map<String, Object>> requests() {
        return Json.objects(get("/_sim/requests"), "requests");
    }

    Map<String, Object> get(String path) {
        return send("GET", path, null);
    }

    Map<String, Object> post(String path, Map<String, Object> body) {
        return send("POST", path, body);
    }

    Map<String, Object> send(String method, String path, Map<String, Object> body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10));
        if (body != null) b.header("content-type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body)));
        try {
            HttpResponse<byte[]> r = ADMIN.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
            return r.body().length == 0 ? Map.of() : Json.parseObject(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
