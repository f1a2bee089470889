// The one place where JavaScript values become WIT values (as jco lowers them) and back.
// WIT shapes: variants are {tag, val}, options are undefined, s64 is BigInt, list<u8> is Uint8Array.

import { SystemUserToken } from './tokens.js';

const ENVIRONMENTS = new Set(['production', 'tt02', 'at22', 'at23', 'at24', 'yt01']);

export function toEnvironment(env) {
  if (env === undefined || env === null) {
    throw new TypeError("environment is required: 'production', 'tt02', 'at22', 'at23', 'at24', 'yt01' or {platformUrl, confirmUrl, maskinportenIssuer}");
  }
  if (typeof env === 'string') {
    // A URL: a local simulator (environments.local).
    if (/^https?:\/\//i.test(env.trim())) return toEnvironment(localEnvironment(env, 'environment'));
    const name = env.toLowerCase();
    if (!ENVIRONMENTS.has(name)) {
      throw new TypeError(`unknown environment ${JSON.stringify(env)}: use one of ${[...ENVIRONMENTS].join(', ')} or a custom {platformUrl, confirmUrl, maskinportenIssuer}`);
    }
    return { tag: name };
  }
  if (typeof env !== 'object' || Array.isArray(env)) throw argError('environment', "a name ('tt02' …), a simulator URL or {platformUrl, confirmUrl, maskinportenIssuer}", env);
  const { platformUrl, confirmUrl, maskinportenIssuer } = env;
  for (const [k, v] of Object.entries({ platformUrl, confirmUrl, maskinportenIssuer })) {
    if (typeof v !== 'string') throw new TypeError(`environment.${k} must be an absolute URL string`);
  }
  return { tag: 'custom', val: { platformUrl, confirmUrl, maskinportenIssuer } };
}

/**
 * The local simulator at `url` (`environments.local`): it serves the platform routes, the confirm
 * page and Maskinporten (`{url}/token`) itself. An http(s) URL without credentials, query or
 * fragment; trailing slashes dropped.
 */
export function localEnvironment(url, name = 'url') {
  const text = url instanceof URL ? url.href : url;
  if (typeof text !== 'string') throw argError(name, "the simulator's base URL, e.g. 'http://127.0.0.1:5101'", url);
  let parsed;
  try {
    parsed = new URL(text.trim());
  } catch {
    throw argError(name, "an absolute http(s) URL, e.g. 'http://127.0.0.1:5101'", url);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw argError(name, 'an http(s) URL without credentials, query or fragment', url);
  }
  const base = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
  return Object.freeze({ platformUrl: base, confirmUrl: base, maskinportenIssuer: `${base}/` });
}

function u32(value, fallback, name) {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`${name} must be a whole number of 0 or more`);
  return v;
}

/** The defaults of the component's `Config::new`. */
export const DEFAULTS = Object.freeze({ timeoutMs: 30_000, deadlineMs: 60_000, retryBudget: 3, backoffMs: 200 });

/**
 * The WIT `config` of the client options. In Maskinporten mode its `maskinporten.key` is left
 * undefined here: the client fills it from the signer's identity for each operation.
 */
export function toConfig(options) {
  return {
    environment: toEnvironment(options.environment),
    timeoutMs: u32(options.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs'),
    deadlineMs: u32(options.deadlineMs, DEFAULTS.deadlineMs, 'deadlineMs'),
    retryBudget: u32(options.retryBudget, DEFAULTS.retryBudget, 'retryBudget'),
    backoffMs: u32(options.backoffMs, DEFAULTS.backoffMs, 'backoffMs'),
    maskinporten: toMaskinportenClient(options.maskinporten),
  };
}

/** `{clientId, resource?, key}` of the maskinporten option (its signer signs `sign` steps; it is not config). */
function toMaskinportenClient(mp) {
  if (mp === undefined || mp === null) return undefined;
  if (typeof mp !== 'object') throw new TypeError('maskinporten must be an object {clientId, signer, resource?}');
  if (typeof mp.clientId !== 'string' || mp.clientId === '') throw new TypeError('maskinporten.clientId must be your Maskinporten client id (a string)');
  return { clientId: mp.clientId, resource: optStr(mp.resource, 'maskinporten.resource'), key: undefined };
}

/** What a wrong argument was, for a TypeError's message (a string is never quoted: it may be a secret). */
export function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  switch (typeof value) {
    case 'string':
      // Short plain words are quoted (a typo is then plain to see); anything else only measured.
      if (value === '') return 'an empty string';
      return value.length <= 40 && /^[\w:. ()-]+$/.test(value) ? JSON.stringify(value) : `a string of ${value.length} characters`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    default:
      return 'an object';
  }
}

