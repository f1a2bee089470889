// Loads the jco output in generated/ and instantiates the component: core modules are compiled
// once per process (per `getCoreModule` source) and every client gets its own instance.

import { ComponentFailureError } from './errors.js';

const SYNC_CLIENT_UNAVAILABLE =
  'is not available in this host: jco on Node 20 has synchronous imports only, so this package runs ' +
  "the component's sans-IO `operations` with fetch instead of the synchronous `client` export. " +
  'Use the SystemUserClient methods (they never call this import).';

function unavailable(name) {
  return () => {
    throw new Error(`altinn-systemuser: the synchronous capability ${name} ${SYNC_CLIENT_UNAVAILABLE}`);
  };
}

/**
 * What the component imports. Every capability serves only the synchronous `client` export:
 * pumping `operations` calls none of them (time and a seed come with the operation's inputs,
 * signatures are `sign` steps). Each throws a clear error if called (which traps the instance;
 * the client then uses a fresh one). jco keys imports by name without the version.
 */
export const IMPORTS = Object.freeze({
  'altinn:systemuser/http': { send: unavailable('altinn:systemuser/http.send') },
  'altinn:systemuser/token': { accessToken: unavailable('altinn:systemuser/token.access-token') },
  'altinn:systemuser/timer': { sleep: unavailable('altinn:systemuser/timer.sleep') },
  'altinn:systemuser/signer': { sign: unavailable('altinn:systemuser/signer.sign') },
  'altinn:systemuser/clock': { now: unavailable('altinn:systemuser/clock.now') },
  'altinn:systemuser/random': { randomBytes: unavailable('altinn:systemuser/random.random-bytes') },
  'altinn:systemuser/types': {},
});

let generated;

async function loadGenerated() {
  generated ??= import('../generated/altinn_systemuser.js').catch((err) => {
    generated = undefined;
    throw new ComponentFailureError(
      'the transpiled component is missing (host-examples/node/generated/): run `npm run build` in host-examples/node ' +
        '(after `make component` at the repository root)',
      err,
    );
  });
  return generated;
}

/** Node: reads generated/<name> and compiles it. Edge runtimes pass their own `getCoreModule`. */
async function readCoreModule(name) {
  const { readFile } = await import('node:fs/promises');
  let bytes;
  try {
    bytes = await readFile(new URL(`../generated/${name}`, import.meta.url));
  } catch (err) {
    throw new ComponentFailureError(`cannot read the core module generated/${name}: run \`npm run build\` in host-examples/node`, err);
  }
  return WebAssembly.compile(bytes);
}

/** Compiled core modules, per source function, so each is compiled once per process. */
const compiledBySource = new WeakMap();

function cachedSource(getCoreModule) {
  let cache = compiledBySource.get(getCoreModule);
  if (!cache) {
    cache = new Map();
    compiledBySource.set(getCoreModule, cache);
  }
  return (name) => {
    let m = cache.get(name);
    if (!m) {
      m = Promise.resolve(getCoreModule(name)).catch((err) => {
        cache.delete(name);
        throw err;
      });
      cache.set(name, m);
    }
    return m;
  };
}

/**
 * A fresh instance of the component (its own linear memory, nothing shared with other clients).
 * @param {{getCoreModule?: (name: string) => WebAssembly.Module | Promise<WebAssembly.Module>}} [options]
 */
export async function instantiateComponent(options = {}) {
  const { instantiate } = await loadGenerated();
  const source = cachedSource(options.getCoreModule ?? readCoreModule);
  try {
    return await instantiate(source, IMPORTS);
  } catch (err) {
    if (err instanceof ComponentFailureError) throw err;
    throw new ComponentFailureError(`cannot instantiate the component: ${err?.message ?? err}`, err);
  }
}

/** The names of the core modules `getCoreModule` is asked for (for edge bundling). */
export const CORE_MODULES = Object.freeze([
  'altinn_systemuser.core.wasm',
  'altinn_systemuser.core2.wasm',
  'altinn_systemuser.core3.wasm',
]);
