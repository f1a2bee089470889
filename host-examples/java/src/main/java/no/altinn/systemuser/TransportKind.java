package no.altinn.systemuser;

/** How an HTTP exchange failed. */
public enum TransportKind {
    /** No connection (refused, unreachable, the name does not resolve, connect timed out). */
    CONNECT("connect"),
    /** No complete answer within the exchange's time (connect, headers and body together), or the deadline passed. */
    TIMEOUT("timeout"),
    /** The connection closed or was reset before the answer was complete. */
    CONNECTION_LOST("connection-lost"),
    /** The answer was over the cap (1 MiB), or compressed: refused, never decompressed. */
    TOO_LARGE("too-large"),
    /** Anything else (TLS, a header the HTTP client cannot send, …). */
    OTHER("other");

    private final String wireName;

    TransportKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static TransportKind fromWireName(String name) {
        for (TransportKind k : values()) {
            if (k.wireName.equals(name)) return k;
        }
        return OTHER;
    }
}
