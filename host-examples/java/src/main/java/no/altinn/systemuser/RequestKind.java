package no.altinn.systemuser;

/** A standard request (rights and/or packages for the customer itself) or an agent request (packages, for clients). */
public enum RequestKind {
    STANDARD("standard"),
    AGENT("agent");

    private final String wireName;

    RequestKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static RequestKind fromWireName(String name) {
        for (RequestKind k : values()) {
            if (k.wireName.equals(name)) return k;
        }
        throw new IllegalArgumentException("no request kind " + name);
    }
}
