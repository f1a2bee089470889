package no.altinn.systemuser;

import java.util.Map;

/** The operation protocol was broken (an answer that does not fit the step, a concurrent call on one operation): a bug in this binding, not at Altinn. */
public final class MisuseException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    public MisuseException(String message, Map<String, Object> details) {
        super(ErrorKind.MISUSE, message, details);
    }
}
