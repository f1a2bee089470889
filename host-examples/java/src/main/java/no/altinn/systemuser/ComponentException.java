package no.altinn.systemuser;

/** The component trapped (fuel or memory exhausted, a bug): the session it ran in was dropped and the next call gets a fresh one; the client stays usable. */
public final class ComponentException extends LibraryException {
    private static final long serialVersionUID = 1L;

    public ComponentException(String message) {
        super(ErrorKind.COMPONENT, message, null);
    }

    public ComponentException(String message, Throwable cause) {
        super(ErrorKind.COMPONENT, message, cause);
    }
}
