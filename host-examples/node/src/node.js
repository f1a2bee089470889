// Node-only helpers, kept out of the edge-safe entry point: `serve` runs a Fetch-API handler
// `(Request) => Promise<Response>` on node:http (Node has no built-in adapter), and
// `createSigner` signs Maskinporten grants with node:crypto.
import { KeyObject, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';

import { argError, obj } from './convert.js';
import { TokenError } from './errors.js';

const MAX_BODY = 1024 * 1024;

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Converts one node:http exchange to a Request, calls `handler`, writes its Response. */
export function toNodeListener(handler) {
  if (typeof handler !== 'function') throw argError('handler', 'a function (Request) => Promise<Response> (createOnboardingHandler)', handler);
  return async (req, res) => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('the client went away'));
    });
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(url, {
        method: req.method,
        headers,
        body: hasBody ? await readBody(req) : undefined,
        signal: controller.signal,
      });
      const response = await handler(request);
      const out = {};
      response.headers.forEach((value, name) => {
        out[name] = value;
      });
      res.writeHead(response.status, out);
      if (response.body && req.method !== 'HEAD') Readable.fromWeb(response.body).pipe(res);
      else res.end();
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(err?.status ?? 500, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: err?.status === 413 ? 'The body is too large' : 'Internal error', status: err?.status ?? 500 }));
      } else {
        res.destroy();
      }
    }
  };
}

/**
 * Serves `handler` on node:http. Resolves when listening.
 * @returns {Promise<{server: import('node:http').Server, url: string, close: () => Promise<void>}>}
 */
export function serve(handler, options) {
  if (typeof handler !== 'function') throw argError('handler', 'a function (Request) => Promise<Response> (createOnboardingHandler)', handler);
  if (options !== undefined && options !== null) obj(options, 'options', 'an object {port?, host?}');
  const { port = 0, host = '127.0.0.1' } = options ?? {};
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw argError('options.port', 'a port number (0 to 65535; 0: any free one)', port);
  if (typeof host !== 'string') throw argError('options.host', 'a host name or address', host);
  const server = createServer(toNodeListener(handler));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        server,
        url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}

// ---- Maskinporten signer ----------------------------------------------------------------------

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const PRIVATE_JWK_MEMBERS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'];

/** Signs grants with RS256 (RSASSA-PKCS1-v1_5, SHA-256). Printing it shows its identity, never the key. */
export class KeySigner {
  #key;
  #identity;

  /** Use `createSigner`. */
  constructor(key, identity) {
    this.#key = key;
    this.#identity = identity;
  }

  /** `{kid}` or `{x5c}`: how Maskinporten finds the public key. */
  identity() {
    return this.#identity.kid !== undefined ? { kid: this.#identity.kid } : { x5c: [...this.#identity.x5c] };
  }

