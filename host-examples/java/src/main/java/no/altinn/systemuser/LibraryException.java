package no.altinn.systemuser;

/**
 * An error of libsystemuser itself rather than of the operation: the base of
 * {@link ComponentException}, {@link PanicException}, {@link LoadException} and
 * {@link InvalidArgumentException}.
 */
public abstract class LibraryException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    protected LibraryException(ErrorKind kind, String message, Throwable cause) {
        super(kind, message, null, cause);
    }
}
