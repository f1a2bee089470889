// The deployment every runtime serves: the package's unchanged edge handler, configured from the
// runtime's environment (Workers bindings, Deno.env, Bun's process.env), in Maskinporten mode with
// a Web Crypto signer. Edge-safe: nothing Node-only. What differs per runtime (how the three core
// modules are loaded, how the server listens) is in workerd/, deno/ and bun/, nothing else.
//
// Settings (strings; the key is the only secret):
//   ALTINN_ENVIRONMENT        'production', 'tt02', … or the simulator's URL (http://127.0.0.1:5101)
//   ALTINN_MP_CLIENT_ID       the Maskinporten client id
//   ALTINN_MP_KEY             the private key: a JWK (JSON text) or PKCS#8 PEM
//   ALTINN_MP_KID             the key's id on the Maskinporten client (default: the JWK's kid)
//   ALTINN_SYSTEM_ID          serves POST /onboard, GET /onboard/:id
//   ALTINN_ACCESS_PACKAGES    comma-separated access package URNs
//   ALTINN_AGENT_SYSTEM_ID    optional: an agent system served on /clients/onboard
//   ALTINN_AGENT_ACCESS_PACKAGES
//   ALTINN_TIMEOUT_MS         optional: how long one exchange with Altinn may take (default 30 s)

import { createClient, createWebCryptoSigner } from '../src/index.js';
import { createOnboardingHandler } from '../src/edge.js';

/** The settings an adapter passes on (Deno's --allow-env lists exactly these). */
export const SETTINGS = Object.freeze([
  'ALTINN_ENVIRONMENT',
  'ALTINN_MP_CLIENT_ID',
  'ALTINN_MP_KEY',
  'ALTINN_MP_KID',
  'ALTINN_SYSTEM_ID',
  'ALTINN_ACCESS_PACKAGES',
  'ALTINN_AGENT_SYSTEM_ID',
  'ALTINN_AGENT_ACCESS_PACKAGES',
  'ALTINN_TIMEOUT_MS',
]);

const AGENT_PATH = '/clients/onboard';

function required(env, name) {
  const v = env[name];
  if (typeof v !== 'string' || v === '') throw new TypeError(`the setting ${name} is missing`);
  return v;
}

const list = (v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** JSON on one line: what the runtime prints. `err.toJSON()` of this package's errors holds no secret. */
function log(level, message, err) {
  const line = JSON.stringify({ level, message, ...(err === undefined ? {} : { error: err }) });
  (level === 'error' ? console.error : console.log)(line);
}

async function build(env, { getCoreModule, fetch }) {
  const signer = await createWebCryptoSigner({ key: required(env, 'ALTINN_MP_KEY'), kid: env.ALTINN_MP_KID || undefined });
  const client = await createClient({
    environment: required(env, 'ALTINN_ENVIRONMENT'), // a name, or the simulator's URL
    maskinporten: { clientId: required(env, 'ALTINN_MP_CLIENT_ID'), signer },
    timeoutMs: env.ALTINN_TIMEOUT_MS ? Number(env.ALTINN_TIMEOUT_MS) : undefined,
    getCoreModule,
    fetch,
  });
  const onError = (err, request) => log('error', `${request.method} ${new URL(request.url).pathname} failed`, err);
  const standard = createOnboardingHandler({ client, systemId: required(env, 'ALTINN_SYSTEM_ID'), accessPackages: list(env.ALTINN_ACCESS_PACKAGES), onError });
  const agent = env.ALTINN_AGENT_SYSTEM_ID
    ? createOnboardingHandler({
        client,
        systemId: env.ALTINN_AGENT_SYSTEM_ID,
        kind: 'agent',
        accessPackages: list(env.ALTINN_AGENT_ACCESS_PACKAGES),
        basePath: AGENT_PATH,
        onError,
      })
    : undefined;
  return (path) => (agent && (path === AGENT_PATH || path.startsWith(`${AGENT_PATH}/`)) ? agent : standard);
}

/**
 * `(Request) => Promise<Response>` for the runtime's server. The client is made on the first
 * request (Workers allow no I/O, timers or randomness at module scope) and kept.
 * @param {Record<string, string | undefined>} env the settings above
 * @param {{getCoreModule?: (name: string) => WebAssembly.Module | Promise<WebAssembly.Module>, fetch?: typeof fetch}} [runtime]
 */
export function createApp(env, runtime = {}) {
  let ready;
  return async function app(request) {
    ready ??= build(env, runtime).catch((err) => {
      ready = undefined;
      throw err;
    });
    let route;
    try {
      route = await ready;
    } catch (err) {
      log('error', 'the onboarding service could not start', err instanceof Error ? { name: err.name, message: err.message } : String(err));
      return new Response(JSON.stringify({ type: 'about:blank', title: 'The service is misconfigured', status: 500 }), {
        status: 500,
        headers: { 'content-type': 'application/problem+json; charset=utf-8' },
      });
    }
    const path = new URL(request.url).pathname;
    const response = await route(path)(request);
    log('info', `${request.method} ${path} ${response.status}`);
    return response;
  };
}
