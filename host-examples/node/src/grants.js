// The `signer`, `clock` and `random` imports: what the component needs to get its own Maskinporten
// tokens (config.maskinporten). The key stays on this side: the component only sees signatures.
// jco calls imports synchronously, so every function here must answer without awaiting.

import { toDatetime } from './convert.js';

export const NO_KEY = 'no Maskinporten key is configured: pass maskinporten.signer (e.g. createSigner({ keyFile, kid }) from altinn-systemuser/node)';

/** A failure's message for the component, clipped; a signer's own errors must hold no key material. */
function reason(err, fallback) {
  const m = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return (m || fallback).slice(0, 300);
}

/** `{kid}` / `{x5c}` → the WIT `key-identity`. */
function toKeyIdentity(id) {
  if (typeof id?.kid === 'string' && id.x5c === undefined) return { tag: 'key-id', val: id.kid };
  if (Array.isArray(id?.x5c) && id.kid === undefined && id.x5c.every((c) => typeof c === 'string')) {
    return { tag: 'certificate-chain', val: [...id.x5c] };
  }
  throw new TypeError('signer.identity() must return {kid: string} or {x5c: string[]} (base64 DER, leaf first)');
}

function isPromise(v) {
  return typeof v?.then === 'function';
}

/** The default source of randomness: Web Crypto (Node's CSPRNG; present on every edge runtime too). */
function webRandomBytes(len) {
  // getRandomValues fills at most 65536 bytes; the component asks for 16 (a jti).
  return globalThis.crypto.getRandomValues(new Uint8Array(Math.min(len, 65536)));
}

/**
 * The three imports for one instance. WIT `result`s are answered as `{tag: 'ok' | 'err'}` rather
 * than thrown: an exception out of an import would trap the instance.
 * @param {{signer?: {identity(): {kid?: string, x5c?: string[]}, sign(data: Uint8Array): Uint8Array}, now?: () => number | Date, randomBytes?: (len: number) => Uint8Array}} [options]
 */
export function grantImports({ signer, now = Date.now, randomBytes = webRandomBytes } = {}) {
  return {
    'altinn:systemuser/signer': {
      identity() {
        if (!signer) return { tag: 'err', val: NO_KEY };
        try {
          return { tag: 'ok', val: toKeyIdentity(signer.identity()) };
        } catch (err) {
          return { tag: 'err', val: reason(err, 'the signer has no identity') };
        }
      },
      sign(data) {
        if (!signer) return { tag: 'err', val: NO_KEY };
        try {
          const signature = signer.sign(data);
          if (isPromise(signature)) return { tag: 'err', val: 'signer.sign returned a Promise: it must sign synchronously (jco imports are synchronous)' };
          if (!(signature instanceof Uint8Array)) return { tag: 'err', val: 'signer.sign must return the signature as a Uint8Array' };
          return { tag: 'ok', val: signature };
        } catch (err) {
          return { tag: 'err', val: reason(err, 'the signer failed') };
        }
      },
    },
    // These two cannot report an error: a bad value traps, and the client starts a fresh instance.
    'altinn:systemuser/clock': { now: () => toDatetime(now()) },
    'altinn:systemuser/random': { randomBytes: (len) => randomBytes(len) },
  };
}
