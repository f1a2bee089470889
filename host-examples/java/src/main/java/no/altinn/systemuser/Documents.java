package no.altinn.systemuser;

/**
 * A tap on every JSON document this binding hands to libsystemuser or gets from it, for tests
 * (which validate each one against {@code schema/systemuser.schema.json}). Off (one volatile read)
 * unless a test sets {@link #observer}.
 */
final class Documents {
    private Documents() {}

    /** Which document of the ABI. */
    enum Kind {
        RUNTIME_OPTIONS, CONFIG, TASK, STEP, INPUT, VALIDATE, VALIDATED
    }

    interface Observer {
        void seen(Kind kind, byte[] document);
    }

    static volatile Observer observer;
    /** Set around a call that hands the library a deliberately invalid document (a test of its refusal). */
    static final ThreadLocal<Boolean> UNOBSERVED = ThreadLocal.withInitial(() -> Boolean.FALSE);

    static byte[] seen(Kind kind, byte[] document) {
        Observer o = observer;
        if (o != null && !UNOBSERVED.get()) o.seen(kind, document);
        return document;
    }
}
