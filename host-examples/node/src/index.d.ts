// Public API of the altinn-systemuser package (hand-written; the jco-generated WIT types are in
// generated/ and are reachable through `client.exports` for advanced use).

// ---- inputs --------------------------------------------------------------------------------

export type EnvironmentName = 'production' | 'tt02' | 'at22' | 'at23' | 'at24' | 'yt01';

/** A local deployment (the simulator, a proxy): absolute base URLs. */
export interface CustomEnvironment {
  /** Platform base, e.g. `http://127.0.0.1:5101` (routes go under `/authentication/api/v1/`). */
  platformUrl: string;
  /** Origin of the customer's confirm page; a `confirmUrl` elsewhere is refused. */
  confirmUrl: string;
  /** Maskinporten issuer with its trailing slash. */
  maskinportenIssuer: string;
}

/** A name, a custom environment, or the base URL of a local simulator (as `environments.local(url)`). */
export type Environment = EnvironmentName | CustomEnvironment | `http://${string}` | `https://${string}`;

/** `environment` values: the named ones, the local simulator, any other deployment. */
export declare const environments: {
  readonly production: 'production';
  readonly tt02: 'tt02';
  readonly at22: 'at22';
  readonly at23: 'at23';
  readonly at24: 'at24';
  readonly yt01: 'yt01';
  /**
   * The local simulator at `url` (e.g. `http://127.0.0.1:5101`): it serves the platform routes,
   * the confirm page and Maskinporten (`{url}/token`) itself, like Python's `Environment.local`.
   */
  local(url: string | URL): Readonly<CustomEnvironment>;
  custom(environment: CustomEnvironment): Readonly<CustomEnvironment>;
};

/**
 * Returns a Maskinporten access token carrying at least `scopes`. Throw (or reject) to refuse:
 * the operation then fails with TokenError carrying your error's message (keep secrets out of it).
 */
export type TokenProvider = (scopes: string[], context: { signal?: AbortSignal }) => string | Promise<string>;

/** How Maskinporten finds the public key: a key registered on the client, or a business certificate chain. */
export type KeyIdentity = { kid: string } | { x5c: string[] };

/**
 * Holds the Maskinporten key; the component only asks it for signatures (as a `sign` step of the
 * operation, which this package answers with `await signer.sign(data)`: signing may be
 * asynchronous, e.g. Web Crypto, a KMS or an HSM). Throw or reject to refuse (the operation fails
 * with TokenError carrying your message: keep key material out of it).
 * `createWebCryptoSigner` (any runtime) and `createSigner` from `altinn-systemuser/node` make one
 * from a key.
 */
