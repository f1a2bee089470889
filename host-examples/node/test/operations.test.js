// Every operation of the client against the simulator over real HTTP.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { NotFoundError } from '../src/index.js';
import { AGENT_PACKAGE, AGENT_SYSTEM, FOREIGN_SYSTEM, ORGS, PACKAGE, SYSTEM, agentInput, standardInput, startSimulator } from './helpers.js';

let sim;
let client;
before(async () => {
  sim = await startSimulator();
  client = await sim.client();
});
after(() => sim?.stop());
beforeEach(() => sim.reset());

describe('create', () => {
  test('a standard request: 201, then the same request again (200) for the same key', async () => {
    const first = await client.createRequest(standardInput(ORGS[0], { externalRef: 'kunde-1', integrationTitle: 'Regnskap for Bakeriet' }));
    assert.equal(first.isNew, true);
    assert.equal(first.reconciled, false);
    const r = first.request;
    assert.match(r.id, /^[0-9a-f-]{36}$/);
    assert.equal(r.kind, 'standard');
    assert.equal(r.status, 'New');
    assert.equal(r.systemId, SYSTEM);
    assert.equal(r.partyOrgNo, ORGS[0]);
    assert.equal(r.externalRef, 'kunde-1');
    assert.equal(r.integrationTitle, 'Regnskap for Bakeriet');
    assert.deepEqual(r.accessPackages, [{ urn: PACKAGE }]);
    assert.ok(r.confirmUrl.startsWith(`${sim.base}/`), r.confirmUrl);
    assert.ok(r.created instanceof Date);
    assert.equal(r.timedOut, false);
    assert.equal(r.escalated, false);

    const again = await client.createRequest(standardInput(ORGS[0], { externalRef: 'kunde-1' }));
    assert.equal(again.isNew, false);
    assert.equal(again.request.id, r.id);
    const keys = await sim.dedupe();
    assert.equal(keys.length, 1);
    assert.equal(keys[0].requestsStored, 1);
  });

  test('input is normalised first: 0192: prefix, blanks, externalRef defaults to the org number', async () => {
    const { request } = await client.createRequest(standardInput(` 0192:${ORGS[1]} `));
    assert.equal(request.partyOrgNo, ORGS[1]);
    assert.equal(request.externalRef, ORGS[1]);
  });

  test('with rights and a redirect URL registered on the system', async () => {
    const { request } = await client.createRequest({
      systemId: SYSTEM,
      partyOrgNo: ORGS[2],
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
      redirectUrl: 'https://smartregnskap.example/callback?state=1',
    });
    assert.deepEqual(request.rights.map((x) => x.resource), [[{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }]]);
    assert.equal(request.redirectUrl, 'https://smartregnskap.example/callback?state=1');
  });

  test('an agent request', async () => {
    const created = await client.createAgentRequest(agentInput(ORGS[3]));
    assert.equal(created.isNew, true);
    assert.equal(created.request.kind, 'agent');
    assert.equal(created.request.systemId, AGENT_SYSTEM);
    assert.deepEqual(created.request.accessPackages, [{ urn: AGENT_PACKAGE }]);
    assert.deepEqual(created.request.rights, []);
    const again = await client.createAgentRequest(agentInput(ORGS[3]));
    assert.equal(again.isNew, false);
    assert.equal(again.request.id, created.request.id);
  });
});

