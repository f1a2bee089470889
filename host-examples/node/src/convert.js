// The one place where JavaScript values become WIT values (as jco lowers them) and back.
// WIT shapes: variants are {tag, val}, options are undefined, s64 is BigInt, list<u8> is Uint8Array.

import { SystemUserToken } from './tokens.js';

const ENVIRONMENTS = new Set(['production', 'tt02', 'at22', 'at23', 'at24', 'yt01']);

export function toEnvironment(env) {
  if (env === undefined || env === null) {
    throw new TypeError("environment is required: 'production', 'tt02', 'at22', 'at23', 'at24', 'yt01' or {platformUrl, confirmUrl, maskinportenIssuer}");
  }
  if (typeof env === 'string') {
    const name = env.toLowerCase();
    if (!ENVIRONMENTS.has(name)) {
      throw new TypeError(`unknown environment ${JSON.stringify(env)}: use one of ${[...ENVIRONMENTS].join(', ')} or a custom {platformUrl, confirmUrl, maskinportenIssuer}`);
    }
    return { tag: name };
  }
  const { platformUrl, confirmUrl, maskinportenIssuer } = env;
  for (const [k, v] of Object.entries({ platformUrl, confirmUrl, maskinportenIssuer })) {
    if (typeof v !== 'string') throw new TypeError(`environment.${k} must be an absolute URL string`);
  }
  return { tag: 'custom', val: { platformUrl, confirmUrl, maskinportenIssuer } };
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

function str(value, name) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

function optStr(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

function list(value, name, each) {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array`);
  return value.map((item, i) => each(item, `${name}[${i}]`));
}

function toRight(r, name) {
  if (typeof r !== 'object' || r === null) throw new TypeError(`${name} must be an object {action?, resource: [{id, value}]}`);
  return {
    action: optStr(r.action, `${name}.action`),
    resource: list(r.resource ?? [], `${name}.resource`, (p, n) => ({ id: str(p?.id, `${n}.id`), value: str(p?.value, `${n}.value`) })),
  };
}

function toPackage(p, name) {
  if (typeof p === 'string') return { urn: p };
  if (typeof p === 'object' && p !== null) return { urn: str(p.urn, `${name}.urn`) };
  throw new TypeError(`${name} must be a URN string or {urn}`);
}

export function toStandardInput(input) {
  if (typeof input !== 'object' || input === null) throw new TypeError('the request must be an object');
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

export function toAgentInput(input) {
  if (typeof input !== 'object' || input === null) throw new TypeError('the request must be an object');
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
  if (typeof input !== 'object' || input === null) throw new TypeError('the change request must be an object');
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

export function toKind(kind) {
  if (kind === undefined || kind === null) return 'standard';
  if (kind !== 'standard' && kind !== 'agent') throw new TypeError("kind must be 'standard' or 'agent'");
  return kind;
}

export { str as toStr, optStr as toOptStr };

/** A list of strings (scopes); unlike `list`, required. */
export function toStrList(value, name) {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings`);
  return value.map((v, i) => str(v, `${name}[${i}]`));
}

// ---- out of the component -------------------------------------------------------------------

/** `{tag}` / `{tag: 'unknown', val}` → 'new' | … | 'unknown(<text>)'. */
export function fromTagged(v) {
  return v.tag === 'unknown' ? `unknown(${v.val})` : v.tag;
}

export function toStatus(status) {
  if (typeof status !== 'string') throw new TypeError('status must be a string such as "new"');
  const m = /^unknown\((.*)\)$/s.exec(status);
  return m ? { tag: 'unknown', val: m[1] } : { tag: status };
}

export function fromDatetime(d) {
  if (!d) return undefined;
  return new Date(Number(d.seconds) * 1000 + Math.floor(d.nanoseconds / 1e6));
}

export function toDatetime(date) {
  if (date === undefined || date === null) return undefined;
  const ms = date instanceof Date ? date.getTime() : Number(date);
  if (!Number.isFinite(ms)) throw new TypeError('a time must be a valid Date or milliseconds since the epoch');
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanoseconds: Math.round((ms - seconds * 1000) * 1e6) };
}

export function fromRequest(r) {
  return { ...r, status: fromTagged(r.status), created: fromDatetime(r.created) };
}

export function toRequest(r) {
  if (typeof r !== 'object' || r === null) throw new TypeError('request must be a system user request object');
  return {
    id: str(r.id, 'id'),
    kind: toKind(r.kind),
    externalRef: str(r.externalRef, 'externalRef'),
    systemId: str(r.systemId, 'systemId'),
    partyOrgNo: str(r.partyOrgNo, 'partyOrgNo'),
    integrationTitle: optStr(r.integrationTitle, 'integrationTitle'),
    rights: list(r.rights ?? [], 'rights', toRight),
    accessPackages: list(r.accessPackages ?? [], 'accessPackages', toPackage),
    status: toStatus(r.status),
    redirectUrl: optStr(r.redirectUrl, 'redirectUrl'),
    confirmUrl: optStr(r.confirmUrl, 'confirmUrl'),
    escalated: Boolean(r.escalated),
    created: toDatetime(r.created),
    timedOut: Boolean(r.timedOut),
  };
}

/** A WIT `change-request` → the package's: status 'new' | 'accepted' | 'rejected' | 'no-change-needed' | 'unknown(…)'. */
export function fromChangeRequest(c) {
  return { ...c, status: fromTagged(c.status), created: fromDatetime(c.created) };
}

export function fromSystemUser(u) {
  return { ...u, created: fromDatetime(u.created), userType: fromTagged(u.userType) };
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
      return o.val;
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
    default:
      throw new TypeError(`unknown outcome ${o.tag}`);
  }
}