export interface Signer {
  /**
   * The key's identity, put in the config's `maskinporten.key` for every operation (and so in
   * each grant's header and the token cache's key): a signer may rotate keys. Synchronous.
   */
  identity(): KeyIdentity;
  /** RSASSA-PKCS1-v1_5 with SHA-256 (JWS RS256) over `data`. */
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Maskinporten mode: the component gets (and caches) its own tokens with your client and key. */
export interface MaskinportenOptions {
  /** Your Maskinporten client id (the grant's `iss`). */
  clientId: string;
  /** An audience restriction for vendor tokens (the grant's `resource`). */
  resource?: string;
  /** Without one, every grant fails with TokenError "no Maskinporten key is configured". */
  signer?: Signer | null;
  /**
   * Milliseconds since the epoch (or a Date): the clock every operation runs on (its deadline,
   * `Retry-After` dates, grants and the token cache). Default `Date.now`.
   */
  now?: () => number | Date;
  /** Secure random bytes: 16 seed each operation (its grants' `jti`). Default `crypto.getRandomValues`. */
  randomBytes?: (length: number) => Uint8Array;
}

interface CommonOptions {
  environment: Environment;
  /** Per HTTP exchange: connect, headers and the whole body together. Default 30000. */
  timeoutMs?: number;
  /**
   * The most one operation may take: every exchange, retry, back-off and `Retry-After` wait
   * (each page of a list of all pages gets this much of its own). 0: none. Default 60000.
   */
  deadlineMs?: number;
  /** Retries per operation: reads after a transport failure, a 429 or a 5xx; a create's lookups. Default 3. */
  retryBudget?: number;
  /** First back-off, doubled on each retry (at most 30 s). Default 200. */
  backoffMs?: number;
  /** The Fetch API implementation. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** How to wait between retries. Default: setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Where the core WebAssembly modules come from (names in CORE_MODULES). Default (Node): read
   * and compile `generated/<name>`. Edge runtimes that import `.wasm` as modules pass them here.
   */
  getCoreModule?: (name: string) => WebAssembly.Module | Promise<WebAssembly.Module>;
}

/** Tokens from your callback (`token`), or from Maskinporten through the component (`maskinporten`). */
export type ClientOptions = CommonOptions &
  ({ token: TokenProvider; maskinporten?: undefined } | { maskinporten: MaskinportenOptions; token?: undefined });

export interface CallOptions {
  /** Aborting ends the operation: the method rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export type RequestKind = 'standard' | 'agent';

/** How `waitForDecision` waits. */
export interface WaitOptions extends CallOptions {
  /** Give up after this long: rejects with a DOMException named `TimeoutError` (as `AbortSignal.timeout` does). Default: never. */
  timeoutMs?: number;
  /** Between reads of the request. Default 5000. */
  intervalMs?: number;
  /** After every read: the request as read, how many reads so far, the time since the call. */
  onProgress?: (request: SystemUserRequest, progress: { polls: number; elapsedMs: number }) => void;
  kind?: RequestKind;
}

export interface AttributePair {
  id: string;
  value: string;
}

export interface Right {
  action?: string;
  resource: AttributePair[];
}

export interface AccessPackage {
  urn: string;
}

/** What a vendor asks for in a standard request. */
export interface StandardRequestInput {
  /** `<vendor org no>_<name>`, e.g. `991825827_smartcloud`. */
  systemId: string;
  /** The customer: 9 digits (a `0192:` prefix is accepted). */
  partyOrgNo: string;
  /** Your key for this customer; defaults to `partyOrgNo`. Creates are idempotent on it. */
  externalRef?: string;
  integrationTitle?: string;
  /** Absent and empty differ (AUTH-00001 against AUTH-00059). */
  rights?: Right[];
  accessPackages?: Array<AccessPackage | string>;
  /** Must be registered on the system. */
  redirectUrl?: string;
}

/** What a vendor asks for in an agent request: access packages only. */
export interface AgentRequestInput {
  systemId: string;
  partyOrgNo: string;
  externalRef?: string;
  integrationTitle?: string;
  accessPackages: Array<AccessPackage | string>;
  redirectUrl?: string;
  /** Always refused (`rights-on-agent-request`); present so a mistake is caught, not narrowed. */
  rights?: Right[];
}

/**
 * A change to what a customer's standard system user holds (API.md §11). The system user is
 * named by the vendor's key, as for requests; absent lists are empty.
 */
export interface ChangeRequestInput {
  systemId: string;
  /** The customer: 9 digits (a `0192:` prefix is accepted). */
  partyOrgNo: string;
  /** The system user's external ref; defaults to `partyOrgNo`. */
  externalRef?: string;
  /**
   * The idempotency key (a uuid), which becomes the change request's id. Default: derived from
   * the system user and the change, so a rerun after a crash or a lost answer finds the same one.
   * Use a fresh one to ask for the same change again after a rejection.
   */
  correlationId?: string;
  /** Must be among the registered system's. */
  requiredRights?: Right[];
  unwantedRights?: Right[];
  /** Must be among the registered system's, and assignable (no agent-only package). */
  requiredAccessPackages?: Array<AccessPackage | string>;
  unwantedAccessPackages?: Array<AccessPackage | string>;
  /** Must be registered on the system. */
  redirectUrl?: string;
}

// ---- outputs -------------------------------------------------------------------------------

/** Altinn's spelling, as in every host (`Timedout` also for a New request past its window); `Unknown(<text>)` keeps a status string this version does not know. */
export type RequestStatus = 'New' | 'Accepted' | 'Rejected' | 'Denied' | 'Timedout' | `Unknown(${string})`;

export interface SystemUserRequest {
  id: string;
  kind: RequestKind;
  externalRef: string;
  systemId: string;
  partyOrgNo: string;
  integrationTitle?: string;
  /** Empty on agent requests. */
  rights: Right[];
  accessPackages: AccessPackage[];
  status: RequestStatus;
  redirectUrl?: string;
  /** The customer's approval link (checked to be on the environment's confirm page); absent on list items. */
  confirmUrl?: string;
  escalated: boolean;
  /** Undefined when the server sent nothing or the `0001-01-01` placeholder. */
  created?: Date;
  /** The current servers' timeout form. Use `client.effectiveStatus` to cover both forms. */
  timedOut: boolean;
}

export interface CreatedRequest {
  request: SystemUserRequest;
  /** True on 201. False when the key already held a request (whatever its status), or after reconciliation. */
  isNew: boolean;
  /** True when the POST's answer was lost and the request was found by its external ref. */
  reconciled: boolean;
}

export interface Page<T> {
  items: T[];
  /** Pass as `page` for the next page; null on the last. */
  nextPage: string | null;
}

/** Altinn's spelling; `NoChangeNeeded` only ever in a reply, never stored; `Unknown(<text>)` keeps a status this version does not know. */
export type ChangeRequestStatus = 'New' | 'Accepted' | 'Rejected' | 'NoChangeNeeded' | `Unknown(${string})`;

export interface ChangeRequest {
  /** The correlation id. */
  id: string;
  /** The system user's key. */
  externalRef: string;
  systemId: string;
  systemUserId: string;
  partyOrgNo: string;
  requiredRights: Right[];
  unwantedRights: Right[];
  /** Empty when read by external ref (the server leaves the package lists out there). */
  requiredAccessPackages: AccessPackage[];
  unwantedAccessPackages: AccessPackage[];
  status: ChangeRequestStatus;
  redirectUrl?: string;
  /** The customer's approval link (checked to be the environment's change-request page); absent on list items. */
  confirmUrl?: string;
  created?: Date;
  /** The server's flag (list items), or still `new` 180 days after `created` by the client's clock. */
  timedOut: boolean;
}

/** What `createChangeRequest` did: made or found the change request, or nothing for an empty change. */
export type CreatedChangeRequest =
  | {
      changeRequest: ChangeRequest;
      /** True on 201. False when the correlation id already held this change (a rerun), or after reconciliation. */
      isNew: boolean;
      /** True when the POST's answer was lost and the change request was found by its correlation id. */
      reconciled: boolean;
      noChangeNeeded: false;
    }
  | {
      /** The change asked for nothing: nothing was sent, nothing stored. */
      changeRequest: null;
      isNew: false;
      reconciled: false;
      noChangeNeeded: true;
    };

/** Page one of a system's change requests: the server repeats page one past 50 items, so no further page is read. */
export interface ChangeRequestList {
  items: ChangeRequest[];
  /** There was more: look change requests up by id (or by external ref) instead. */
  mayBeIncomplete: boolean;
}

export type UserType = 'standard' | 'agent' | `unknown(${string})`;

export interface SystemUser {
  /** Equals the id of the approved request. */
  id: string;
  integrationTitle?: string;
  systemId: string;
  productName?: string;
  reporteeOrgNo: string;
  created?: Date;
  isDeleted: boolean;
  supplierName?: string;
  supplierOrgNo?: string;
  externalRef?: string;
  userType: UserType;
}

export interface LocalizedText {
  nb?: string;
  nn?: string;
  en?: string;
}

export interface RegisteredSystem {
  id: string;
  vendorOrgNo: string;
  name: LocalizedText;
  description: LocalizedText;
  rights: Right[];
  accessPackages: AccessPackage[];
  clientIds: string[];
  isVisible: boolean;
  allowedRedirectUrls: string[];
  isDeleted: boolean;
}

/**
 * A system to register, in Altinn's shape (`vendor.ID`, `clientId`) as `GET
 * systemregister/vendor/{id}` answers it, or as this package returns it (`vendorOrgNo`,
 * `clientIds`): a RegisteredSystem read can be given back. Other members are refused (TypeError).
 */
export interface SystemInput {
  /** `<vendor org no>_<name>`, no spaces. */
  id: string;
  /** `{ID: '0192:<vendor org no>'}` (or give `vendorOrgNo`). */
  vendor?: { ID: string; authority?: string };
  vendorOrgNo?: string;
  /** Altinn stores a text only with all three of `nb`, `nn` and `en`. */
  name: LocalizedText;
  description: LocalizedText;
  /** Absent or null: none. */
  rights?: Right[] | null;
  accessPackages?: Array<AccessPackage | string> | null;
  /** Maskinporten client ids (Altinn's spelling); `clientIds` is read too (not both). */
  clientId?: string[];
  clientIds?: string[];
  /** Default true. An agent-only package needs `false` (AUTH.VLD-00018). */
  isVisible?: boolean;
  /** Absolute https URLs. */
  allowedRedirectUrls?: string[];
  /** Ignored. */
  isDeleted?: boolean;
}

/**
 * The members of a registered system to replace; absent (or null) ones are kept as stored.
 * `vendor`, `vendorOrgNo` and `isDeleted` are accepted and ignored (a system read can be edited
 * and given back).
 */
export interface SystemUpdate {
  id: string;
  name?: LocalizedText | null;
  description?: LocalizedText | null;
  rights?: Right[] | null;
  accessPackages?: Array<AccessPackage | string> | null;
  clientId?: string[] | null;
  clientIds?: string[] | null;
  isVisible?: boolean | null;
  allowedRedirectUrls?: string[] | null;
  vendor?: { ID: string; authority?: string };
  vendorOrgNo?: string;
  isDeleted?: boolean;
}

/** What `registerSystem` did. */
export interface RegisteredSystemId {
  /** Altinn's internal id of the system; null when the answer was lost and the system was found by its id (`reconciled`). */
  internalId: string | null;
  reconciled: boolean;
}

/** One entry of a system's changelog. */
export interface SystemChange {
  systemInternalId: string;
  /** The organisation that made the change (bare 9 digits). */
  changedByOrgNo: string;
  /** `create`, `update`, `rightsupdate`, `accesspackageupdate` or `delete`. */
  changeType: string;
  /** The body that was sent, parsed (text when it was not JSON; null for a delete). */
  changedData: unknown;
  /** The Maskinporten client that made the change. */
  clientId?: string;
  created?: Date;
}

/**
 * The accounting bureau whose clients are administered: the key of its own **standard** system
 * user for a system holding `urn:altinn:accesspackage:klientadministrator`, which the bureau
 * approved once. `externalRef` when it was not the org number.
 */
export interface Bureau {
  orgNo: string;
  externalRef?: string;
}

/** An agent system user of the bureau, as the client-delegation routes list it. */
export interface AgentSystemUser extends SystemUser {
  systemInternalId?: string;
  partyUuid?: string;
  /** The packages a client must hold (all of them) to be delegated. */
  accessPackages: AccessPackage[];
}

/** A client of the bureau. */
export interface Client {
  /** The client's party uuid (what `addClient` sends). */
  id: string;
  orgNo: string;
  name?: string;
}

/** The clients of an agent system user (available or delegated); never paged. */
export interface ClientList {
  /** The agent system user asked about (checked). */
  systemUserId: string;
  /** The bureau. */
  ownerOrgNo: string;
  clients: Client[];
}

/** A client (party uuid) delegated to, or removed from, an agent system user (its id). */
export interface ClientLink {
  agent: string;
  client: string;
}

/** A client by its party uuid (a string, `{id}` or a `Client`), or by its org number (9 digits, `{orgNo}`). */
export type ClientRef = string | { id: string } | { orgNo: string };

/** An agent system user by its id, or an item of `listAgents`. */
export type AgentRef = string | { id: string };

export interface Violation {
  /** The server's AUTH code where it has one (e.g. `AUTH-00021`), else a kebab-case name. */
  code: string;
  /** JSON path in the create body, e.g. `partyOrgNo`, `rights[0].resource[1].id`. */
  field: string;
  /** What is wrong and what to do. */
  message: string;
}

export type Validated<T> = { valid: true; request: T; violations: [] } | { valid: false; violations: Violation[] };

export type LifecycleEvent = 'approve' | 'reject' | 'time-out' | 'escalate';

/** A status as Altinn spells it (`Timedout` today; `TimedOut` on older servers). */
export type AltinnRequestStatus = 'New' | 'Accepted' | 'Rejected' | 'Denied' | 'Timedout' | 'TimedOut';

/** Wherever a status is an input: this package's spelling or Altinn's. Anything else is a TypeError. */
export type RequestStatusInput = RequestStatus | AltinnRequestStatus;

/**
 * A system user request in Altinn's JSON (`GET systemuser/request/vendor/{id}`): accepted where a
 * SystemUserRequest is expected. `status` as Altinn spells it; `created` ISO 8601 text (no offset: UTC).
 */
export interface AltinnSystemUserRequest {
  id: string;
  externalRef?: string;
  systemId?: string;
  partyOrgNo?: string;
  integrationTitle?: string | null;
  rights?: Right[] | null;
  accessPackages?: AccessPackage[] | null;
  status: AltinnRequestStatus | RequestStatus | string;
  redirectUrl?: string | null;
  confirmUrl?: string | null;
  escalated?: boolean;
  created?: string | Date | number | null;
  timedOut?: boolean;
  kind?: RequestKind;
}

/**
 * A registered system in Altinn's JSON (`GET systemregister/vendor/{id}`: `vendor.ID`,
 * `clientId`): accepted where a RegisteredSystem is expected. Other members are ignored.
 */
export interface AltinnRegisteredSystem {
  id: string;
  vendor: { ID: string; authority?: string };
  name?: LocalizedText;
  description?: LocalizedText;
  rights?: Right[] | null;
  accessPackages?: AccessPackage[] | null;
  clientId?: string[] | null;
  isVisible?: boolean;
  allowedRedirectUrls?: string[] | null;
  isDeleted?: boolean;
}

/**
 * A system user's Maskinporten token. `token` is the bearer token; `String()` and `util.inspect`
 * show `(redacted)` instead, `JSON.stringify` `[redacted]`.
 */
export declare class SystemUserToken {
  private constructor();
  readonly token: string;
  /** The scopes granted, space-separated. */
  readonly scope: string;
  /** When Maskinporten says it expires (by the client's clock). */
  readonly expiresAt: Date;
  toJSON(): { token: '[redacted]'; scope: string; expiresAt: Date };
}

export interface TimeoutOptions {
  /** Also derive a timeout from `created` (status `new` and `created + windowSeconds <= now`). A Date, epoch milliseconds or ISO 8601 text. */
  now?: Date | number | string;
  /** Default DEFAULT_TIMEOUT_WINDOW_SECONDS (180 days, current servers). */
  windowSeconds?: number;
}

// ---- the client ----------------------------------------------------------------------------

export declare const DEFAULT_TIMEOUT_WINDOW_SECONDS: number;
/** Names of the core WebAssembly modules `getCoreModule` is asked for. */
export declare const CORE_MODULES: readonly string[];

/**
 * One client = one instance of the component. Every async method runs the component's sans-IO
 * state machine for that operation, with this package's fetch, token callback and timer.
 * Methods reject with a SystemUserError subclass (or TypeError for a programming mistake).
 */
export declare class SystemUserClient {
  private constructor();
  static create(options: ClientOptions): Promise<SystemUserClient>;