describe('read', () => {
  test('get a request by id (standard and agent) and by external ref', async () => {
    const std = (await client.createRequest(standardInput(ORGS[0], { externalRef: 'ref-A' }))).request;
    const agent = (await client.createAgentRequest(agentInput(ORGS[0]))).request;

    const got = await client.getRequest(std.id);
    assert.equal(got.id, std.id);
    assert.equal(got.status, 'New');
    assert.equal(got.confirmUrl, std.confirmUrl);
    assert.equal((await client.getRequest(agent.id.toUpperCase(), { kind: 'agent' })).id, agent.id);

    const byRef = await client.getRequestByExternalRef({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: 'ref-A' });
    assert.equal(byRef.id, std.id);
    const agentByRef = await client.getRequestByExternalRef({ kind: 'agent', systemId: AGENT_SYSTEM, orgNo: ORGS[0] });
    assert.equal(agentByRef.id, agent.id);
  });

  test('status follows the customer: approve and reject', async () => {
    const a = (await client.createRequest(standardInput(ORGS[0]))).request;
    const b = (await client.createRequest(standardInput(ORGS[1]))).request;
    await sim.approve(a.id);
    await sim.reject(b.id);
    const ra = await client.getRequest(a.id);
    const rb = await client.getRequest(b.id);
    assert.equal(ra.status, 'Accepted');
    assert.equal(rb.status, 'Rejected');
    assert.equal(client.isTerminal(ra.status), true);
    assert.equal(client.isTerminal('new'), false);
    assert.equal(client.effectiveStatus(rb), 'Rejected');
  });

  test('a timed-out request (the simulator clock moved 181 days)', async () => {
    const r = (await client.createRequest(standardInput(ORGS[0]))).request;
    await sim.admin('POST', 'clock/advance', { days: 181 });
    const got = await client.getRequest(r.id);
    assert.equal(got.timedOut, true);
    assert.equal(client.isTimedOut(got), true);
    assert.equal(client.effectiveStatus(got), 'Timedout');
    // Derived locally from `created` when a window and a time are given.
    assert.equal(client.effectiveStatus(r, { now: new Date(r.created.getTime() + 11 * 86400e3), windowSeconds: 10 * 86400 }), 'Timedout');
    assert.equal(client.effectiveStatus(r, { now: new Date(r.created.getTime() + 9 * 86400e3), windowSeconds: 10 * 86400 }), 'New');
  });

  test('list one page at a time, and every page', async () => {
    // Without the server's lossy page boundaries and unordered agent lists (API.md §14).
    await sim.settings({ pageSize: 2, listQuirks: false });
    const ids = [];
    for (const org of ORGS.slice(0, 5)) ids.push((await client.createRequest(standardInput(org))).request.id);
    await client.createAgentRequest(agentInput(ORGS[0]));

    const first = await client.listRequests({ systemId: SYSTEM });
    assert.equal(first.items.length, 2);
    assert.equal(typeof first.nextPage, 'string');
    assert.equal(first.items[0].confirmUrl, undefined, 'list items carry no confirmUrl');
    const second = await client.listRequests({ systemId: SYSTEM, page: first.nextPage });
    assert.equal(second.items.length, 2);
    assert.notEqual(second.items[0].id, first.items[0].id);

    const all = await client.listAllRequests({ systemId: SYSTEM });
    assert.deepEqual(all.map((r) => r.id).sort(), [...ids].sort());
    assert.equal((await sim.calls('list_requests')).length, 2 + 3);

    const agents = await client.listAllRequests({ systemId: AGENT_SYSTEM, kind: 'agent' });
    assert.equal(agents.length, 1);
    assert.equal(agents[0].kind, 'agent');
  });

  test('the registered system', async () => {
    const system = await client.getRegisteredSystem(SYSTEM);
    assert.equal(system.id, SYSTEM);
    assert.equal(system.vendorOrgNo, '314248295');
    assert.equal(system.name.nb, 'SmartRegnskap');
    assert.ok(system.accessPackages.some((p) => p.urn === PACKAGE));
    assert.deepEqual(system.allowedRedirectUrls, ['https://smartregnskap.example/callback']);
    // Its answer feeds the local validation of a request.
    const checked = client.validateStandardRequest(standardInput(ORGS[0], { accessPackages: ['urn:altinn:accesspackage:lonn'] }), system);
    assert.equal(checked.valid, false);
    assert.equal(checked.violations[0].code, 'AUTH-00063');
    assert.equal(client.validateStandardRequest(standardInput(ORGS[0]), system).valid, true);
  });
});

