// The System Register (API.md §13) and client delegation (§12): what goes in (a system to
// register, a change to one, the bureau) and what comes out (registrations, changelog entries,
// agent system users, client lists), over the library's JSON documents (ABI.md "outcome").
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace Altinn.SystemUser
{
    /// <summary>A system registered in the System Register: its new internal id, or, when the answer
    /// was lost and the system was found by its id instead (<see cref="Reconciled"/>), null.</summary>
    public sealed class SystemRegistration
    {
        internal SystemRegistration(string internalId, bool reconciled)
        {
            InternalId = internalId;
            Reconciled = reconciled;
        }

        public string InternalId { get; private set; }
        public bool Reconciled { get; private set; }

        public override string ToString() { return "SystemRegistration(" + (InternalId ?? "internal id unknown") + (Reconciled ? ", reconciled" : "") + ")"; }

        internal static SystemRegistration FromJson(JsonObject o) { return new SystemRegistration(o.GetString("internalId"), o.GetBool("reconciled")); }
    }

    /// <summary>A change to a registered system: its id and the members to replace. A member left
    /// null is <b>kept</b>: Altinn's PUT replaces the whole record, so the component reads the stored
    /// system, merges this in, checks the result as the server would and sends it whole.</summary>
    /// <example><code>new SystemUpdate("314248295_smartbyraa") { AllowedRedirectUrls = new[] { "https://byraa.example/cb" } }</code></example>
    public sealed class SystemUpdate
    {
        public SystemUpdate(string id)
        {
            if (id == null) throw new ArgumentNullException("id");
            Id = id;
        }

        public string Id { get; private set; }
        /// <summary>Give all of nb, nn and en: Altinn stores a text only with all three.</summary>
        public LocalizedText Name { get; set; }
        public LocalizedText Description { get; set; }
        public IEnumerable<Right> Rights { get; set; }
        public IEnumerable<AccessPackage> AccessPackages { get; set; }
        /// <summary>The system's Maskinporten client ids (each on no other active system).</summary>
        public IEnumerable<string> ClientIds { get; set; }
        public bool? IsVisible { get; set; }
        public IEnumerable<string> AllowedRedirectUrls { get; set; }

        public override string ToString() { return "SystemUpdate(" + Id + ")"; }

        internal JsonObject ToJson()
        {
            var o = new JsonObject().Add("id", Id);
            if (Name != null) o.Add("name", Name.ToJson());
            if (Description != null) o.Add("description", Description.ToJson());
            if (Rights != null) o.Add("rights", Rights.Select(r => (object)r.ToJson()).ToList());
            if (AccessPackages != null) o.Add("accessPackages", AccessPackages.Select(p => (object)new JsonObject().Add("urn", p.Urn)).ToList());
            if (ClientIds != null) o.Add("clientIds", ClientIds.Cast<object>().ToList());
            if (IsVisible.HasValue) o.Add("isVisible", IsVisible.Value);
            if (AllowedRedirectUrls != null) o.Add("allowedRedirectUrls", AllowedRedirectUrls.Cast<object>().ToList());
            return o;
        }
    }

    /// <summary>One entry of a registered system's changelog (newest first).</summary>
    public sealed class SystemChange
    {
        private SystemChange() { }

        public string SystemInternalId { get; private set; }
        public string ChangedByOrgNo { get; private set; }
        /// <summary><c>create</c>, <c>update</c>, <c>rightsupdate</c>, <c>accesspackageupdate</c> or <c>delete</c>.</summary>
        public string ChangeType { get; private set; }
        /// <summary>The body that was sent, as JSON text (a body that was not JSON: a JSON string of its text).</summary>
        public string ChangedData { get; private set; }
        /// <summary>The caller's Maskinporten client, or null.</summary>
        public string ClientId { get; private set; }
        public DateTimeOffset? Created { get; private set; }

        public override string ToString() { return "SystemChange(" + ChangeType + " by " + ChangedByOrgNo + ")"; }

        internal static SystemChange FromJson(JsonObject o)
        {
            return new SystemChange
            {
                SystemInternalId = o.RequireString("systemInternalId"),
                ChangedByOrgNo = o.RequireString("changedByOrgNo"),
                ChangeType = o.RequireString("changeType"),
                ChangedData = Json.Write(o.Get("changedData")),
                ClientId = o.GetString("clientId"),
                Created = Bodies.Time(o, "created"),
            };
        }
    }

    /// <summary>An accounting bureau whose clients its software administers: its organisation
    /// number and the external ref of its own <b>standard</b> system user for a system holding
    /// <c>urn:altinn:accesspackage:klientadministrator</c>, approved once by the bureau (null: the
    /// org number was the external ref). The component gets a system-user token for that system
    /// user with <c>altinn:clientdelegations.read</c> and <c>.write</c> (with Maskinporten options it
    /// makes the grant; else the token provider is asked for those two scopes and must give the
    /// bureau's Maskinporten system-user token), exchanges it for an Altinn token and keeps that
    /// until shortly before it expires.</summary>
    public sealed class Bureau
    {
        public Bureau(string orgNo, string externalRef = null)
        {
            if (orgNo == null) throw new ArgumentNullException("orgNo");
            OrgNo = orgNo;
            ExternalRef = externalRef;
        }

        public string OrgNo { get; private set; }
        public string ExternalRef { get; private set; }

        public override string ToString() { return "Bureau(" + OrgNo + ", externalRef " + (ExternalRef ?? "(org no)") + ")"; }

        internal JsonObject ToJson()
        {
            var o = new JsonObject().Add("orgNo", OrgNo);
            if (ExternalRef != null) o.Add("externalRef", ExternalRef);
            return o;
        }
    }

    /// <summary>An agent system user of a bureau as the client-delegation routes list it.</summary>
    public sealed class AgentSystemUser
    {
        private AgentSystemUser() { }

        public SystemUser SystemUser { get; private set; }
        /// <summary>The system user's id: the agent id the delegation calls take.</summary>
        public string Id { get { return SystemUser.Id; } }
        public string SystemInternalId { get; private set; }
        public string PartyUuid { get; private set; }
        /// <summary>The packages every client delegated to it must hold.</summary>
        public IReadOnlyList<AccessPackage> AccessPackages { get; private set; }

        public override string ToString() { return "AgentSystemUser(" + Id + ", " + SystemUser.SystemId + ", bureau " + SystemUser.ReporteeOrgNo + ")"; }

        internal static AgentSystemUser FromJson(JsonObject o)
        {
            return new AgentSystemUser
            {
                SystemUser = SystemUser.FromJson(o),
                SystemInternalId = o.GetString("systemInternalId"),
                PartyUuid = o.GetString("partyUuid"),
                AccessPackages = AccessPackage.ListFrom(o.GetArray("accessPackages")),
            };
        }
    }

    /// <summary>A client of an accounting bureau: its party uuid (<see cref="Id"/>, what
    /// <see cref="SystemUserClient.AddClientAsync"/> takes), organisation number and name.</summary>
    public sealed class BureauClient
    {
        internal BureauClient(string id, string orgNo, string name)
        {
            Id = id;
            OrgNo = orgNo;
            Name = name;
        }

        public string Id { get; private set; }
        public string OrgNo { get; private set; }
        public string Name { get; private set; }

        public override string ToString() { return "BureauClient(" + OrgNo + ", " + Name + ")"; }
    }

    /// <summary>The clients of an agent system user (delegated, or available to delegate). Never paged.</summary>
    public sealed class ClientList
    {
        private ClientList() { }

        public string SystemUserId { get; private set; }
        public string OwnerOrgNo { get; private set; }
        public IReadOnlyList<BureauClient> Clients { get; private set; }

        /// <summary>The client with this organisation number, or null.</summary>
        public BureauClient ByOrgNo(string orgNo) { return Clients.FirstOrDefault(c => c.OrgNo == orgNo); }

        public override string ToString() { return "ClientList(" + SystemUserId + ", " + Clients.Count + " clients)"; }

        internal static ClientList FromJson(JsonObject o)
        {
            return new ClientList
            {
                SystemUserId = o.RequireString("systemUserId"),
                OwnerOrgNo = o.RequireString("ownerOrgNo"),
                Clients = new ReadOnlyCollection<BureauClient>((o.GetArray("clients") ?? new List<object>()).Cast<JsonObject>()
                    .Select(c => new BureauClient(c.RequireString("id"), c.RequireString("orgNo"), c.GetString("name"))).ToList()),
            };
        }
    }

    /// <summary>A client (its party uuid) delegated to, or removed from, an agent system user (its id).</summary>
    public sealed class ClientLink : IEquatable<ClientLink>
    {
        internal ClientLink(string agent, string client)
        {
            Agent = agent;
            Client = client;
        }

        public string Agent { get; private set; }
        public string Client { get; private set; }

        public bool Equals(ClientLink other) { return other != null && other.Agent == Agent && other.Client == Client; }
        public override bool Equals(object obj) { return Equals(obj as ClientLink); }
        public override int GetHashCode() { return (Agent ?? "").GetHashCode() * 31 + (Client ?? "").GetHashCode(); }
        public override string ToString() { return "ClientLink(agent " + Agent + ", client " + Client + ")"; }

        internal static ClientLink FromJson(JsonObject o) { return new ClientLink(o.RequireString("agent"), o.RequireString("client")); }
    }
}