  /** The configuration in WIT shape (no secrets). */
  readonly config: unknown;
  /** The raw jco exports (WIT shapes: `{tag, val}` variants, BigInt, Uint8Array). */
  readonly exports: any;

  // Every method checks its arguments first: a wrong one is a TypeError naming the parameter
  // (thrown, or the rejection of an async method), nothing is sent and the client keeps working.

  /** Pre-flight validation (the registered system read once per client for five minutes), the create, reconciliation after a lost answer. Idempotent per (org, externalRef, system). */
  createStandardRequest(input: StandardRequestInput, options?: CallOptions): Promise<CreatedRequest>;
  /** The same as `createStandardRequest` (its first name in this package). */
  createRequest(input: StandardRequestInput, options?: CallOptions): Promise<CreatedRequest>;
  createAgentRequest(input: AgentRequestInput, options?: CallOptions): Promise<CreatedRequest>;
  getRequest(id: string, options?: CallOptions & { kind?: RequestKind }): Promise<SystemUserRequest>;
  getRequestByExternalRef(
    key: { systemId: string; orgNo: string; externalRef?: string; kind?: RequestKind },
    options?: CallOptions,
  ): Promise<SystemUserRequest>;
  listRequests(query: { systemId: string; kind?: RequestKind; page?: string | null }, options?: CallOptions): Promise<Page<SystemUserRequest>>;
  /** Every page; next links are followed on the configured base only. */
  listAllRequests(query: { systemId: string; kind?: RequestKind }, options?: CallOptions): Promise<SystemUserRequest[]>;
  /**
   * Every request of the system, read a page at a time as the loop goes on:
   * `for await (const r of client.iterateRequests({ systemId }))`. A `break` reads no further page.
   */
  iterateRequests(query: { systemId: string; kind?: RequestKind }, options?: CallOptions): AsyncGenerator<SystemUserRequest, void, undefined>;
  /**
   * Reads the request every `intervalMs` until its effective status is no longer `new`, and
   * resolves to it (Accepted, Rejected, Denied, Timedout). Rejects with the signal's reason on
   * abort, a `TimeoutError` DOMException after `timeoutMs`, or the error of a failed read.
   */
  waitForDecision(id: string, options?: WaitOptions): Promise<SystemUserRequest>;
  /** Deletes a request (standard or agent). Not retried blindly. */
  withdrawRequest(id: string, options?: CallOptions): Promise<void>;
  /** The system user for this key, or null (the server's empty 404). `externalRef` defaults to `orgNo`. */
  verifySystemUser(query: { systemId: string; orgNo: string; externalRef?: string }, options?: CallOptions): Promise<SystemUser | null>;
  listSystemUsers(query: { systemId: string; page?: string | null }, options?: CallOptions): Promise<Page<SystemUser>>;
  listAllSystemUsers(systemId: string, options?: CallOptions): Promise<SystemUser[]>;
  /** Every system user of the system, a page at a time: `for await (const u of client.iterateSystemUsers(systemId))`. */
  iterateSystemUsers(systemId: string, options?: CallOptions): AsyncGenerator<SystemUser, void, undefined>;
  getRegisteredSystem(systemId: string, options?: CallOptions): Promise<RegisteredSystem>;
  /**
   * A token to act as the customer's system user, once the customer approved (Maskinporten mode
   * only). `externalRef`: the request's, when it was not the org number (else MP-303).
   * Cached in the component until 30 s before it expires.
   */
  systemUserToken(
    query: { customerOrgNo: string; externalRef?: string; scopes: string[] },
    options?: CallOptions,
  ): Promise<SystemUserToken>;

