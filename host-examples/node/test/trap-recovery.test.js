// A trap inside the component (a guest panic) must surface as ComponentFailureError and leave the
// client usable: the client drops the instance and the next call runs in a fresh one. A shipped
// component has no way to trap on purpose, so this runs the test-trap build (xtask
// `component --test-trap`, transpiled into generated-trap/ by run-tests.sh): the same WIT and
// JS glue, with core modules that panic on the input "test-trap".
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { ComponentFailureError, ValidationError } from '../src/index.js';
import { ORGS, standardInput, startSimulator } from './helpers.js';

const trapBuild = new URL('../generated-trap/', import.meta.url);
const getCoreModule = async (name) => WebAssembly.compile(await readFile(new URL(name, trapBuild)));

let sim;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim?.stop();
});

test('a trap in a synchronous export is a ComponentFailureError, and the client recovers', async () => {
  const client = await sim.client({ getCoreModule });
  assert.equal(client.checkOrgNo(' 0192:310816191 '), '310816191');
  assert.throws(() => client.checkOrgNo('test-trap'), (err) => err instanceof ComponentFailureError && /fresh instance/.test(err.message));
  // The next call instantiates afresh and works, against the simulator over real HTTP.
  const { request, isNew } = await client.createRequest(standardInput(ORGS[0], { externalRef: 'after-sync-trap' }));
  assert.equal(isNew, true);
  assert.equal(client.checkOrgNo('310816191'), '310816191');
  assert.equal((await client.getRequest(request.id)).id, request.id);
});

test('a trap while an operation runs is a ComponentFailureError, sends nothing, and the client recovers', async () => {
  const client = await sim.client({ getCoreModule });
  const before = (await sim.calls('create_request')).length;
  await assert.rejects(client.createRequest(standardInput(ORGS[1], { externalRef: 'test-trap' })), ComponentFailureError);
  assert.equal((await sim.calls('create_request')).length, before, 'nothing was sent for the trapped operation');
  const { isNew } = await client.createRequest(standardInput(ORGS[1], { externalRef: 'after-async-trap' }));
  assert.equal(isNew, true);
});

test('the shipped component does not trap on the same inputs', async () => {
  const client = await sim.client();
  assert.throws(() => client.checkOrgNo('test-trap'), (err) => err instanceof ValidationError && err.violations[0].code === 'org-no-format');
});
