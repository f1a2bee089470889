// The client: one async method per operation of the component. Every rule (validation, the
// status machine, the wire protocol, pre-flight, idempotent create, paging, retries, answer
// binding, grants) is the component's; this class builds the task document, pumps the
// operation and reads the outcome.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

[assembly: InternalsVisibleTo("Altinn.SystemUser.Tests")]
[assembly: InternalsVisibleTo("Altinn.SystemUser.Bench")]

namespace Altinn.SystemUser
{
    /// <summary>Creates and follows Altinn system user requests. Thread-safe: share one per
    /// configuration. Dispose it when done (operations still running are then cut off).</summary>
    public sealed class SystemUserClient : IDisposable
    {
        private readonly ClientHandle handle = new ClientHandle();
        private readonly ITransport transport;
        private readonly Pump pump;
        private readonly string description;

        /// <summary>A client on the embedded component (<see cref="SystemUserRuntime.Default"/>).</summary>
        public SystemUserClient(SystemUserClientOptions options) : this(options, null) { }

        /// <summary>A client on a given runtime (e.g. a component file of your own).</summary>
        public SystemUserClient(SystemUserClientOptions options, SystemUserRuntime runtime)
            : this(options, runtime, null) { }

        internal SystemUserClient(SystemUserClientOptions options, SystemUserRuntime runtime, ITransport transportOverride)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (options.Maskinporten == null && options.TokenProvider == null)
            {
                throw new ArgumentException("set SystemUserClientOptions.Maskinporten (a key: the component gets its own tokens) or TokenProvider (tokens from your own Maskinporten client)");
            }
            byte[] config = options.ConfigDocument();
            // The transport first: a handler it refuses leaves no native client behind.
            transport = transportOverride ?? new HttpTransport(options.HttpMessageHandler);
            if (runtime == null) runtime = SystemUserRuntime.Default;
            Documents.Observe("config", config);
            IntPtr raw = runtime.Handle.Use(rt =>
            {
                using (var p = new Native.Pinned(config))
                {
                    IntPtr created;
                    Native.Check(NativeMethods.su_client_new(rt, p.Pointer, p.Length, out created));
                    return created;
                }
            });
            handle.Adopt(raw);
            pump = new Pump(transport, options.Maskinporten == null ? null : options.Maskinporten.Key, options.TokenProvider);
            description = "SystemUserClient(" + options.Environment + (options.Maskinporten != null ? ", " + options.Maskinporten : ", token provider") + ")";
        }

        public override string ToString() { return description; }

        /// <summary>Frees the client. Calls in flight on other threads finish first (the native
        /// handle is released when the last one ends).</summary>
        public void Dispose()
        {
            handle.Dispose();
            transport.Dispose();
        }

        // ---- create ---------------------------------------------------------------------------------

        /// <summary>Creates a standard request, or finds the existing one with the same key (system,
        /// customer, external ref): pre-flight against the registered system, never sent twice, a
        /// lost answer reconciled by external ref.</summary>
        public async Task<CreatedRequest> CreateStandardRequestAsync(StandardRequest request, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (request == null) throw new ArgumentNullException("request");
            return Created(await RunAsync(Task("create-standard-request").Add("request", request.ToJson()), cancellationToken).ConfigureAwait(false));
        }

        /// <summary>Creates an agent request (client delegation), or finds the existing one.</summary>
        public async Task<CreatedRequest> CreateAgentRequestAsync(AgentRequest request, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (request == null) throw new ArgumentNullException("request");
            return Created(await RunAsync(Task("create-agent-request").Add("request", request.ToJson()), cancellationToken).ConfigureAwait(false));
        }

        // ---- read -------------------------------------------------------------------------------------

        public async Task<SystemUserRequest> GetRequestAsync(string id, RequestKind kind = RequestKind.Standard, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("get-request").Add("id", Required(id, "id")).Add("kind", Bodies.Name(kind));
            return SystemUserRequest.FromJson((await RunAsync(t, cancellationToken).ConfigureAwait(false)).GetObject("request"));
        }

