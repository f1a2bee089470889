// What goes in (create bodies) and what comes out (requests, system users, registered systems,
// pages, tokens): immutable classes over the library's JSON documents (ABI.md "outcome").
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;

namespace Altinn.SystemUser
{
    /// <summary>Standard (rights and packages for the vendor's own system) or agent (client delegation).</summary>
    public enum RequestKind
    {
        Standard,
        Agent,
    }

    /// <summary>A request's status. <see cref="Unknown"/> is a status this version does not know:
    /// Altinn's text is kept in <see cref="SystemUserRequest.StatusText"/>.</summary>
    public enum RequestStatus
    {
        Unknown,
        New,
        Accepted,
        Rejected,
        Denied,
        /// <summary>Timed out: Altinn's legacy status <c>Timedout</c>, or <c>New</c> with the timedOut flag.</summary>
        TimedOut,
    }

    /// <summary>Statuses as Altinn spells them, as every host writes them (the root README's "One vocabulary").</summary>
    public static class RequestStatusNames
    {
        /// <summary>Altinn's spelling: <c>New</c>, <c>Accepted</c>, <c>Rejected</c>, <c>Denied</c>, <c>Timedout</c>
        /// (<c>Unknown</c> for a status this version does not know: its text is in <see cref="SystemUserRequest.StatusText"/>).
        /// Write this, not <c>ToString()</c> (<c>TimedOut</c>), into a database or a log another host reads.</summary>
        public static string WireName(this RequestStatus status)
        {
            return status == RequestStatus.TimedOut ? "Timedout" : status.ToString();
        }
    }

    /// <summary>A system user's type; <see cref="Unknown"/> keeps Altinn's text in <see cref="SystemUser.UserTypeText"/>.</summary>
    public enum UserType
    {
        Unknown,
        Standard,
        Agent,
    }

    /// <summary>One attribute of a resource: <c>{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}</c>.</summary>
    public sealed class AttributePair
    {
        public AttributePair(string id, string value)
        {
            Id = id;
            Value = value;
        }

        public string Id { get; private set; }
        public string Value { get; private set; }

        public override string ToString() { return Id + "=" + Value; }
    }

    /// <summary>A right: a resource (a set of attribute pairs) and an optional action.</summary>
    public sealed class Right
    {
        public Right(IEnumerable<AttributePair> resource, string action = null)
        {
            if (resource == null) throw new ArgumentNullException("resource");
            Resource = new ReadOnlyCollection<AttributePair>(resource.ToList());
            Action = action;
        }

        /// <summary>The right on one Altinn resource: <c>urn:altinn:resource=value</c>.</summary>
        public static Right ForResource(string resourceId)
        {
            return new Right(new[] { new AttributePair("urn:altinn:resource", resourceId) });
        }

        public IReadOnlyList<AttributePair> Resource { get; private set; }
        public string Action { get; private set; }

        public override string ToString()
        {
            return string.Join("+", Resource.Select(p => p.ToString())) + (Action == null ? "" : " (" + Action + ")");
        }

        internal JsonObject ToJson()
        {
            var o = new JsonObject();
            if (Action != null) o.Add("action", Action);
            o.Add("resource", Resource.Select(p => (object)new JsonObject().Add("id", p.Id).Add("value", p.Value)).ToList());
            return o;
        }

        internal static Right FromJson(JsonObject o)
        {
            var pairs = o.GetArray("resource").Cast<JsonObject>().Select(p => new AttributePair(p.RequireString("id"), p.RequireString("value")));
            return new Right(pairs, o.GetString("action"));
        }

        internal static IReadOnlyList<Right> ListFrom(List<object> items)
        {
            return new ReadOnlyCollection<Right>((items ?? new List<object>()).Cast<JsonObject>().Select(FromJson).ToList());
        }
    }

    /// <summary>An access package: <c>urn:altinn:accesspackage:skattegrunnlag</c>.</summary>
    public sealed class AccessPackage
    {
        public AccessPackage(string urn)
        {
            if (urn == null) throw new ArgumentNullException("urn");
            Urn = urn;
        }

        /// <summary>The package of that name: <c>urn:altinn:accesspackage:{name}</c>.</summary>
        public static AccessPackage Named(string name) { return new AccessPackage("urn:altinn:accesspackage:" + name); }

        public string Urn { get; private set; }

        public override string ToString() { return Urn; }

        internal static IReadOnlyList<AccessPackage> ListFrom(List<object> items)
        {
            return new ReadOnlyCollection<AccessPackage>((items ?? new List<object>()).Cast<JsonObject>().Select(o => new AccessPackage(o.RequireString("urn"))).ToList());
        }
    }