/** A TypeError naming the parameter, what it must be and what it got. */
export function argError(name, what, value) {
  return new TypeError(`${name} must be ${what}, got ${describe(value)}`);
}

/** A string member of an input object: absent (undefined/null) is '' (the component reports it as missing, in the server's order). */
function str(value, name) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw argError(name, 'a string', value);
  return value;
}

function optStr(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw argError(name, 'a string', value);
  return value;
}

/** A required string argument (an id, a system id): anything else, absent included, is a TypeError. */
export function reqStr(value, name) {
  if (typeof value !== 'string') throw argError(name, 'a string', value);
  return value;
}

/** A plain object argument (not null, not an array). */
export function obj(value, name, what = 'an object') {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw argError(name, what, value);
  return value;
}

function list(value, name, each) {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw argError(name, 'an array', value);
  return value.map((item, i) => each(item, `${name}[${i}]`));
}

/**
 * The last argument of every async method: undefined, or `{signal?}` (plus the members named
 * in `extra`). The signal must be an AbortSignal (or look like one).
 */
export function toCallOptions(options, name = 'options', extra = []) {
  if (options === undefined || options === null) return {};
  obj(options, name, `an object {signal?${extra.map((k) => `, ${k}?`).join('')}}`);
  const { signal } = options;
  if (signal !== undefined && signal !== null && !isAbortSignal(signal)) throw argError(`${name}.signal`, 'an AbortSignal', signal);
  return { ...options, signal: signal ?? undefined };
}

function isAbortSignal(s) {
  if (typeof AbortSignal === 'function' && s instanceof AbortSignal) return true;
  return typeof s === 'object' && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

function toRight(r, name) {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw argError(name, 'an object {action?, resource: [{id, value}]}', r);
  return {
    action: optStr(r.action, `${name}.action`),
    resource: list(r.resource ?? [], `${name}.resource`, (p, n) => ({ id: str(p?.id, `${n}.id`), value: str(p?.value, `${n}.value`) })),
  };
}

function toPackage(p, name) {
  if (typeof p === 'string') return { urn: p };
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) return { urn: str(p.urn, `${name}.urn`) };
  throw argError(name, 'a URN string or {urn}', p);
}

export function toStandardInput(input, name = 'input') {
  obj(input, name, 'a standard request object {systemId, partyOrgNo, externalRef?, rights?, accessPackages?, redirectUrl?}');
  return {
    systemId: str(input.systemId, 'systemId'),
    partyOrgNo: str(input.partyOrgNo, 'partyOrgNo'),
    externalRef: optStr(input.externalRef, 'externalRef'),
    integrationTitle: optStr(input.integrationTitle, 'integrationTitle'),
    rights: list(input.rights, 'rights', toRight),
    accessPackages: list(input.accessPackages, 'accessPackages', toPackage),
    redirectUrl: optStr(input.redirectUrl, 'redirectUrl'),
  };
}

export function toAgentInput(input, name = 'input') {
  obj(input, name, 'an agent request object {systemId, partyOrgNo, externalRef?, accessPackages, redirectUrl?}');
  return {
    systemId: str(input.systemId, 'systemId'),
    partyOrgNo: str(input.partyOrgNo, 'partyOrgNo'),
    externalRef: optStr(input.externalRef, 'externalRef'),
    integrationTitle: optStr(input.integrationTitle, 'integrationTitle'),
    accessPackages: list(input.accessPackages, 'accessPackages', toPackage) ?? [],
    redirectUrl: optStr(input.redirectUrl, 'redirectUrl'),
    rights: list(input.rights, 'rights', toRight),
  };
}

