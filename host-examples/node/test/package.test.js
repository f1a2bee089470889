// The package itself: what the transpiled component imports, the unusable sync imports, one
// instance per client, concurrency, the token cache, and the TypeScript declarations.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CORE_MODULES, cachingTokenProvider, createClient } from '../src/index.js';
import { IMPORTS } from '../src/component.js';
import { ORGS, SYSTEM, standardInput, startSimulator } from './helpers.js';

const here = fileURLToPath(new URL('..', import.meta.url));
let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());

test('the transpiled component imports only altinn:systemuser interfaces (no WASI, no process.env)', async () => {
  const js = readFileSync(`${here}generated/altinn_systemuser.js`, 'utf8');
  const keys = [...js.matchAll(/imports\['([^']+)'\]/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(keys)].sort(), [
    'altinn:systemuser/clock',
    'altinn:systemuser/http',
    'altinn:systemuser/random',
    'altinn:systemuser/signer',
    'altinn:systemuser/timer',
    'altinn:systemuser/token',
  ]);
  assert.ok(!/preview2-shim|wasi:/.test(js), 'no WASI shim in the output');
  // The core modules import nothing but the component's own glue.
  const names = readdirSync(`${here}generated`).filter((f) => f.endsWith('.wasm')).sort();
  assert.deepEqual(names, [...CORE_MODULES].sort());
  for (const name of names) {
    const mod = await WebAssembly.compile(readFileSync(`${here}generated/${name}`));
    for (const imp of WebAssembly.Module.imports(mod)) assert.ok(!/wasi/.test(imp.module), `${name} imports ${imp.module}`);
  }
});

test('the synchronous capabilities throw a clear error, and the client keeps working', async () => {
  for (const [name, fn] of [
    ['http', IMPORTS['altinn:systemuser/http'].send],
    ['token', IMPORTS['altinn:systemuser/token'].accessToken],
    ['timer', IMPORTS['altinn:systemuser/timer'].sleep],
  ]) {
    assert.throws(() => fn(), (e) => e instanceof Error && /not available in this host/.test(e.message) && e.message.includes(name));
  }
  // The grant imports answer without a key rather than throw (a throw would trap the instance).
  assert.deepEqual(IMPORTS['altinn:systemuser/signer'].identity(), { tag: 'err', val: IMPORTS['altinn:systemuser/signer'].sign().val });
  assert.match(IMPORTS['altinn:systemuser/signer'].identity().val, /no Maskinporten key is configured/);
  assert.equal(IMPORTS['altinn:systemuser/random'].randomBytes(16).length, 16);
  assert.equal(typeof IMPORTS['altinn:systemuser/clock'].now().seconds, 'bigint');
  const client = await sim.client();
  const config = client.config;
  assert.throws(
    () => client.exports.client.run(config, { tag: 'get-registered-system', val: SYSTEM }),
    /synchronous capability altinn:systemuser\/token.access-token is not available in this host/,
  );
  assert.equal((await client.getRegisteredSystem(SYSTEM)).id, SYSTEM);
});

test('one instance per client: separate memories, separate configurations', async () => {
  const a = await sim.client();
  const b = await createClient({ environment: 'tt02', token: async () => 'unused-token-xyz' });
  assert.notEqual(a.exports, b.exports);
  assert.notEqual(a.exports.operations.Operation, b.exports.operations.Operation);
  assert.deepEqual(b.config.environment, { tag: 'tt02' });
  assert.equal(a.config.environment.tag, 'custom');
});

test('concurrent operations on one client and across clients', async () => {
  await sim.reset();
  const a = await sim.client();
  const b = await sim.client();
  const results = await Promise.all(ORGS.map((org, i) => (i % 2 ? a : b).createRequest(standardInput(org))));
  assert.equal(new Set(results.map((r) => r.request.id)).size, ORGS.length);
  assert.ok(results.every((r) => r.isNew));
  const all = await a.listAllRequests({ systemId: SYSTEM });
  assert.equal(all.length, ORGS.length);
});

test('cachingTokenProvider asks once per scope set until expiry, shares in-flight requests', async () => {
  let now = 1_000_000;
  const asked = [];
  const provider = cachingTokenProvider(
    async (scopes) => {
      asked.push(scopes.join(' '));
      return { access_token: await sim.mint(scopes), expires_in: 120 };
    },
    { marginSeconds: 30, now: () => now },
  );
  const client = await sim.client({ token: provider });
  await Promise.all([client.getRegisteredSystem(SYSTEM), client.getRegisteredSystem(SYSTEM)]);
  await client.listRequests({ systemId: SYSTEM });
  await client.listRequests({ systemId: SYSTEM });
  assert.deepEqual(asked, ['altinn:authentication/systemregister.write', 'altinn:authentication/systemuser.request.read']);
  now += 91_000; // past 120 - 30 seconds
  await client.listRequests({ systemId: SYSTEM });
  assert.equal(asked.length, 3);
  provider.clear();
  await client.listRequests({ systemId: SYSTEM });
  assert.equal(asked.length, 4);
});

test('the TypeScript declarations compile against a usage example (tsc --strict)', () => {
  execFileSync(process.execPath, [`${here}node_modules/typescript/bin/tsc`, '-p', `${here}test/types/tsconfig.json`], { stdio: 'pipe' });
});
