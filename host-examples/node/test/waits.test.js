// What users otherwise write themselves (issue #18): waiting for the customer's decision, and
// `for await` over every page of a list. Against the simulator over real HTTP: the customer
// approves or rejects through its admin route while the client waits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { NotFoundError } from '../src/index.js';
import { ORGS, SYSTEM, standardInput, startSimulator } from './helpers.js';

let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

test('waitForDecision resolves when the customer approves (through the simulator) while it waits, with progress', async () => {
  await sim.reset();
  const client = await sim.client();
  const { request } = await client.createRequest(standardInput(ORGS[0]));
  const progress = [];
  const waiting = client.waitForDecision(request.id, { intervalMs: 50, timeoutMs: 10_000, onProgress: (r, p) => progress.push([r.status, p.polls]) });
  await delay(300);
  assert.ok(progress.length >= 2, `still polling: ${JSON.stringify(progress)}`);
  assert.ok(progress.every(([s]) => s === 'New'));
  await sim.approve(request.id);
  const decided = await waiting;
  assert.equal(decided.id, request.id);
  assert.equal(decided.status, 'Accepted');
  assert.deepEqual(progress.at(-1), ['Accepted', progress.length], 'the last progress report is the decision');
  // Every poll was a real GET of that request.
  assert.equal((await sim.calls('get_request')).length, progress.length);
});

test('waitForDecision resolves on a rejection too, and at once when the request is decided already', async () => {
  await sim.reset();
  const client = await sim.client();
  const { request } = await client.createRequest(standardInput(ORGS[1]));
  const waiting = client.waitForDecision(request.id, { intervalMs: 30 });
  await delay(100);
  await sim.reject(request.id);
  assert.equal((await waiting).status, 'Rejected');
  let polls = 0;
  assert.equal((await client.waitForDecision(request.id, { intervalMs: 30, onProgress: () => polls++ })).status, 'Rejected');
  assert.equal(polls, 1);
});

test('waitForDecision: aborting its AbortSignal rejects with the reason, promptly, and polling stops', async () => {
  await sim.reset();
  const client = await sim.client();
  const { request } = await client.createRequest(standardInput(ORGS[2]));
  const controller = new AbortController();
  const reason = new Error('the user closed the page');
  const t0 = Date.now();
  const waiting = client.waitForDecision(request.id, { signal: controller.signal, intervalMs: 10_000 });
  setTimeout(() => controller.abort(reason), 150);
  await assert.rejects(waiting, (e) => e === reason);
  assert.ok(Date.now() - t0 < 2000, 'not after the 10 s interval');
  const reads = (await sim.calls('get_request')).length;
  await delay(200);
  assert.equal((await sim.calls('get_request')).length, reads, 'no read after the abort');
  // An aborted signal before the call: nothing is read at all.
  await sim.clearCalls();
  await assert.rejects(client.waitForDecision(request.id, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
  assert.equal((await sim.calls('get_request')).length, 0);
});

test('waitForDecision: timeoutMs rejects with a TimeoutError while the request is still new', async () => {
  await sim.reset();
  const client = await sim.client();
  const { request } = await client.createRequest(standardInput(ORGS[3]));
  const t0 = Date.now();
  await assert.rejects(client.waitForDecision(request.id, { timeoutMs: 250, intervalMs: 40 }), (e) => e.name === 'TimeoutError');
  const took = Date.now() - t0;
  assert.ok(took >= 240 && took < 3000, `${took} ms`);
  assert.equal((await client.getRequest(request.id)).status, 'New');
});

test('waitForDecision: an unknown request is the NotFoundError of the read; wrong options are TypeErrors', async () => {
  await sim.reset();
  const client = await sim.client();
  await assert.rejects(client.waitForDecision('0b8d6a6e-0000-4000-8000-000000000000', { intervalMs: 10 }), NotFoundError);
  await assert.rejects(client.waitForDecision(42), /^TypeError: id must be a string/);
  await assert.rejects(client.waitForDecision('x', { timeoutMs: '5s' }), /^TypeError: options\.timeoutMs must be/);
  await assert.rejects(client.waitForDecision('x', { onProgress: true }), /^TypeError: options\.onProgress must be a function/);
});

test('for await over every page of requests and system users, one page read at a time', async () => {
  await sim.reset();
  await sim.settings({ pageSize: 2, listQuirks: false });
  const client = await sim.client();
  const created = [];
  for (const org of ORGS.slice(0, 5)) created.push((await client.createRequest(standardInput(org))).request.id);
  await sim.clearCalls();
  const seen = [];
  for await (const r of client.iterateRequests({ systemId: SYSTEM })) seen.push(r.id);
  assert.deepEqual(seen.sort(), [...created].sort());
  assert.equal((await sim.calls('list_requests')).length, 3, '5 items, 2 a page: 3 pages');
  // Breaking out reads no further page.
  await sim.clearCalls();
  for await (const r of client.iterateRequests({ systemId: SYSTEM })) {
    assert.ok(created.includes(r.id));
    break;
  }
  assert.equal((await sim.calls('list_requests')).length, 1);
  // System users: approve three, iterate them.
  for (const id of created.slice(0, 3)) await sim.approve(id);
  const users = [];
  for await (const u of client.iterateSystemUsers(SYSTEM)) users.push(u.id);
  assert.deepEqual(users.sort(), created.slice(0, 3).sort());
  // The same as the all-pages methods.
  assert.deepEqual((await client.listAllRequests({ systemId: SYSTEM })).map((r) => r.id).sort(), [...created].sort());
  await assert.rejects(async () => {
    for await (const _ of client.iterateRequests({ systemId: 7 })) void _;
  }, /^TypeError: query\.systemId must be a string/);
});