/**
 * A change to a standard system user (`change-request-input`): the system user by the vendor's
 * key, the four lists (absent: empty; packages as URN strings or `{urn}`), the optional
 * correlation id (the idempotency key; derived from the system user and the change when absent).
 */
export function toChangeInput(input) {
  obj(input, 'input', 'a change request object {systemId, partyOrgNo, externalRef?, requiredAccessPackages?, …}');
  return {
    systemId: str(input.systemId, 'systemId'),
    partyOrgNo: str(input.partyOrgNo, 'partyOrgNo'),
    externalRef: optStr(input.externalRef, 'externalRef'),
    correlationId: optStr(input.correlationId, 'correlationId'),
    requiredRights: list(input.requiredRights, 'requiredRights', toRight) ?? [],
    unwantedRights: list(input.unwantedRights, 'unwantedRights', toRight) ?? [],
    requiredAccessPackages: list(input.requiredAccessPackages, 'requiredAccessPackages', toPackage) ?? [],
    unwantedAccessPackages: list(input.unwantedAccessPackages, 'unwantedAccessPackages', toPackage) ?? [],
    redirectUrl: optStr(input.redirectUrl, 'redirectUrl'),
  };
}

// ---- the System Register (API.md §13) and client delegation (§12) -------------------------

/** Refuses members a shape does not have: a misspelt member would silently mean "empty" (or "kept"). */
function onlyMembers(value, allowed, name) {
  for (const k of Object.keys(value)) {
    if (!allowed.has(k)) throw new TypeError(`${name} has no member ${JSON.stringify(k)} (members: ${[...allowed].join(', ')})`);
  }
}

function toLocalized(t, name) {
  if (t === undefined || t === null) return { nb: undefined, nn: undefined, en: undefined };
  if (typeof t !== 'object' || Array.isArray(t)) throw new TypeError(`${name} must be an object {nb?, nn?, en?}`);
  onlyMembers(t, new Set(['nb', 'nn', 'en']), name);
  return { nb: optStr(t.nb, `${name}.nb`), nn: optStr(t.nn, `${name}.nn`), en: optStr(t.en, `${name}.en`) };
}

function optBool(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw argError(name, 'true or false', value);
  return value;
}

/** `vendor.ID` (`0192:<org no>`, Altinn's shape) or `vendorOrgNo`; the component checks it. */
function vendorOf(input) {
  if (input.vendor !== undefined && input.vendor !== null) {
    const v = input.vendor;
    if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError('system.vendor must be an object {ID: "0192:<org no>"}');
    onlyMembers(v, new Set(['ID', 'authority']), 'system.vendor');
    return str(v.ID, 'system.vendor.ID');
  }
  return str(input.vendorOrgNo, 'system.vendorOrgNo');
}

/** `clientId` (Altinn's spelling) or `clientIds` (this package's); not both. */
function clientIdsOf(input, name) {
  if (input.clientId !== undefined && input.clientIds !== undefined) throw new TypeError(`${name}: give clientId or clientIds, not both`);
  const key = input.clientIds !== undefined ? 'clientIds' : 'clientId';
  return list(input[key], `${name}.${key}`, str);
}

const SYSTEM_MEMBERS = new Set([
  'id',
  'vendor',
  'vendorOrgNo',
  'name',
  'description',
  'rights',
  'accessPackages',
  'clientId',
  'clientIds',
  'isVisible',
  'allowedRedirectUrls',
  'isDeleted',
]);

/**
 * A system to register, in Altinn's shape (`vendor.ID` `0192:<org no>`, `clientId`), as
 * `GET systemregister/vendor/{id}` answers it, or as this package returns it (`vendorOrgNo`,
 * `clientIds`). `isDeleted` is ignored; `isVisible` defaults to true (Altinn's default), absent
 * lists to empty. The component validates it (AUTH.VLD codes) before anything is sent.
 */
