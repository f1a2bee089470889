package no.altinn.systemuser;

/** Whether a system user came from a standard or an agent request; {@link #UNKNOWN} keeps a new text out of the way. */
public enum UserType {
    STANDARD("standard"),
    AGENT("agent"),
    UNKNOWN("unknown");

    private final String wireName;

    UserType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static UserType fromWireName(String name) {
        for (UserType t : values()) {
            if (t.wireName.equals(name)) return t;
        }
        return UNKNOWN;
    }
}
