// Defaults live once, in the core (issue #18): `Config::new` in src/model/environment.rs (3
// retries, back-off from 200 ms doubling, 30 s per exchange, 60 s per operation). The component
// exports no reader of them, so this package mirrors them in src/convert.js `DEFAULTS`; this test
// reads the core's source and fails when the two drift, and checks a client made without options
// behaves by them against the simulator.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { UnavailableError, createClient } from '../src/index.js';
import { DEFAULTS } from '../src/convert.js';
import { ORGS, standardInput, startSimulator } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());

function coreDefaults() {
  const rs = readFileSync(`${root}src/model/environment.rs`, 'utf8');
  const m = /Config \{ environment, timeout_ms: ([\d_]+), deadline_ms: ([\d_]+), retry_budget: ([\d_]+), backoff_ms: ([\d_]+), maskinporten: None \}/.exec(rs);
  assert.ok(m, "Config::new's defaults in src/model/environment.rs");
  const n = (s) => Number(s.replaceAll('_', ''));
  return { timeoutMs: n(m[1]), deadlineMs: n(m[2]), retryBudget: n(m[3]), backoffMs: n(m[4]) };
}

test("Node's defaults are the core's Config::new, and a client without options runs with them", async () => {
  const core = coreDefaults();
  assert.deepEqual({ ...DEFAULTS }, core);
  assert.deepEqual(core, { timeoutMs: 30_000, deadlineMs: 60_000, retryBudget: 3, backoffMs: 200 });
  const client = await createClient({ environment: sim.environment, token: sim.tokens() });
  const { timeoutMs, deadlineMs, retryBudget, backoffMs } = client.config;
  assert.deepEqual({ timeoutMs, deadlineMs, retryBudget, backoffMs }, core);
  // The declarations and the README say the same.
  const dts = readFileSync(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  assert.match(dts, new RegExp(`Default ${core.retryBudget}\\.`));
  assert.match(dts, new RegExp(`doubled on each retry \\(at most 30 s\\)\\. Default ${core.backoffMs}\\.`));
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.match(readme, new RegExp(`retryBudget: ${core.retryBudget}, backoffMs: ${core.backoffMs}`));
});

test('by default a read is retried 3 times, 200 ms then doubling, against the simulator', async () => {
  await sim.reset();
  const setup = await sim.client();
  const { request } = await setup.createRequest(standardInput(ORGS[0]));
  const client = await createClient({ environment: sim.environment, token: sim.tokens() });
  await sim.clearCalls();
  await sim.fault('get_request', 'status503', { count: 100 });
  const t0 = Date.now();
  await assert.rejects(client.getRequest(request.id), UnavailableError);
  const took = Date.now() - t0;
  assert.equal((await sim.calls('get_request')).length, 1 + DEFAULTS.retryBudget, 'one try and 3 retries');
  // 200 + 400 + 800 ms of back-off between the tries (1.4 s; at least half of it whatever the jitter).
  assert.ok(took >= 700 && took < 10_000, `${took} ms`);
});