export function toSystem(input) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('the system must be an object in Altinn\'s shape {id, vendor: {ID}, name, description, …}');
  onlyMembers(input, SYSTEM_MEMBERS, 'the system');
  return {
    id: str(input.id, 'system.id'),
    vendorOrgNo: vendorOf(input),
    name: toLocalized(input.name, 'system.name'),
    description: toLocalized(input.description, 'system.description'),
    rights: list(input.rights, 'system.rights', toRight) ?? [],
    accessPackages: list(input.accessPackages, 'system.accessPackages', toPackage) ?? [],
    clientIds: clientIdsOf(input, 'system') ?? [],
    isVisible: optBool(input.isVisible, 'system.isVisible') ?? true,
    allowedRedirectUrls: list(input.allowedRedirectUrls, 'system.allowedRedirectUrls', str) ?? [],
    isDeleted: false,
  };
}

/**
 * The members of a system to replace (`system-update`): absent (or null) members are kept as
 * stored. `vendor`, `vendorOrgNo` and `isDeleted` are accepted and ignored, so a system read
 * (and edited) can be given as it is.
 */
export function toSystemUpdate(input) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('the update must be an object {id, …the members to replace}');
  onlyMembers(input, SYSTEM_MEMBERS, 'the update');
  const opt = (v, f) => (v === undefined || v === null ? undefined : f(v));
  return {
    id: str(input.id, 'update.id'),
    name: opt(input.name, (t) => toLocalized(t, 'update.name')),
    description: opt(input.description, (t) => toLocalized(t, 'update.description')),
    rights: list(input.rights, 'update.rights', toRight),
    accessPackages: list(input.accessPackages, 'update.accessPackages', toPackage),
    clientIds: clientIdsOf(input, 'update'),
    isVisible: optBool(input.isVisible, 'update.isVisible'),
    allowedRedirectUrls: list(input.allowedRedirectUrls, 'update.allowedRedirectUrls', str),
  };
}

export function toRights(rights, name = 'rights') {
  if (!Array.isArray(rights)) throw argError(name, 'an array of {action?, resource: [{id, value}]}', rights);
  return list(rights, name, toRight);
}

export function toPackages(packages, name = 'accessPackages') {
  if (!Array.isArray(packages)) throw argError(name, 'an array of URN strings or {urn}', packages);
  return list(packages, name, toPackage);
}

/** The accounting bureau: `{orgNo, externalRef?}` (the key of its own system user), or its org number. */
export function toBureau(bureau) {
  if (typeof bureau === 'string') return { orgNo: bureau, externalRef: undefined };
  if (typeof bureau !== 'object' || bureau === null || Array.isArray(bureau)) {
    throw new TypeError('bureau must be {orgNo, externalRef?} (the key of the bureau\'s own klientadministrator system user) or its org number');
  }
  onlyMembers(bureau, new Set(['orgNo', 'externalRef']), 'bureau');
  if (typeof bureau.orgNo !== 'string') throw new TypeError('bureau.orgNo must be a string');
  return { orgNo: bureau.orgNo, externalRef: optStr(bureau.externalRef, 'bureau.externalRef') };
}

/** An agent system user: its id, or the object `listAgents` gave (its `id`). */
export function toAgentId(agent) {
  if (typeof agent === 'object' && agent !== null && typeof agent.id === 'string') return agent.id;
  if (typeof agent !== 'string') throw argError('agent', "the agent system user's id (a string) or an item of listAgents", agent);
  return agent;
}

/** A client's org number as written: 9 digits, optionally `0192:`-prefixed. */
const ORG_NO = /^\s*(?:0192:)?\d{9}\s*$/;

/**
 * A client to add or remove: its party uuid (`{id}`, a `Client` of a list), or its org number
 * (`{orgNo}`, or a string of 9 digits), which the client resolves through the client lists.
 * → `{id}` | `{orgNo}`.
 */
export function toClientRef(client) {
  if (typeof client === 'string') return ORG_NO.test(client) ? { orgNo: client } : { id: client };
  if (typeof client === 'object' && client !== null) {
    if (typeof client.id === 'string') return { id: client.id };
    if (typeof client.orgNo === 'string') return { orgNo: client.orgNo };
  }
  throw argError('client', "the client's party uuid or org number (a string), or {id} / {orgNo}", client);
}

