// The benchmark's baseline: the same client logic written plainly in JavaScript, for the paths the
// benchmark runs (validation, pre-flight on a registered system kept per client for five minutes
// as the component's instance keeps it, create, get, pages with the next-link guard, retries of
// reads, confirmUrl guard, the same output shapes). Not a product: the package runs the component.

const API = '/authentication/api/v1/';
const SCOPE_READ = 'altinn:authentication/systemuser.request.read';
const SCOPE_WRITE = 'altinn:authentication/systemuser.request.write';
const SCOPE_REGISTER = 'altinn:authentication/systemregister.write';
const WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];
const SYSTEM_ID = /^\d{9}_[^\s/\\?#%]+$/;
const EXTERNAL_REF = /^[a-zA-Z0-9æøåÆØÅ_-]{1,255}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// How long a pre-flight's read of a registered system is used again (the component's SYSTEM_TTL_SECS).
const SYSTEM_TTL_MS = 300_000;
const REGISTRATION_RULES = new Set(['AUTH-00001', 'AUTH-00011', 'AUTH-00021', 'AUTH-00026', 'AUTH-00063', 'AUTH-00064', 'AUTH-00065']);
const AGENT_ONLY = /^urn:altinn:accesspackage:(regnskapsforer-.*|ansvarlig-revisor|revisormedarbeider|forretningsforer-eiendom)$/;

export function checkOrgNo(input) {
  let s = String(input).trim();
  if (s.startsWith('0192:')) s = s.slice(5);
  if (!/^\d{9}$/.test(s)) return { ok: false, violation: { code: 'org-no-format', field: 'partyOrgNo', message: `${s} must be 9 digits` } };
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (s.charCodeAt(i) - 48) * WEIGHTS[i];
  const r = sum % 11;
  const check = r === 0 ? 0 : 11 - r;
  if (r === 1 || check !== s.charCodeAt(8) - 48) {
    return { ok: false, violation: { code: 'org-no-checksum', field: 'partyOrgNo', message: `${s} is not a valid organisation number` } };
  }
  return { ok: true, value: s };
}

export function validateStandard(input, system) {
  const violations = [];
  const out = { ...input };
  out.systemId = (input.systemId ?? '').trim();
  if (!SYSTEM_ID.test(out.systemId)) violations.push({ code: 'system-id', field: 'systemId', message: 'bad system id' });
  const org = checkOrgNo(input.partyOrgNo ?? '');
  if (org.ok) out.partyOrgNo = org.value;
  else violations.push(org.violation);
  out.externalRef = (input.externalRef ?? '').trim() || out.partyOrgNo;
  if (!EXTERNAL_REF.test(out.externalRef)) violations.push({ code: 'external-ref', field: 'externalRef', message: 'bad external ref' });
  if (input.redirectUrl !== undefined) {
    try {
      const u = new URL(input.redirectUrl);
      if (u.protocol !== 'https:') throw new Error();
    } catch {
      violations.push({ code: 'redirect-url', field: 'redirectUrl', message: 'must be absolute https' });
    }
  }
  const packages = (input.accessPackages ?? []).map((p) => (typeof p === 'string' ? { urn: p } : p));
  if (input.accessPackages !== undefined) out.accessPackages = packages;
  if (input.rights === undefined && input.accessPackages === undefined) {
    violations.push({ code: 'AUTH-00001', field: 'rights', message: 'ask for rights or packages' });
  }
  packages.forEach((p, i) => {
    if (!p.urn.startsWith('urn:altinn:accesspackage:')) violations.push({ code: 'access-package-urn', field: `accessPackages[${i}].urn`, message: 'bad urn' });
    else if (AGENT_ONLY.test(p.urn)) violations.push({ code: 'AUTH-00064', field: `accessPackages[${i}].urn`, message: 'agent only' });
    else if (system && !system.accessPackages.some((s) => s.urn === p.urn)) {
      violations.push({ code: 'AUTH-00063', field: `accessPackages[${i}].urn`, message: 'not on the system' });
    }
  });
  (input.rights ?? []).forEach((r, i) => {
    if (!r.resource?.length) violations.push({ code: 'right-resource', field: `rights[${i}].resource`, message: 'empty' });
    if (system) {
      const key = (res) => res.map((a) => `${a.id}=${a.value}`).sort().join('&');
      if (!system.rights.some((s) => key(s.resource) === key(r.resource))) violations.push({ code: 'AUTH-00001', field: `rights[${i}]`, message: 'not on the system' });
    }
  });
  return violations.length ? { ok: false, violations } : { ok: true, value: out };
}

function parseCreated(s) {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
}

const STATUS = { new: 'new', accepted: 'accepted', rejected: 'rejected', denied: 'denied', timedout: 'timed-out' };

function lower(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[k.toLowerCase()] = v;
  return out;
}

export class PlainClient {
  constructor({ environment, token, fetch = globalThis.fetch, timeoutMs = 30_000, retryBudget = 3, backoffMs = 200 }) {
    this.base = environment.platformUrl.replace(/\/$/, '');
    this.confirmOrigin = new URL(environment.confirmUrl).origin;
    this.token = token;
    this.fetch = fetch;
    this.timeoutMs = timeoutMs;
    this.retryBudget = retryBudget;
    this.backoffMs = backoffMs;
    // Registered systems read for pre-flights: id → {system, at}. N creates for one system are
    // N POSTs and one read, as through the component.
    this.systems = new Map();
  }

  async #exchange(method, path, scopes, body, { retry }) {
    const token = await this.token(scopes);
    let attempt = 0;
    for (;;) {
      let res;
      try {
        res = await this.fetch(this.base + API + path, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        if (retry && attempt < this.retryBudget) {
          await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** attempt++));
          continue;
        }
        throw err;
      }
      const text = await res.text();
      if (res.status >= 500 && retry && attempt < this.retryBudget) {
        await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** attempt++));
        continue;
      }
      return { status: res.status, json: text ? JSON.parse(text) : null };
    }
  }

  #problem({ status, json }) {
    const err = new Error(json?.title ?? json?.detail ?? `HTTP ${status}`);
    err.status = status;
    err.code = json?.code ?? null;
    return err;
  }

  #request(raw, kind, withConfirm) {
    const r = lower(raw);
    const status = STATUS[String(r.status).toLowerCase()] ?? `unknown(${r.status})`;
    let confirmUrl;
    if (withConfirm && r.confirmurl) {
      if (new URL(r.confirmurl).origin !== this.confirmOrigin) throw new Error('confirmUrl is not on the confirm page');
      confirmUrl = r.confirmurl;
    }
    if (!UUID.test(r.id)) throw new Error('bad id');
    return {
      id: r.id.toLowerCase(),
      kind,
      externalRef: r.externalref ?? r.partyorgno,
      systemId: r.systemid,
      partyOrgNo: r.partyorgno,
      integrationTitle: r.integrationtitle ?? undefined,
      rights: (r.rights ?? []).map((x) => ({ action: x.action ?? undefined, resource: x.resource.map((a) => ({ id: a.id, value: a.value })) })),
      accessPackages: (r.accesspackages ?? []).map((p) => ({ urn: p.urn })),
      status,
      redirectUrl: r.redirecturl ?? undefined,
      confirmUrl,
      escalated: Boolean(r.escalated),
      created: parseCreated(r.created),
      timedOut: Boolean(r.timedout),
    };
  }

  async #readSystem(systemId) {
    const system = await this.getRegisteredSystem(systemId);
    this.systems.set(systemId, { system, at: Date.now() });
    return system;
  }

  async getRegisteredSystem(systemId) {
    if (!SYSTEM_ID.test(systemId)) throw new Error('bad system id');
    const res = await this.#exchange('GET', `systemregister/vendor/${encodeURIComponent(systemId)}`, [SCOPE_REGISTER], null, { retry: true });
    if (res.status !== 200) throw this.#problem(res);
    const s = lower(res.json);
    return {
      id: s.id,
      vendorOrgNo: String(s.vendor?.ID ?? '').replace(/^0192:/, ''),
      name: s.name ?? {},
      description: s.description ?? {},
      rights: s.rights ?? [],
      accessPackages: (s.accesspackages ?? []).map((p) => ({ urn: p.urn })),
      clientIds: s.clientid ?? [],
      isVisible: Boolean(s.isvisible),
      allowedRedirectUrls: s.allowedredirecturls ?? [],
      isDeleted: Boolean(s.isdeleted),
    };
  }

  async createRequest(input) {
    const checked = validateStandard(input);
    if (!checked.ok) throw Object.assign(new Error('invalid'), { violations: checked.violations });
    const id = checked.value.systemId;
    const kept = this.systems.get(id);
    const age = kept ? Date.now() - kept.at : -1;
    const fresh = age >= 0 && age < SYSTEM_TTL_MS;
    const system = fresh ? kept.system : await this.#readSystem(id);
    let again = validateStandard(checked.value, system);
    // A kept system may predate a change: read it again before refusing on its account.
    if (!again.ok && fresh) again = validateStandard(checked.value, await this.#readSystem(id));
    if (!again.ok) throw Object.assign(new Error('invalid'), { violations: again.violations });
    const res = await this.#exchange('POST', 'systemuser/request/vendor', [SCOPE_WRITE], again.value, { retry: false });
    if (res.status !== 200 && res.status !== 201) {
      // Refused for a rule of the registration: the kept system may be out of date.
      if (REGISTRATION_RULES.has(res.json?.code)) this.systems.delete(id);
      throw this.#problem(res);
    }
    return { request: this.#request(res.json, 'standard', true), isNew: res.status === 201, reconciled: false };
  }

  async getRequest(id) {
    if (!UUID.test(id)) throw new Error('bad id');
    const res = await this.#exchange('GET', `systemuser/request/vendor/${encodeURIComponent(id.toLowerCase())}`, [SCOPE_READ], null, { retry: true });
    if (res.status !== 200) throw this.#problem(res);
    return this.#request(res.json, 'standard', true);
  }

  async listAllRequests({ systemId }) {
    if (!SYSTEM_ID.test(systemId)) throw new Error('bad system id');
    const items = [];
    const seen = new Set();
    let page = null;
    for (;;) {
      const q = page ? `?token=${encodeURIComponent(page)}` : '';
      const res = await this.#exchange('GET', `systemuser/request/vendor/bysystem/${encodeURIComponent(systemId)}${q}`, [SCOPE_READ], null, { retry: true });
      if (res.status !== 200) throw this.#problem(res);
      for (const raw of res.json.data ?? []) items.push(this.#request(raw, 'standard', false));
      const next = res.json.links?.next;
      if (!next) return items;
      // Never follow the link: take its token and rebuild the URL on the configured base.
      page = new URL(next).searchParams.get('token');
      if (!page || seen.has(page)) throw new Error('pages do not end');
      seen.add(page);
    }
  }
}
