// A Maskinporten signer on Web Crypto (`crypto.subtle`, RSASSA-PKCS1-v1_5 with SHA-256): the same
// RS256 signatures as `createSigner` from altinn-systemuser/node, but with nothing Node-only, so it
// runs on edge runtimes (Cloudflare Workers, Deno, Bun, Vercel Edge) too. Signing is asynchronous,
// which the client supports: the component asks for each signature as a `sign` step.
// The key is imported as non-extractable and kept in a private field; errors never quote it.

import { TokenError } from './errors.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const ALGORITHM = Object.freeze({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' });
/** The members of a private RSA JWK; the rest (`alg`, `use`, `key_ops`, `ext`, `kid`) are not passed on. */
const PRIVATE_JWK_MEMBERS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'];

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new TypeError('createWebCryptoSigner: this runtime has no Web Crypto (globalThis.crypto.subtle)');
  return s;
}

/** Signs grants with RS256 through Web Crypto. Printing it shows its identity, never the key. */
export class WebCryptoSigner {
  #key;
  #identity;

  /** Use `await createWebCryptoSigner(options)`. */
  constructor(key, identity) {
    if (!(globalThis.CryptoKey && key instanceof globalThis.CryptoKey)) throw new TypeError('use `await createWebCryptoSigner(options)` to make a WebCryptoSigner');
    this.#key = key;
    this.#identity = identity;
  }

  /** `{kid}` or `{x5c}`: how Maskinporten finds the public key. */
  identity() {
    return this.#identity.kid !== undefined ? { kid: this.#identity.kid } : { x5c: [...this.#identity.x5c] };
  }

