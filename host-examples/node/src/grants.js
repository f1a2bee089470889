// The host's side of Maskinporten grants (config.maskinporten): the key's identity for the
// config, and the answer to the operation's `sign` steps. The component builds each grant and
// asks for its signature as a step, so signing may be asynchronous (Web Crypto, a KMS, an HSM).
// The key stays on this side: the component only sees signatures. Also the clock and the
// seed every operation gets. Edge-safe: nothing Node-only.

import { toDatetime } from './convert.js';

export const NO_KEY = 'no Maskinporten key is configured: pass maskinporten.signer (createWebCryptoSigner, or createSigner from altinn-systemuser/node)';

/**
 * The key identity put in the config when no signer is given: the component still validates the
 * task first, and the grant's `sign` step is then answered with NO_KEY.
 */
const NO_KEY_IDENTITY = Object.freeze({ tag: 'key-id', val: 'no-key-configured' });

/** A failure's message for the component, clipped; a signer's own errors must hold no key material. */
export function reason(err, fallback) {
  const m = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return (m || fallback).slice(0, 300);
}

/** `{kid}` / `{x5c}` → the WIT `key-identity`; throws TypeError on anything else. */
export function toKeyIdentity(id) {
  if (typeof id?.kid === 'string' && id.x5c === undefined) return { tag: 'key-id', val: id.kid };
  if (Array.isArray(id?.x5c) && id.kid === undefined && id.x5c.every((c) => typeof c === 'string')) {
    return { tag: 'certificate-chain', val: [...id.x5c] };
  }
  throw new TypeError('signer.identity() must return {kid: string} or {x5c: string[]} (base64 DER, leaf first)');
}

/**
 * The `key` of the config's maskinporten client, asked of the signer for every operation (so a
 * signer may rotate keys). Rejects with the reason as a plain message when the signer has none.
 */
export async function keyIdentity(signer) {
  if (!signer) return NO_KEY_IDENTITY;
  return toKeyIdentity(await signer.identity());
}

/** Answers a `sign` step: the WIT input `signature` or `sign-failed`. `sign` may return a Promise. */
export async function signStep(signer, data) {
  if (!signer) return { tag: 'sign-failed', val: NO_KEY };
  let signature;
  try {
    signature = await signer.sign(data);
  } catch (err) {
    return { tag: 'sign-failed', val: reason(err, 'the signer failed') };
  }
  if (signature instanceof ArrayBuffer) signature = new Uint8Array(signature);
  if (!(signature instanceof Uint8Array)) return { tag: 'sign-failed', val: 'signer.sign must return (or resolve to) the signature as a Uint8Array' };
  return { tag: 'signature', val: signature };
}

/** The default source of randomness: Web Crypto (Node's CSPRNG; present on every edge runtime too). */
export function webRandomBytes(len) {
  return globalThis.crypto.getRandomValues(new Uint8Array(len));
}

/** How many bytes seed an operation (each grant's `jti` is drawn from them). */
export const SEED_BYTES = 16;

/** The operation's clock and seed, from the overrides of the maskinporten option or the defaults. */
export function hostTime({ now = Date.now, randomBytes = webRandomBytes } = {}) {
  return {
    now: () => toDatetime(now()),
    seed: () => {
      const bytes = randomBytes(SEED_BYTES);
      if (!(bytes instanceof Uint8Array)) throw new TypeError('maskinporten.randomBytes must return a Uint8Array');
      return bytes;
    },
  };
}