        public async Task<SystemUserRequest> GetRequestByExternalRefAsync(string systemId, string orgNo, string externalRef, RequestKind kind = RequestKind.Standard,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("get-request-by-external-ref").Add("systemId", Required(systemId, "systemId")).Add("orgNo", Required(orgNo, "orgNo"))
                .Add("externalRef", Required(externalRef, "externalRef")).Add("kind", Bodies.Name(kind));
            return SystemUserRequest.FromJson((await RunAsync(t, cancellationToken).ConfigureAwait(false)).GetObject("request"));
        }

        /// <summary>One page of the system's requests; pass <see cref="Page{T}.NextPage"/> for the next.</summary>
        public async Task<Page<SystemUserRequest>> ListRequestsAsync(string systemId, RequestKind kind = RequestKind.Standard, string page = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("list-requests").Add("systemId", Required(systemId, "systemId")).Add("kind", Bodies.Name(kind)).Add("page", page);
            JsonObject o = await RunAsync(t, cancellationToken).ConfigureAwait(false);
            return new Page<SystemUserRequest>(o.GetArray("items").Cast<JsonObject>().Select(SystemUserRequest.FromJson).ToList().AsReadOnly(), o.GetString("nextPage"));
        }

        /// <summary>Every request of the system in one operation (the component follows the pages,
        /// at most 5,000, and ends a list whose pages repeat).</summary>
        public async Task<IReadOnlyList<SystemUserRequest>> ListAllRequestsAsync(string systemId, RequestKind kind = RequestKind.Standard,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("list-all-requests").Add("systemId", Required(systemId, "systemId")).Add("kind", Bodies.Name(kind));
            JsonObject o = await RunAsync(t, cancellationToken).ConfigureAwait(false);
            return o.GetArray("items").Cast<JsonObject>().Select(SystemUserRequest.FromJson).ToList().AsReadOnly();
        }

        /// <summary>The system's requests page by page, one operation per page as you move on.</summary>
        public AsyncPages<SystemUserRequest> RequestPages(string systemId, RequestKind kind = RequestKind.Standard)
        {
            Required(systemId, "systemId");
            return new AsyncPages<SystemUserRequest>((page, ct) => ListRequestsAsync(systemId, kind, page, ct));
        }

        /// <summary>Withdraws (deletes) a request of either kind; frees its key.</summary>
        public async Task WithdrawRequestAsync(string id, CancellationToken cancellationToken = default(CancellationToken))
        {
            await RunAsync(Task("withdraw-request").Add("id", Required(id, "id")), cancellationToken).ConfigureAwait(false);
        }

        // ---- system users -------------------------------------------------------------------------------

        /// <summary>The customer's system user for this system and external ref, or null when there is none.</summary>
        public async Task<SystemUser> VerifySystemUserAsync(string systemId, string orgNo, string externalRef = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("verify-system-user").Add("systemId", Required(systemId, "systemId")).Add("orgNo", Required(orgNo, "orgNo")).Add("externalRef", externalRef);
            JsonObject user = (await RunAsync(t, cancellationToken).ConfigureAwait(false)).GetObject("systemUser");
            return user == null ? null : SystemUser.FromJson(user);
        }

        public async Task<Page<SystemUser>> ListSystemUsersAsync(string systemId, string page = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("list-system-users").Add("systemId", Required(systemId, "systemId")).Add("page", page);
            JsonObject o = await RunAsync(t, cancellationToken).ConfigureAwait(false);
            return new Page<SystemUser>(o.GetArray("items").Cast<JsonObject>().Select(SystemUser.FromJson).ToList().AsReadOnly(), o.GetString("nextPage"));
        }

        public async Task<IReadOnlyList<SystemUser>> ListAllSystemUsersAsync(string systemId, CancellationToken cancellationToken = default(CancellationToken))
        {
            JsonObject o = await RunAsync(Task("list-all-system-users").Add("systemId", Required(systemId, "systemId")), cancellationToken).ConfigureAwait(false);
            return o.GetArray("items").Cast<JsonObject>().Select(SystemUser.FromJson).ToList().AsReadOnly();
        }