  /** The RS256 signature of `data`. */
  sign(data) {
    try {
      return sign('sha256', data, this.#key);
    } catch (err) {
      // OpenSSL's message names the failure, never the key; no cause is kept all the same.
      throw new Error(`RSA signing failed${codeOf(err)}`);
    }
  }

  /** Key size in bits. */
  get bits() {
    return this.#key.asymmetricKeyDetails.modulusLength;
  }

  toJSON() {
    const id = this.#identity.kid !== undefined ? { kid: this.#identity.kid } : { x5c: `${this.#identity.x5c.length} certificate(s)` };
    return { ...id, bits: this.bits, key: '[redacted]' };
  }

  toString() {
    return `[KeySigner ${this.#identity.kid ?? 'x5c'}]`;
  }

  [INSPECT](depth, options, inspect) {
    return `KeySigner ${inspect(this.toJSON(), options)}`;
  }
}

/** ` (ERR_…)` from an error, or nothing: Node's messages may quote an argument, codes never do. */
function codeOf(err) {
  return typeof err?.code === 'string' && /^ERR_[A-Z0-9_]+$/.test(err.code) ? ` (${err.code})` : '';
}

/** A private JWK from an object or JSON text; a JWK Set with exactly one key counts as that key. */
function jwkOf(value, what) {
  let jwk = value;
  if (typeof value === 'string') {
    try {
      jwk = JSON.parse(value);
    } catch {
      // JSON.parse's message quotes the text around the error: the key itself.
      throw new TokenError(`${what} is not valid JSON`);
    }
  }
  if (Array.isArray(jwk?.keys)) {
    if (jwk.keys.length !== 1) throw new TokenError(`${what} is a JWK Set with ${jwk.keys.length} keys: give exactly one`);
    jwk = jwk.keys[0];
  }
  if (jwk?.kty !== 'RSA') throw new TokenError(`${what} is not an RSA JWK (kty must be RSA)`);
  for (const m of PRIVATE_JWK_MEMBERS) {
    if (typeof jwk[m] !== 'string') throw new TokenError(`${what} has no ${m} member: a private RSA JWK needs ${PRIVATE_JWK_MEMBERS.join(', ')}`);
  }
  return jwk;
}

/** The private key and the JWK's kid (if any) from a KeyObject, PEM text, JWK text or a JWK object. */
function privateKeyOf(key, passphrase, what) {
  if (key instanceof KeyObject) {
    if (key.type !== 'private') throw new TokenError(`${what} is a ${key.type} KeyObject: give the private key`);
    return { key, kid: undefined };
  }
  let jwk;
  let pem;
  if (typeof key === 'string') {
    const text = key.trim();
    if (text.startsWith('{')) jwk = jwkOf(text, what);
    else if (text.startsWith('-----BEGIN ')) pem = text;
    else throw new TokenError(`${what} is neither PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----) nor a JWK`);
  } else if (typeof key === 'object' && key !== null) {
    jwk = jwkOf(key, what);
  } else {
    throw new TypeError('createSigner: key must be PEM or JWK text, a JWK (Set) object or a private KeyObject');
  }
  try {
    const created = jwk ? createPrivateKey({ key: jwk, format: 'jwk' }) : createPrivateKey({ key: pem, format: 'pem', passphrase });
    return { key: created, kid: typeof jwk?.kid === 'string' ? jwk.kid : undefined };
  } catch (err) {
    if (err?.code === 'ERR_MISSING_PASSPHRASE') throw new TokenError(`${what} is encrypted: pass its passphrase`);
    if (pem && /PUBLIC KEY|CERTIFICATE/.test(pem.slice(0, 40))) throw new TokenError(`${what} is a public key or certificate: give the private key`);
    throw new TokenError(`${what} is not a usable private key${codeOf(err)}`);
  }
}

/** A certificate chain as base64 DER, leaf first: from strings, or PEM text with CERTIFICATE blocks. */
function chainOf(x5c) {
  const list = typeof x5c === 'string' ? [x5c] : x5c;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string')) {
    throw new TypeError('createSigner: x5c must be the certificate chain, leaf first: base64 DER strings or PEM text');
  }
  const out = [];
  for (const c of list) {
    const blocks = [...c.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
    if (blocks.length) for (const b of blocks) out.push(b[1].replace(/\s+/g, ''));
    else out.push(c.trim());
  }
  return out;
}

/**
 * A signer for `createClient({maskinporten: {clientId, signer}})` from an RSA private key:
 * `key` (PEM PKCS#8 or PKCS#1 text, a private JWK or one-key JWK Set as text or object, or a
 * KeyObject) or `keyFile` (a path to such a PEM or JWK file). Named by `kid` (default: the JWK's
 * own) or by a business certificate chain `x5c` instead. Errors never quote the key.
 * @param {{key?: string | KeyObject | object, keyFile?: string | URL, kid?: string, x5c?: string | string[], passphrase?: string}} options
 */
export function createSigner({ key, keyFile, kid, x5c, passphrase } = {}) {
  if ((key === undefined) === (keyFile === undefined)) throw new TypeError('createSigner: give key or keyFile (one of them)');
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) throw new TypeError('createSigner: kid must be a non-empty string');
  if (kid !== undefined && x5c !== undefined) throw new TypeError('createSigner: give kid or x5c, not both (a grant names its key one way)');
  let what = 'the key';
  if (keyFile !== undefined) {
    what = `the key file ${keyFile instanceof URL ? keyFile.pathname : keyFile}`;
    try {
      key = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new TokenError(`cannot read ${what}: ${err?.code ?? 'read error'}`);
    }
  }
  const { key: privateKey, kid: jwkKid } = privateKeyOf(key, passphrase, what);
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new TokenError(`${what} is an ${privateKey.asymmetricKeyType} key: Maskinporten grants here are RS256, which needs an RSA key`);
  }
  const bits = privateKey.asymmetricKeyDetails.modulusLength;
  if (bits < 2048 || bits > 8192) throw new TokenError(`${what} is a ${bits}-bit RSA key: use 2048 to 8192 bits`);
  if (x5c !== undefined) return new KeySigner(privateKey, { x5c: chainOf(x5c) });
  const id = kid ?? jwkKid;
  if (id === undefined) throw new TypeError(`createSigner: no key id: pass kid (the key's id on your Maskinporten client), x5c, or a JWK with a kid`);
  return new KeySigner(privateKey, { kid: id });
}
