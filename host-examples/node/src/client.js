// The async client: every method runs one `operations.operation` of the component (the same
// state machine the Rust and Python hosts run) and supplies its I/O: fetch, the token callback,
// signatures, timers, the clock. The client logic (validation, pre-flight, reconciliation,
// guards, retries, deadlines, Retry-After) stays in the component; this file only moves values
// in and out. In Maskinporten mode the component gets its own tokens: its grants come as
// ordinary `send` steps, each after a `sign` step that the signer answers (possibly async).
// Edge-safe: nothing Node-only.

import { instantiateComponent } from './component.js';
import {
  argError,
  fromDatetime,
  fromOutcome,
  fromRequest,
  fromStatus,
  toAgentId,
  toAgentInput,
  toBureau,
  toChangeInput,
  toClientRef,
  toConfig,
  toDatetime,
  toCallOptions,
  toEvent,
  toKind,
  obj,
  reqStr,
  toOptStr,
  toPackages,
  toRegisteredSystem,
  toRequest,
  toSeconds,
  toRights,
  toStandardInput,
  toStatus,
  toStrList,
  toSystem,
  toSystemUpdate,
} from './convert.js';
import { ComponentFailureError, InvalidResponseError, SystemUserError, TokenError, ValidationError, fromWitError } from './errors.js';
import { hostTime, keyIdentity, reason, signStep, toKeyIdentity } from './grants.js';
import { CallerAbort, send, sleep as defaultSleep } from './transport.js';

/** Current servers mark a request timed out after 180 days (API.md §6). */
export const DEFAULT_TIMEOUT_WINDOW_SECONDS = 180 * 24 * 3600;

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');
const CONSTRUCT = Symbol('construct');

function isComponentError(e) {
  return e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload');
}

/** A TypeError or RangeError from jco's glue (lowering), not a trap (WebAssembly.RuntimeError) or an import's Error. */
function isLoweringError(err) {
  return (err instanceof TypeError || err instanceof RangeError) && !(err instanceof WebAssembly.RuntimeError);
}

function messageOf(err) {
  const m = err instanceof Error ? err.message : typeof err === 'string' ? err : 'the token provider failed';
  return (m || 'the token provider failed').slice(0, 300);
}

export class SystemUserClient {
  #options;
  #config;
  #tokenProvider;
  #signer;
  #time;
  #fetch;
  #sleep;
  #root = null;
  #instantiating = null;