        public AsyncPages<SystemUser> SystemUserPages(string systemId)
        {
            Required(systemId, "systemId");
            return new AsyncPages<SystemUser>((page, ct) => ListSystemUsersAsync(systemId, page, ct));
        }

        public async Task<RegisteredSystem> GetRegisteredSystemAsync(string systemId, CancellationToken cancellationToken = default(CancellationToken))
        {
            JsonObject o = await RunAsync(Task("get-registered-system").Add("systemId", Required(systemId, "systemId")), cancellationToken).ConfigureAwait(false);
            return RegisteredSystem.FromJson(o.GetObject("system"));
        }

        /// <summary>The vendor's system, or null when the System Register has none (deleted systems are found too).</summary>
        public async Task<RegisteredSystem> FindRegisteredSystemAsync(string systemId, CancellationToken cancellationToken = default(CancellationToken))
        {
            try
            {
                return await GetRegisteredSystemAsync(systemId, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                return null;
            }
        }

        // ---- the System Register (API.md §13) -------------------------------------------------------------

        /// <summary>The vendor's own systems (deleted ones left out; Altinn's listing has no client ids or redirect URLs).</summary>
        public async Task<IReadOnlyList<RegisteredSystem>> ListSystemsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            JsonObject o = await RunAsync(Task("list-systems"), cancellationToken).ConfigureAwait(false);
            return o.GetArray("items").Cast<JsonObject>().Select(RegisteredSystem.FromJson).ToList().AsReadOnly();
        }

        /// <summary>Registers a system (<see cref="RegisteredSystem.Create"/>): checked first as Altinn
        /// would (<see cref="ValidationException"/> with AUTH.VLD codes, nothing sent), POSTed once, a
        /// lost answer found again by id. Altinn's own refusals are <see cref="AltinnException"/> with
        /// the codes in <see cref="AltinnException.Violations"/> (AUTH.VLD-00002: the id is taken,
        /// by a deleted system too). <see cref="ConflictException"/>: Altinn's bare 409 of a duplicate
        /// key (a registration racing another), or, Code AUTH.VLD-00002, a lost answer whose id turns
        /// out to be a deleted system's.</summary>
        public async Task<SystemRegistration> RegisterSystemAsync(RegisteredSystem system, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (system == null) throw new ArgumentNullException("system");
            return SystemRegistration.FromJson(await RunAsync(Task("register-system").Add("system", system.ToJson()), cancellationToken).ConfigureAwait(false));
        }

