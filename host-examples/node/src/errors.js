// The errors a caller can get back: one Error subclass per case of the component's WIT `error`
// variant, plus ComponentFailureError for the host side (component not built, a trap).
// No message, property or toJSON() output ever holds a token, a header value or a request body.

/** Base class of every error this package throws. */
export class SystemUserError extends Error {
  constructor(message, fields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = new.target.name;
    /** The WIT error case: 'validation', 'altinn', 'unauthorized', … or 'component'. */
    this.kind = fields.kind ?? 'component';
    /** The Altinn code (`AUTH-00011`, `STD-00000`, …) or a validation code; null when none. */
    this.code = fields.code ?? null;
    /** The HTTP status Altinn answered with; null when no answer was involved. */
    this.status = fields.status ?? null;
    /** Field-level problems: `{code, field, message}`, possibly empty. */
    this.violations = fields.violations ?? [];
  }

  /** A plain object that is safe to log. */
  toJSON() {
    const out = { name: this.name, kind: this.kind, message: this.message };
    for (const k of ['code', 'status', 'title', 'detail', 'traceId', 'retryAfterSeconds', 'transportKind']) {
      if (this[k] !== undefined && this[k] !== null) out[k] = this[k];
    }
    if (this.violations.length) out.violations = this.violations;
    if (this.extensions && Object.keys(this.extensions).length) out.extensions = this.extensions;
    return out;
  }
}

/** The input is invalid; nothing was sent (or the pre-flight check against the registered system failed). */
export class ValidationError extends SystemUserError {
  constructor(violations) {
    const first = violations[0];
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    super(first ? `${first.field ? first.field + ': ' : ''}${first.message} [${first.code}]${more}` : 'invalid input', {
      kind: 'validation',
      code: first?.code ?? null,
      violations,
    });
  }
}

/**
 * Base of the errors that carry a server's answer (problem details): AltinnError,
 * UnauthorizedError, ForbiddenError, NotFoundError, ConflictError, UnavailableError and
 * MaskinportenError. `err instanceof ProblemError` → `status`, `title`, `detail`, `traceId`.
 */
export class ProblemError extends SystemUserError {
  constructor(kind, p) {
    super(p.message, { kind, code: p.code ?? null, status: p.status ?? null, violations: p.fieldErrors ?? [] });
    this.title = p.title ?? null;
    this.detail = p.detail ?? null;
    this.traceId = p.traceId ?? null;
  }
}

/** Altinn refused the request with a problem (a 4xx other than 401, 403, 404, 409 and 429). */
export class AltinnError extends ProblemError {
  constructor(p) {
    super('altinn', p);
    /** Extension members such as `NotFoundPackages`, parsed from JSON. */
    this.extensions = {};
    for (const { name, json } of p.extensions ?? []) {
      try {
        this.extensions[name] = JSON.parse(json);
      } catch {
        this.extensions[name] = json;
      }
    }
  }
}

/** 401: no token, or a token Altinn does not accept. */
export class UnauthorizedError extends ProblemError {
  constructor(p) {
    super('unauthorized', p);
  }
}

/**
 * 403: the token lacks the scope this operation needs (or the system is another vendor's). For
 * client delegation: the bureau's token may not administer its clients (the message says to
 * approve the bureau's own klientadministrator system user).
 */
export class ForbiddenError extends ProblemError {
  constructor(p) {
    super('forbidden', p);
  }
}

/** 404: no such request, system or system user (a foreign system looks the same). */
export class NotFoundError extends ProblemError {
  constructor(p) {
    super('not-found', p);
  }
}

/**
 * 409: e.g. AUTH-00013, the request is no longer `New`. Also a change request's correlation id
 * that already names another change (`code` 'correlation-id-reused'): never reported as success;
 * and a change to a deleted system in the System Register (`code` 'system-deleted').
 */
export class ConflictError extends ProblemError {
  constructor(p) {
    super('conflict', p);
  }
}

/**
 * Maskinporten refused a grant (config.maskinporten): `code` is its MP code (e.g. `MP-130`),
 * `title` its OAuth `error`, `detail` its `error_description`; the message says what to fix.
 */
export class MaskinportenError extends ProblemError {
  constructor(p) {
    super('maskinporten', p);
  }
}

/**
 * Altinn or Maskinporten could not answer now: 429, or 5xx after the retries the budget and the
 * deadline allowed. Not a "no": trying again later is safe. `retryAfterSeconds` is the server's
 * `Retry-After` when it gave one (also when it asked for longer than the client waits).
 */
export class UnavailableError extends ProblemError {
  constructor(outage) {
    super('unavailable', outage);
    /** Seconds the server asked the client to wait, or null when it did not say. */
    this.retryAfterSeconds = outage.retryAfterSeconds ?? null;
  }
}

/**
 * The HTTP exchange failed before a usable answer arrived (after any retries), or the
 * operation's deadline passed. Not a "no" either: the server may never have seen the request.
 */
export class TransportError extends SystemUserError {
  constructor(failure) {
    super(failure.message, { kind: 'transport' });
    /** 'connect' | 'timeout' | 'connection-lost' | 'too-large' | 'other' */
    this.transportKind = failure.kind;
  }
}

/**
 * The token provider or the signer failed, or a token cannot be sent; or, for client delegation,
 * the exchanged token acts for another organisation than the bureau.
 */
export class TokenError extends SystemUserError {
  constructor(message) {
    super(message, { kind: 'token' });
  }
}

/** Altinn's answer could not be understood or is not safe to use (e.g. a foreign confirmUrl). */
export class InvalidResponseError extends SystemUserError {
  constructor(message) {
    super(message, { kind: 'invalid-response' });
  }
}

/**
 * The host broke the operation protocol (an answer for another step, `start` twice, `finish`
 * before `done`): a bug in this package or in a host pumping `client.exports` by hand, never
 * the server's doing.
 */
export class MisuseError extends SystemUserError {
  constructor(message) {
    super(message, { kind: 'misuse' });
  }
}

/** The host side failed: the component is not built, could not be loaded, or trapped. */
export class ComponentFailureError extends SystemUserError {
  constructor(message, cause) {
    super(message, { kind: 'component', cause });
  }
}

/** Maps the WIT `error` variant (`{tag, val}`) to its Error subclass. */
export function fromWitError(e) {
  switch (e?.tag) {
    case 'validation':
      return new ValidationError(e.val);
    case 'altinn':
      return new AltinnError(e.val);
    case 'unauthorized':
      return new UnauthorizedError(e.val);
    case 'forbidden':
      return new ForbiddenError(e.val);
    case 'not-found':
      return new NotFoundError(e.val);
    case 'conflict':
      return new ConflictError(e.val);
    case 'unavailable':
      return new UnavailableError(e.val);
    case 'transport':
      return new TransportError(e.val);
    case 'token':
      return new TokenError(e.val);
    case 'maskinporten':
      return new MaskinportenError(e.val);
    case 'invalid-response':
      return new InvalidResponseError(e.val);
    case 'misuse':
      return new MisuseError(e.val);
    default:
      return new ComponentFailureError(`the component returned an error this package does not know: ${String(e?.tag)}`);
  }
}
