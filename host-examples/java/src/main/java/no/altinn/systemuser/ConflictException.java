package no.altinn.systemuser;

import java.util.Map;

/** 409: e.g. {@code AUTH-00013}, the request is no longer {@code New}. */
public final class ConflictException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message, Problem problem, Map<String, Object> details) {
        super(ErrorKind.CONFLICT, message, problem, details);
    }
}
