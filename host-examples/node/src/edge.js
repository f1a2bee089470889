// An onboarding endpoint in the Fetch-API shape edge runtimes use: `(Request) => Promise<Response>`.
//   POST {basePath}       {"orgNo": "310816191", "externalRef"?: "…"}  → the confirm link to send the customer
//   GET  {basePath}/{id}  → the request's status
// Runs unchanged on Cloudflare Workers, Deno, Bun, Vercel Edge; `serve` in ./node.js runs it on node:http.
// Authenticating the caller is the deployment's business (put this behind your own auth).

import {
  AltinnError,
  ConflictError,
  ForbiddenError,
  InvalidResponseError,
  MaskinportenError,
  NotFoundError,
  SystemUserError,
  TokenError,
  TransportError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from './errors.js';
import { argError, obj, reqStr, toOptStr, toPackages, toRights } from './convert.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const MAX_BODY = 16 * 1024;

function json(status, value, headers = {}) {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers } });
}

function problem(status, title, extra = {}, headers = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, ...extra }), {
    status,
    headers: { 'content-type': PROBLEM_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

/** Maps a client error to an answer for this endpoint's caller (never a token, never Altinn's raw body). */
export function errorResponse(err) {
  const code = err instanceof SystemUserError && err.code ? { code: err.code } : {};
  if (err instanceof ValidationError) return problem(400, 'The request is invalid', { ...code, violations: err.violations });
  if (err instanceof NotFoundError) return problem(404, 'No such request', code);
  if (err instanceof ConflictError) return problem(409, err.message, code);
  if (err instanceof AltinnError) {
    const status = err.status >= 500 ? 502 : 422;
    return problem(status, err.message, { ...code, altinnStatus: err.status, ...(err.violations.length ? { violations: err.violations } : {}) });
  }
  if (err instanceof UnauthorizedError || err instanceof ForbiddenError || err instanceof TokenError || err instanceof MaskinportenError) {
    return problem(502, "This service's Altinn credentials were not accepted; the operator must check its Maskinporten client and scopes", code);
  }
  if (err instanceof UnavailableError) {
    // Altinn (or Maskinporten) is rate-limiting or down: pass its Retry-After on.
    const wait = Number.isInteger(err.retryAfterSeconds) ? { 'retry-after': String(err.retryAfterSeconds) } : {};
    return problem(503, 'Altinn is unavailable right now; try again later', { ...code, altinnStatus: err.status }, wait);
  }
  if (err instanceof TransportError) {
    if (err.transportKind === 'too-large') {
      return problem(502, 'Altinn answered with something this service refuses to use', { transportKind: err.transportKind });
    }
    return problem(err.transportKind === 'timeout' ? 504 : 502, 'Altinn could not be reached; try again', { transportKind: err.transportKind });
  }
  if (err instanceof InvalidResponseError) return problem(502, 'Altinn answered with something this service refuses to use');
  return problem(500, 'Internal error');
}

async function readJson(request) {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    return { error: problem(415, 'Send the body as application/json') };
  }
  const text = await request.text();
  if (text.length > MAX_BODY) return { error: problem(413, 'The body is too large') };
  try {
    const value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return { value };
  } catch {
    return { error: problem(400, 'The body must be a JSON object such as {"orgNo": "310816191"}') };
  }
}

function optionalString(body, name) {
  const v = body[name];
  if (v === undefined || v === null) return { value: undefined };
  if (typeof v !== 'string') {
    return { error: problem(400, 'The request is invalid', { violations: [{ code: 'type', field: name, message: `${name} must be a string` }] }) };
  }
  return { value: v };
}

/**
 * @param {object} options
 * @param {import('./client.js').SystemUserClient} options.client
 * @param {string} options.systemId
 * @param {'standard'|'agent'} [options.kind]
 * @param {Array<string|{urn: string}>} [options.accessPackages]
 * @param {Array<{action?: string, resource: Array<{id: string, value: string}>}>} [options.rights]
 * @param {string} [options.integrationTitle]
 * @param {string} [options.redirectUrl]
 * @param {string} [options.basePath]
 * @param {(err: unknown, request: Request) => void} [options.onError] sees every failure (log err.toJSON(), it is safe)
 * @returns {(request: Request) => Promise<Response>}
 */
export function createOnboardingHandler(options) {
  obj(options, 'options', 'an object {client, systemId, accessPackages?, rights?, …}');
  const { client, systemId, kind = 'standard', accessPackages, rights, integrationTitle, redirectUrl, onError } = options;
  if (typeof client?.createRequest !== 'function') throw argError('options.client', 'a client (await createClient(…))', client);
  reqStr(systemId, 'options.systemId');
  if (kind !== 'standard' && kind !== 'agent') throw argError('options.kind', "'standard' or 'agent'", kind);
  if (accessPackages !== undefined) toPackages(accessPackages, 'options.accessPackages');
  if (rights !== undefined) toRights(rights, 'options.rights');
  toOptStr(integrationTitle, 'options.integrationTitle');
  toOptStr(redirectUrl, 'options.redirectUrl');
  if (onError !== undefined && typeof onError !== 'function') throw argError('options.onError', 'a function (err, request) => void', onError);
  const basePath = (toOptStr(options.basePath, 'options.basePath') ?? '/onboard').replace(/\/+$/, '');

  async function create(request) {
    const body = await readJson(request);
    if (body.error) return body.error;
    const orgNo = optionalString(body.value, body.value.orgNo !== undefined ? 'orgNo' : 'partyOrgNo');
    if (orgNo.error) return orgNo.error;
    const externalRef = optionalString(body.value, 'externalRef');
    if (externalRef.error) return externalRef.error;
    const input = { systemId, partyOrgNo: orgNo.value, externalRef: externalRef.value, integrationTitle, accessPackages, redirectUrl };
    const created =
      kind === 'agent'
        ? await client.createAgentRequest(input, { signal: request.signal })
        : await client.createRequest({ ...input, rights }, { signal: request.signal });
    const r = created.request;
    return json(
      created.isNew ? 201 : 200,
      {
        id: r.id,
        status: r.status,
        confirmUrl: r.confirmUrl ?? null,
        partyOrgNo: r.partyOrgNo,
        externalRef: r.externalRef,
        isNew: created.isNew,
        reconciled: created.reconciled,
      },
      { location: `${basePath}/${encodeURIComponent(r.id)}` },
    );
  }

  async function status(id, request) {
    const r = await client.getRequest(id, { kind, signal: request.signal });
    return json(200, {
      id: r.id,
      status: r.status,
      effectiveStatus: client.effectiveStatus(r, { now: new Date() }),
      timedOut: r.timedOut,
      escalated: r.escalated,
      partyOrgNo: r.partyOrgNo,
      externalRef: r.externalRef,
      created: r.created?.toISOString() ?? null,
    });
  }

  return async function handle(request) {
    let path;
    try {
      path = new URL(request.url).pathname;
    } catch {
      return problem(400, 'Bad request URL');
    }
    try {
      if (path === basePath || path === `${basePath}/`) {
        if (request.method !== 'POST') return problem(405, 'Use POST to create a request', {}, { allow: 'POST' });
        return await create(request);
      }
      if (path.startsWith(`${basePath}/`)) {
        const rest = path.slice(basePath.length + 1);
        if (rest.includes('/')) return problem(404, 'Not found');
        if (request.method !== 'GET' && request.method !== 'HEAD') return problem(405, 'Use GET to read a request', {}, { allow: 'GET, HEAD' });
        let id;
        try {
          id = decodeURIComponent(rest);
        } catch {
          return problem(400, 'Bad request id');
        }
        return await status(id, request);
      }
      return problem(404, 'Not found');
    } catch (err) {
      if (request.signal?.aborted) return problem(499, 'The caller went away');
      try {
        onError?.(err, request);
      } catch {
        // A logger's failure must not change the answer.
      }
      return errorResponse(err);
    }
  };
}
