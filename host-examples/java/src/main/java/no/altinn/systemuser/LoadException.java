package no.altinn.systemuser;

/** libsystemuser or the component cannot be loaded: no library for this platform, another ABI version, an unreadable or invalid component file. */
public final class LoadException extends LibraryException {
    private static final long serialVersionUID = 1L;

    public LoadException(String message) {
        super(ErrorKind.LOAD, message, null);
    }

    public LoadException(String message, Throwable cause) {
        super(ErrorKind.LOAD, message, cause);
    }
}