    /// <summary>Texts in Norwegian bokmål, nynorsk and English (each may be null).</summary>
    public sealed class LocalizedText
    {
        public LocalizedText(string nb, string nn, string en)
        {
            Nb = nb;
            Nn = nn;
            En = en;
        }

        public string Nb { get; private set; }
        public string Nn { get; private set; }
        public string En { get; private set; }

        public override string ToString() { return Nb ?? En ?? Nn ?? ""; }

        internal static LocalizedText FromJson(JsonObject o)
        {
            if (o == null) return new LocalizedText(null, null, null);
            return new LocalizedText(o.GetString("nb"), o.GetString("nn"), o.GetString("en"));
        }

        internal JsonObject ToJson() { return new JsonObject().Add("nb", Nb).Add("nn", Nn).Add("en", En); }
    }

    /// <summary>The body of a standard request (Altinn's create body). Rules are the component's:
    /// nothing here checks them; <see cref="SystemUserClient.Validate(StandardRequest, RegisteredSystem)"/> does.</summary>
    public sealed class StandardRequest
    {
        public StandardRequest(string systemId, string partyOrgNo, string externalRef = null, IEnumerable<Right> rights = null,
            IEnumerable<AccessPackage> accessPackages = null, string integrationTitle = null, string redirectUrl = null)
        {
            SystemId = systemId;
            PartyOrgNo = partyOrgNo;
            ExternalRef = externalRef;
            Rights = rights == null ? null : new ReadOnlyCollection<Right>(rights.ToList());
            AccessPackages = accessPackages == null ? null : new ReadOnlyCollection<AccessPackage>(accessPackages.ToList());
            IntegrationTitle = integrationTitle;
            RedirectUrl = redirectUrl;
        }

        public string SystemId { get; private set; }
        /// <summary>The customer's organisation number (9 digits; a <c>0192:</c> prefix is stripped).</summary>
        public string PartyOrgNo { get; private set; }
        /// <summary>The vendor's key for this customer; Altinn uses the org number when it is absent.</summary>
        public string ExternalRef { get; private set; }
        public IReadOnlyList<Right> Rights { get; private set; }
        public IReadOnlyList<AccessPackage> AccessPackages { get; private set; }
        public string IntegrationTitle { get; private set; }
        public string RedirectUrl { get; private set; }

        public override string ToString() { return "StandardRequest(" + SystemId + ", " + PartyOrgNo + ", externalRef " + (ExternalRef ?? "(org no)") + ")"; }

        internal JsonObject ToJson()
        {
            return Bodies.Body(SystemId, PartyOrgNo, ExternalRef, IntegrationTitle, Rights, AccessPackages, RedirectUrl);
        }

        internal static StandardRequest FromJson(JsonObject o)
        {
            List<object> rights = o.GetArray("rights"), packages = o.GetArray("accessPackages");
            return new StandardRequest(o.GetString("systemId"), o.GetString("partyOrgNo"), o.GetString("externalRef"),
                rights == null ? null : Right.ListFrom(rights), packages == null ? null : AccessPackage.ListFrom(packages),
                o.GetString("integrationTitle"), o.GetString("redirectUrl"));
        }
    }

    /// <summary>The body of an agent request (a client system: access packages only, no rights).</summary>
    public sealed class AgentRequest
    {
        public AgentRequest(string systemId, string partyOrgNo, IEnumerable<AccessPackage> accessPackages, string externalRef = null,
            string integrationTitle = null, string redirectUrl = null)
        {
            SystemId = systemId;
            PartyOrgNo = partyOrgNo;
            AccessPackages = accessPackages == null ? null : new ReadOnlyCollection<AccessPackage>(accessPackages.ToList());
            ExternalRef = externalRef;
            IntegrationTitle = integrationTitle;
            RedirectUrl = redirectUrl;
        }

        public string SystemId { get; private set; }
        public string PartyOrgNo { get; private set; }
        public IReadOnlyList<AccessPackage> AccessPackages { get; private set; }
        public string ExternalRef { get; private set; }
        public string IntegrationTitle { get; private set; }
        public string RedirectUrl { get; private set; }

        public override string ToString() { return "AgentRequest(" + SystemId + ", " + PartyOrgNo + ", externalRef " + (ExternalRef ?? "(org no)") + ")"; }

        internal JsonObject ToJson()
        {
            return Bodies.Body(SystemId, PartyOrgNo, ExternalRef, IntegrationTitle, null, AccessPackages, RedirectUrl);
        }