  /** The RS256 signature of `data` (resolves to a Uint8Array). */
  async sign(data) {
    try {
      return new Uint8Array(await subtle().sign(ALGORITHM.name, this.#key, data));
    } catch (err) {
      // Only the error's name: a runtime's message might quote an argument.
      throw new Error(`RSA signing failed${nameOf(err)}`);
    }
  }

  /** Key size in bits. */
  get bits() {
    return this.#key.algorithm.modulusLength;
  }

  toJSON() {
    const id = this.#identity.kid !== undefined ? { kid: this.#identity.kid } : { x5c: `${this.#identity.x5c.length} certificate(s)` };
    return { ...id, bits: this.bits, key: '[redacted]' };
  }

  toString() {
    return `[WebCryptoSigner ${this.#identity.kid ?? 'x5c'}]`;
  }

  [INSPECT](depth, options, inspect) {
    return `WebCryptoSigner ${inspect(this.toJSON(), options)}`;
  }
}

/** ` (DataError)` from an error, or nothing. */
function nameOf(err) {
  return typeof err?.name === 'string' && /^[A-Za-z]+$/.test(err.name) && err.name !== 'Error' ? ` (${err.name})` : '';
}

/** A private RSA JWK from an object or JSON text; a JWK Set with exactly one key counts as that key. */
function jwkOf(value) {
  let jwk = value;
  if (typeof value === 'string') {
    try {
      jwk = JSON.parse(value);
    } catch {
      // JSON.parse's message quotes the text around the error: the key itself.
      throw new TokenError('the key is not valid JSON');
    }
  }
  if (Array.isArray(jwk?.keys)) {
    if (jwk.keys.length !== 1) throw new TokenError(`the key is a JWK Set with ${jwk.keys.length} keys: give exactly one`);
    jwk = jwk.keys[0];
  }
  if (jwk?.kty !== 'RSA') throw new TokenError('the key is not an RSA JWK (kty must be RSA)');
  for (const m of PRIVATE_JWK_MEMBERS) {
    if (typeof jwk[m] !== 'string') throw new TokenError(`the key has no ${m} member: a private RSA JWK needs ${PRIVATE_JWK_MEMBERS.join(', ')}`);
  }
  return jwk;
}

/** The DER bytes of a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
function pkcs8Der(pem) {
  const m = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----\s*$/.exec(pem);
  if (!m) throw new TokenError('the key is not one PEM block (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----)');
  if (m[1] === 'RSA PRIVATE KEY') {
    throw new TokenError('the key is PKCS#1 (BEGIN RSA PRIVATE KEY), which Web Crypto cannot import: convert it with `openssl pkcs8 -topk8 -nocrypt`, give it as a JWK, or use createSigner from altinn-systemuser/node');
  }
  if (m[1] === 'ENCRYPTED PRIVATE KEY') throw new TokenError('the key is encrypted, which Web Crypto cannot import: decrypt it to PKCS#8 first');
  if (m[1] !== 'PRIVATE KEY') throw new TokenError(`the key is a ${m[1].toLowerCase()}, not a PKCS#8 private key`);
  let binary;
  try {
    binary = atob(m[2].replace(/\s+/g, ''));
  } catch {
    throw new TokenError('the key is not valid base64 inside its PEM block');
  }
  const der = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i);
  return der;
}

/** A certificate chain as base64 DER, leaf first: from strings, or PEM text with CERTIFICATE blocks. */
function chainOf(x5c) {
  const list = typeof x5c === 'string' ? [x5c] : x5c;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string')) {
    throw new TypeError('createWebCryptoSigner: x5c must be the certificate chain, leaf first: base64 DER strings or PEM text');
  }
  const out = [];
  for (const c of list) {
    const blocks = [...c.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
    if (blocks.length) for (const b of blocks) out.push(b[1].replace(/\s+/g, ''));
    else out.push(c.trim());
  }
  return out;
}

/** The private CryptoKey and the JWK's kid (if any). */
async function importPrivateKey(key) {
  if (globalThis.CryptoKey && key instanceof globalThis.CryptoKey) {
    const { algorithm, type, usages } = key;
    if (type !== 'private') throw new TokenError(`the key is a ${type} CryptoKey: give the private key`);
    if (algorithm?.name !== ALGORITHM.name || algorithm?.hash?.name !== ALGORITHM.hash) {
      throw new TokenError(`the CryptoKey is for ${algorithm?.name}${algorithm?.hash ? `/${algorithm.hash.name}` : ''}: import it as RSASSA-PKCS1-v1_5 with SHA-256 (RS256)`);
    }
    if (!usages.includes('sign')) throw new TokenError("the CryptoKey may not sign: import it with the usage 'sign'");
    return { cryptoKey: key, kid: undefined };
  }
  let format;
  let data;
  let kid;
  if (typeof key === 'string' && key.trim().startsWith('-----BEGIN ')) {
    format = 'pkcs8';
    data = pkcs8Der(key.trim());
  } else if (typeof key === 'string' && key.trim().startsWith('{')) {
    format = 'jwk';
    data = jwkOf(key.trim());
  } else if (typeof key === 'string') {
    throw new TokenError('the key is neither PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) nor a JWK');
  } else if (key instanceof ArrayBuffer || ArrayBuffer.isView(key)) {
    format = 'pkcs8';
    data = key;
  } else if (typeof key === 'object' && key !== null) {
    format = 'jwk';
    data = jwkOf(key);
  } else {
    throw new TypeError('createWebCryptoSigner: key must be a private RSA JWK (object or text), PKCS#8 PEM text or DER bytes, or a private CryptoKey');
  }
  if (format === 'jwk') {
    kid = typeof data.kid === 'string' ? data.kid : undefined;
    data = Object.fromEntries([['kty', 'RSA'], ...PRIVATE_JWK_MEMBERS.map((m) => [m, data[m]])]);
  }
  try {
    return { cryptoKey: await subtle().importKey(format, data, ALGORITHM, false, ['sign']), kid };
  } catch (err) {
    if (err instanceof TypeError && /crypto\.subtle/.test(err.message)) throw err;
    throw new TokenError(`the key is not a usable RSA private key${nameOf(err)}`);
  }
}

/**
 * A Web Crypto signer for `createClient({maskinporten: {clientId, signer}})`, from an RSA private
 * key: a private JWK or one-key JWK Set (object or JSON text), PKCS#8 PEM text or DER bytes, or a
 * private RS256 CryptoKey. Named by `kid` (default: the JWK's own) or by a business certificate
 * chain `x5c` instead. Resolves to a WebCryptoSigner; rejects with TokenError (never quoting the
 * key) or TypeError.
 * @param {{key: string | object | ArrayBuffer | ArrayBufferView | CryptoKey, kid?: string, x5c?: string | string[]}} options
 */
export async function createWebCryptoSigner({ key, kid, x5c } = {}) {
  if (key === undefined || key === null) throw new TypeError('createWebCryptoSigner: give key');
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) throw new TypeError('createWebCryptoSigner: kid must be a non-empty string');
  if (kid !== undefined && x5c !== undefined) throw new TypeError('createWebCryptoSigner: give kid or x5c, not both (a grant names its key one way)');
  const chain = x5c === undefined ? undefined : chainOf(x5c);
  const { cryptoKey, kid: jwkKid } = await importPrivateKey(key);
  const bits = cryptoKey.algorithm.modulusLength;
  if (!(bits >= 2048 && bits <= 8192)) throw new TokenError(`the key is a ${bits}-bit RSA key: use 2048 to 8192 bits`);
  if (chain) return new WebCryptoSigner(cryptoKey, { x5c: chain });
  const id = kid ?? jwkKid;
  if (id === undefined) throw new TypeError('createWebCryptoSigner: no key id: pass kid (the key\'s id on your Maskinporten client), x5c, or a JWK with a kid');
  return new WebCryptoSigner(cryptoKey, { kid: id });
}
