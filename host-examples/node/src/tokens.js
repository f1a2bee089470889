// A token cache for the `token` option: asks `fetchToken` once per scope set and reuses the
// token until `expiresIn` minus a margin (API.md §10). Concurrent callers share one request.

import { argError, obj } from './convert.js';

/**
 * @param {(scopes: string[], ctx: {signal?: AbortSignal}) => Promise<{accessToken?: string, access_token?: string, expiresIn?: number, expires_in?: number}>} fetchToken
 * @param {{marginSeconds?: number, now?: () => number}} [options]
 */
export function cachingTokenProvider(fetchToken, options) {
  if (typeof fetchToken !== 'function') throw argError('fetchToken', 'an async function (scopes) => {access_token, expires_in}', fetchToken);
  if (options !== undefined && options !== null) obj(options, 'options', 'an object {marginSeconds?, now?}');
  const { marginSeconds = 30, now = Date.now } = options ?? {};
  if (typeof marginSeconds !== 'number' || !Number.isFinite(marginSeconds) || marginSeconds < 0) throw argError('options.marginSeconds', 'a number of seconds, 0 or more', marginSeconds);
  if (typeof now !== 'function') throw argError('options.now', 'a function returning milliseconds since the epoch', now);
  const cache = new Map();
  const provider = async (scopes, ctx = {}) => {
    const key = [...new Set(scopes)].sort().join(' ');
    const hit = cache.get(key);
    if (hit && (hit.pending || hit.expiresAt > now())) return (await hit.pending) ?? hit.token;
    const entry = { pending: null, token: null, expiresAt: 0 };
    entry.pending = (async () => {
      const answer = await fetchToken([...scopes], ctx);
      const token = answer?.accessToken ?? answer?.access_token;
      const expiresIn = Number(answer?.expiresIn ?? answer?.expires_in ?? 0);
      if (typeof token !== 'string' || !token) throw new Error('the token source answered without an access token');
      entry.token = token;
      entry.expiresAt = now() + Math.max(0, expiresIn - marginSeconds) * 1000;
      return token;
    })();
    cache.set(key, entry);
    try {
      return await entry.pending;
    } catch (err) {
      cache.delete(key);
      throw err;
    } finally {
      entry.pending = null;
    }
  };
  /** Forgets every cached token (e.g. after a 401). */
  provider.clear = () => cache.clear();
  return provider;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A Maskinporten token to act as a customer's system user (`client.systemUserToken`). The token
 * is readable only through `.token`: printing, inspecting or serialising the object masks it.
 */
export class SystemUserToken {
  #token;

  constructor({ token, scope, expiresAt }) {
    this.#token = token;
    /** The scopes granted, space-separated. */
    this.scope = scope;
    /** When Maskinporten says it expires (by this client's clock). */
    this.expiresAt = expiresAt;
  }

  /** The bearer token. A secret: never log it. */
  get token() {
    return this.#token;
  }

  toString() {
    return `[SystemUserToken ${this.scope} (redacted)]`;
  }

  toJSON() {
    return { token: '[redacted]', scope: this.scope, expiresAt: this.expiresAt };
  }

  [INSPECT](depth, options, inspect) {
    return `SystemUserToken ${inspect(this.toJSON(), options)}`;
  }
}