        internal static AgentRequest FromJson(JsonObject o)
        {
            List<object> packages = o.GetArray("accessPackages");
            return new AgentRequest(o.GetString("systemId"), o.GetString("partyOrgNo"), packages == null ? null : AccessPackage.ListFrom(packages),
                o.GetString("externalRef"), o.GetString("integrationTitle"), o.GetString("redirectUrl"));
        }
    }

    internal static class Bodies
    {
        internal static JsonObject Body(string systemId, string partyOrgNo, string externalRef, string title, IEnumerable<Right> rights,
            IEnumerable<AccessPackage> packages, string redirectUrl)
        {
            if (systemId == null) throw new ArgumentNullException("systemId");
            if (partyOrgNo == null) throw new ArgumentNullException("partyOrgNo");
            var o = new JsonObject().Add("systemId", systemId).Add("partyOrgNo", partyOrgNo);
            if (externalRef != null) o.Add("externalRef", externalRef);
            if (title != null) o.Add("integrationTitle", title);
            if (rights != null) o.Add("rights", rights.Select(r => (object)r.ToJson()).ToList());
            if (packages != null) o.Add("accessPackages", packages.Select(p => (object)new JsonObject().Add("urn", p.Urn)).ToList());
            if (redirectUrl != null) o.Add("redirectUrl", redirectUrl);
            return o;
        }

        internal static DateTimeOffset? Time(JsonObject o, string name)
        {
            string s = o.GetString(name);
            if (s == null) return null;
            return DateTimeOffset.ParseExact(s, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        }

        internal static RequestStatus Status(string s)
        {
            switch (s)
            {
                case "New": return RequestStatus.New;
                case "Accepted": return RequestStatus.Accepted;
                case "Rejected": return RequestStatus.Rejected;
                case "Denied": return RequestStatus.Denied;
                case "Timedout": return RequestStatus.TimedOut;
                default: return RequestStatus.Unknown;
            }
        }

        internal static string Name(RequestKind kind) { return kind == RequestKind.Agent ? "agent" : "standard"; }
    }

    /// <summary>A system user request as Altinn keeps it.</summary>
    public sealed class SystemUserRequest
    {
        private SystemUserRequest() { }

        public string Id { get; private set; }
        public RequestKind Kind { get; private set; }
        /// <summary>The status Altinn sent (<see cref="RequestStatus.Unknown"/> for one this version does not know).</summary>
        public RequestStatus Status { get; private set; }
        /// <summary>Altinn's own text of the status (also for unknown ones).</summary>
        public string StatusText { get; private set; }
        /// <summary>The status to act on: <see cref="RequestStatus.TimedOut"/> for a New request with the timedOut flag.</summary>
        public RequestStatus EffectiveStatus { get; private set; }
        public string SystemId { get; private set; }
        public string PartyOrgNo { get; private set; }
        public string ExternalRef { get; private set; }
        public string IntegrationTitle { get; private set; }
        public IReadOnlyList<Right> Rights { get; private set; }
        public IReadOnlyList<AccessPackage> AccessPackages { get; private set; }
        public string RedirectUrl { get; private set; }
        /// <summary>Where the customer approves (checked by the component to be on the environment's confirm origin).</summary>
        public string ConfirmUrl { get; private set; }
        public bool Escalated { get; private set; }
        public DateTimeOffset? Created { get; private set; }
        public bool TimedOut { get; private set; }

        public override string ToString()
        {
            return "SystemUserRequest(" + Id + ", " + Bodies.Name(Kind) + ", " + StatusText + ", " + SystemId + ", customer " + PartyOrgNo + ", externalRef " + ExternalRef + ")";
        }

        internal static SystemUserRequest FromJson(JsonObject o)
        {
            return new SystemUserRequest
            {
                Id = o.RequireString("id"),
                Kind = o.RequireString("kind") == "agent" ? RequestKind.Agent : RequestKind.Standard,
                Status = Bodies.Status(o.RequireString("status")),
                StatusText = o.RequireString("statusText"),
                EffectiveStatus = Bodies.Status(o.RequireString("effectiveStatus")),
                SystemId = o.RequireString("systemId"),
                PartyOrgNo = o.RequireString("partyOrgNo"),
                ExternalRef = o.RequireString("externalRef"),
                IntegrationTitle = o.GetString("integrationTitle"),
                Rights = Right.ListFrom(o.GetArray("rights")),
                AccessPackages = AccessPackage.ListFrom(o.GetArray("accessPackages")),
                RedirectUrl = o.GetString("redirectUrl"),
                ConfirmUrl = o.GetString("confirmUrl"),
                Escalated = o.GetBool("escalated"),
                Created = Bodies.Time(o, "created"),
                TimedOut = o.GetBool("timedOut"),
            };
        }
    }