  /** Use `await SystemUserClient.create(options)` (or `createClient`). */
  constructor(options, key) {
    if (key !== CONSTRUCT) throw new TypeError('use `await SystemUserClient.create(options)` to make a client');
    obj(options, 'options', 'an object {environment, token | maskinporten, …}');
    for (const k of ['fetch', 'sleep', 'getCoreModule']) {
      if (options[k] !== undefined && options[k] !== null && typeof options[k] !== 'function') throw argError(`options.${k}`, 'a function', options[k]);
    }
    const mp = options?.maskinporten;
    if (mp !== undefined && mp !== null) {
      // The component asks for no token then: a callback would never be called.
      if (options.token !== undefined) throw new TypeError('give options.token or options.maskinporten, not both');
      checkMaskinporten(mp);
    } else if (typeof options?.token !== 'function') {
      throw argError('options.token', 'an async function (scopes: string[]) => access token string (or give options.maskinporten)', options?.token);
    }
    this.#options = options;
    this.#config = toConfig(options);
    this.#tokenProvider = options.token;
    this.#signer = mp?.signer ?? undefined;
    this.#time = hostTime({ now: mp?.now, randomBytes: mp?.randomBytes });
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? defaultSleep;
    if (typeof this.#fetch !== 'function') throw new TypeError('no fetch: pass options.fetch');
  }

  /** Compiles (once per process) and instantiates the component for this client. */
  static async create(options) {
    const client = new SystemUserClient(options, CONSTRUCT);
    await client.#ready();
    return client;
  }

  /**
   * The configuration the component runs with (no secrets in it). In Maskinporten mode
   * `maskinporten.key` is the signer's identity now (asked again for every operation).
   */
  get config() {
    const config = structuredClone(this.#config);
    if (config.maskinporten) {
      try {
        config.maskinporten.key = this.#signer ? toKeyIdentity(this.#signer.identity()) : undefined;
      } catch {
        config.maskinporten.key = undefined;
      }
    }
    return config;
  }

  /** The config for one operation: the signer's identity now as `maskinporten.key`. */
  async #operationConfig() {
    if (!this.#config.maskinporten) return this.#config;
    let key;
    try {
      key = await keyIdentity(this.#signer);
    } catch (err) {
      throw new TokenError(reason(err, 'the signer has no identity'));
    }
    return { ...this.#config, maskinporten: { ...this.#config.maskinporten, key } };
  }

  /** The raw jco exports (WIT shapes: `{tag, val}` variants, BigInt, Uint8Array), for advanced use. */
  get exports() {
    if (!this.#root) throw new ComponentFailureError('the component instance is being rebuilt after a failure; await any client method first');
    return this.#root;
  }

  async #ready() {
    if (this.#root) return this.#root;
    this.#instantiating ??= instantiateComponent({ getCoreModule: this.#options.getCoreModule }).then(
      (root) => {
        this.#root = root;
        this.#instantiating = null;
        return root;
      },
      (err) => {
        this.#instantiating = null;
        throw err;
      },
    );
    return this.#instantiating;
  }

  /** A call into the component failed without a WIT error (a trap): drop this instance. */
  #trap(err) {
    if (err instanceof SystemUserError) return err;
    // jco refuses a value it cannot lower before anything enters the component: the instance is
    // intact. (The checks in convert.js come first; this is the net under them.)
    if (isLoweringError(err)) return new TypeError(`an argument the component cannot take: ${err.message}`, { cause: err });
    this.#root = null;
    return new ComponentFailureError(
      `the component failed (${err?.message ?? err}); this client will use a fresh instance for its next call`,
      err,
    );
  }

  #sync(fn) {
    if (!this.#root) throw new ComponentFailureError('the component instance is being rebuilt after a failure; await any client method first');
    try {
      return fn(this.#root);
    } catch (err) {
      if (isComponentError(err)) throw err;
      throw this.#trap(err);
    }
  }

  async #token(scopes, signal) {
    // Never asked in Maskinporten mode; answered all the same rather than left hanging.
    if (!this.#tokenProvider) return { tag: 'token-failed', val: 'no token callback is configured (options.token)' };
    let token;
    try {
      token = await this.#tokenProvider([...scopes], { signal });
    } catch (err) {
      if (signal?.aborted) throw new CallerAbort(signal.reason);
      return { tag: 'token-failed', val: messageOf(err) };
    }
    if (signal?.aborted) throw new CallerAbort(signal.reason);
    if (typeof token !== 'string' || token.length === 0) {
      return { tag: 'token-failed', val: `the token provider returned ${token === '' ? 'an empty string' : typeof token} instead of an access token string` };
    }
    return { tag: 'token', val: token };
  }

  /** Pumps one operation to its end: the component decides, this loop does the I/O. */
  async #run(task, signal) {
    if (signal?.aborted) throw signal.reason;
    const root = await this.#ready();
    const config = await this.#operationConfig();
    const time = this.#time;
    let op;
    const guard = (fn) => {
      try {
        return fn();
      } catch (err) {
        throw this.#trap(err);
      }
    };
    try {
      const seed = time.seed();
      op = guard(() => new root.operations.Operation(config, task, time.now(), seed));
      let step = guard(() => op.start());
      while (step.tag !== 'done') {
        let input;
        switch (step.tag) {
          case 'need-token':
            input = await this.#token(step.val, signal);
            break;
          case 'send':
            input = await send(step.val, { fetchImpl: this.#fetch, signal });
            break;
          case 'sign':
            input = await signStep(this.#signer, step.val);
            if (signal?.aborted) throw new CallerAbort(signal.reason);
            break;
          case 'wait':
            await this.#sleep(step.val, signal);
            if (signal?.aborted) throw new CallerAbort(signal.reason);
            input = { tag: 'waited' };
            break;
          default:
            throw new ComponentFailureError(`the component asked for an unknown step ${String(step.tag)}`);
        }
        const now = time.now();
        step = guard(() => op.advance(input, now));
      }
      try {
        return op.finish();
      } catch (err) {
        if (isComponentError(err)) throw fromWitError(err.payload);
        throw this.#trap(err);
      }
    } catch (err) {
      if (err instanceof CallerAbort) throw err.reason;
      throw err;
    } finally {
      try {
        op?.[DISPOSE]?.();
      } catch {
        // A resource of a dropped instance; nothing to free.
      }
    }
  }

  // ---- operations (async, through the component's state machine) ---------------------------

  /** Creates (idempotently) a standard system user request (the vocabulary's name, as in every host). */
  async createStandardRequest(input, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'create-standard-request', val: toStandardInput(input) }, signal));
  }

  /** The same as `createStandardRequest` (its first name here). */
  async createRequest(input, options) {
    return this.createStandardRequest(input, options);
  }

  /** Creates (idempotently) an agent system user request (access packages only). */
  async createAgentRequest(input, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'create-agent-request', val: toAgentInput(input) }, signal));
  }