  /**
   * A change request, made exactly once: the system user found by its key (an agent one is a
   * ValidationError `AUTH-00015`, none a NotFoundError), the change checked against the
   * registered system, then one POST under the correlation id; a lost answer is reconciled by
   * that id. A change asking for nothing resolves to `noChangeNeeded: true` without any call.
   * A correlation id that names another change: ConflictError with `code` `correlation-id-reused`.
   */
  createChangeRequest(input: ChangeRequestInput, options?: CallOptions): Promise<CreatedChangeRequest>;
  getChangeRequest(id: string, options?: CallOptions): Promise<ChangeRequest>;
  /** A hint: the server answers an arbitrary one of several, without package lists. `externalRef` defaults to `orgNo`. */
  getChangeRequestByExternalRef(key: { systemId: string; orgNo: string; externalRef?: string }, options?: CallOptions): Promise<ChangeRequest>;
  /** Page one only (the server's next link repeats it); see `mayBeIncomplete`. */
  listChangeRequests(query: { systemId: string }, options?: CallOptions): Promise<ChangeRequestList>;
  /** Deletes a change request, whatever its status. Not retried blindly. */
  withdrawChangeRequest(id: string, options?: CallOptions): Promise<void>;

  /** The vendor's systems, deleted ones left out; a listing (no client ids or redirect URLs: get one for them). */
  listSystems(options?: CallOptions): Promise<RegisteredSystem[]>;
  /**
   * Registers a system (Altinn's shape), checked first (ValidationError with AUTH.VLD codes,
   * nothing sent); a lost answer is settled by reading it, never by a blind second POST.
   */
  registerSystem(system: SystemInput, options?: CallOptions): Promise<RegisteredSystemId>;
  /**
   * Replaces the members named and keeps the rest (reads, merges, checks, PUTs the whole record).
   * A deleted system: ConflictError `system-deleted`; an unknown one: NotFoundError.
   */
  updateSystem(update: SystemUpdate, options?: CallOptions): Promise<void>;
  setSystemRights(systemId: string, rights: Right[], options?: CallOptions): Promise<void>;
  /** Checked against the stored `isVisible` (an agent-only package on a visible system: AUTH.VLD-00018). */
  setSystemAccessPackages(systemId: string, accessPackages: Array<AccessPackage | string>, options?: CallOptions): Promise<void>;
  /** Its id is never usable again. Deleting a deleted system succeeds. */
  deleteSystem(systemId: string, options?: CallOptions): Promise<void>;
  /** Newest first. */
  systemChangelog(systemId: string, options?: CallOptions): Promise<SystemChange[]>;

