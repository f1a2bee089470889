package no.altinn.systemuser;

/** libsystemuser refused a document (not UTF-8 JSON, not of its schema, another {@code v}), or a text that cannot be UTF-8 (a lone surrogate). */
public final class InvalidArgumentException extends LibraryException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(ErrorKind.INVALID_ARGUMENT, message, null);
    }

    public InvalidArgumentException(String message, Throwable cause) {
        super(ErrorKind.INVALID_ARGUMENT, message, cause);
    }
}
