// The bench's baseline: the same deployment as ../app.js, same edge handler, same settings, same
// Web Crypto signer, but behind a client written plainly in JavaScript (../../bench/plain.js:
// fetch + JSON, no component) with a plain Maskinporten grant. Not a product. Adapters load it
// instead of app.js when EDGE_BASELINE=plain.

import { createWebCryptoSigner, environments } from '../../src/index.js';
import { createOnboardingHandler } from '../../src/edge.js';
import { PlainClient } from '../../bench/plain.js';

const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const text64 = (s) => b64url(new TextEncoder().encode(s));

/** Maskinporten tokens per scope set, from RS256 grants signed with `signer`, kept until 10 s before expiry. */
function plainMaskinporten({ issuer, clientId, signer, fetch }) {
  const kept = new Map();
  return async (scopes) => {
    const scope = scopes.join(' ');
    const hit = kept.get(scope);
    if (hit && hit.until > Date.now()) return hit.token;
    const now = Math.floor(Date.now() / 1000);
    const head = text64(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...signer.identity() }));
    const jti = b64url(crypto.getRandomValues(new Uint8Array(16)));
    const claims = text64(JSON.stringify({ aud: issuer, iss: clientId, scope, iat: now, exp: now + 60, jti }));
    const signature = b64url(await signer.sign(new TextEncoder().encode(`${head}.${claims}`)));
    const res = await fetch(`${issuer}token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${head}.${claims}.${signature}` }),
    });
    if (res.status !== 200) throw new Error(`Maskinporten refused the grant (${res.status})`);
    const { access_token: token, expires_in: expiresIn } = await res.json();
    kept.set(scope, { token, until: Date.now() + (expiresIn - 10) * 1000 });
    return token;
  };
}

/** `effectiveStatus` as the handler reads it: a new request past its window counts as timed out. */
const effectiveStatus = (r) => (r.timedOut && r.status === 'New' ? 'Timedout' : r.status);

/** Same signature as ../app.js's createApp (getCoreModule is not used: there is no component). */
export function createApp(env, runtime = {}) {
  let ready;
  return async function app(request) {
    ready ??= (async () => {
      const environment = /^https?:/.test(env.SYSTEMUSER_ENV) ? environments.local(env.SYSTEMUSER_ENV) : env.SYSTEMUSER_ENV;
      // Called as a method of PlainClient: workerd's fetch refuses any `this` but the global one.
      const fetch = runtime.fetch ?? ((url, init) => globalThis.fetch(url, init));
      const signer = await createWebCryptoSigner({ key: env.SYSTEMUSER_KEY, kid: env.SYSTEMUSER_KID || undefined });
      const token = plainMaskinporten({ issuer: environment.maskinportenIssuer, clientId: env.SYSTEMUSER_CLIENT_ID, signer, fetch });
      const client = new PlainClient({ environment, token, fetch });
      client.effectiveStatus = effectiveStatus;
      const onError = (err) => console.error(JSON.stringify({ level: 'error', error: { name: err?.name, message: err?.message, status: err?.status, code: err?.code } }));
      return createOnboardingHandler({ client, systemId: env.SYSTEMUSER_SYSTEM_ID, accessPackages: (env.SYSTEMUSER_ACCESS_PACKAGES ?? '').split(','), onError });
    })();
    return (await ready)(request);
  };
}
