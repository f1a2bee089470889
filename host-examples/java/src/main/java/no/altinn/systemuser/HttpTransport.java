package no.altinn.systemuser;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The {@code send} step through {@link HttpClient}, obeying the limits policy (SECURITY.md): no
 * redirects, the step's {@code timeoutMs} for the whole exchange (connect, headers and body
 * together: a server trickling bytes does not stretch it), the body read as a stream and refused
 * past {@code maxResponseBytes} ({@code too-large}), any {@code Content-Encoding} other than
 * identity refused unread ({@code too-large}, never decompressed). The JVM's proxy selector and
 * default TLS context apply (or those of the {@link HttpClient} given to the builder).
 *
 * <p>Failure messages name the kind, {@code host:port} and the Java exception's class: never a
 * header value, a body, a path or a query (a page token lives in the query).
 */
final class HttpTransport implements Pump.Transport {
    private final HttpClient http;

    HttpTransport(HttpClient http) {
        if (http.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("the HttpClient must not follow redirects (HttpClient.Redirect.NEVER): a bearer token must never follow a 3xx");
        }
        this.http = http;
    }

    static HttpClient defaultClient() {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Performs the step's {@code request}; returns the input document (without {@code v}):
     * {@code response} or {@code transport-failed}.
     */
    @Override
    public Map<String, Object> send(Map<String, Object> request) throws InterruptedException {
        long timeoutMs = Json.optLong(request, "timeoutMs");
        long max = Json.optLong(request, "maxResponseBytes");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        URI uri = URI.create(Json.string(request, "url"));
        String where = uri.getHost() + ":" + (uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80);
        HttpRequest httpRequest;
        try {
            httpRequest = build(uri, request, timeoutMs);
        } catch (IllegalArgumentException e) {
            // A header java.net.http will not send (a restricted name): said by name, no value.
            return failed("other", "java.net.http refused the request to " + where + ": " + safe(e.getMessage()));
        }
        try {
            // Synchronous send (no thread hand-off per exchange). java.net.http's own timeout bounds
            // connect and headers; the body's subscriber bounds the rest at the same deadline.
            HttpResponse<byte[]> response = http.send(httpRequest, info -> new CappedBody(info, max, deadline));
            return response(response);
        } catch (IOException e) {
            return failure(e, where, timeoutMs);
        }
    }

    private static HttpRequest build(URI uri, Map<String, Object> request, long timeoutMs) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(Math.max(timeoutMs, 1)));
        if ("http".equalsIgnoreCase(uri.getScheme())) b.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance in clear text
        for (Object h : Json.list(request, "headers")) {
            List<?> pair = (List<?>) h;
            String name = (String) pair.get(0);
            String value = (String) pair.get(1);
            if ("content-length".equalsIgnoreCase(name) || "host".equalsIgnoreCase(name) || "connection".equalsIgnoreCase(name)) continue; // the client writes these itself
            b.header(name, value);
        }
        String body = Json.optString(request, "body");
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(Base64.getDecoder().decode(body));
        b.method(Json.string(request, "method"), publisher);
        return b.build();
    }

    private static Map<String, Object> response(HttpResponse<byte[]> response) {
        List<Object> headers = new ArrayList<>();
        HttpHeaders h = response.headers();
        for (Map.Entry<String, List<String>> e : h.map().entrySet()) {
            if (e.getKey().startsWith(":")) continue; // HTTP/2 pseudo-headers
            for (String v : e.getValue()) headers.add(List.of(e.getKey(), v));
        }
        return Json.obj("input", "response", "response",
                Json.obj("status", (long) response.statusCode(), "headers", headers, "body", Base64.getEncoder().encodeToString(response.body())));
    }

    private static Map<String, Object> failure(Throwable cause, String where, long timeoutMs) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) return failed("too-large", ((TooLarge) t).reason + " from " + where);
            if (t instanceof BodyTimeout) return failed("timeout", "no complete answer from " + where + " within " + timeoutMs + " ms (the body was still coming)");
        }
        Throwable t = cause;
        // java.net.http wraps the cause in a plain IOException of the same message: look beneath it.
        while (t != null && t.getClass() == IOException.class && t.getCause() != null) t = t.getCause();
        String cls = t == null ? "unknown" : t.getClass().getSimpleName();
        if (t instanceof HttpConnectTimeoutException) return failed("connect", "no connection to " + where + " within " + timeoutMs + " ms (" + cls + ")");
        if (t instanceof HttpTimeoutException) return failed("timeout", "no complete answer from " + where + " within " + timeoutMs + " ms (" + cls + ")");
        if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException || t instanceof UnresolvedAddressException
                || (t != null && t.getCause() instanceof ConnectException)) {
            return failed("connect", "cannot connect to " + where + " (" + cls + ")");
        }
        if (t instanceof SSLException) return failed("other", "TLS with " + where + " failed (" + cls + ")");
        if (t instanceof EOFException || t instanceof ClosedChannelException || t instanceof IOException) {
            return failed("connection-lost", "the connection to " + where + " was lost before the answer was complete (" + cls + ")");
        }
        return failed("other", "the exchange with " + where + " failed (" + cls + ")");
    }

    private static Map<String, Object> failed(String kind, String message) {
        return Json.obj("input", "transport-failed", "failure", Json.obj("kind", kind, "message", message));
    }

    /** An exception message of java.net.http reduced to what cannot hold a value: the first 80 characters before any ':' of a value. */
    private static String safe(String message) {
        if (message == null) return "";
        int colon = message.indexOf(':');
        String s = colon >= 0 ? message.substring(0, colon) : message;
        return s.length() > 80 ? s.substring(0, 80) : s;
    }

    /** The exchange's deadline passed while the body was coming: signalled through the body future. */
    static final class BodyTimeout extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTimeout() {
            super("the exchange's deadline passed while the body was coming", null);
        }
    }

    /** One daemon thread that ends bodies still coming at their exchange's deadline. */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "altinn-systemuser-deadlines");
        t.setDaemon(true);
        return t;
    });

    /** Why a body was refused: signalled through the body future, found again in {@link #failure}. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        final String reason;

        TooLarge(String reason) {
            super(reason, null);
            this.reason = reason;
        }
    }

    /**
     * The body, counted as received: refused at once when compressed or announced over the cap,
     * and the moment it passes the cap (the subscription is cancelled: the rest is never read).
     */
    static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final long max;
        private final String refusal;
        private final List<ByteBuffer> parts = new ArrayList<>();
        private long received;
        private Flow.Subscription subscription;
        private final ScheduledFuture<?> timer;

        CappedBody(HttpResponse.ResponseInfo info, long max, long deadlineNanos) {
            this.max = max;
            String encoding = info.headers().firstValue("content-encoding").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("identity");
            long announced = info.headers().firstValueAsLong("content-length").orElse(-1);
            if (!encoding.isEmpty() && !"identity".equals(encoding)) {
                refusal = "an answer with Content-Encoding " + (encoding.length() > 20 ? encoding.substring(0, 20) : encoding) + " (refused unread, never decompressed)";
            } else if (announced > max) {
                refusal = "an answer announced at " + announced + " bytes, over the cap of " + max;
            } else {
                refusal = null;
            }
            long left = deadlineNanos - System.nanoTime();
            timer = refusal != null ? null : DEADLINES.schedule(this::expire, Math.max(left, 0), TimeUnit.NANOSECONDS);
        }

        private synchronized void expire() {
            if (result.isDone()) return;
            if (subscription != null) subscription.cancel();
            parts.clear();
            result.completeExceptionally(new BodyTimeout());
        }

        private void settled() {
            if (timer != null) timer.cancel(false);
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (refusal != null) {
                s.cancel();
                result.completeExceptionally(new TooLarge(refusal));
            } else if (result.isDone()) {
                s.cancel(); // the deadline passed before the body began
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public synchronized void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer b : items) {
                received += b.remaining();
                if (received > max) {
                    subscription.cancel();
                    parts.clear();
                    settled();
                    result.completeExceptionally(new TooLarge("an answer over the cap of " + max + " bytes (stopped reading at " + received + ")"));
                    return;
                }
                parts.add(b);
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            settled();
            result.completeExceptionally(t);
        }

        @Override
        public synchronized void onComplete() {
            settled();
            if (result.isDone()) return;
            byte[] out = new byte[Math.toIntExact(received)];
            int at = 0;
            for (ByteBuffer b : parts) {
                int n = b.remaining();
                b.get(out, at, n);
                at += n;
            }
            parts.clear();
            result.complete(out);
        }
    }
}