/** 'standard' (the default) or 'agent'; Altinn's capitalised spellings too. */
export function toKind(kind, name = 'kind') {
  if (kind === undefined || kind === null) return 'standard';
  const k = typeof kind === 'string' ? kind.toLowerCase() : kind;
  if (k !== 'standard' && k !== 'agent') throw argError(name, "'standard' or 'agent'", kind);
  return k;
}

export { str as toStr, optStr as toOptStr };

/** A list of strings (scopes); unlike `list`, required. */
export function toStrList(value, name) {
  if (!Array.isArray(value)) throw argError(name, 'an array of strings', value);
  return value.map((v, i) => str(v, `${name}[${i}]`));
}

// ---- out of the component -------------------------------------------------------------------

/** `{tag}` / `{tag: 'unknown', val}` → the tag, or 'unknown(<text>)' (user types). */
export function fromTagged(v) {
  return v.tag === 'unknown' ? `unknown(${v.val})` : v.tag;
}

/** WIT status tags → Altinn's spelling, the one every host uses (tests/vocabulary.json). */
const ALTINN_STATUS = new Map([
  ['new', 'New'],
  ['accepted', 'Accepted'],
  ['rejected', 'Rejected'],
  ['denied', 'Denied'],
  ['timed-out', 'Timedout'],
  ['no-change-needed', 'NoChangeNeeded'],
]);

/** A WIT request or change-request status → 'New' | 'Accepted' | … | 'Unknown(<text>)'. */
export function fromStatus(v) {
  return v.tag === 'unknown' ? `Unknown(${v.val})` : (ALTINN_STATUS.get(v.tag) ?? v.tag);
}

/**
 * Request statuses by every spelling in use: Altinn's (`New`, `Accepted`, `Rejected`, `Denied`,
 * `Timedout`, this package's own), the older servers' `TimedOut`, and the WIT's (`timed-out`).
 */
const STATUSES = new Map([
  ['new', 'new'],
  ['accepted', 'accepted'],
  ['rejected', 'rejected'],
  ['denied', 'denied'],
  ['timedout', 'timed-out'],
]);

/**
 * A request status → the WIT variant. `unknown(<text>)` keeps a status this version does not
 * know. `lenient` (a request read from Altinn): any other string is kept as unknown too;
 * otherwise it is a TypeError (a typo, not a status).
 */
export function toStatus(status, name = 'status', { lenient = false } = {}) {
  const what = "a request status: 'New', 'Accepted', 'Rejected', 'Denied', 'Timedout' (any case) or 'Unknown(<text>)'";
  if (typeof status !== 'string') throw argError(name, what, status);
  const m = /^unknown\((.*)\)$/is.exec(status);
  if (m) return { tag: 'unknown', val: m[1] };
  const tag = STATUSES.get(status.trim().toLowerCase().replace(/[-_ ]/g, ''));
  if (tag) return { tag };
  if (lenient) return { tag: 'unknown', val: status };
  throw argError(name, what, status);
}

const EVENTS = new Map([
  ['approve', 'approve'],
  ['reject', 'reject'],
  ['timeout', 'time-out'],
  ['escalate', 'escalate'],
]);

/** A lifecycle event: 'approve' | 'reject' | 'time-out' | 'escalate' (any case; 'timeout' too). */
export function toEvent(event, name = 'event') {
  const e = typeof event === 'string' ? EVENTS.get(event.trim().toLowerCase().replace(/[-_ ]/g, '')) : undefined;
  if (!e) throw argError(name, "a lifecycle event: 'approve', 'reject', 'time-out' or 'escalate'", event);
  return e;
}

/** A window in seconds (u64): a whole number of 0 or more. */
export function toSeconds(value, name) {
  if (typeof value === 'bigint' && value >= 0n && value < 2n ** 64n) return value;
  if (!Number.isSafeInteger(value) || value < 0) throw argError(name, 'a whole number of seconds, 0 or more', value);
  return BigInt(value);
}

export function fromDatetime(d) {
  if (!d) return undefined;
  return new Date(Number(d.seconds) * 1000 + Math.floor(d.nanoseconds / 1e6));
}

