// The deployment every runtime serves: the package's unchanged edge handler, configured from the
// runtime's environment (Workers bindings, Deno.env, Bun's process.env), in Maskinporten mode with
// a Web Crypto signer. Edge-safe: nothing Node-only. What differs per runtime (how the three core
// modules are loaded, how the server listens) is in workerd/, deno/ and bun/, nothing else.
//
// Settings (strings; the key is the only secret):
//   SYSTEMUSER_ENV        'production', 'tt02', … or the simulator's URL (http://127.0.0.1:5101)
//   SYSTEMUSER_CLIENT_ID       the Maskinporten client id
//   SYSTEMUSER_KEY             the private key: a JWK (JSON text) or PKCS#8 PEM
//   SYSTEMUSER_KID             the key's id on the Maskinporten client (default: the JWK's kid)
//   SYSTEMUSER_SYSTEM_ID          serves POST /onboard, GET /onboard/:id
//   SYSTEMUSER_ACCESS_PACKAGES    comma-separated access package URNs
//   SYSTEMUSER_AGENT_SYSTEM_ID    optional: an agent system served on /clients/onboard
//   SYSTEMUSER_AGENT_ACCESS_PACKAGES
//   SYSTEMUSER_TIMEOUT_MS         optional: how long one exchange with Altinn may take (default 30 s)

import { createClient, createWebCryptoSigner } from '../src/index.js';
import { createOnboardingHandler } from '../src/edge.js';

/** The settings an adapter passes on (Deno's --allow-env lists exactly these). */
export const SETTINGS = Object.freeze([
  'SYSTEMUSER_ENV',
  'SYSTEMUSER_CLIENT_ID',
  'SYSTEMUSER_KEY',
  'SYSTEMUSER_KID',
  'SYSTEMUSER_SYSTEM_ID',
  'SYSTEMUSER_ACCESS_PACKAGES',
  'SYSTEMUSER_AGENT_SYSTEM_ID',
  'SYSTEMUSER_AGENT_ACCESS_PACKAGES',
  'SYSTEMUSER_TIMEOUT_MS',
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
  const signer = await createWebCryptoSigner({ key: required(env, 'SYSTEMUSER_KEY'), kid: env.SYSTEMUSER_KID || undefined });
  const client = await createClient({
    environment: required(env, 'SYSTEMUSER_ENV'), // a name, or the simulator's URL
    maskinporten: { clientId: required(env, 'SYSTEMUSER_CLIENT_ID'), signer },
    timeoutMs: env.SYSTEMUSER_TIMEOUT_MS ? Number(env.SYSTEMUSER_TIMEOUT_MS) : undefined,
    getCoreModule,
    fetch,
  });
  const onError = (err, request) => log('error', `${request.method} ${new URL(request.url).pathname} failed`, err);
  const standard = createOnboardingHandler({ client, systemId: required(env, 'SYSTEMUSER_SYSTEM_ID'), accessPackages: list(env.SYSTEMUSER_ACCESS_PACKAGES), onError });
  const agent = env.SYSTEMUSER_AGENT_SYSTEM_ID
    ? createOnboardingHandler({
        client,
        systemId: env.SYSTEMUSER_AGENT_SYSTEM_ID,
        kind: 'agent',
        accessPackages: list(env.SYSTEMUSER_AGENT_ACCESS_PACKAGES),
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
