package no.altinn.systemuser;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An answer of Altinn or Maskinporten with an HTTP status and, where the server gave them, a
 * problem's code ({@code AUTH-00011}, {@code MP-120}), title, detail and trace id. The common base
 * of {@link AltinnException}, {@link UnauthorizedException}, {@link ForbiddenException},
 * {@link NotFoundException}, {@link ConflictException}, {@link UnavailableException} and
 * {@link MaskinportenException}.
 */
public abstract class ProblemException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    private final Integer status;
    private final String code;
    private final String title;
    private final String detail;
    private final String traceId;
    private final Map<String, Object> extensions;
    private final List<Violation> fieldErrors;

    protected ProblemException(ErrorKind kind, String message, Problem p, Map<String, Object> details) {
        super(kind, message, details);
        this.status = p.status;
        this.code = p.code;
        this.title = p.title;
        this.detail = p.detail;
        this.traceId = p.traceId;
        this.extensions = p.extensions == null ? Map.of() : p.extensions;
        this.fieldErrors = p.fieldErrors == null ? List.of() : List.copyOf(p.fieldErrors);
    }

    /** The HTTP status of the answer, when there was one. */
    public OptionalInt status() {
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** Altinn's {@code AUTH-000nn} / {@code STD-00000}, or Maskinporten's {@code MP-nnn}. */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    public Optional<String> title() {
        return Optional.ofNullable(title);
    }

    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    public Optional<String> traceId() {
        return Optional.ofNullable(traceId);
    }

    /** The problem's extension members ({@code NotFoundPackages}, …) as parsed JSON values. */
    public Map<String, Object> extensions() {
        return extensions;
    }

    /** The field errors of a validation problem (ASP.NET {@code errors}, {@code validationErrors}). */
    public List<Violation> fieldErrors() {
        return fieldErrors;
    }

    /** The members of a problem, as the library reported them. */
    public static final class Problem {
        final Integer status;
        final String code;
        final String title;
        final String detail;
        final String traceId;
        final Map<String, Object> extensions;
        final List<Violation> fieldErrors;

        public Problem(Integer status, String code, String title, String detail, String traceId,
                Map<String, Object> extensions, List<Violation> fieldErrors) {
            this.status = status;
            this.code = code;
            this.title = title;
            this.detail = detail;
            this.traceId = traceId;
            this.extensions = extensions;
            this.fieldErrors = fieldErrors;
        }
    }
}
