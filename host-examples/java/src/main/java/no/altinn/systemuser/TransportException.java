package no.altinn.systemuser;

import java.util.Map;

/**
 * The HTTP exchange failed (after the retries allowed), or the operation's deadline passed.
 * "Could not tell", never a "no".
 */
public final class TransportException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    private final TransportKind transportKind;

    public TransportException(String message, TransportKind transportKind, Map<String, Object> details) {
        super(ErrorKind.TRANSPORT, message, details);
        this.transportKind = transportKind;
    }

    /** Connect, timeout, connection lost, too large (an answer over the cap, or compressed), other. */
    public TransportKind transportKind() {
        return transportKind;
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
