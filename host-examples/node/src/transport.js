// Asynchronous I/O for the operation state machine: HTTP over `fetch`, waits over setTimeout.
// Works wherever the Fetch API exists (Node 20+, Deno, Bun, Cloudflare Workers, Vercel Edge):
// nothing here is Node-only.
//
// The limits policy (SECURITY.md): each `http-request` says how long the whole exchange may take
// (`timeoutMs`: connect, headers and body together) and how long its answer may be
// (`maxResponseBytes`, counted on the bytes received). An answer is never decompressed: the
// component asks for `Accept-Encoding: identity`, and an answer with any other
// `Content-Encoding` is refused unread.

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

/** What a race against the exchange's deadline rejects with. */
const DEADLINE = Symbol('deadline');

/** Whether a `Content-Encoding` value means the body is as sent (absent, empty or `identity`). */
function isIdentity(encoding) {
  if (encoding === null) return true;
  return encoding.split(',').every((c) => ['', 'identity'].includes(c.trim().toLowerCase()));
}

/** Cancels a body we will not read; a body that cannot be cancelled is left to the collector. */
function discard(response) {
  try {
    response?.body?.cancel().catch(() => {});
  } catch {
    // A locked or already-consumed body: nothing more to stop.
  }
}

/**
 * Sends one WIT `http-request` with `fetchImpl`. Resolves to the WIT input for the operation:
 * `{tag: 'response', val}` or `{tag: 'transport-failed', val: {kind, message}}`.
 * Redirects are never followed (the bearer token must not reach another host). One deadline,
 * `request.timeoutMs`, covers connect, headers and the whole body; the body is read chunk by
 * chunk and never past `request.maxResponseBytes`.
 */
export async function send(request, { fetchImpl, signal }) {
  if (signal?.aborted) throw new CallerAbort(signal.reason);
  const secrets = request.headers.map((h) => h.value);
  const where = origin(request.url);
  // The WIT `method` enum (`get`, `post`, `put` for the System Register's replacements, `delete`).
  const method = request.method.toUpperCase();
  const limit = request.maxResponseBytes;
  const failed = (kind, message) => ({ tag: 'transport-failed', val: { kind, message } });
  const tooLarge = (what) => failed('too-large', `${method} ${where}: ${what} (answers are limited to ${limit} bytes, never decompressed)`);

  let headers;
  try {
    headers = new Headers();
    for (const { name, value } of request.headers) headers.append(name, value);
  } catch {
    // The message of this TypeError would quote the header value (possibly the token).
    return failed('other', 'fetch refused a header value of the request (a token with a line break or other forbidden character?)');
  }

  // One deadline for the whole exchange. The signal aborts fetch (and, with undici, the body);
  // the races below hold even for a fetch that ignores its signal or a body that trickles.
  const deadline = new AbortController();
  const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
  let timer;
  let stop;
  const expired = new Promise((_, reject) => {
    stop = () => reject(signal?.aborted ? new CallerAbort(signal.reason) : DEADLINE);
    timer = setTimeout(() => {
      deadline.abort(new Error(`no complete answer within ${request.timeoutMs} ms`));
      stop();
    }, Math.max(1, request.timeoutMs));
    signal?.addEventListener('abort', stop, { once: true });
  });
  expired.catch(() => {});
  const onFailure = (phase, err) => {
    if (err instanceof CallerAbort) throw err;
    if (signal?.aborted) throw new CallerAbort(signal.reason);
    if (err === DEADLINE || deadline.signal.aborted) {
      return failed('timeout', phase === 'body'
        ? `the answer from ${where} did not arrive in full within ${request.timeoutMs} ms`
        : `no answer from ${where} within ${request.timeoutMs} ms`);
    }
    return failed(classify(err, phase), `${method} ${where}: ${describe(err, secrets)}`);
  };

  try {
    let response;
    let pending;
    try {
      pending = Promise.resolve(
        fetchImpl(request.url, {
          method,
          headers,
          body: request.body,
          redirect: 'manual',
          signal: combined,
          cache: 'no-store',
        }),
      );
      response = await Promise.race([pending, expired]);
    } catch (err) {
      // A fetch that resolves after we gave up: drop its body unread.
      pending?.then(discard, () => {});
      return onFailure('request', err);
    }
    if (response.type === 'opaqueredirect' || response.status === 0) {
      // Browsers and some edge runtimes hide a manual redirect's status.
      discard(response);
      return failed('other', `${where} answered with a redirect, which is never followed`);
    }
    // Never decompressed: fetch would inflate it as it is read (a gzip bomb).
    const encoding = response.headers.get('content-encoding');
    if (!isIdentity(encoding)) {
      discard(response);
      return tooLarge(`the answer is compressed (Content-Encoding ${JSON.stringify(encoding.slice(0, 40))}, not asked for) and was refused unread`);
    }
    const declared = response.headers.get('content-length');
    if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > limit) {
      discard(response);
      return tooLarge(`the answer says it is ${Number(declared)} bytes long and was refused unread`);
    }
    let body;
    try {
      body = await readCapped(response, limit, expired);
    } catch (err) {
      return onFailure('body', err);
    }
    if (body === null) return tooLarge(`the answer ran past ${limit} bytes and was not read further`);
    const outHeaders = [];
    response.headers.forEach((value, name) => outHeaders.push({ name, value }));
    return { tag: 'response', val: { status: response.status, headers: outHeaders, body } };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}

/**
 * The body, read chunk by chunk and counted; `null` (the rest cancelled) as soon as it passes
 * `limit` bytes. Holds at most `limit` bytes. Rejects when `expired` does first.
 */
async function readCapped(response, limit, expired) {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), expired]);
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/** Scheme, host, port and path of a URL, for messages (never the query: it may hold page tokens). */
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
