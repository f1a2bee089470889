package no.altinn.systemuser;

/**
 * A request's status. A status this version does not know is {@link #UNKNOWN}, with Altinn's text
 * kept in {@link SystemUserRequest#statusText()}: a new status never breaks a client.
 */
public enum RequestStatus {
    NEW("New"),
    ACCEPTED("Accepted"),
    REJECTED("Rejected"),
    /** Declared by Altinn, never set. */
    DENIED("Denied"),
    /** {@code Timedout} (legacy servers), or {@code New} with {@code timedOut} as an effective status. */
    TIMED_OUT("Timedout"),
    UNKNOWN("Unknown");

    private final String wireName;

    RequestStatus(String wireName) {
        this.wireName = wireName;
    }

    /** Altinn's spelling ({@code Timedout} for {@link #TIMED_OUT}). */
    public String wireName() {
        return wireName;
    }

    /** Whether no customer action can change it any more (all but {@code New} and unknown ones). */
    public boolean isTerminal() {
        return this == ACCEPTED || this == REJECTED || this == DENIED || this == TIMED_OUT;
    }

    public static RequestStatus fromWireName(String name) {
        for (RequestStatus s : values()) {
            if (s.wireName.equals(name)) return s;
        }
        return UNKNOWN;
    }
}