describe('withdraw', () => {
  test('a withdrawn request is gone and its key is free again', async () => {
    const r = (await client.createRequest(standardInput(ORGS[0]))).request;
    await sim.reject(r.id);
    assert.equal((await client.createRequest(standardInput(ORGS[0]))).isNew, false, 'a rejected request still holds the key');
    assert.equal(await client.withdrawRequest(r.id), undefined);
    await assert.rejects(client.getRequest(r.id), NotFoundError);
    const again = await client.createRequest(standardInput(ORGS[0]));
    assert.equal(again.isNew, true);
    assert.notEqual(again.request.id, r.id);
  });

  test('an agent request', async () => {
    const r = (await client.createAgentRequest(agentInput(ORGS[0]))).request;
    await client.withdrawRequest(r.id);
    await assert.rejects(client.getRequest(r.id, { kind: 'agent' }), NotFoundError);
  });
});

describe('system users', () => {
  test('verify: null before approval, the system user after', async () => {
    const r = (await client.createRequest(standardInput(ORGS[0], { externalRef: 'ext-9' }))).request;
    assert.equal(await client.verifySystemUser({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: 'ext-9' }), null);
    await sim.approve(r.id);
    const user = await client.verifySystemUser({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: 'ext-9' });
    assert.equal(user.id, r.id);
    assert.equal(user.systemId, SYSTEM);
    assert.equal(user.reporteeOrgNo, ORGS[0]);
    assert.equal(user.userType, 'standard');
    assert.equal(user.isDeleted, false);
    assert.ok(user.created instanceof Date);
    // external-ref defaults to the org number: no such system user.
    assert.equal(await client.verifySystemUser({ systemId: SYSTEM, orgNo: ORGS[0] }), null);
  });

  test('list one page and every page', async () => {
    await sim.settings({ pageSize: 2 });
    const ids = [];
    for (const org of ORGS.slice(0, 3)) {
      const r = (await client.createRequest(standardInput(org))).request;
      await sim.approve(r.id);
      ids.push(r.id);
    }
    const page = await client.listSystemUsers({ systemId: SYSTEM });
    assert.equal(page.items.length, 2);
    assert.equal(typeof page.nextPage, 'string');
    const rest = await client.listSystemUsers({ systemId: SYSTEM, page: page.nextPage });
    assert.equal(rest.items.length, 1);
    assert.equal(rest.nextPage, null);
    const all = await client.listAllSystemUsers(SYSTEM);
    assert.deepEqual(all.map((u) => u.id).sort(), ids.sort());
  });
});

describe('local checks', () => {
  test('identifiers', () => {
    assert.equal(client.checkOrgNo(' 0192:310816191 '), '310816191');
    assert.equal(client.checkSystemId(SYSTEM), SYSTEM);
    assert.equal(client.checkExternalRef('kunde_1-ÆØÅ'), 'kunde_1-ÆØÅ');
    assert.equal(client.checkRequestId('7C557DFF-528D-4532-B1CE-E2CDF75B1109'), '7c557dff-528d-4532-b1ce-e2cdf75b1109');
  });

  test('validate a body as JSON, as it would be sent', () => {
    const ok = client.validateJson('standard', { systemId: SYSTEM, partyOrgNo: '0192:310816191', accessPackages: [{ urn: PACKAGE }] });
    assert.equal(ok.valid, true);
    assert.deepEqual(JSON.parse(ok.body).partyOrgNo, '310816191');
    const bad = client.validateJson('agent', '{not json');
    assert.equal(bad.valid, false);
    assert.equal(bad.violations[0].code, 'invalid-json');
  });

  test('lifecycle transitions', () => {
    assert.equal(client.transition('new', 'approve'), 'Accepted');
    assert.equal(client.transition('new', 'escalate'), 'New');
    assert.equal(client.transition('accepted', 'reject'), null);
    assert.equal(client.isTerminal('unknown(Paused)'), false);
  });

  test('a foreign system is refused by Altinn like an unknown one', async () => {
    await assert.rejects(client.getRegisteredSystem('314248295_nosuch'), NotFoundError);
    await assert.rejects(client.listRequests({ systemId: FOREIGN_SYSTEM }), (e) => e instanceof NotFoundError && e.code === 'AUTH-00011');
  });
});
