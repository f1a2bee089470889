package no.altinn.systemuser;

/** A panic inside libsystemuser, caught at its boundary (it never aborts the JVM). A bug in the library: please report it. */
public final class PanicException extends LibraryException {
    private static final long serialVersionUID = 1L;

    public PanicException(String message) {
        super(ErrorKind.PANIC, message, null);
    }

    public PanicException(String message, Throwable cause) {
        super(ErrorKind.PANIC, message, cause);
    }
}
