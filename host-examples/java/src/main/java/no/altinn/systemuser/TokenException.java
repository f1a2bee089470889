package no.altinn.systemuser;

import java.util.Map;

/** The token supplier or the signer failed, or the token it gave cannot be sent (a control character, too long); nothing was sent with it. */
public final class TokenException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    public TokenException(String message, Map<String, Object> details) {
        super(ErrorKind.TOKEN, message, details);
    }
}