  /**
   * Client delegation for `bureau` (its org number, or `{orgNo, externalRef}`): the bureau's
   * system-user token (Maskinporten mode; else your token callback is asked for
   * `altinn:clientdelegations.read altinn:clientdelegations.write` and must return it) is
   * exchanged at Altinn once and the Altinn token kept in this client until 30 s before it
   * expires. A 403: ForbiddenError (approve the klientadministrator system user); a token acting
   * for another organisation: TokenError.
   */
  listAgents(bureau: Bureau | string, options?: CallOptions): Promise<AgentSystemUser[]>;
  /** The bureau's clients holding one of the agent system user's packages, delegated or not. */
  listAvailableClients(bureau: Bureau | string, agent: AgentRef, options?: CallOptions): Promise<ClientList>;
  /** The clients delegated to the agent system user. */
  listClients(bureau: Bureau | string, agent: AgentRef, options?: CallOptions): Promise<ClientList>;
  /**
   * Delegates a client. An org number is looked up among the available clients (not there:
   * ValidationError `client-not-available`, nothing sent). AltinnError AUTH-00079 (not the
   * bureau's client) / AUTH-00080 (it lacks one of the agent's packages).
   */
  addClient(bureau: Bureau | string, agent: AgentRef, client: ClientRef, options?: CallOptions): Promise<ClientLink>;
  /**
   * Removes a client (one not delegated is no error). An org number is looked up among the
   * delegated clients: not one of them, nothing is sent and the result is null.
   */
  removeClient(bureau: Bureau | string, agent: AgentRef, client: ClientRef, options?: CallOptions): Promise<ClientLink | null>;

