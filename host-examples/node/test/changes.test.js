// Change requests (API.md §11, issue #16) through the client against the simulator over real
// HTTP: create, the replay after a lost answer (no duplicate), a reused correlation id, the
// customer's decision, withdraw, the agent refusal and the empty change (no call at all).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';

import { ConflictError, NotFoundError, SystemUserError, ValidationError } from '../src/index.js';
import { AGENT_SYSTEM, ORGS, PACKAGE, SYSTEM, agentInput, standardInput, startSimulator } from './helpers.js';

const MVA = 'urn:altinn:accesspackage:merverdiavgift';
const REGNSKAP = 'urn:altinn:accesspackage:regnskap-okonomi-rapport';
const RIGHT = { resource: [{ id: 'urn:altinn:resource', value: 'ske-innrapportering-a-ordning' }] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim;
let client;
before(async () => {
  sim = await startSimulator();
  client = await sim.client();
});
after(() => sim?.stop());
beforeEach(() => sim.reset());

/** A standard system user the customer approved (it holds PACKAGE); the call log is then cleared. */
async function approvedUser(orgNo = ORGS[0], externalRef = undefined) {
  const { request } = await client.createRequest(standardInput(orgNo, { externalRef }));
  await sim.approve(request.id);
  await sim.clearCalls();
  return request;
}

/** The change the tests ask for: one more package, one package less. */
function change(orgNo = ORGS[0], extra = {}) {
  return { systemId: SYSTEM, partyOrgNo: orgNo, requiredAccessPackages: [MVA], unwantedAccessPackages: [PACKAGE], ...extra };
}

const routes = async () => (await sim.calls()).map((c) => c.route);

describe('create', () => {
  test('201 New with its confirm page; the same change again finds it (200), a new change is another', async () => {
    const user = await approvedUser(ORGS[0], 'kunde-7');
    const created = await client.createChangeRequest(change(ORGS[0], { externalRef: 'kunde-7' }));
    assert.deepEqual([created.isNew, created.reconciled, created.noChangeNeeded], [true, false, false]);
    const c = created.changeRequest;
    assert.match(c.id, UUID);
    assert.equal(c.status, 'New');
    assert.equal(c.systemUserId, user.id);
    assert.equal(c.systemId, SYSTEM);
    assert.equal(c.partyOrgNo, ORGS[0]);
    assert.equal(c.externalRef, 'kunde-7');
    assert.deepEqual(c.requiredAccessPackages, [{ urn: MVA }]);
    assert.deepEqual(c.unwantedAccessPackages, [{ urn: PACKAGE }]);
    assert.deepEqual([c.requiredRights, c.unwantedRights], [[], []]);
    assert.equal(c.confirmUrl, `${sim.base}/accessmanagement/ui/systemuser/changerequest?id=${c.id}&DONTCHOOSEREPORTEE=true`);
    assert.ok(c.created instanceof Date);
    assert.equal(c.timedOut, false);
    // The system user by the vendor's key, then one POST: the pre-flight runs on the system the
    // client read for approvedUser's create (an instance keeps it five minutes), no second read.
    assert.deepEqual(await routes(), ['get_system_user_by_query', 'create_change_request']);

    // The correlation id is derived from the system user and the change: a rerun finds it.
    const again = await client.createChangeRequest(change(ORGS[0], { externalRef: 'kunde-7' }));
    assert.deepEqual([again.isNew, again.reconciled], [false, false]);
    assert.equal(again.changeRequest.id, c.id);
    assert.equal((await sim.changeRequests()).length, 1);

    const other = await client.createChangeRequest(change(ORGS[0], { externalRef: 'kunde-7', requiredAccessPackages: [REGNSKAP] }));
    assert.equal(other.isNew, true);
    assert.notEqual(other.changeRequest.id, c.id);
    // A correlation id of the caller's own is the change request's id.
    const id = randomUUID().toUpperCase();
    const own = await client.createChangeRequest({ systemId: SYSTEM, partyOrgNo: ORGS[0], externalRef: 'kunde-7', correlationId: id, requiredRights: [RIGHT] });
    assert.equal(own.changeRequest.id, id.toLowerCase());
    assert.deepEqual(own.changeRequest.requiredRights.map((r) => r.resource), [RIGHT.resource]);
    assert.equal((await sim.changeRequests()).length, 3);
  });

  test('a lost answer is reconciled by the correlation id: one change request, no duplicate', async () => {
    await approvedUser();
    await sim.fault('create_change_request', 'lost_response', { count: 1 });
    const created = await client.createChangeRequest(change());
    assert.deepEqual([created.isNew, created.reconciled, created.noChangeNeeded], [false, true, false]);
    assert.equal(created.changeRequest.status, 'New');
    assert.ok(created.changeRequest.confirmUrl.startsWith(`${sim.base}/`));
    // The pre-flight on the system kept since approvedUser's create: no read of it.
    assert.deepEqual(await routes(), ['get_system_user_by_query', 'create_change_request', 'get_change_request']);
    // Rerun after a crash: the same one again, still exactly one stored.
    const rerun = await client.createChangeRequest(change());
    assert.equal(rerun.changeRequest.id, created.changeRequest.id);
    const stored = await sim.changeRequests();
    assert.equal(stored.length, 1, 'no duplicate');
    assert.equal(stored[0].id, created.changeRequest.id);
    assert.equal((await sim.calls('create_change_request')).length, 2, 'the lost POST and the rerun’s replay');
  });

  test('a correlation id that names another change is a ConflictError, never a success', async () => {
    await approvedUser();
    const correlationId = randomUUID();
    const first = await client.createChangeRequest(change(ORGS[0], { correlationId }));
    assert.equal(first.isNew, true);

    // The server answers 200 with the stored change request and ignores the body: compared here.
    const err = await client.createChangeRequest(change(ORGS[0], { correlationId, requiredAccessPackages: [REGNSKAP] })).catch((e) => e);
    assert.ok(err instanceof ConflictError && err instanceof SystemUserError, inspect(err));
    assert.equal(err.kind, 'conflict');
    assert.equal(err.code, 'correlation-id-reused');
    assert.match(err.message, /correlation id/);

    // The same when the replay's answer is lost and the change request is found by its id.
    await sim.fault('create_change_request', 'lost_response', { count: 1 });
    await sim.clearCalls();
    const lost = await client.createChangeRequest(change(ORGS[0], { correlationId, unwantedAccessPackages: [] })).catch((e) => e);
    assert.ok(lost instanceof ConflictError, inspect(lost));
    assert.equal(lost.code, 'correlation-id-reused');
    assert.ok((await routes()).includes('get_change_request'));

    const stored = await sim.changeRequests();
    assert.equal(stored.length, 1);
    assert.deepEqual(stored[0].requiredAccessPackages, [{ urn: MVA }], 'the stored change is untouched');
  });

  test('an agent system user is refused before the change is sent (AUTH-00015)', async () => {
    const { request } = await client.createAgentRequest(agentInput(ORGS[0]));
    await sim.approve(request.id);
    await sim.clearCalls();
    const err = await client.createChangeRequest({ systemId: AGENT_SYSTEM, partyOrgNo: ORGS[0], requiredAccessPackages: [PACKAGE] }).catch((e) => e);
    assert.ok(err instanceof ValidationError, inspect(err));
    assert.equal(err.code, 'AUTH-00015');
    assert.equal(err.violations[0].field, 'systemUser');
    assert.match(err.message, /agent system user/);
    assert.deepEqual(await routes(), ['get_system_user_by_query'], 'only the lookup: no POST');
    assert.deepEqual(await sim.changeRequests(), []);
  });

  test('a change asking for nothing is answered locally: no token, no call', async () => {
    await approvedUser();
    const minted = sim.minted.length;
    for (const input of [
      { systemId: SYSTEM, partyOrgNo: ORGS[0] },
      { ...change(), requiredAccessPackages: [], unwantedAccessPackages: [], requiredRights: [], unwantedRights: [] },
    ]) {
      const r = await client.createChangeRequest(input);
      assert.deepEqual(r, { changeRequest: null, isNew: false, reconciled: false, noChangeNeeded: true });
    }
    assert.deepEqual(await sim.calls(), [], '0 calls in /_sim/calls');
    assert.equal(sim.minted.length, minted, 'no token was asked for');
    assert.deepEqual(await sim.changeRequests(), []);
  });

  test('no system user for the key (none approved, or deleted by the customer): NotFoundError, nothing POSTed', async () => {
    await client.createRequest(standardInput(ORGS[1]));
    const pending = await client.createChangeRequest(change(ORGS[1])).catch((e) => e);
    assert.ok(pending instanceof NotFoundError, inspect(pending));
    assert.match(pending.message, /customer must approve/);

    const user = await approvedUser(ORGS[2]);
    await sim.admin('DELETE', `systemusers/${user.id}`);
    const deleted = await client.createChangeRequest(change(ORGS[2])).catch((e) => e);
    assert.ok(deleted instanceof NotFoundError, inspect(deleted));
    assert.deepEqual(await sim.calls('create_change_request'), []);
  });

  test('checked before sending: contradicting lists, a bad correlation id, a package the system lacks (pre-flight)', async () => {
    await approvedUser();
    const both = await client.createChangeRequest(change(ORGS[0], { unwantedAccessPackages: [MVA] })).catch((e) => e);
    assert.ok(both instanceof ValidationError, inspect(both));
    assert.equal(both.code, 'change-contradicts');
    const id = await client.createChangeRequest(change(ORGS[0], { correlationId: 'not-a-uuid' })).catch((e) => e);
    assert.ok(id instanceof ValidationError, inspect(id));
    assert.equal(id.violations[0].field, 'correlationId');
    assert.deepEqual(await sim.calls(), [], 'nothing was sent');

    const missing = await client.createChangeRequest(change(ORGS[0], { requiredAccessPackages: ['urn:altinn:accesspackage:lonn'] })).catch((e) => e);
    assert.ok(missing instanceof ValidationError, inspect(missing));
    assert.equal(missing.code, 'AUTH-00063');
    assert.deepEqual(await routes(), ['get_system_user_by_query', 'get_registered_system']);

    await assert.rejects(client.createChangeRequest(null), TypeError);
    await assert.rejects(client.createChangeRequest({ ...change(), requiredAccessPackages: MVA }), /requiredAccessPackages must be an array/);
    await assert.rejects(client.createChangeRequest(change(), { signal: AbortSignal.abort(new Error('stop')) }), /stop/);
  });
});

describe('the customer decides', () => {
  test('approve: Accepted, and the system user holds the change', async () => {
    const user = await approvedUser();
    assert.deepEqual((await sim.systemUser(user.id)).accessPackages.map((p) => p.urn), [PACKAGE]);
    const { changeRequest } = await client.createChangeRequest(change());
    await sim.approveChange(changeRequest.id);
    const got = await client.getChangeRequest(changeRequest.id);
    assert.equal(got.status, 'Accepted');
    assert.deepEqual((await sim.systemUser(user.id)).accessPackages.map((p) => p.urn), [MVA]);
    // A rerun of the same change now finds the accepted one.
    const rerun = await client.createChangeRequest(change());
    assert.deepEqual([rerun.isNew, rerun.changeRequest.id, rerun.changeRequest.status], [false, changeRequest.id, 'Accepted']);
  });

  test('reject: Rejected, the system user unchanged', async () => {
    const user = await approvedUser();
    const { changeRequest } = await client.createChangeRequest(change());
    await sim.rejectChange(changeRequest.id);
    assert.equal((await client.getChangeRequest(changeRequest.id)).status, 'Rejected');
    assert.deepEqual((await sim.systemUser(user.id)).accessPackages.map((p) => p.urn), [PACKAGE]);
  });
});

describe('read and withdraw', () => {
  test('by id, by external ref (a hint: no package lists), page one of the list (timedOut after 180 days)', async () => {
    await approvedUser(ORGS[0]);
    const { changeRequest: c } = await client.createChangeRequest(change());

    const got = await client.getChangeRequest(c.id.toUpperCase());
    assert.deepEqual(got, c);

    // externalRef defaults to the org number, as the system user's does.
    const byRef = await client.getChangeRequestByExternalRef({ systemId: SYSTEM, orgNo: ORGS[0] });
    assert.equal(byRef.id, c.id);
    assert.deepEqual(byRef.requiredAccessPackages, [], "the server's byexternalref leaves the package lists out");
    const byRefExplicit = await client.getChangeRequestByExternalRef({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: ORGS[0] });
    assert.equal(byRefExplicit.id, c.id);

    const list = await client.listChangeRequests({ systemId: SYSTEM });
    assert.equal(list.mayBeIncomplete, false);
    assert.deepEqual(list.items.map((i) => i.id), [c.id]);
    assert.equal(list.items[0].confirmUrl, undefined, 'list items carry no confirmUrl');

    // 181 days on (the simulator's data clock): list items carry the server's timedOut flag.
    await sim.admin('POST', 'clock/advance', { days: 181 });
    const [old] = (await client.listChangeRequests({ systemId: SYSTEM })).items;
    assert.equal(old.status, 'New');
    assert.equal(old.timedOut, true);

    await assert.rejects(client.getChangeRequest('7c3e1f2a-9b4d-4e6f-8a1b-2c3d4e5f6a7b'), (e) => e instanceof NotFoundError && e.code === 'AUTH-00010');
  });

  test('the list repeats page one past the page size: its next link is never followed, mayBeIncomplete', async () => {
    await sim.settings({ pageSize: 2 });
    await approvedUser();
    for (const packages of [[MVA], [REGNSKAP], [MVA, REGNSKAP]]) {
      await client.createChangeRequest({ systemId: SYSTEM, partyOrgNo: ORGS[0], requiredAccessPackages: packages });
    }
    await sim.clearCalls();
    const list = await client.listChangeRequests({ systemId: SYSTEM });
    assert.equal(list.items.length, 2);
    assert.equal(list.mayBeIncomplete, true);
    assert.equal((await sim.calls('list_change_requests')).length, 1, 'one call: page one only');
  });

  test('withdraw: gone (404 AUTH-00010), and a second withdraw is a NotFoundError', async () => {
    await approvedUser();
    const { changeRequest } = await client.createChangeRequest(change());
    assert.equal(await client.withdrawChangeRequest(changeRequest.id), undefined);
    await assert.rejects(client.getChangeRequest(changeRequest.id), (e) => e instanceof NotFoundError && e.code === 'AUTH-00010');
    const [stored] = await sim.changeRequests();
    assert.equal(stored.isDeleted, true);
    await assert.rejects(client.withdrawChangeRequest(changeRequest.id), NotFoundError);
    assert.deepEqual((await client.listChangeRequests({ systemId: SYSTEM })).items, []);
  });
});