  async getRequest(id, options) {
    const { kind, signal } = toCallOptions(options, 'options', ['kind']);
    const val = { kind: toKind(kind, 'options.kind'), id: reqStr(id, 'id') };
    return fromOutcome(await this.#run({ tag: 'get-request', val }, signal));
  }

  async getRequestByExternalRef(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, orgNo, externalRef, kind } = obj(query, 'query', 'an object {systemId, orgNo, externalRef, kind}');
    const val = {
      kind: toKind(kind, 'query.kind'),
      systemId: reqStr(systemId, 'query.systemId'),
      orgNo: reqStr(orgNo, 'query.orgNo'),
      externalRef: toOptStr(externalRef, 'query.externalRef') ?? orgNo,
    };
    return fromOutcome(await this.#run({ tag: 'get-request-by-external-ref', val }, signal));
  }

  /** One page of a system's requests; pass `page: previous.nextPage` for the next. */
  async listRequests(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, kind, page } = obj(query, 'query', 'an object {systemId, kind, page}');
    const val = { kind: toKind(kind, 'query.kind'), systemId: reqStr(systemId, 'query.systemId'), page: toOptStr(page, 'query.page') };
    return fromOutcome(await this.#run({ tag: 'list-requests', val }, signal));
  }

  /** Every page of a system's requests (next links are followed on the configured base only). */
  async listAllRequests(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, kind } = obj(query, 'query', 'an object {systemId, kind}');
    const val = { kind: toKind(kind, 'query.kind'), systemId: reqStr(systemId, 'query.systemId') };
    return fromOutcome(await this.#run({ tag: 'list-all-requests', val }, signal)).items;
  }

  /**
   * Every request of a system, page by page as they are read: `for await (const r of
   * client.iterateRequests({systemId}))`. One `listRequests` per page (so a `break` reads no
   * further page); next links are followed on the configured base only.
   */
  async *iterateRequests(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, kind } = obj(query, 'query', 'an object {systemId, kind?}');
    const q = { systemId: reqStr(systemId, 'query.systemId'), kind: toKind(kind, 'query.kind') };
    yield* pages((page) => this.listRequests({ ...q, page }, { signal }));
  }

