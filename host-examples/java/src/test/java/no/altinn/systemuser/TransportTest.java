package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The transport's own rules over real HTTP on loopback, against a small server of the JDK's
 * (com.sun.net.httpserver) for what the simulator does not do: a redirect to another host (never
 * followed: the bearer token must not go there), and the raw answer a {@code send} step gets.
 */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportTest {
    static HttpServer server(String path, int status, Map<String, String> headers, byte[] body, AtomicInteger hits) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext(path, exchange -> {
            hits.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(body);
            }
        });
        s.start();
        return s;
    }

    @Test
    void aRedirectIsNeverFollowed() throws Exception {
        AtomicInteger evilHits = new AtomicInteger();
        AtomicInteger hits = new AtomicInteger();
        HttpServer evil = server("/", 200, Map.of("content-type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8), evilHits);
        String evilUrl = "http://127.0.0.1:" + evil.getAddress().getPort() + "/steal";
        HttpServer altinn = server("/", 302, Map.of("location", evilUrl), new byte[0], hits);
        try (SystemUserClient c = SystemUserClient.builder().environment(Environment.local("http://127.0.0.1:" + altinn.getAddress().getPort()))
                .tokenSupplier(s -> "secret-token").retryBudget(0).build()) {
            InvalidResponseException e = assertThrows(InvalidResponseException.class, () -> c.getRequest("0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"));
            assertFalse(e.getMessage().contains("secret-token"));
            assertEquals(1, hits.get());
            assertEquals(0, evilHits.get(), "the redirect was not followed");
        } finally {
            altinn.stop(0);
            evil.stop(0);
        }
    }

    @Test
    void aSendStepGetsStatusHeadersAndBodyAndRefusesCompressionUnread() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        HttpServer s = server("/plain", 418, Map.of("content-type", "application/json", "retry-after", "3"), body, hits);
        s.createContext("/gzip", exchange -> {
            exchange.getResponseHeaders().add("content-encoding", "gzip");
            exchange.sendResponseHeaders(200, 4);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(new byte[] {31, -117, 8, 0});
            }
        });
        String base = "http://127.0.0.1:" + s.getAddress().getPort();
        HttpTransport t = new HttpTransport(HttpTransport.defaultClient());
        try {
            Map<String, Object> in = t.send(Json.obj("method", "GET", "url", base + "/plain", "headers", List.of(List.of("accept", "application/json")),
                    "body", null, "timeoutMs", 5000L, "maxResponseBytes", 1_048_576L));
            assertEquals("response", in.get("input"));
            Map<String, Object> r = Json.object(in, "response");
            assertEquals(418L, r.get("status"));
            assertEquals("{\"a\":1}", new String(java.util.Base64.getDecoder().decode((String) r.get("body")), StandardCharsets.UTF_8));
            assertTrue(Json.write(r.get("headers")).contains("[\"retry-after\",\"3\"]"), Json.write(r.get("headers")));
            // Over the cap, counted as received.
            Map<String, Object> small = t.send(Json.obj("method", "GET", "url", base + "/plain", "headers", List.of(), "body", null, "timeoutMs", 5000L,
                    "maxResponseBytes", 3L));
            assertEquals("too-large", Json.object(small, "failure").get("kind"));
            Map<String, Object> gz = t.send(Json.obj("method", "GET", "url", base + "/gzip", "headers", List.of(), "body", null, "timeoutMs", 5000L,
                    "maxResponseBytes", 1_048_576L));
            assertEquals("transport-failed", gz.get("input"));
            assertEquals("too-large", Json.object(gz, "failure").get("kind"));
            assertTrue(Json.string(Json.object(gz, "failure"), "message").contains("Content-Encoding gzip"));
        } finally {
            s.stop(0);
        }
    }

    @Test
    void theBuilderRefusesAClientThatFollowsRedirects() {
        assertThrows(IllegalArgumentException.class,
                () -> new HttpTransport(java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.ALWAYS).build()));
    }
}
