// Asynchronous I/O for the operation state machine: HTTP over `fetch`, waits over setTimeout.
// Works wherever the Fetch API exists (Node 20+, Deno, Bun, Cloudflare Workers, Vercel Edge).

/** Error codes (Node/undici) meaning no connection was made: the request was certainly not sent. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** …the connection broke after sending began: the request may have been processed. */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_ABORTED']);
/** …no answer in time. */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The codes along an error's cause chain (undici wraps the socket error in `cause`). */
function codes(err) {
  const out = [];
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string') out.push(e.code);
    if (Array.isArray(e.errors)) for (const inner of e.errors) if (typeof inner?.code === 'string') out.push(inner.code);
  }
  return out;
}

/** A short description of a failure without any secret: every header value is scrubbed. */
function describe(err, secrets) {
  const parts = [];
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    const m = typeof e.message === 'string' ? e.message : String(e);
    if (m && !parts.includes(m)) parts.push(m);
  }
  let text = parts.join(': ').slice(0, 300) || 'unknown error';
  for (const s of secrets) if (s && s.length >= 4) text = text.split(s).join('[redacted]');
  return text;
}

function classify(err, phase) {
  const cs = codes(err);
  if (cs.some((c) => TIMEOUT_CODES.has(c))) return 'timeout';
  if (phase === 'body') return 'connection-lost';
  if (cs.some((c) => CONNECT_CODES.has(c))) return 'connect';
  if (cs.some((c) => LOST_CODES.has(c))) return 'connection-lost';
  if (/other side closed|socket hang up|terminated/i.test(describe(err, []))) return 'connection-lost';
  return 'other';
}

/** Thrown out of `send` when the caller's own signal aborts: ends the operation, not a transport failure. */
export class CallerAbort {
  constructor(reason) {
    this.reason = reason;
  }
}

/**
 * Sends one WIT `http-request` with `fetchImpl`. Resolves to the WIT input for the operation:
 * `{tag: 'response', val}` or `{tag: 'transport-failed', val: {kind, message}}`.
 * Redirects are never followed (the bearer token must not reach another host).
 */
export async function send(request, { fetchImpl, signal }) {
  const secrets = request.headers.map((h) => h.value);
  const timeout = AbortSignal.timeout(Math.max(1, request.timeoutMs));
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const failed = (kind, message) => ({ tag: 'transport-failed', val: { kind, message } });
  const onAbort = (phase, err) => {
    if (signal?.aborted) throw new CallerAbort(signal.reason);
    if (timeout.aborted) return failed('timeout', `no answer from ${origin(request.url)} within ${request.timeoutMs} ms`);
    return failed(classify(err, phase), `${request.method.toUpperCase()} ${origin(request.url)}: ${describe(err, secrets)}`);
  };

  let headers;
  try {
    headers = new Headers();
    for (const { name, value } of request.headers) headers.append(name, value);
  } catch {
    // The message of this TypeError would quote the header value (possibly the token).
    return failed('other', 'fetch refused a header value of the request (a token with a line break or other forbidden character?)');
  }

  let response;
  try {
    response = await fetchImpl(request.url, {
      method: request.method.toUpperCase(),
      headers,
      body: request.body,
      redirect: 'manual',
      signal: combined,
      cache: 'no-store',
    });
  } catch (err) {
    return onAbort('request', err);
  }
  if (response.type === 'opaqueredirect' || response.status === 0) {
    // Browsers and some edge runtimes hide a manual redirect's status.
    return failed('other', `${origin(request.url)} answered with a redirect, which is never followed`);
  }
  let body;
  try {
    body = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    return onAbort('body', err);
  }
  const outHeaders = [];
  response.headers.forEach((value, name) => outHeaders.push({ name, value }));
  return { tag: 'response', val: { status: response.status, headers: outHeaders, body } };
}

/** Scheme, host and port of a URL, for messages (never the query: it may hold page tokens). */
function origin(url) {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the server';
  }
}

/** Waits `ms` milliseconds; rejects with CallerAbort when `signal` aborts first. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CallerAbort(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CallerAbort(signal.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