  /**
   * Polls a request until the customer decides: resolves to the request once its effective
   * status is no longer 'New' ('Accepted', 'Rejected', 'Denied', 'Timedout' or an unknown one).
   * `intervalMs` between reads (default 5000); `onProgress(request, {polls, elapsedMs})` after
   * each read; `timeoutMs` (default none): then rejects with a DOMException named 'TimeoutError'
   * (as `AbortSignal.timeout` does); `signal`: aborting rejects with its reason. A read that
   * fails (after the component's retries) rejects with that error.
   */
  async waitForDecision(id, options) {
    const { signal, timeoutMs, intervalMs = DEFAULT_POLL_INTERVAL_MS, onProgress, kind } = toCallOptions(options, 'options', ['timeoutMs', 'intervalMs', 'onProgress', 'kind']);
    reqStr(id, 'id');
    const k = toKind(kind, 'options.kind');
    if (timeoutMs !== undefined && timeoutMs !== null && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw argError('options.timeoutMs', 'a number of milliseconds, 0 or more', timeoutMs);
    if (!(Number.isFinite(intervalMs) && intervalMs >= 0)) throw argError('options.intervalMs', 'a number of milliseconds, 0 or more', intervalMs);
    if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') throw argError('options.onProgress', 'a function (request, {polls, elapsedMs}) => void', onProgress);
    const started = Date.now();
    const timeout = timeoutMs === undefined || timeoutMs === null ? undefined : AbortSignal.timeout(timeoutMs);
    const both = anySignal([signal, timeout]);
    try {
      for (let polls = 1; ; polls++) {
        const request = await this.getRequest(id, { kind: k, signal: both });
        onProgress?.(request, { polls, elapsedMs: Date.now() - started });
        if (this.effectiveStatus(request, { now: Date.now() }) !== 'New') return request;
        await this.#sleep(intervalMs, both);
        if (both?.aborted) throw both.reason;
      }
    } catch (err) {
      if (err instanceof CallerAbort) throw err.reason;
      throw err;
    }
  }

  /** Deletes a request (standard or agent). Resolves to undefined. */
  async withdrawRequest(id, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'withdraw-request', val: reqStr(id, 'id') }, signal));
  }

  /** The system user for a customer, or null when there is none. */
  async verifySystemUser(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, orgNo, externalRef } = obj(query, 'query', 'an object {systemId, orgNo, externalRef}');
    const val = { systemId: reqStr(systemId, 'query.systemId'), orgNo: reqStr(orgNo, 'query.orgNo'), externalRef: toOptStr(externalRef, 'query.externalRef') };
    return fromOutcome(await this.#run({ tag: 'verify-system-user', val }, signal));
  }

  async listSystemUsers(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, page } = obj(query, 'query', 'an object {systemId, page}');
    const val = { systemId: reqStr(systemId, 'query.systemId'), page: toOptStr(page, 'query.page') };
    return fromOutcome(await this.#run({ tag: 'list-system-users', val }, signal));
  }

  /** Every system user of a system, page by page: `for await (const u of client.iterateSystemUsers(systemId))`. */
  async *iterateSystemUsers(systemId, options) {
    const { signal } = toCallOptions(options);
    const s = reqStr(systemId, 'systemId');
    yield* pages((page) => this.listSystemUsers({ systemId: s, page }, { signal }));
  }

  async listAllSystemUsers(systemId, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'list-all-system-users', val: reqStr(systemId, 'systemId') }, signal)).items;
  }

  async getRegisteredSystem(systemId, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'get-registered-system', val: reqStr(systemId, 'systemId') }, signal));
  }

  /**
   * A Maskinporten token to act as the customer's system user, once the customer approved
   * (needs options.maskinporten). `externalRef`: the request's, when it was not the org number.
   * Cached in the component until 30 s before it expires.
   */
  async systemUserToken(query, options) {
    const { signal } = toCallOptions(options);
    const { customerOrgNo, externalRef, scopes } = obj(query, 'query', 'an object {customerOrgNo, externalRef, scopes}');
    const val = {
      customerOrgNo: reqStr(customerOrgNo, 'query.customerOrgNo'),
      externalRef: toOptStr(externalRef, 'query.externalRef'),
      scopes: toStrList(scopes, 'query.scopes'),
    };
    return fromOutcome(await this.#run({ tag: 'system-user-token', val }, signal));
  }

  // ---- change requests (API.md §11: standard system users only) ------------------------------

  /**
   * Asks the customer to change what their (standard) system user holds: the system user is
   * found by `{systemId, partyOrgNo, externalRef}`, the change is checked against the registered
   * system, then POSTed exactly once under `correlationId` (derived from the system user and the
   * change when not given, so a rerun finds the same change request). An agent system user is a
   * ValidationError (AUTH-00015) before the change is sent; a change asking for nothing resolves
   * to `{noChangeNeeded: true, changeRequest: null}` without any call; a correlation id that
   * names another change is a ConflictError (`code` 'correlation-id-reused').
   * → `{changeRequest, isNew, reconciled, noChangeNeeded}`
   */
  async createChangeRequest(input, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'create-change-request', val: toChangeInput(input) }, signal));
  }

  /** One change request by its id (the correlation id); `timedOut` is computed from `created`. */
  async getChangeRequest(id, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'get-change-request', val: reqStr(id, 'id') }, signal));
  }

  /**
   * A change request of the system user with this key (`externalRef` defaults to `orgNo`). The
   * server answers an arbitrary one of several, with empty package lists: a hint; get it by id
   * for the whole of it.
   */
  async getChangeRequestByExternalRef(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId, orgNo, externalRef } = obj(query, 'query', 'an object {systemId, orgNo, externalRef}');
    const val = {
      systemId: reqStr(systemId, 'query.systemId'),
      orgNo: reqStr(orgNo, 'query.orgNo'),
      externalRef: toOptStr(externalRef, 'query.externalRef') ?? orgNo,
    };
    return fromOutcome(await this.#run({ tag: 'get-change-request-by-external-ref', val }, signal));
  }

  /**
   * Page one of a system's change requests → `{items, mayBeIncomplete}`. The server ignores this
   * list's page token (past 50 items it repeats page one), so no next page is followed;
   * `mayBeIncomplete` says there was more: look change requests up by id or external ref.
   */
  async listChangeRequests(query, options) {
    const { signal } = toCallOptions(options);
    const { systemId } = obj(query, 'query', 'an object {systemId}');
    return fromOutcome(await this.#run({ tag: 'list-change-requests', val: reqStr(systemId, 'systemId') }, signal));
  }

  /** Deletes a change request (whatever its status). Resolves to undefined. */
  async withdrawChangeRequest(id, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'withdraw-change-request', val: reqStr(id, 'id') }, signal));
  }

  // ---- the System Register (API.md §13) -------------------------------------------------------

  /**
   * The vendor's systems (deleted ones left out). A listing: no client ids or redirect URLs
   * (read one with `getRegisteredSystem` for them).
   */
  async listSystems(options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'list-systems' }, signal));
  }

  /**
   * Registers a system, given in Altinn's shape (`{id, vendor: {ID: '0192:<org no>'}, name,
   * description, rights?, accessPackages?, clientId?, isVisible?, allowedRedirectUrls?}`; a
   * system this package returned works too). Checked first (AUTH.VLD codes, nothing sent);
   * exactly once: a lost answer is settled by reading the system, never by a blind second POST.
   * → `{internalId, reconciled}` (`internalId` null when the answer was lost).
   */
  async registerSystem(system, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'register-system', val: toSystem(system) }, signal));
  }

  /**
   * Replaces the members `update` names and keeps the rest: the component reads the stored
   * system, merges, checks and PUTs the whole record (the server's PUT resets what a body
   * leaves out). A deleted system: ConflictError `system-deleted`. Resolves to undefined.
   */
  async updateSystem(update, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'update-system', val: toSystemUpdate(update) }, signal));
  }

  /** Replaces a system's rights (checked against the stored system first). Resolves to undefined. */
  async setSystemRights(systemId, rights, options) {
    const { signal } = toCallOptions(options);
    const val = { systemId: reqStr(systemId, 'query.systemId'), rights: toRights(rights) };
    return fromOutcome(await this.#run({ tag: 'set-system-rights', val }, signal));
  }

  /** Replaces a system's access packages (checked against its stored visibility). Resolves to undefined. */
  async setSystemAccessPackages(systemId, accessPackages, options) {
    const { signal } = toCallOptions(options);
    const val = { systemId: reqStr(systemId, 'query.systemId'), accessPackages: toPackages(accessPackages) };
    return fromOutcome(await this.#run({ tag: 'set-system-access-packages', val }, signal));
  }

  /** Deletes a system (its id is never usable again); deleting a deleted system succeeds. Resolves to undefined. */
  async deleteSystem(systemId, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'delete-system', val: reqStr(systemId, 'systemId') }, signal));
  }

  /** A system's changelog, newest first; `changedData` is the body that was sent (parsed). */
  async systemChangelog(systemId, options) {
    const { signal } = toCallOptions(options);
    return fromOutcome(await this.#run({ tag: 'system-changelog', val: reqStr(systemId, 'systemId') }, signal));
  }

  // ---- client delegation (API.md §12), for an accounting bureau ------------------------------
  //
  // `bureau` is `{orgNo, externalRef?}`: the key of the bureau's own standard system user for a
  // system holding `klientadministrator`, which the bureau approved once. The component gets a
  // system-user token for it (Maskinporten mode; else the token callback is asked for the
  // clientdelegations scopes and must return the bureau's system-user token), exchanges it at
  // Altinn and keeps the Altinn token in this client's instance until 30 s before it expires:
  // one exchange serves many calls.

  async #delegate(bureau, delegation, signal) {
    return fromOutcome(await this.#run({ tag: 'client-delegation', val: { bureau: toBureau(bureau), delegation } }, signal));
  }

  /** The bureau's agent system users. */
  async listAgents(bureau, options) {
    const { signal } = toCallOptions(options);
    return this.#delegate(bureau, { tag: 'list-agents' }, signal);
  }

  /** The clients that could be added to the agent system user (the bureau's clients holding one of its packages, delegated or not). */
  async listAvailableClients(bureau, agent, options) {
    const { signal } = toCallOptions(options);
    return this.#delegate(bureau, { tag: 'list-available-clients', val: toAgentId(agent) }, signal);
  }

  /** The clients delegated to the agent system user. */
  async listClients(bureau, agent, options) {
    const { signal } = toCallOptions(options);
    return this.#delegate(bureau, { tag: 'list-clients', val: toAgentId(agent) }, signal);
  }

  /**
   * Delegates a client to the agent system user. `client`: its party uuid (or a `Client` of a
   * list), or its org number, looked up among the available clients first (not there: a
   * ValidationError `client-not-available`, nothing sent). → `{agent, client}` (party uuid).
   */
  async addClient(bureau, agent, client, options) {
    const { signal } = toCallOptions(options);
    const agentId = toAgentId(agent);
    const id = await this.#clientId(client, () => this.listAvailableClients(bureau, agentId, { signal }));
    if (id === null) {
      const orgNo = this.checkOrgNo(toClientRef(client).orgNo);
      throw new ValidationError([
        {
          code: 'client-not-available',
          field: 'client',
          message: `organisation ${orgNo} is not among the clients the bureau can add to agent system user ${agentId}: only the bureau's clients holding one of its access packages can be (Altinn would answer AUTH-00079)`,
        },
      ]);
    }
    return this.#delegate(bureau, { tag: 'add-client', val: { agent: agentId, client: id } }, signal);
  }

  /**
   * Removes a client from the agent system user (not delegated: no error). `client`: as for
   * `addClient`; an org number is looked up among the delegated clients, and when it is not
   * one of them nothing is sent and the result is null. → `{agent, client}` | null.
   */
  async removeClient(bureau, agent, client, options) {
    const { signal } = toCallOptions(options);
    const agentId = toAgentId(agent);
    const id = await this.#clientId(client, () => this.listClients(bureau, agentId, { signal }));
    if (id === null) return null;
    return this.#delegate(bureau, { tag: 'remove-client', val: { agent: agentId, client: id } }, signal);
  }

  /** A client's party uuid: as given, or found by its org number in `list()` (null: not there). */
  async #clientId(client, list) {
    const ref = toClientRef(client);
    if (ref.id !== undefined) return ref.id;
    await this.#ready();
    const orgNo = this.checkOrgNo(ref.orgNo);
    const found = (await list()).clients.find((c) => c.orgNo === orgNo);
    return found ? found.id : null;
  }

  // ---- local checks (synchronous, no I/O) ---------------------------------------------------

  /** Normalises and validates a standard request; with `system` also against the registered system. */
  validateStandardRequest(input, system) {
    const req = toStandardInput(input);
    const sys = system === undefined || system === null ? undefined : toRegisteredSystem(system);
    return this.#validated(() => this.#sync((r) => r.validation.validateStandardRequest(req, sys)));
  }

  validateAgentRequest(input, system) {
    const req = toAgentInput(input);
    const sys = system === undefined || system === null ? undefined : toRegisteredSystem(system);
    return this.#validated(() => this.#sync((r) => r.validation.validateAgentRequest(req, sys)));
  }

  /** Validates a create body given as JSON text, bytes or an object; `body` is what would be sent. */
  validateJson(kind, body, system) {
    const bytes = (v, name) => {
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return new TextEncoder().encode(v);
      if (typeof v === 'object' && v !== null) return new TextEncoder().encode(JSON.stringify(v));
      throw argError(name, 'JSON text, its UTF-8 bytes (Uint8Array) or an object', v);
    };
    const k = toKind(kind);
    const b = bytes(body, 'body');
    const sys = system === undefined || system === null ? undefined : bytes(system, 'system');
    const r = this.#validated(() => this.#sync((root) => root.validation.validateJson(k, b, sys)));
    return r.valid ? { valid: true, body: new TextDecoder().decode(r.request), violations: [] } : r;
  }

  #validated(fn) {
    try {
      return { valid: true, request: fn(), violations: [] };
    } catch (err) {
      if (isComponentError(err)) return { valid: false, violations: err.payload };
      throw err;
    }
  }

  #check(fn) {
    try {
      return this.#sync(fn);
    } catch (err) {
      if (isComponentError(err)) throw new ValidationError([err.payload]);
      throw err;
    }
  }

  /** The bare 9 digits, or throws ValidationError. */
  checkOrgNo(orgNo) {
    const v = reqStr(orgNo, 'orgNo');
    return this.#check((r) => r.validation.checkOrgNo(v));
  }

  checkSystemId(systemId) {
    const v = reqStr(systemId, 'systemId');
    return this.#check((r) => r.validation.checkSystemId(v));
  }

  checkExternalRef(externalRef) {
    const v = reqStr(externalRef, 'externalRef');
    return this.#check((r) => r.validation.checkExternalRef(v));
  }

  checkRequestId(id) {
    const v = reqStr(id, 'id');
    return this.#check((r) => r.validation.checkRequestId(v));
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** The status after `event` ('approve' | 'reject' | 'time-out' | 'escalate'), or null if refused. */
  transition(status, event) {
    const s = toStatus(status);
    const e = toEvent(event);
    const next = this.#sync((r) => r.lifecycle.transition(s, e));
    return next === undefined ? null : fromStatus(next);
  }

  isTerminal(status) {
    const s = toStatus(status);
    return this.#sync((r) => r.lifecycle.isTerminal(s));
  }

  /** `request`: as this package returns it, or Altinn's JSON of one (`status: 'New'`, `created` ISO text). */
  isTimedOut(request, options) {
    const [req, now, window] = timeoutArgs(request, options);
    return this.#sync((r) => r.lifecycle.isTimedOut(req, now, window));
  }

  /** 'Timedout' when the request counts as timed out, else its status. */
  effectiveStatus(request, options) {
    const [req, now, window] = timeoutArgs(request, options);
    return fromStatus(this.#sync((r) => r.lifecycle.effectiveStatus(req, now, window)));
  }
}

/** How often `waitForDecision` reads the request, unless told. */
export const DEFAULT_POLL_INTERVAL_MS = 5000;

/** The most pages an iterator reads (as the component's list of all pages). */
const MAX_PAGES = 5000;

/** Yields the items of `list(page)` page by page, following `nextPage`. */
async function* pages(list) {
  let page;
  const seen = new Set();
  for (let n = 0; n < MAX_PAGES; n++) {
    const { items, nextPage } = await list(page);
    yield* items;
    if (nextPage === null || nextPage === undefined) return;
    if (seen.has(nextPage)) throw new InvalidResponseError('the list repeats a page: its next link points back to a page already read');
    seen.add(nextPage);
    page = nextPage;
  }
  throw new InvalidResponseError(`the list did not end within ${MAX_PAGES} pages`);
}

/** One signal aborted by any of `signals` (undefined ones left out), with that one's reason. */
function anySignal(signals) {
  const list = signals.filter(Boolean);
  if (list.length <= 1) return list[0];
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(list);
  const controller = new AbortController();
  for (const s of list) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

/** `(request, {now?, windowSeconds?})` of isTimedOut and effectiveStatus, checked. */
function timeoutArgs(request, options) {
  const req = toRequest(request);
  if (options !== undefined && options !== null) obj(options, 'options', 'an object {now?, windowSeconds?}');
  const { now, windowSeconds = DEFAULT_TIMEOUT_WINDOW_SECONDS } = options ?? {};
  return [req, toDatetime(now, 'options.now'), toSeconds(windowSeconds, 'options.windowSeconds')];
}

/** The maskinporten option's host side: the signer and the overrides, checked up front. */
function checkMaskinporten({ signer, now, randomBytes }) {
  if (signer != null && (typeof signer.identity !== 'function' || typeof signer.sign !== 'function')) {
    throw new TypeError('maskinporten.signer must have identity() and sign(data) (createWebCryptoSigner(), or createSigner() from altinn-systemuser/node)');
  }
  if (now !== undefined && typeof now !== 'function') throw new TypeError('maskinporten.now must be a function returning milliseconds since the epoch');
  if (randomBytes !== undefined && typeof randomBytes !== 'function') throw new TypeError('maskinporten.randomBytes must be a function (length) => Uint8Array');
}

/** `await createClient(options)`: the same as `SystemUserClient.create(options)`. */
export function createClient(options) {
  return SystemUserClient.create(options);
}

export { fromDatetime, fromRequest };