/** Altinn's timestamps: ISO 8601, with `Z` (current servers) or without an offset (UTC, older ones). */
function parseTimestamp(text) {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i.test(t)) return NaN;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) && t.length > 10;
  // Fractions beyond milliseconds (Altinn sends microseconds) are cut: Date.parse wants at most 3 digits.
  const trimmed = t.replace(/(\.\d{3})\d+/, '$1');
  return Date.parse(hasZone || t.length <= 10 ? trimmed : `${trimmed}Z`);
}

/** A Date, milliseconds since the epoch, or an ISO 8601 timestamp (Altinn's `created`). */
export function toDatetime(date, name = 'time') {
  if (date === undefined || date === null) return undefined;
  const ms = date instanceof Date ? date.getTime() : typeof date === 'number' ? date : typeof date === 'string' ? parseTimestamp(date) : NaN;
  if (!Number.isFinite(ms)) throw argError(name, 'a valid Date, milliseconds since the epoch or an ISO 8601 timestamp', date);
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanoseconds: Math.round((ms - seconds * 1000) * 1e6) };
}

export function fromRequest(r) {
  return { ...r, status: fromStatus(r.status), created: fromDatetime(r.created) };
}

/**
 * A system user request as this package returns it, or in Altinn's JSON shape (`status`
 * `"New"`, `created` an ISO timestamp, no `kind`: standard). A status this version does not know
 * is kept as `unknown(…)`; `0001-01-01` (older servers' "no time") counts as none.
 */
export function toRequest(r, name = 'request') {
  obj(r, name, "a system user request (as getRequest returns it, or Altinn's JSON of one)");
  const created = typeof r.created === 'string' && r.created.startsWith('0001-01-01') ? undefined : r.created;
  return {
    id: str(r.id, `${name}.id`),
    kind: toKind(r.kind, `${name}.kind`),
    externalRef: str(r.externalRef, `${name}.externalRef`),
    systemId: str(r.systemId, `${name}.systemId`),
    partyOrgNo: str(r.partyOrgNo, `${name}.partyOrgNo`),
    integrationTitle: optStr(r.integrationTitle, `${name}.integrationTitle`),
    rights: list(r.rights ?? [], `${name}.rights`, toRight),
    accessPackages: list(r.accessPackages ?? [], `${name}.accessPackages`, toPackage),
    status: toStatus(r.status, `${name}.status`, { lenient: true }),
    redirectUrl: optStr(r.redirectUrl, `${name}.redirectUrl`),
    confirmUrl: optStr(r.confirmUrl, `${name}.confirmUrl`),
    escalated: optBool(r.escalated, `${name}.escalated`) ?? false,
    created: toDatetime(created, `${name}.created`),
    timedOut: optBool(r.timedOut, `${name}.timedOut`) ?? false,
  };
}

/**
 * A registered system to validate against: as `getRegisteredSystem` returns it (`vendorOrgNo`,
 * `clientIds`), or Altinn's JSON of it (`vendor: {ID: '0192:<org no>'}`, `clientId`). Members
 * neither shape has are ignored (Altinn adds some), as Altinn ignores unknown fields.
 */
export function toRegisteredSystem(s, name = 'system') {
  obj(s, name, "a registered system (as getRegisteredSystem returns it, or Altinn's JSON of one)");
  let vendor;
  if (s.vendor !== undefined && s.vendor !== null) {
    obj(s.vendor, `${name}.vendor`, "an object {ID: '0192:<org no>'}");
    vendor = str(s.vendor.ID, `${name}.vendor.ID`);
  } else {
    vendor = str(s.vendorOrgNo, `${name}.vendorOrgNo`);
  }
  const clientKey = s.clientIds !== undefined && s.clientIds !== null ? 'clientIds' : 'clientId';
  return {
    id: str(s.id, `${name}.id`),
    vendorOrgNo: vendor.trim().replace(/^0192:/, ''),
    name: toLocalizedLoose(s.name, `${name}.name`),
    description: toLocalizedLoose(s.description, `${name}.description`),
    rights: list(s.rights, `${name}.rights`, toRight) ?? [],
    accessPackages: list(s.accessPackages, `${name}.accessPackages`, toPackage) ?? [],
    clientIds: list(s[clientKey], `${name}.${clientKey}`, str) ?? [],
    isVisible: optBool(s.isVisible, `${name}.isVisible`) ?? true,
    allowedRedirectUrls: list(s.allowedRedirectUrls, `${name}.allowedRedirectUrls`, str) ?? [],
    isDeleted: optBool(s.isDeleted, `${name}.isDeleted`) ?? false,
  };
}