    /// <summary>The result of a create: the request, whether it is new (201) or an existing one
    /// with the same key (200), and whether a lost answer was reconciled by external ref.</summary>
    public sealed class CreatedRequest
    {
        internal CreatedRequest(SystemUserRequest request, bool isNew, bool reconciled)
        {
            Request = request;
            IsNew = isNew;
            Reconciled = reconciled;
        }

        public SystemUserRequest Request { get; private set; }
        public bool IsNew { get; private set; }
        public bool Reconciled { get; private set; }

        public override string ToString() { return "CreatedRequest(" + (Reconciled ? "reconciled" : IsNew ? "new" : "existing") + ", " + Request + ")"; }
    }

    /// <summary>A system user (exists once the customer approved).</summary>
    public sealed class SystemUser
    {
        private SystemUser() { }

        public string Id { get; private set; }
        public string IntegrationTitle { get; private set; }
        public string SystemId { get; private set; }
        public string ProductName { get; private set; }
        public string ReporteeOrgNo { get; private set; }
        public DateTimeOffset? Created { get; private set; }
        public bool IsDeleted { get; private set; }
        public string SupplierName { get; private set; }
        public string SupplierOrgNo { get; private set; }
        public string ExternalRef { get; private set; }
        public UserType UserType { get; private set; }
        /// <summary>Altinn's text of the user type (also for unknown ones).</summary>
        public string UserTypeText { get; private set; }

        public override string ToString() { return "SystemUser(" + Id + ", " + UserTypeText + ", " + SystemId + ", customer " + ReporteeOrgNo + ")"; }

        internal static SystemUser FromJson(JsonObject o)
        {
            string type = o.RequireString("userType");
            return new SystemUser
            {
                Id = o.RequireString("id"),
                IntegrationTitle = o.GetString("integrationTitle"),
                SystemId = o.RequireString("systemId"),
                ProductName = o.GetString("productName"),
                ReporteeOrgNo = o.RequireString("reporteeOrgNo"),
                Created = Bodies.Time(o, "created"),
                IsDeleted = o.GetBool("isDeleted"),
                SupplierName = o.GetString("supplierName"),
                SupplierOrgNo = o.GetString("supplierOrgNo"),
                ExternalRef = o.GetString("externalRef"),
                UserType = type == "standard" ? UserType.Standard : type == "agent" ? UserType.Agent : UserType.Unknown,
                UserTypeText = type,
            };
        }
    }

    /// <summary>The vendor's registered system (System Register), as read, listed or registered.</summary>
    public sealed class RegisteredSystem
    {
        public RegisteredSystem(string id, string vendorOrgNo, LocalizedText name, LocalizedText description, IEnumerable<Right> rights,
            IEnumerable<AccessPackage> accessPackages, IEnumerable<string> clientIds, bool isVisible, IEnumerable<string> allowedRedirectUrls, bool isDeleted)
        {
            Id = id;
            VendorOrgNo = vendorOrgNo;
            Name = name ?? new LocalizedText(null, null, null);
            Description = description ?? new LocalizedText(null, null, null);
            Rights = new ReadOnlyCollection<Right>((rights ?? Enumerable.Empty<Right>()).ToList());
            AccessPackages = new ReadOnlyCollection<AccessPackage>((accessPackages ?? Enumerable.Empty<AccessPackage>()).ToList());
            ClientIds = new ReadOnlyCollection<string>((clientIds ?? Enumerable.Empty<string>()).ToList());
            IsVisible = isVisible;
            AllowedRedirectUrls = new ReadOnlyCollection<string>((allowedRedirectUrls ?? Enumerable.Empty<string>()).ToList());
            IsDeleted = isDeleted;
        }

        /// <summary>A system to register (<see cref="SystemUserClient.RegisterSystemAsync"/>): its id
        /// (<c>{vendor org no}_{name}</c>, no spaces), the vendor, and texts in all of nb, nn and en
        /// (Altinn stores a text only with all three). Visible unless said otherwise; a system with
        /// agent-only access packages must not be.</summary>
        public static RegisteredSystem Create(string id, string vendorOrgNo, LocalizedText name, LocalizedText description, IEnumerable<Right> rights = null,
            IEnumerable<AccessPackage> accessPackages = null, IEnumerable<string> clientIds = null, bool isVisible = true, IEnumerable<string> allowedRedirectUrls = null)
        {
            if (id == null) throw new ArgumentNullException("id");
            if (vendorOrgNo == null) throw new ArgumentNullException("vendorOrgNo");
            return new RegisteredSystem(id, vendorOrgNo, name, description, rights, accessPackages, clientIds, isVisible, allowedRedirectUrls, false);
        }