        /// <summary>Changes a registered system: the members set on <paramref name="update"/> replace the
        /// stored ones, the others are kept (read, merged, checked, PUT whole). A deleted system is
        /// <see cref="ConflictException"/> with Code <c>system-deleted</c>; another vendor's,
        /// <see cref="ForbiddenException"/>.</summary>
        public async Task UpdateSystemAsync(SystemUpdate update, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (update == null) throw new ArgumentNullException("update");
            await RunAsync(Task("update-system").Add("update", update.ToJson()), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Replaces the system's rights (the whole list).</summary>
        public async Task SetSystemRightsAsync(string systemId, IEnumerable<Right> rights, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (rights == null) throw new ArgumentNullException("rights");
            var t = Task("set-system-rights").Add("systemId", Required(systemId, "systemId")).Add("rights", rights.Select(r => (object)r.ToJson()).ToList());
            await RunAsync(t, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Replaces the system's access packages (an agent-only package needs an invisible system).</summary>
        public async Task SetSystemAccessPackagesAsync(string systemId, IEnumerable<AccessPackage> accessPackages, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (accessPackages == null) throw new ArgumentNullException("accessPackages");
            var t = Task("set-system-access-packages").Add("systemId", Required(systemId, "systemId"))
                .Add("accessPackages", accessPackages.Select(p => (object)new JsonObject().Add("urn", p.Urn)).ToList());
            await RunAsync(t, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Deletes the system (deleting a deleted one succeeds; its id is never reused).</summary>
        public async Task DeleteSystemAsync(string systemId, CancellationToken cancellationToken = default(CancellationToken))
        {
            await RunAsync(Task("delete-system").Add("systemId", Required(systemId, "systemId")), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The system's changelog, newest first.</summary>
        public async Task<IReadOnlyList<SystemChange>> GetSystemChangelogAsync(string systemId, CancellationToken cancellationToken = default(CancellationToken))
        {
            JsonObject o = await RunAsync(Task("system-changelog").Add("systemId", Required(systemId, "systemId")), cancellationToken).ConfigureAwait(false);
            return o.GetArray("items").Cast<JsonObject>().Select(SystemChange.FromJson).ToList().AsReadOnly();
        }

        // ---- client delegation (API.md §12) ---------------------------------------------------------------

        /// <summary>The bureau's agent system users. Every delegation call runs with the bureau's
        /// Altinn token: its system-user token exchanged once and kept by this client. A token that
        /// may not administer the bureau's clients is <see cref="ForbiddenException"/> (approve the
        /// bureau's klientadministrator system user); one acting for another organisation,
        /// <see cref="TokenException"/>.</summary>
        public async Task<IReadOnlyList<AgentSystemUser>> ListAgentsAsync(Bureau bureau, CancellationToken cancellationToken = default(CancellationToken))
        {
            JsonObject o = await RunAsync(Task("list-agents").Add("bureau", BureauJson(bureau)), cancellationToken).ConfigureAwait(false);
            return o.GetArray("items").Cast<JsonObject>().Select(AgentSystemUser.FromJson).ToList().AsReadOnly();
        }

        /// <summary>The bureau's clients that could be delegated to the agent system user.</summary>
        public async Task<ClientList> ListAvailableClientsAsync(Bureau bureau, string agentId, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("list-available-clients").Add("bureau", BureauJson(bureau)).Add("agent", Required(agentId, "agentId"));
            return ClientList.FromJson((await RunAsync(t, cancellationToken).ConfigureAwait(false)).GetObject("clients"));
        }

        /// <summary>The clients delegated to the agent system user.</summary>
        public async Task<ClientList> ListClientsAsync(Bureau bureau, string agentId, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("list-clients").Add("bureau", BureauJson(bureau)).Add("agent", Required(agentId, "agentId"));
            return ClientList.FromJson((await RunAsync(t, cancellationToken).ConfigureAwait(false)).GetObject("clients"));
        }

        /// <summary>Delegates a client (<see cref="BureauClient.Id"/>, its party uuid) to the agent system
        /// user; one already delegated succeeds. <see cref="AltinnException"/> Code AUTH-00079: not one of
        /// the bureau's clients; AUTH-00080: it lacks one of the agent's access packages.</summary>
        public async Task<ClientLink> AddClientAsync(Bureau bureau, string agentId, string clientId, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("add-client").Add("bureau", BureauJson(bureau)).Add("agent", Required(agentId, "agentId")).Add("client", Required(clientId, "clientId"));
            return ClientLink.FromJson(await RunAsync(t, cancellationToken).ConfigureAwait(false));
        }

        /// <summary>Removes a client from the agent system user (one not delegated succeeds).</summary>
        public async Task<ClientLink> RemoveClientAsync(Bureau bureau, string agentId, string clientId, CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Task("remove-client").Add("bureau", BureauJson(bureau)).Add("agent", Required(agentId, "agentId")).Add("client", Required(clientId, "clientId"));
            return ClientLink.FromJson(await RunAsync(t, cancellationToken).ConfigureAwait(false));
        }

        private static JsonObject BureauJson(Bureau bureau)
        {
            if (bureau == null) throw new ArgumentNullException("bureau");
            return bureau.ToJson();
        }

        /// <summary>A token to act as the customer's system user (needs <see cref="SystemUserClientOptions.Maskinporten"/>).
        /// Give the external ref the request used, when it was not the org number.</summary>
        public async Task<AccessToken> GetSystemUserTokenAsync(string customerOrgNo, IEnumerable<string> scopes, string externalRef = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (scopes == null) throw new ArgumentNullException("scopes");
            var t = Task("system-user-token").Add("customerOrgNo", Required(customerOrgNo, "customerOrgNo")).Add("externalRef", externalRef)
                .Add("scopes", scopes.Cast<object>().ToList());
            JsonObject token = (await RunAsync(t, cancellationToken).ConfigureAwait(false)).GetObject("token");
            return new AccessToken(token.RequireString("accessToken"), token.RequireString("scope"), Bodies.Time(token, "expiresAt").Value);
        }

        // ---- validation (no I/O) ------------------------------------------------------------------------

        /// <summary>Checks a standard request as the server would (and against the registered system
        /// when given), without sending anything; the normalised body when valid.</summary>
        public ValidationResult<StandardRequest> Validate(StandardRequest request, RegisteredSystem system = null)
        {
            if (request == null) throw new ArgumentNullException("request");
            JsonObject o = ValidateJson("standard", request.ToJson(), system == null ? null : system.ToJson());
            JsonObject normalized = o.GetObject("request");
            return new ValidationResult<StandardRequest>(normalized == null ? null : StandardRequest.FromJson(normalized), Violation.ListFrom(o.GetArray("violations")));
        }

        /// <summary>Checks an agent request without sending anything.</summary>
        public ValidationResult<AgentRequest> Validate(AgentRequest request, RegisteredSystem system = null)
        {
            if (request == null) throw new ArgumentNullException("request");
            JsonObject o = ValidateJson("agent", request.ToJson(), system == null ? null : system.ToJson());
            JsonObject normalized = o.GetObject("request");
            return new ValidationResult<AgentRequest>(normalized == null ? null : AgentRequest.FromJson(normalized), Violation.ListFrom(o.GetArray("violations")));
        }

        private JsonObject ValidateJson(string kind, JsonObject request, JsonObject system)
        {
            var doc = new JsonObject().Add("v", 1L).Add("kind", kind).Add("request", request);
            if (system != null) doc.Add("system", system);
            return Json.ParseObject(ValidateDocument(Json.WriteBytes(doc)));
        }

        /// <summary>su_client_validate with a document as it is (tests send hostile ones).</summary>
        internal byte[] ValidateDocument(byte[] document)
        {
            Documents.Observe("validate", document);
            byte[] result = handle.Use(c =>
            {
                using (var p = new Native.Pinned(document))
                {
                    IntPtr buffer;
                    Native.Check(NativeMethods.su_client_validate(c, p.Pointer, p.Length, out buffer));
                    return Native.TakeBuffer(buffer);
                }
            });
            Documents.Observe("validated", result);
            return result;
        }

        // ---- the pump -------------------------------------------------------------------------------------

        internal Task<JsonObject> RunAsync(JsonObject task, CancellationToken cancellationToken)
        {
            return pump.RunAsync(handle, task, cancellationToken);
        }

        private static JsonObject Task(string name) { return new JsonObject().Add("v", 1L).Add("task", name); }

        private static string Required(string value, string name)
        {
            if (value == null) throw new ArgumentNullException(name);
            return value;
        }

        private static CreatedRequest Created(JsonObject o)
        {
            return new CreatedRequest(SystemUserRequest.FromJson(o.GetObject("request")), o.GetBool("isNew"), o.GetBool("reconciled"));
        }

        /// <summary>For tests: an operation handle of this client, not started.</summary>
        internal OperationHandle NewOperationForTests(JsonObject task)
        {
            return Pump.NewOperation(handle, Json.WriteBytes(task));
        }

        /// <summary>For tests: su_test_panic, the error a panic inside the library becomes.</summary>
        internal static void TestPanic()
        {
            Native.EnsureLoaded();
            Native.Check(NativeMethods.su_test_panic());
        }
    }
}
