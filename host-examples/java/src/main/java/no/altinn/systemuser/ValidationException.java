package no.altinn.systemuser;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The input is invalid (checked by the component, in Altinn's rule order); nothing was sent. */
public final class ValidationException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    private final List<Violation> violations;

    public ValidationException(String message, List<Violation> violations, Map<String, Object> details) {
        super(ErrorKind.VALIDATION, message, details);
        this.violations = List.copyOf(violations);
    }

    /** Each rule broken: a stable code (the server's AUTH code where it has one), the field, what to do. */
    public List<Violation> violations() {
        return violations;
    }

    /** The codes of {@link #violations()}, in order. */
    public List<String> codes() {
        return violations.stream().map(Violation::code).collect(Collectors.toUnmodifiableList());
    }
}