        public string Id { get; private set; }
        public string VendorOrgNo { get; private set; }
        public LocalizedText Name { get; private set; }
        public LocalizedText Description { get; private set; }
        public IReadOnlyList<Right> Rights { get; private set; }
        public IReadOnlyList<AccessPackage> AccessPackages { get; private set; }
        public IReadOnlyList<string> ClientIds { get; private set; }
        public bool IsVisible { get; private set; }
        public IReadOnlyList<string> AllowedRedirectUrls { get; private set; }
        public bool IsDeleted { get; private set; }

        public override string ToString() { return "RegisteredSystem(" + Id + ", vendor " + VendorOrgNo + ", " + Name + ")"; }

        internal static RegisteredSystem FromJson(JsonObject o)
        {
            return new RegisteredSystem(o.RequireString("id"), o.RequireString("vendorOrgNo"), LocalizedText.FromJson(o.GetObject("name")),
                LocalizedText.FromJson(o.GetObject("description")), Right.ListFrom(o.GetArray("rights")), AccessPackage.ListFrom(o.GetArray("accessPackages")),
                (o.GetArray("clientIds") ?? new List<object>()).Cast<string>(), o.GetBool("isVisible", true),
                (o.GetArray("allowedRedirectUrls") ?? new List<object>()).Cast<string>(), o.GetBool("isDeleted"));
        }

        /// <summary>The registeredSystem document (ABI.md), as a validate document takes it.</summary>
        internal JsonObject ToJson()
        {
            return new JsonObject()
                .Add("id", Id).Add("vendorOrgNo", VendorOrgNo).Add("name", Name.ToJson()).Add("description", Description.ToJson())
                .Add("rights", Rights.Select(r => (object)r.ToJson()).ToList())
                .Add("accessPackages", AccessPackages.Select(p => (object)new JsonObject().Add("urn", p.Urn)).ToList())
                .Add("clientIds", ClientIds.Cast<object>().ToList()).Add("isVisible", IsVisible)
                .Add("allowedRedirectUrls", AllowedRedirectUrls.Cast<object>().ToList()).Add("isDeleted", IsDeleted);
        }
    }

    /// <summary>One page of a list and the token of the next one (null on the last page).</summary>
    public sealed class Page<T>
    {
        internal Page(IReadOnlyList<T> items, string nextPage)
        {
            Items = items;
            NextPage = nextPage;
        }

        public IReadOnlyList<T> Items { get; private set; }
        /// <summary>Pass it as the page argument to get the next page; null on the last one.</summary>
        public string NextPage { get; private set; }

        public override string ToString() { return "Page(" + Items.Count + " items" + (NextPage == null ? ", last" : ", more") + ")"; }
    }

    /// <summary>An access token. <see cref="ToString"/> never shows it; read <see cref="Value"/>
    /// only to put it in an Authorization header.</summary>
    public sealed class AccessToken
    {
        internal AccessToken(string value, string scope, DateTimeOffset expiresAt)
        {
            Value = value;
            Scope = scope;
            ExpiresAt = expiresAt;
        }

        /// <summary>The token itself: a secret.</summary>
        public string Value { get; private set; }
        public string Scope { get; private set; }
        public DateTimeOffset ExpiresAt { get; private set; }

        public override string ToString()
        {
            return "AccessToken([redacted], scope " + Scope + ", expires " + ExpiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + ")";
        }
    }

    /// <summary>The result of validating a create body without sending it.</summary>
    public sealed class ValidationResult<T> where T : class
    {
        internal ValidationResult(T normalized, IReadOnlyList<Violation> violations)
        {
            Normalized = normalized;
            Violations = violations;
        }

        public bool IsValid { get { return Violations.Count == 0; } }
        /// <summary>The body exactly as it would be sent (trimmed, <c>0192:</c> stripped); null when invalid.</summary>
        public T Normalized { get; private set; }
        /// <summary>Every broken rule, in the server's order.</summary>
        public IReadOnlyList<Violation> Violations { get; private set; }

        public override string ToString() { return IsValid ? "valid" : "invalid: " + string.Join("; ", Violations.Select(v => v.ToString())); }
    }
}