  validateStandardRequest(input: StandardRequestInput, system?: RegisteredSystem | AltinnRegisteredSystem | null): Validated<StandardRequestInput>;
  validateAgentRequest(input: AgentRequestInput, system?: RegisteredSystem | AltinnRegisteredSystem | null): Validated<AgentRequestInput>;
  /** `body` in the result is the normalised JSON exactly as it would be sent. */
  validateJson(
    kind: RequestKind,
    body: string | Uint8Array | object,
    system?: string | Uint8Array | object | null,
  ): { valid: true; body: string; violations: [] } | { valid: false; violations: Violation[] };
  /** The bare 9 digits; throws ValidationError. */
  checkOrgNo(orgNo: string): string;
  checkSystemId(systemId: string): string;
  checkExternalRef(externalRef: string): string;
  /** The id in lower case; throws ValidationError. */
  checkRequestId(id: string): string;

  /**
   * The status after `event`, or null when the server refuses that transition. Statuses as this
   * package or Altinn spells them (`'Accepted'`); anything else is a TypeError naming `status`.
   */
  transition(status: RequestStatusInput, event: LifecycleEvent): RequestStatus | null;
  isTerminal(status: RequestStatusInput): boolean;
  /** `request` as this package returns it, or Altinn's JSON of it. */
  isTimedOut(request: SystemUserRequest | AltinnSystemUserRequest, options?: TimeoutOptions): boolean;
  /** `Timedout` when the request counts as timed out, else its status. */
  effectiveStatus(request: SystemUserRequest | AltinnSystemUserRequest, options?: TimeoutOptions): RequestStatus;
}

export declare function createClient(options: ClientOptions): Promise<SystemUserClient>;

// ---- signing on Web Crypto (any runtime) ---------------------------------------------------

export interface WebCryptoSignerOptions {
  /**
   * A private RSA JWK or one-key JWK Set (object or JSON text), PKCS#8 PEM text
   * (`-----BEGIN PRIVATE KEY-----`) or DER bytes, or a private RSASSA-PKCS1-v1_5/SHA-256 CryptoKey.
   * (PKCS#1 PEM: convert it, or use `createSigner` from `altinn-systemuser/node`.)
   */
  key: JsonWebKey | { keys: [JsonWebKey] } | string | ArrayBuffer | ArrayBufferView | CryptoKey;
  /** The key's id on your Maskinporten client; default the JWK's own `kid`. */
  kid?: string;
  /** Name the key by a business certificate chain instead (base64 DER strings or PEM text, leaf first). */
  x5c?: string | string[];
}

/** An RS256 signer on `crypto.subtle` (asynchronous). Printing or serialising it shows its identity, never the key. */
export declare class WebCryptoSigner implements Signer {
  private constructor();
  identity(): KeyIdentity;
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** RSA key size in bits. */
  readonly bits: number;
  toJSON(): Record<string, unknown>;
}

/** A Web Crypto signer (edge runtimes too); rejects with TokenError (never quoting the key) or TypeError. */
export declare function createWebCryptoSigner(options: WebCryptoSignerOptions): Promise<WebCryptoSigner>;

/** Caches tokens per scope set until `expiresIn - marginSeconds`. */
export declare function cachingTokenProvider(
  fetchToken: (
    scopes: string[],
    context: { signal?: AbortSignal },
  ) => Promise<{ accessToken?: string; access_token?: string; expiresIn?: number; expires_in?: number }>,
  options?: { marginSeconds?: number; now?: () => number },
): TokenProvider & { clear(): void };

// ---- errors --------------------------------------------------------------------------------

export type ErrorKind =
  | 'validation'
  | 'altinn'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unavailable'
  | 'transport'
  | 'token'
  | 'maskinporten'
  | 'invalid-response'
  | 'misuse'
  | 'component';

/** Base of every error; safe to log (no token, header or body in it). */
export declare class SystemUserError extends Error {
  readonly kind: ErrorKind;
  /** Altinn code (`AUTH-00011`, `STD-00000`) or validation code; null when none. */
  readonly code: string | null;
  /** HTTP status of Altinn's answer; null when none was involved. */
  readonly status: number | null;
  readonly violations: Violation[];
  toJSON(): Record<string, unknown>;
}

/** The input is invalid; nothing was sent but the reads that check it (the pre-flight, a change request's system-user lookup). */
export declare class ValidationError extends SystemUserError {
  readonly kind: 'validation';
}

/**
 * Base of the errors that carry a server's answer (problem details): AltinnError,
 * UnauthorizedError, ForbiddenError, NotFoundError, ConflictError, UnavailableError and
 * MaskinportenError.
 */
export declare class ProblemError extends SystemUserError {
  readonly status: number;
  readonly title: string | null;
  readonly detail: string | null;
  readonly traceId: string | null;
}

/** Altinn refused with a problem (a 4xx other than 401/403/404/409/429). */
export declare class AltinnError extends ProblemError {
  readonly kind: 'altinn';
  /** Extension members such as `NotFoundPackages`, parsed. */
  readonly extensions: Record<string, unknown>;
}
export declare class UnauthorizedError extends ProblemError {
  readonly kind: 'unauthorized';
}
/**
 * 403: the token lacks the scope (or the system is another vendor's). For client delegation: the
 * bureau's token may not administer its clients: the bureau must approve its own standard system
 * user for a system holding `klientadministrator` (the message says so).
 */
export declare class ForbiddenError extends ProblemError {
  readonly kind: 'forbidden';
}
export declare class NotFoundError extends ProblemError {
  readonly kind: 'not-found';
}
/**
 * 409 (e.g. AUTH-00013: the request is no longer `New`; AUTH-00061: a change request's
 * correlation id on another vendor's system), or a
 * change request's correlation id that already names another change (`code`
 * `correlation-id-reused`; the server answered 200 with the stored one): use a new correlation id.
 * System Register: `system-deleted` (a deleted system cannot be changed), `AUTH.VLD-00002` (the
 * id of a registration whose answer was lost belongs to a deleted system: ids are never reused).
 */
export declare class ConflictError extends ProblemError {
  readonly kind: 'conflict';
}

/**
 * Altinn or Maskinporten could not answer now: 429, or 5xx after the retries the budget and the
 * deadline allowed. Not a "no": trying again later is safe.
 */
export declare class UnavailableError extends ProblemError {
  readonly kind: 'unavailable';
  /** The server's `Retry-After` in seconds, or null when it gave none. */
  readonly retryAfterSeconds: number | null;
}

/** `too-large`: the answer passed the 1 MiB cap, or came compressed (never decompressed). */
export type TransportErrorKind = 'connect' | 'timeout' | 'connection-lost' | 'too-large' | 'other';

/** The HTTP exchange failed before a usable answer arrived (after any retries), or the deadline passed. */
export declare class TransportError extends SystemUserError {
  readonly kind: 'transport';
  readonly transportKind: TransportErrorKind;
}
/**
 * The token callback or the signer failed, or gave something that cannot be sent; or, for client
 * delegation, the exchanged token acts for another organisation than the bureau.
 */
export declare class TokenError extends SystemUserError {
  readonly kind: 'token';
}
/**
 * Maskinporten refused a grant: `code` is its MP code (e.g. `MP-130`), `title` its OAuth error,
 * `detail` its error_description; the message says what to fix.
 */
export declare class MaskinportenError extends ProblemError {
  readonly kind: 'maskinporten';
}
/** Altinn's answer could not be understood or is unsafe (e.g. a confirmUrl on another host). */
export declare class InvalidResponseError extends SystemUserError {
  readonly kind: 'invalid-response';
}
/** The host broke the operation protocol (a bug in this package, or in code pumping `client.exports` by hand). */
export declare class MisuseError extends SystemUserError {
  readonly kind: 'misuse';
}
/** The component is not built, could not be loaded, or trapped (the client then uses a fresh instance). */
export declare class ComponentFailureError extends SystemUserError {
  readonly kind: 'component';
}
