// Exceptions mirroring the error kinds: the component's (in a done step: validation, altinn,
// unauthorized, forbidden, not-found, conflict, unavailable, transport, token, maskinporten,
// invalid-response, misuse) and the library's own (invalid-argument, load, component, misuse,
// panic). Messages come from the component or the library, which never put a secret in them.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace Altinn.SystemUser
{
    /// <summary>What went wrong, one case per error kind of the component and the library.</summary>
    public enum ErrorKind
    {
        /// <summary>The input breaks a rule; nothing was sent (<see cref="ValidationException"/>).</summary>
        Validation,
        /// <summary>Altinn answered with a problem (<see cref="AltinnException"/>).</summary>
        Altinn,
        /// <summary>401: no token, or an expired one.</summary>
        Unauthorized,
        /// <summary>403: the token lacks the scope, or another vendor's system.</summary>
        Forbidden,
        /// <summary>404: no such request, system or system user (for this vendor).</summary>
        NotFound,
        /// <summary>409: the request is not in a state that allows this.</summary>
        Conflict,
        /// <summary>429 or 5xx after the retries allowed: could not tell, never a "no".</summary>
        Unavailable,
        /// <summary>The exchange failed (connect, timeout, connection lost, too large): could not tell.</summary>
        Transport,
        /// <summary>The token provider or the signer failed.</summary>
        Token,
        /// <summary>Maskinporten refused the grant (the MP code is in <see cref="ProblemException.Code"/>).</summary>
        Maskinporten,
        /// <summary>An answer that is not one Altinn gives, or an answer to another question.</summary>
        InvalidResponse,
        /// <summary>The operation's protocol was broken (a bug of the binding).</summary>
        Misuse,
        /// <summary>The component trapped; the library dropped that session and the next call works.</summary>
        Component,
        /// <summary>The library panicked (caught at its boundary).</summary>
        Panic,
        /// <summary>The library or the component could not be loaded.</summary>
        Load,
        /// <summary>The library refused a document or an argument.</summary>
        InvalidArgument,
    }

    /// <summary>The base of every error of this package.</summary>
    public class SystemUserException : Exception
    {
        internal SystemUserException(ErrorKind kind, string kindName, string message, Exception inner = null)
            : base(message, inner)
        {
            Kind = kind;
            KindName = kindName;
        }

        /// <summary>The kind of error.</summary>
        public ErrorKind Kind { get; private set; }

        /// <summary>The kind as the library names it (<c>not-found</c>, <c>invalid-argument</c>, …).</summary>
        public string KindName { get; private set; }

        /// <summary>"Could not tell" (unavailable, transport): try again later, it was not a "no".</summary>
        public bool CouldNotTell { get { return Kind == ErrorKind.Unavailable || Kind == ErrorKind.Transport; } }
    }

    /// <summary>One broken rule: a stable code (Altinn's AUTH code where it has one), the field
    /// and what to do.</summary>
    public sealed class Violation
    {
        public Violation(string code, string field, string message)
        {
            Code = code;
            Field = field;
            Message = message;
        }

        public string Code { get; private set; }
        public string Field { get; private set; }
        public string Message { get; private set; }

        public override string ToString() { return Field + ": " + Message + " [" + Code + "]"; }

        internal static IReadOnlyList<Violation> ListFrom(List<object> items)
        {
            var list = new List<Violation>();
            if (items != null)
            {
                foreach (object item in items)
                {
                    var o = (JsonObject)item;
                    list.Add(new Violation(o.RequireString("code"), o.RequireString("field"), o.RequireString("message")));
                }
            }
            return new ReadOnlyCollection<Violation>(list);
        }
    }

    /// <summary>The request breaks the component's rules (the server's, in its order); nothing was sent.</summary>
    public sealed class ValidationException : SystemUserException
    {
        internal ValidationException(string message, IReadOnlyList<Violation> violations)
            : base(ErrorKind.Validation, "validation", message)
        {
            Violations = violations;
        }

        public IReadOnlyList<Violation> Violations { get; private set; }

        /// <summary>The violations' codes.</summary>
        public IReadOnlyList<string> Codes { get { return Violations.Select(v => v.Code).ToList(); } }
    }

    /// <summary>An answer of Altinn or Maskinporten that carries a problem: status, code, title,
    /// detail, trace id (each null when the server sent none).</summary>
    public class ProblemException : SystemUserException
    {
        internal ProblemException(ErrorKind kind, string kindName, string message, JsonObject e)
            : base(kind, kindName, message)
        {
            long? status = e.GetLong("status");
            Status = status.HasValue ? (int?)status.Value : null;
            Code = e.GetString("code");
            Title = e.GetString("title");
            Detail = e.GetString("detail");
            TraceId = e.GetString("traceId");
        }

        /// <summary>The HTTP status.</summary>
        public int? Status { get; private set; }
        /// <summary>Altinn's code (e.g. AUTH-00011) or Maskinporten's (e.g. MP-303).</summary>
        public string Code { get; private set; }
        public string Title { get; private set; }
        public string Detail { get; private set; }
        public string TraceId { get; private set; }
    }

    /// <summary>Altinn refused with a problem (e.g. 400 AUTH-00004), with its field errors and extensions.</summary>
    public sealed class AltinnException : ProblemException
    {
        internal AltinnException(string message, JsonObject e) : base(ErrorKind.Altinn, "altinn", message, e)
        {
            Violations = Violation.ListFrom(e.GetArray("violations"));
            var ext = new Dictionary<string, string>();
            JsonObject o = e.GetObject("extensions");
            if (o != null) foreach (var m in o) ext[m.Key] = Json.Write(m.Value);
            Extensions = new ReadOnlyDictionary<string, string>(ext);
        }

        /// <summary>The problem's field errors.</summary>
        public IReadOnlyList<Violation> Violations { get; private set; }

        /// <summary>Other top-level members of the problem (e.g. NotFoundPackages), each as JSON text.</summary>
        public IReadOnlyDictionary<string, string> Extensions { get; private set; }
    }

    public sealed class UnauthorizedException : ProblemException
    {
        internal UnauthorizedException(string message, JsonObject e) : base(ErrorKind.Unauthorized, "unauthorized", message, e) { }
    }

    public sealed class ForbiddenException : ProblemException
    {
        internal ForbiddenException(string message, JsonObject e) : base(ErrorKind.Forbidden, "forbidden", message, e) { }
    }

    public sealed class NotFoundException : ProblemException
    {
        internal NotFoundException(string message, JsonObject e) : base(ErrorKind.NotFound, "not-found", message, e) { }
    }

    public sealed class ConflictException : ProblemException
    {
        internal ConflictException(string message, JsonObject e) : base(ErrorKind.Conflict, "conflict", message, e) { }
    }

    /// <summary>429, or 5xx after the retries allowed: could not tell. <see cref="RetryAfterSeconds"/>
    /// is the server's Retry-After when it gave one.</summary>
    public sealed class UnavailableException : ProblemException
    {
        internal UnavailableException(string message, JsonObject e) : base(ErrorKind.Unavailable, "unavailable", message, e)
        {
            RetryAfterSeconds = e.GetLong("retryAfterSeconds");
        }

        public long? RetryAfterSeconds { get; private set; }
    }

    /// <summary>Maskinporten refused the grant; <see cref="ProblemException.Code"/> is the MP code.</summary>
    public sealed class MaskinportenException : ProblemException
    {
        internal MaskinportenException(string message, JsonObject e) : base(ErrorKind.Maskinporten, "maskinporten", message, e) { }
    }

    /// <summary>How an exchange failed.</summary>
    public enum TransportKind
    {
        Connect,
        Timeout,
        ConnectionLost,
        TooLarge,
        Other,
    }

    /// <summary>The exchange failed or the deadline passed: could not tell.</summary>
    public sealed class TransportException : SystemUserException
    {
        internal TransportException(string message, string transport) : base(ErrorKind.Transport, "transport", message)
        {
            TransportKindName = transport;
            switch (transport)
            {
                case "connect": TransportKind = TransportKind.Connect; break;
                case "timeout": TransportKind = TransportKind.Timeout; break;
                case "connection-lost": TransportKind = TransportKind.ConnectionLost; break;
                case "too-large": TransportKind = TransportKind.TooLarge; break;
                default: TransportKind = TransportKind.Other; break;
            }
        }

        public TransportKind TransportKind { get; private set; }

        /// <summary>The kind as the library names it (<c>connection-lost</c>, …).</summary>
        public string TransportKindName { get; private set; }
    }

    /// <summary>The token provider or the signer failed, or gave a token that cannot be sent.</summary>
    public sealed class TokenException : SystemUserException
    {
        internal TokenException(string message) : base(ErrorKind.Token, "token", message) { }
    }

    /// <summary>An answer that is not one Altinn gives, or one to another question than asked.</summary>
    public sealed class InvalidResponseException : SystemUserException
    {
        internal InvalidResponseException(string message) : base(ErrorKind.InvalidResponse, "invalid-response", message) { }
    }

    /// <summary>The operation's protocol was broken: a bug of this binding, never of the caller.</summary>
    public sealed class MisuseException : SystemUserException
    {
        internal MisuseException(string message) : base(ErrorKind.Misuse, "misuse", message) { }
    }

    /// <summary>An error of libsystemuser itself rather than of the operation.</summary>
    public abstract class LibraryException : SystemUserException
    {
        internal LibraryException(ErrorKind kind, string kindName, string message, Exception inner = null)
            : base(kind, kindName, message, inner) { }
    }

    /// <summary>The component trapped. The library dropped that session; the next call works.</summary>
    public sealed class ComponentException : LibraryException
    {
        internal ComponentException(string message) : base(ErrorKind.Component, "component", message) { }
    }

    /// <summary>The library panicked; it caught the panic at its boundary.</summary>
    public sealed class PanicException : LibraryException
    {
        internal PanicException(string message) : base(ErrorKind.Panic, "panic", message) { }
    }

    /// <summary>libsystemuser or the component could not be loaded.</summary>
    public sealed class LoadException : LibraryException
    {
        internal LoadException(string message, Exception inner = null) : base(ErrorKind.Load, "load", message, inner) { }
    }

    /// <summary>The library refused a document or an argument.</summary>
    public sealed class InvalidArgumentException : LibraryException
    {
        internal InvalidArgumentException(string message) : base(ErrorKind.InvalidArgument, "invalid-argument", message) { }
    }

    /// <summary>The library refused a call out of order (a bug of this binding).</summary>
    public sealed class LibraryMisuseException : LibraryException
    {
        internal LibraryMisuseException(string message) : base(ErrorKind.Misuse, "misuse", message) { }
    }

    internal static class Errors
    {
        internal static SystemUserException FromLibrary(string kind, string message)
        {
            switch (kind)
            {
                case "invalid-argument": return new InvalidArgumentException(message);
                case "load": return new LoadException(message);
                case "component": return new ComponentException(message);
                case "misuse": return new LibraryMisuseException(message);
                case "panic": return new PanicException(message);
                default: return new ComponentException("libsystemuser returned an error of an unknown kind (" + kind + "): " + message);
            }
        }

        /// <summary>The error of a done step.</summary>
        internal static SystemUserException FromDone(JsonObject e)
        {
            string kind = e.RequireString("kind");
            string message = e.RequireString("message");
            switch (kind)
            {
                case "validation": return new ValidationException(message, Violation.ListFrom(e.GetArray("violations")));
                case "altinn": return new AltinnException(message, e);
                case "unauthorized": return new UnauthorizedException(message, e);
                case "forbidden": return new ForbiddenException(message, e);
                case "not-found": return new NotFoundException(message, e);
                case "conflict": return new ConflictException(message, e);
                case "unavailable": return new UnavailableException(message, e);
                case "maskinporten": return new MaskinportenException(message, e);
                case "transport": return new TransportException(message, e.GetString("transport") ?? "other");
                case "token": return new TokenException(message);
                case "invalid-response": return new InvalidResponseException(message);
                case "misuse": return new MisuseException(message);
                default: return new InvalidResponseException("the component returned an error of a kind this binding does not know (" + kind + "): " + message);
            }
        }
    }
}
