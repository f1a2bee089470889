package systemuser

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrorKind is the kind of an error the component reports (the WIT `error` variant's case).
type ErrorKind string

// The component's error kinds. Unavailable and transport mean "could not tell", never "no".
const (
	KindValidation      ErrorKind = "validation"       // the input breaks a rule; nothing was sent
	KindAltinn          ErrorKind = "altinn"           // Altinn refused, with a problem (code, status, …)
	KindUnauthorized    ErrorKind = "unauthorized"     // 401: no or a bad token
	KindForbidden       ErrorKind = "forbidden"        // 403: the token lacks a scope, or another vendor's system
	KindNotFound        ErrorKind = "not-found"        // 404
	KindConflict        ErrorKind = "conflict"         // 409
	KindUnavailable     ErrorKind = "unavailable"      // 429, or 5xx after the retries allowed
	KindTransport       ErrorKind = "transport"        // the exchange failed or the deadline passed
	KindToken           ErrorKind = "token"            // the token source or the signer failed
	KindMaskinporten    ErrorKind = "maskinporten"     // Maskinporten refused a grant (Code is the MP code)
	KindInvalidResponse ErrorKind = "invalid-response" // an answer that is not one, or to another question
	KindMisuse          ErrorKind = "misuse"           // the operation's protocol was broken
)

// Violation is one broken rule of a request: a stable code (Altinn's AUTH code where it has
// one), the field's path and a message that says what to do.
type Violation struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ErrorInfo is what the component says about an error; Error and the more specific errors
// carry it (its members are promoted: e.Code, e.Status, …).
type ErrorInfo struct {
	Kind       ErrorKind
	Message    string
	Status     int    // the HTTP status, 0 when none
	Code       string // Altinn's code (AUTH-…), or the Maskinporten code (MP-…), "" when none
	Title      string
	Detail     string
	TraceID    string
	Violations []Violation                // validation, and an altinn problem's field errors
	Extensions map[string]json.RawMessage // other members of an altinn problem (e.g. NotFoundPackages)
}

// Error is an error the component reported for an operation, of any ErrorKind. The more
// specific errors (ValidationError, UnavailableError, TransportError) unwrap to one, so
// errors.As(err, &e) with e *Error works for all of them. Any bearer token or assertion the
// operation sent has been replaced by "[redacted]" in every text.
type Error struct{ ErrorInfo }

func (e *Error) Error() string { return e.text() }

func (e *ErrorInfo) text() string {
	var b strings.Builder
	b.WriteString("systemuser: ")
	b.WriteString(string(e.Kind))
	// The component's messages for Altinn's answers already say the status ("Altinn refused
	// the request (400 AUTH-00004): …"): say it once.
	if e.Status != 0 && !strings.Contains(e.Message, fmt.Sprint(e.Status)) {
		fmt.Fprintf(&b, " (%d)", e.Status)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Code != "" && !strings.Contains(e.Message, e.Code) {
		fmt.Fprintf(&b, " [%s]", e.Code)
	}
	return b.String()
}

// Is lets errors.Is(err, systemuser.ErrNotFound) and the like test the kind.
func (e *Error) Is(target error) bool {
	var k kindError
	if errors.As(target, &k) {
		return e.Kind == ErrorKind(k)
	}
	return false
}

type kindError ErrorKind

func (k kindError) Error() string { return "systemuser: " + string(k) }

// Sentinels for errors.Is on the kind of an *Error.
var (
	ErrValidation      error = kindError(KindValidation)
	ErrAltinn          error = kindError(KindAltinn)
	ErrUnauthorized    error = kindError(KindUnauthorized)
	ErrForbidden       error = kindError(KindForbidden)
	ErrNotFound        error = kindError(KindNotFound)
	ErrConflict        error = kindError(KindConflict)
	ErrUnavailable     error = kindError(KindUnavailable)
	ErrTransport       error = kindError(KindTransport)
	ErrToken           error = kindError(KindToken)
	ErrMaskinporten    error = kindError(KindMaskinporten)
	ErrInvalidResponse error = kindError(KindInvalidResponse)
	ErrMisuse          error = kindError(KindMisuse)
)

// ValidationError: the request breaks the rules in Violations; nothing was sent.
type ValidationError struct{ ErrorInfo }

func (e *ValidationError) Unwrap() error { return &Error{e.ErrorInfo} }
func (e *ValidationError) Error() string { return e.text() }

// Codes are the violations' codes, in the server's rule order.
func (e *ValidationError) Codes() []string {
	codes := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		codes[i] = v.Code
	}
	return codes
}

// UnavailableError: Altinn (or Maskinporten) could not answer now (429, or 5xx after the
// retries the budget and the deadline allowed). Could not tell, never "no".
type UnavailableError struct {
	ErrorInfo
	// RetryAfterSeconds is the server's Retry-After, -1 when it gave none.
	RetryAfterSeconds int
}

func (e *UnavailableError) Unwrap() error { return &Error{e.ErrorInfo} }
func (e *UnavailableError) Error() string { return e.text() }

// TransportKind is how an exchange failed.
type TransportKind string

const (
	TransportConnect        TransportKind = "connect"
	TransportTimeout        TransportKind = "timeout"
	TransportConnectionLost TransportKind = "connection-lost"
	TransportTooLarge       TransportKind = "too-large"
	TransportOther          TransportKind = "other"
)

// TransportError: the exchange itself failed, or the operation's deadline passed. Could not
// tell, never "no".
type TransportError struct {
	ErrorInfo
	Transport TransportKind
}

func (e *TransportError) Unwrap() error { return &Error{e.ErrorInfo} }
func (e *TransportError) Error() string { return e.text() + " [" + string(e.Transport) + "]" }

// LibraryErrorKind is the kind of an error of libsystemuser itself (not of an operation).
type LibraryErrorKind string

const (
	// LibraryComponent: a trap inside the component, or an instance that cannot start. The
	// operation is lost; the client is not: the next operation gets a fresh instance.
	LibraryComponent LibraryErrorKind = "component"
	// LibraryPanic: a panic inside the library, caught at its boundary.
	LibraryPanic LibraryErrorKind = "panic"
	// LibraryLoad: the component cannot be read or compiled (or the library is of another ABI).
	LibraryLoad LibraryErrorKind = "load"
	// LibraryInvalidArgument: a document the library refused (not JSON, not its schema).
	LibraryInvalidArgument LibraryErrorKind = "invalid-argument"
	// LibraryMisuse: a call out of order or concurrent on one operation.
	LibraryMisuse LibraryErrorKind = "misuse"
)

// LibraryError is an error of libsystemuser's own functions.
type LibraryError struct {
	Kind    LibraryErrorKind
	Message string
}

func (e *LibraryError) Error() string {
	return "systemuser: libsystemuser " + string(e.Kind) + ": " + e.Message
}

// wireError is the `error` document of a done step.
type wireError struct {
	Kind              ErrorKind                  `json:"kind"`
	Message           string                     `json:"message"`
	Status            *int                       `json:"status"`
	Code              *string                    `json:"code"`
	Title             *string                    `json:"title"`
	Detail            *string                    `json:"detail"`
	TraceID           *string                    `json:"traceId"`
	RetryAfterSeconds *int                       `json:"retryAfterSeconds"`
	Transport         *TransportKind             `json:"transport"`
	Violations        []Violation                `json:"violations"`
	Extensions        map[string]json.RawMessage `json:"extensions"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// toError turns the error document into the most specific Go error for its kind.
func (w *wireError) toError() error {
	e := ErrorInfo{Kind: w.Kind, Message: w.Message, Code: str(w.Code), Title: str(w.Title), Detail: str(w.Detail),
		TraceID: str(w.TraceID), Violations: w.Violations, Extensions: w.Extensions}
	if w.Status != nil {
		e.Status = *w.Status
	}
	switch w.Kind {
	case KindValidation:
		return &ValidationError{e}
	case KindUnavailable:
		u := &UnavailableError{ErrorInfo: e, RetryAfterSeconds: -1}
		if w.RetryAfterSeconds != nil {
			u.RetryAfterSeconds = *w.RetryAfterSeconds
		}
		return u
	case KindTransport:
		t := &TransportError{ErrorInfo: e, Transport: TransportOther}
		if w.Transport != nil {
			t.Transport = *w.Transport
		}
		return t
	}
	return &Error{e}
}
