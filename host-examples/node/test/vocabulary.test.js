// The package's public names against tests/vocabulary.json, the one vocabulary every host follows
// (issue #18; the root README's table is written from that file): each operation is a method of
// the client, each error kind an exported class under the one base, and statuses come out as
// Altinn spells them, over real HTTP from the simulator.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as pkg from '../src/index.js';
import { standardInput, startSimulator, ORGS } from './helpers.js';

const vocabulary = JSON.parse(readFileSync(fileURLToPath(new URL('../../../tests/vocabulary.json', import.meta.url)), 'utf8'));
const named = (table) => vocabulary[table].filter((row) => row.node).map((row) => [row.concept, row.node]);

let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());

test('every operation of the vocabulary is a method of SystemUserClient', () => {
  const ops = named('operations');
  assert.ok(ops.length >= 25, `${ops.length} operations`);
  const missing = ops.filter(([, name]) => typeof pkg.SystemUserClient.prototype[name] !== 'function');
  assert.deepEqual(missing, [], 'named in tests/vocabulary.json, not a method of the Node client');
});

test('every error kind of the vocabulary is an exported class under the one base', () => {
  const [[, baseName], ...kinds] = named('errors');
  const Base = pkg[baseName];
  assert.equal(typeof Base, 'function', baseName);
  for (const [concept, name] of kinds) {
    assert.equal(typeof pkg[name], 'function', `${concept}: ${name} is not exported`);
    assert.ok(pkg[name].prototype instanceof Base, `${concept}: ${name} does not extend ${baseName}`);
  }
});

test("statuses come out as Altinn spells them, from the lifecycle and from Altinn's answers", async () => {
  const client = await sim.client();
  const [NEW, ACCEPTED, REJECTED, , TIMEDOUT] = vocabulary.statuses.request;
  assert.equal(client.transition('new', 'approve'), ACCEPTED);
  assert.equal(client.transition('New', 'reject'), REJECTED);
  assert.equal(client.transition('New', 'time-out'), TIMEDOUT);
  const { request } = await client.createStandardRequest(standardInput(ORGS[3]));
  assert.equal(request.status, NEW);
  assert.equal(client.effectiveStatus(request), NEW);
  await sim.approve(request.id);
  const got = await client.getRequest(request.id);
  assert.equal(got.status, ACCEPTED);
  for (const s of vocabulary.statuses.request) assert.equal(typeof client.isTerminal(s), 'boolean', s);
});