function toLocalizedLoose(t, name) {
  if (t === undefined || t === null) return { nb: undefined, nn: undefined, en: undefined };
  obj(t, name, 'an object {nb?, nn?, en?}');
  return { nb: optStr(t.nb, `${name}.nb`), nn: optStr(t.nn, `${name}.nn`), en: optStr(t.en, `${name}.en`) };
}

/** A WIT `change-request` → the package's: status 'New' | 'Accepted' | 'Rejected' | 'NoChangeNeeded' | 'Unknown(…)'. */
export function fromChangeRequest(c) {
  return { ...c, status: fromStatus(c.status), created: fromDatetime(c.created) };
}

export function fromSystemUser(u) {
  return { ...u, created: fromDatetime(u.created), userType: fromTagged(u.userType) };
}

/** A registered system as the component gives it (bare vendor org number, `clientIds`): plain already. */
export function fromSystem(s) {
  return s;
}

/** A changelog entry: `changedData` (the body that was sent) parsed when it is JSON. */
export function fromSystemChange(c) {
  let changedData;
  try {
    changedData = JSON.parse(c.changedData);
  } catch {
    changedData = c.changedData;
  }
  return { ...c, changedData, created: fromDatetime(c.created) };
}

/** An agent system user: the system user's members plus `systemInternalId`, `partyUuid`, `accessPackages`. */
export function fromAgent(a) {
  return { ...fromSystemUser(a.systemUser), systemInternalId: a.systemInternalId, partyUuid: a.partyUuid, accessPackages: a.accessPackages };
}

export function fromClientList(l) {
  return { systemUserId: l.systemUserId, ownerOrgNo: l.ownerOrgNo, clients: l.clients.map((c) => ({ id: c.id, orgNo: c.orgNo, name: c.name })) };
}

/** The WIT `outcome` variant → what the client method returns. */
export function fromOutcome(o) {
  switch (o.tag) {
    case 'created':
      return { request: fromRequest(o.val.request), isNew: o.val.isNew, reconciled: o.val.reconciled };
    case 'request':
      return fromRequest(o.val);
    case 'requests':
      return { items: o.val.items.map(fromRequest), nextPage: o.val.nextPage ?? null };
    case 'withdrawn':
      return undefined;
    case 'system-user':
      return o.val === undefined ? null : fromSystemUser(o.val);
    case 'system-users':
      return { items: o.val.items.map(fromSystemUser), nextPage: o.val.nextPage ?? null };
    case 'registered-system':
      return fromSystem(o.val);
    case 'token':
      return new SystemUserToken({ token: o.val.token, scope: o.val.scope, expiresAt: fromDatetime(o.val.expiresAt) });
    case 'change-request-created':
      return { changeRequest: fromChangeRequest(o.val.changeRequest), isNew: o.val.isNew, reconciled: o.val.reconciled, noChangeNeeded: false };
    case 'no-change-needed':
      // Nothing was sent and nothing stored (the server would answer NoChangeNeeded and store nothing).
      return { changeRequest: null, isNew: false, reconciled: false, noChangeNeeded: true };
    case 'change-request':
      return fromChangeRequest(o.val);
    case 'change-requests':
      return { items: o.val.items.map(fromChangeRequest), mayBeIncomplete: o.val.mayBeIncomplete };
    case 'systems':
      return o.val.map(fromSystem);
    case 'system-registered':
      return { internalId: o.val.internalId ?? null, reconciled: o.val.reconciled };
    case 'system-changed':
      return undefined;
    case 'system-changelog':
      return o.val.map(fromSystemChange);
    case 'agents':
      return o.val.map(fromAgent);
    case 'clients':
      return fromClientList(o.val);
    case 'client-added':
    case 'client-removed':
      return { agent: o.val.agent, client: o.val.client };
    default:
      throw new TypeError(`unknown outcome ${o.tag}`);
  }
}
