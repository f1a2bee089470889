package no.altinn.systemuser;

import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Altinn system user requests from Java: one method per vendor operation, each run by the
 * altinn-systemuser component (validation in Altinn's rule order, the wire protocol, idempotent
 * creates with reconciliation after a lost answer, retries with back-off and {@code Retry-After},
 * pagination, Maskinporten grants and their cache) inside libsystemuser, with this binding doing
 * the HTTP ({@link HttpClient}), the signing and the waiting.
 *
 * <pre>{@code
 * try (SystemUserClient client = SystemUserClient.builder()
 *         .environment(Environment.TT02)
 *         .maskinporten("my-client-id", MaskinportenKey.fromPemFile(Path.of("mp-key.pem"), "my-kid"))
 *         .build()) {
 *     CreatedRequest created = client.createStandardRequest(StandardRequest.builder("991825827_smartcloud", "310816191")
 *             .externalRef("cust-42").accessPackage(AccessPackage.named("skattegrunnlag")).build());
 *     System.out.println(created.request().confirmUrl());
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A client is thread-safe: share one. Each call runs one operation of its own
 * (its own session from the library's pool) on the calling thread; the {@code …Async} variants
 * run it on the client's executor (a cached pool of daemon threads unless you give one, e.g.
 * virtual threads on Java 21) and cancelling their future interrupts the operation. Blocking
 * calls are interruptible: an interrupt abandons the operation with a
 * {@link java.util.concurrent.CancellationException} and the thread's interrupt flag set.
 *
 * <p><b>Errors.</b> Every failure is a {@link SystemUserException} of the kind the component
 * reported ({@link ValidationException}, {@link NotFoundException}, {@link UnavailableException},
 * {@link TransportException}, …). None holds a token.
 */
public final class SystemUserClient implements AutoCloseable {
    private final NativeLib lib;
    private final NativeClient handle;
    private final Cleaner.Cleanable cleanable;
    private final Pump pump;
    private final Executor executor;
    private final ExecutorService ownExecutor;
    private final String description;

    private SystemUserClient(Builder b, ComponentRuntime runtime, byte[] config) {
        this.lib = runtime.lib;
        this.handle = new NativeClient(lib, lib.clientNew(runtime.pointer(), config));
        this.cleanable = NativeLib.CLEANER.register(this, handle);
        HttpClient http = b.httpClient != null ? b.httpClient : HttpTransport.defaultClient();
        this.pump = new Pump(lib, new HttpTransport(http), b.key, b.tokens);
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownExecutor = null;
        } else {
            this.ownExecutor = Executors.newCachedThreadPool(daemonThreads());
            this.executor = ownExecutor;
        }
        this.description = "SystemUserClient[" + b.environment + ", "
                + (b.key != null ? "maskinporten client " + b.clientId + " with " + b.key : "tokens from a TokenSupplier") + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- requests ------------------------------------------------------------------------------

    /**
     * Creates a standard request, idempotently: a second create for the same (customer, external
     * ref, system) returns the existing request ({@code isNew} false), and a create whose answer
     * was lost is found again by external ref ({@code reconciled}) before any retry.
     *
     * @throws ValidationException when the request breaks a rule (nothing is sent)
     */
    public CreatedRequest createStandardRequest(StandardRequest request) {
        Objects.requireNonNull(request, "request");
        return Convert.created(run(Json.obj("task", "create-standard-request", "request", Convert.standard(request))));
    }

    /** Creates an agent request, idempotently (as {@link #createStandardRequest}). */
    public CreatedRequest createAgentRequest(AgentRequest request) {
        Objects.requireNonNull(request, "request");
        return Convert.created(run(Json.obj("task", "create-agent-request", "request", Convert.agent(request))));
    }

    /** A standard request by id. */
    public SystemUserRequest getRequest(String id) {
        return getRequest(id, RequestKind.STANDARD);
    }

    /** A request by id (standard and agent requests live on different routes). */
    public SystemUserRequest getRequest(String id, RequestKind kind) {
        return Convert.request(Json.object(run(Json.obj("task", "get-request", "id", id, "kind", kind.wireName())), "request"));
    }

    /** A standard request by the vendor's key for it: system, customer and external ref. */
    public SystemUserRequest getRequestByExternalRef(String systemId, String orgNo, String externalRef) {
        return getRequestByExternalRef(systemId, orgNo, externalRef, RequestKind.STANDARD);
    }

    public SystemUserRequest getRequestByExternalRef(String systemId, String orgNo, String externalRef, RequestKind kind) {
        return Convert.request(Json.object(run(Json.obj("task", "get-request-by-external-ref", "systemId", systemId, "orgNo", orgNo, "externalRef",
                externalRef, "kind", kind.wireName())), "request"));
    }

    /** One page of a system's requests; {@code pageToken} {@code null} for the first, then {@link Page#nextPage()}. */
    public Page<SystemUserRequest> listRequests(String systemId, RequestKind kind, String pageToken) {
        return Convert.page(run(Json.obj("task", "list-requests", "systemId", systemId, "kind", kind.wireName(), "page", pageToken)), Convert::request);
    }

    /** The first page of a system's standard requests. */
    public Page<SystemUserRequest> listRequests(String systemId) {
        return listRequests(systemId, RequestKind.STANDARD, null);
    }

    /**
     * Every request of a system, over every page. One operation fetches them all (the component
     * follows the pages on the configured base, each page with its own deadline and retries, and
     * stops a list whose pages repeat or pass 5,000), so an error is thrown here, never
     * half-way through the stream.
     */
    public Stream<SystemUserRequest> listAllRequests(String systemId, RequestKind kind) {
        return Convert.page(run(Json.obj("task", "list-all-requests", "systemId", systemId, "kind", kind.wireName())), Convert::request).items().stream();
    }

    public Stream<SystemUserRequest> listAllRequests(String systemId) {
        return listAllRequests(systemId, RequestKind.STANDARD);
    }

    /** Withdraws (deletes) a request of either kind, which frees its key for a new create. */
    public void withdrawRequest(String id) {
        run(Json.obj("task", "withdraw-request", "id", id));
    }

    // ---- system users --------------------------------------------------------------------------

    /** The customer's active system user for the system and the customer's own org number as external ref, if any. */
    public Optional<SystemUser> verifySystemUser(String systemId, String orgNo) {
        return verifySystemUser(systemId, orgNo, null);
    }

    /** The customer's active system user for (system, customer, external ref), if any ({@code externalRef} {@code null}: the org number). */
    public Optional<SystemUser> verifySystemUser(String systemId, String orgNo, String externalRef) {
        Map<String, Object> outcome = run(Json.obj("task", "verify-system-user", "systemId", systemId, "orgNo", orgNo, "externalRef", externalRef));
        Map<String, Object> user = Json.optObject(outcome, "systemUser");
        return user == null ? Optional.empty() : Optional.of(Convert.user(user));
    }

    /** One page of a system's system users. */
    public Page<SystemUser> listSystemUsers(String systemId, String pageToken) {
        return Convert.page(run(Json.obj("task", "list-system-users", "systemId", systemId, "page", pageToken)), Convert::user);
    }

    /** Every system user of a system, over every page (one operation, as {@link #listAllRequests}). */
    public Stream<SystemUser> listAllSystemUsers(String systemId) {
        return Convert.page(run(Json.obj("task", "list-all-system-users", "systemId", systemId)), Convert::user).items().stream();
    }

    /** The vendor's own system as the System Register has it. */
    public RegisteredSystem getRegisteredSystem(String systemId) {
        return Convert.registeredSystem(Json.object(run(Json.obj("task", "get-registered-system", "systemId", systemId)), "system"));
    }

    /** The vendor's system if the System Register has it ({@link NotFoundException} becomes empty; deleted systems are found too). */
    public Optional<RegisteredSystem> findRegisteredSystem(String systemId) {
        try {
            return Optional.of(getRegisteredSystem(systemId));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    // ---- the System Register (API.md §13) --------------------------------------------------------

    /** The vendor's own systems (deleted ones left out; Altinn's listing has no client ids or redirect URLs). */
    public List<RegisteredSystem> listSystems() {
        return Convert.systems(run(Json.obj("task", "list-systems")));
    }

    /**
     * Registers a system ({@link RegisteredSystem#builder}). Checked first as Altinn would (vendor,
     * id {@code <vendor org no>_<name>} without spaces, https redirect URLs, duplicates, an
     * agent-only package on a visible system: {@link ValidationException}, nothing sent), then
     * POSTed once; after a lost answer the system is looked up by its id ({@code reconciled}).
     *
     * @throws AltinnException Altinn's own refusals, with their {@code AUTH.VLD} codes in {@link ProblemException#fieldErrors()}
     *     (e.g. {@code AUTH.VLD-00002}: the id is taken, by a deleted system too: ids are never reused)
     * @throws ConflictException code {@code AUTH.VLD-00002} when, after a lost answer, the id turns out to be a deleted system's
     */
    public SystemRegistration registerSystem(RegisteredSystem system) {
        Objects.requireNonNull(system, "system");
        return Convert.registration(run(Json.obj("task", "register-system", "system", Convert.system(system))));
    }

    /**
     * Changes a registered system: the members of {@code update} that are set replace the stored
     * ones, the others are kept (the component reads the system, merges, checks and PUTs it whole).
     *
     * @throws ConflictException code {@code system-deleted} when the system is deleted (nothing is sent after the read)
     * @throws ForbiddenException when the system is another vendor's
     */
    public void updateSystem(SystemUpdate update) {
        Objects.requireNonNull(update, "update");
        run(Json.obj("task", "update-system", "update", Convert.update(update)));
    }

    /** Replaces the system's rights with {@code rights} (the whole list). */
    public void setSystemRights(String systemId, List<Right> rights) {
        Objects.requireNonNull(rights, "rights");
        run(Json.obj("task", "set-system-rights", "systemId", systemId, "rights", Convert.rights(rights)));
    }

    /** Replaces the system's access packages (an agent-only package needs an invisible system). */
    public void setSystemAccessPackages(String systemId, List<AccessPackage> accessPackages) {
        Objects.requireNonNull(accessPackages, "accessPackages");
        run(Json.obj("task", "set-system-access-packages", "systemId", systemId, "accessPackages", Convert.packages(accessPackages)));
    }

    /** Deletes the system (a deleted one stays deleted: deleting it again succeeds; its id is never reused). */
    public void deleteSystem(String systemId) {
        run(Json.obj("task", "delete-system", "systemId", systemId));
    }

    /** The system's changelog, newest first. */
    public List<SystemChange> systemChangelog(String systemId) {
        return Convert.changelog(run(Json.obj("task", "system-changelog", "systemId", systemId)));
    }

    // ---- client delegation (API.md §12) ----------------------------------------------------------

    /**
     * The bureau's agent system users. Like every delegation call, it runs with the bureau's
     * Altinn token: the bureau's system-user token exchanged once and kept by this client.
     *
     * @throws ForbiddenException when the token may not administer the bureau's clients (approve its klientadministrator system user)
     * @throws TokenException when the token acts for another organisation than the bureau
     */
    public List<AgentSystemUser> listAgents(Bureau bureau) {
        return Convert.agents(run(Json.obj("task", "list-agents", "bureau", Convert.bureau(Objects.requireNonNull(bureau, "bureau")))));
    }

    /** The bureau's clients that could be delegated to the agent system user (each holds one of its packages). */
    public ClientList listAvailableClients(Bureau bureau, String agentId) {
        return Convert.clients(run(Json.obj("task", "list-available-clients", "bureau", Convert.bureau(Objects.requireNonNull(bureau, "bureau")), "agent", agentId)));
    }

    /** The clients delegated to the agent system user. */
    public ClientList listClients(Bureau bureau, String agentId) {
        return Convert.clients(run(Json.obj("task", "list-clients", "bureau", Convert.bureau(Objects.requireNonNull(bureau, "bureau")), "agent", agentId)));
    }

    /**
     * Delegates a client ({@link BureauClient#id()}, its party uuid) to the agent system user.
     * Adding one already delegated succeeds.
     *
     * @throws AltinnException code {@code AUTH-00079} (not one of the bureau's clients) or {@code AUTH-00080} (it lacks one of the agent's access packages)
     */
    public ClientLink addClient(Bureau bureau, String agentId, String clientId) {
        return Convert.link(run(Json.obj("task", "add-client", "bureau", Convert.bureau(Objects.requireNonNull(bureau, "bureau")), "agent", agentId, "client", clientId)));
    }

    /** Removes a client from the agent system user (removing one not delegated succeeds). */
    public ClientLink removeClient(Bureau bureau, String agentId, String clientId) {
        return Convert.link(run(Json.obj("task", "remove-client", "bureau", Convert.bureau(Objects.requireNonNull(bureau, "bureau")), "agent", agentId, "client", clientId)));
    }

    /**
     * A Maskinporten token to act as the customer's system user (after the customer approved):
     * needs {@link Builder#maskinporten}. {@code externalRef} {@code null}: the org number.
     * Cached inside the client until 30 s before it expires.
     */
    public AccessToken systemUserToken(String customerOrgNo, String externalRef, List<String> scopes) {
        return Convert.token(run(Json.obj("task", "system-user-token", "customerOrgNo", customerOrgNo, "externalRef", externalRef, "scopes",
                new ArrayList<>(scopes))));
    }

    // ---- offline -------------------------------------------------------------------------------

    /** Checks a standard request without the network; returns it normalised (trimmed, {@code 0192:} stripped, …). */
    public StandardRequest validate(StandardRequest request) {
        return validate(request, null);
    }

    /**
     * Checks a standard request against the registered system too (redirect URL matched as the
     * server does, rights and packages among the system's, agent-only packages refused).
     */
    public StandardRequest validate(StandardRequest request, RegisteredSystem system) {
        return standardFrom(validated("standard", Convert.standard(request), system));
    }

    public AgentRequest validate(AgentRequest request) {
        return validate(request, null);
    }

    public AgentRequest validate(AgentRequest request, RegisteredSystem system) {
        return agentFrom(validated("agent", Convert.agent(request), system));
    }

    private Map<String, Object> validated(String kind, Map<String, Object> body, RegisteredSystem system) {
        byte[] doc = Json.writeBytes(Json.obj("v", 1L, "kind", kind, "request", body, "system", system == null ? null : Convert.system(system)));
        Map<String, Object> out = Json.parseObject(validateDocument(doc));
        if (!Json.bool(out, "valid", false)) {
            List<Violation> v = Errors.violations(out);
            throw new ValidationException(v.isEmpty() ? "the request is not valid" : v.get(0).message(), v, out);
        }
        return Json.object(out, "request");
    }

    private static StandardRequest standardFrom(Map<String, Object> m) {
        return new StandardRequest(Json.string(m, "systemId"), Json.string(m, "partyOrgNo"), Json.optString(m, "externalRef"),
                Json.optString(m, "integrationTitle"), m.get("rights") != null ? Convert.rightsOf(m, "rights") : null,
                m.get("accessPackages") != null ? Convert.packagesOf(m, "accessPackages") : null, Json.optString(m, "redirectUrl"));
    }

    private static AgentRequest agentFrom(Map<String, Object> m) {
        return new AgentRequest(Json.string(m, "systemId"), Json.string(m, "partyOrgNo"), Json.optString(m, "externalRef"),
                Json.optString(m, "integrationTitle"), m.get("accessPackages") != null ? Convert.packagesOf(m, "accessPackages") : null,
                Json.optString(m, "redirectUrl"));
    }

    // ---- async ---------------------------------------------------------------------------------

    public CompletableFuture<CreatedRequest> createStandardRequestAsync(StandardRequest request) {
        return async(() -> createStandardRequest(request));
    }

    public CompletableFuture<CreatedRequest> createAgentRequestAsync(AgentRequest request) {
        return async(() -> createAgentRequest(request));
    }

    public CompletableFuture<SystemUserRequest> getRequestAsync(String id, RequestKind kind) {
        return async(() -> getRequest(id, kind));
    }

    public CompletableFuture<SystemUserRequest> getRequestByExternalRefAsync(String systemId, String orgNo, String externalRef, RequestKind kind) {
        return async(() -> getRequestByExternalRef(systemId, orgNo, externalRef, kind));
    }

    public CompletableFuture<Page<SystemUserRequest>> listRequestsAsync(String systemId, RequestKind kind, String pageToken) {
        return async(() -> listRequests(systemId, kind, pageToken));
    }

    /** Every request of a system, as a list (a stream cannot outlive the operation that made it usefully). */
    public CompletableFuture<List<SystemUserRequest>> listAllRequestsAsync(String systemId, RequestKind kind) {
        return async(() -> listAllRequests(systemId, kind).toList());
    }

    public CompletableFuture<Void> withdrawRequestAsync(String id) {
        return async(() -> {
            withdrawRequest(id);
            return null;
        });
    }

    public CompletableFuture<Optional<SystemUser>> verifySystemUserAsync(String systemId, String orgNo, String externalRef) {
        return async(() -> verifySystemUser(systemId, orgNo, externalRef));
    }

    public CompletableFuture<Page<SystemUser>> listSystemUsersAsync(String systemId, String pageToken) {
        return async(() -> listSystemUsers(systemId, pageToken));
    }

    public CompletableFuture<List<SystemUser>> listAllSystemUsersAsync(String systemId) {
        return async(() -> listAllSystemUsers(systemId).toList());
    }

    public CompletableFuture<RegisteredSystem> getRegisteredSystemAsync(String systemId) {
        return async(() -> getRegisteredSystem(systemId));
    }

    public CompletableFuture<Optional<RegisteredSystem>> findRegisteredSystemAsync(String systemId) {
        return async(() -> findRegisteredSystem(systemId));
    }

    public CompletableFuture<List<RegisteredSystem>> listSystemsAsync() {
        return async(this::listSystems);
    }

    public CompletableFuture<SystemRegistration> registerSystemAsync(RegisteredSystem system) {
        return async(() -> registerSystem(system));
    }

    public CompletableFuture<Void> updateSystemAsync(SystemUpdate update) {
        return async(() -> {
            updateSystem(update);
            return null;
        });
    }

    public CompletableFuture<Void> setSystemRightsAsync(String systemId, List<Right> rights) {
        return async(() -> {
            setSystemRights(systemId, rights);
            return null;
        });
    }

    public CompletableFuture<Void> setSystemAccessPackagesAsync(String systemId, List<AccessPackage> accessPackages) {
        return async(() -> {
            setSystemAccessPackages(systemId, accessPackages);
            return null;
        });
    }

    public CompletableFuture<Void> deleteSystemAsync(String systemId) {
        return async(() -> {
            deleteSystem(systemId);
            return null;
        });
    }

    public CompletableFuture<List<SystemChange>> systemChangelogAsync(String systemId) {
        return async(() -> systemChangelog(systemId));
    }

    public CompletableFuture<List<AgentSystemUser>> listAgentsAsync(Bureau bureau) {
        return async(() -> listAgents(bureau));
    }

    public CompletableFuture<ClientList> listAvailableClientsAsync(Bureau bureau, String agentId) {
        return async(() -> listAvailableClients(bureau, agentId));
    }

    public CompletableFuture<ClientList> listClientsAsync(Bureau bureau, String agentId) {
        return async(() -> listClients(bureau, agentId));
    }

    public CompletableFuture<ClientLink> addClientAsync(Bureau bureau, String agentId, String clientId) {
        return async(() -> addClient(bureau, agentId, clientId));
    }

    public CompletableFuture<ClientLink> removeClientAsync(Bureau bureau, String agentId, String clientId) {
        return async(() -> removeClient(bureau, agentId, clientId));
    }

    public CompletableFuture<AccessToken> systemUserTokenAsync(String customerOrgNo, String externalRef, List<String> scopes) {
        return async(() -> systemUserToken(customerOrgNo, externalRef, scopes));
    }

    /** Runs {@code call} on the executor; cancelling the future interrupts it. */
    private <T> CompletableFuture<T> async(Supplier<T> call) {
        AtomicReference<Thread> runner = new AtomicReference<>();
        CompletableFuture<T> future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                Thread t = runner.get();
                if (cancelled && t != null) t.interrupt();
                return cancelled;
            }
        };
        executor.execute(() -> {
            if (future.isDone()) return;
            runner.set(Thread.currentThread());
            try {
                future.complete(call.get());
            } catch (Throwable t) {
                future.completeExceptionally(t);
            } finally {
                runner.set(null);
                Thread.interrupted(); // a cancel's interrupt must not leak into the pool's next task
            }
        });
        return future;
    }

    // ---- the operation -------------------------------------------------------------------------

    /** {@code su_client_validate}: a {@code validate} document in, a {@code validated} document out. */
    byte[] validateDocument(byte[] validate) {
        ReentrantReadWriteLock.ReadLock l = handle.lock.readLock();
        l.lock();
        try {
            return lib.clientValidate(handle.pointer(), validate);
        } finally {
            l.unlock();
        }
    }

    /** One operation for {@code task}, pumped to its end on this thread. */
    Map<String, Object> run(Map<String, Object> task) {
        Map<String, Object> doc = Json.obj("v", 1L);
        doc.putAll(task);
        return pump.run(newOperation(Json.writeBytes(doc)));
    }

    /** A new operation handle (for the pump, or a test that pumps by hand). */
    Pointer newOperation(byte[] task) {
        ReentrantReadWriteLock.ReadLock l = handle.lock.readLock();
        l.lock();
        try {
            return lib.operationNew(handle.pointer(), task);
        } finally {
            l.unlock();
        }
    }

    /** The pump of this client (tests run a hand-made operation through it). */
    Pump pump() {
        return pump;
    }

    /** Frees the native client (operations in flight finish first) and stops the client's own executor. Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
        if (ownExecutor != null) ownExecutor.shutdownNow();
    }

    @Override
    public String toString() {
        return description;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "altinn-systemuser-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The native client, freed once; calls that use the pointer hold the read lock, freeing takes the write lock. */
    private static final class NativeClient implements Runnable {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final NativeLib lib;
        private Pointer pointer;

        NativeClient(NativeLib lib, Pointer pointer) {
            this.lib = lib;
            this.pointer = pointer;
        }

        /** Under the read lock. */
        Pointer pointer() {
            if (pointer == null) throw new IllegalStateException("this SystemUserClient is closed");
            return pointer;
        }

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (pointer != null) lib.clientDelete(pointer);
                pointer = null;
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** Builds a {@link SystemUserClient}: an environment and exactly one of a Maskinporten key or a token supplier. */
    public static final class Builder {
        private Environment environment;
        private String clientId;
        private MaskinportenKey key;
        private String resource;
        private TokenSupplier tokens;
        private Duration timeout;
        private Duration deadline;
        private Integer retryBudget;
        private Duration backoff;
        private HttpClient httpClient;
        private Executor executor;
        private ComponentRuntime runtime;

        private Builder() {}

        public Builder environment(Environment environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** Maskinporten mode: the component builds each grant, {@code key} signs it, the token is cached per scope set and customer. */
        public Builder maskinporten(String clientId, MaskinportenKey key) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        /** The {@code resource} claim of grants (an audience-restricted token), in Maskinporten mode. */
        public Builder maskinportenResource(String resource) {
            this.resource = resource;
            return this;
        }

        /** Token mode: your own Maskinporten client gives the tokens. */
        public Builder tokenSupplier(TokenSupplier tokens) {
            this.tokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /** One HTTP exchange, connect to last body byte (default 30 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** One operation with every retry and wait (default 60 s; each page of a list of all pages gets its own). */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /** Retries per operation for transient failures, 429 and 5xx (default 3; a create is never re-sent blindly). */
        public Builder retryBudget(int retries) {
            this.retryBudget = retries;
            return this;
        }

        /** The first back-off, doubled each time (default 200 ms). */
        public Builder backoff(Duration backoff) {
            this.backoff = backoff;
            return this;
        }

        /** Your own {@link HttpClient} (proxy, TLS, executor); it must not follow redirects. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        /** Where the {@code …Async} methods run (default: the client's own cached pool of daemon threads). */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** A runtime of your own (another component file, another cache directory); default {@link ComponentRuntime#shared()}. */
        public Builder runtime(ComponentRuntime runtime) {
            this.runtime = runtime;
            return this;
        }

        public SystemUserClient build() {
            if (environment == null) throw new IllegalStateException("an environment is required: environment(Environment.TT02), …");
            if ((key == null) == (tokens == null)) {
                throw new IllegalStateException("give exactly one of maskinporten(clientId, key) and tokenSupplier(supplier)");
            }
            if (resource != null && key == null) throw new IllegalStateException("maskinportenResource needs maskinporten(clientId, key)");
            Map<String, Object> config = Json.obj("v", 1L, "environment", environment.toJson(), "timeoutMs", millis(timeout), "deadlineMs", millis(deadline),
                    "retryBudget", retryBudget == null ? null : (long) retryBudget, "backoffMs", millis(backoff), "maskinporten",
                    key == null ? null : Json.obj("clientId", clientId, "resource", resource, "key", key.identityJson()));
            if (httpClient != null && httpClient.followRedirects() != HttpClient.Redirect.NEVER) {
                throw new IllegalArgumentException("the HttpClient must not follow redirects (HttpClient.Redirect.NEVER): a bearer token must never follow a 3xx");
            }
            ComponentRuntime rt = runtime != null ? runtime : ComponentRuntime.shared();
            return new SystemUserClient(this, rt, Json.writeBytes(config));
        }

        private static Long millis(Duration d) {
            return d == null ? null : d.toMillis();
        }
    }
}
