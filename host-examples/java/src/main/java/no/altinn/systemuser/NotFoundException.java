package no.altinn.systemuser;

import java.util.Map;

/** 404: no such request, system or system user (or another vendor's: Altinn does not tell). */
public final class NotFoundException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message, Problem problem, Map<String, Object> details) {
        super(ErrorKind.NOT_FOUND, message, problem, details);
    }
}
