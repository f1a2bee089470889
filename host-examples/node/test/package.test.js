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
  // Pumping `operations` calls no import at all (time, the seed and signatures are inputs and
  // steps now), so every capability is the synchronous client's only.
  for (const [name, fn] of [
    ['http', IMPORTS['altinn:systemuser/http'].send],
    ['token', IMPORTS['altinn:systemuser/token'].accessToken],
    ['timer', IMPORTS['altinn:systemuser/timer'].sleep],
    ['signer', IMPORTS['altinn:systemuser/signer'].sign],
    ['clock', IMPORTS['altinn:systemuser/clock'].now],
    ['random', IMPORTS['altinn:systemuser/random'].randomBytes],
  ]) {
    assert.throws(() => fn(), (e) => e instanceof Error && /not available in this host/.test(e.message) && e.message.includes(name));
  }
  const client = await sim.client();
  const config = client.config;
  assert.throws(
    () => client.exports.client.run(config, { tag: 'get-registered-system', val: SYSTEM }),
    // The first import `client.run` calls is `random` (the operation's seed).
    /synchronous capability altinn:systemuser\/random.random-bytes is not available in this host/,
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

test('the declarations declare exactly what each entry point exports at run time', async () => {
  for (const entry of ['index', 'edge', 'node', 'testing']) {
    const runtime = Object.keys(await import(`../src/${entry}.js`)).sort();
    const dts = readFileSync(`${here}src/${entry}.d.ts`, 'utf8');
    const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]).sort();
    assert.deepEqual(declared, runtime, `src/${entry}.d.ts`);
  }
  // The client's methods: exactly the public methods of SystemUserClient.prototype.
  const { SystemUserClient } = await import('../src/index.js');
  const proto = SystemUserClient.prototype;
  const runtimeMethods = Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name).value === 'function')
    .sort();
  const block = /^export declare class SystemUserClient \{\n([\s\S]*?)^\}/m.exec(readFileSync(`${here}src/index.d.ts`, 'utf8'))[1];
  const declaredMethods = [...block.matchAll(/^  (\w+)\(/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declaredMethods, runtimeMethods, 'SystemUserClient methods in src/index.d.ts');
  for (const name of ['createChangeRequest', 'getChangeRequest', 'getChangeRequestByExternalRef', 'listChangeRequests', 'withdrawChangeRequest']) {
    assert.ok(runtimeMethods.includes(name), name);
  }
  // The System Register and client delegation (issue #17).
  for (const name of [
    'listSystems',
    'getRegisteredSystem',
    'registerSystem',
    'updateSystem',
    'setSystemRights',
    'setSystemAccessPackages',
    'deleteSystem',
    'systemChangelog',
    'listAgents',
    'listAvailableClients',
    'listClients',
    'addClient',
    'removeClient',
  ]) {
    assert.ok(runtimeMethods.includes(name), name);
  }
  // The new parts of the contract are among them.
  const index = await import('../src/index.js');
  for (const name of ['UnavailableError', 'MisuseError', 'createWebCryptoSigner', 'WebCryptoSigner']) assert.equal(typeof index[name], 'function', name);
  assert.match(readFileSync(`${here}src/index.d.ts`, 'utf8'), /deadlineMs\?: number/);
});

test('the edge entry points (index, edge) use no Node-only API: no node: import, process or Buffer', () => {
  // Every module reachable from src/index.js and src/edge.js through static imports.
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(`${here}src/${file}`, 'utf8');
    for (const m of source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gm)) {
      assert.ok(m[1].startsWith('./'), `src/${file} imports ${m[1]}`);
      visit(m[1].slice(2));
    }
  };
  visit('index.js');
  visit('edge.js');
  for (const f of ['client.js', 'transport.js', 'webcrypto.js', 'grants.js', 'convert.js', 'errors.js']) assert.ok(seen.has(f), f);
  assert.ok(!seen.has('node.js'));
  for (const file of seen) {
    // Comments aside: the code itself.
    const code = readFileSync(`${here}src/${file}`, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const nodeOnly = [...code.matchAll(/['"]node:[\w/]+['"]|\bprocess\.|\bBuffer\b|\brequire\(/g)].map((m) => m[0]);
    // The one exception: component.js reads generated/*.wasm with node:fs when no getCoreModule is given.
    const allowed = file === 'component.js' ? ["'node:fs/promises'"] : [];
    assert.deepEqual(nodeOnly, allowed, `src/${file}`);
  }
});

