// Arguments are checked at the boundary, in JavaScript, before anything reaches the component
// (issue #18): a wrong one is a TypeError naming the parameter, nothing is sent, and the same
// client keeps working, synchronously and over HTTP. Altinn's own spellings and JSON shapes are
// accepted where a status or a model is expected (read here from the simulator over real HTTP).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createClient, ValidationError } from '../src/index.js';
import { ORGS, SCOPES, SYSTEM, standardInput, startSimulator } from './helpers.js';

let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());

/** Raw Altinn JSON from the simulator, as a user's own fetch would get it. */
async function altinnJson(path, scope) {
  const res = await fetch(`${sim.base}/authentication/api/v1/${path}`, { headers: { authorization: `Bearer ${await sim.mint([scope])}` } });
  assert.equal(res.status, 200, path);
  return res.json();
}

/** The client still answers synchronously and over HTTP. */
async function stillWorks(client) {
  assert.equal(client.checkOrgNo(' 0192:310816191 '), '310816191');
  assert.equal(client.transition('new', 'approve'), 'Accepted');
  assert.equal((await client.getRegisteredSystem(SYSTEM)).id, SYSTEM);
}

test("transition('Accepted', 'approve'): Altinn's spelling is a status, and the client keeps working", async () => {
  const client = await sim.client();
  assert.equal(client.transition('Accepted', 'approve'), null, 'an accepted request cannot be approved again');
  assert.equal(client.transition('New', 'approve'), 'Accepted');
  assert.equal(client.transition('New', 'reject'), 'Rejected');
  assert.equal(client.transition('New', 'time-out'), 'Timedout');
  assert.equal(client.isTerminal('Rejected'), true);
  assert.equal(client.isTerminal('New'), false);
  // Both timeout spellings Altinn has used, and the WIT's.
  for (const s of ['Timedout', 'TimedOut', 'timed-out']) assert.equal(client.isTerminal(s), true, s);
  assert.equal(client.isTerminal('unknown(Pending)'), false);
  await stillWorks(client);
});

test('a wrong status or event is a TypeError naming the parameter, and the instance survives', async () => {
  const client = await sim.client();
  assert.throws(() => client.transition('Acepted', 'approve'), (e) => e instanceof TypeError && /^status must be a request status/.test(e.message) && /"Acepted"/.test(e.message));
  await stillWorks(client);
  assert.throws(() => client.transition('new', 'approved'), (e) => e instanceof TypeError && /^event must be a lifecycle event/.test(e.message));
  await stillWorks(client);
  assert.throws(() => client.isTerminal(1), (e) => e instanceof TypeError && /^status must be .*got number 1$/.test(e.message));
  await stillWorks(client);
});

// [what, call, the message's start]. Each call is a mistake a caller makes; each must be a
// TypeError (rejected, for async methods) whose message starts with the parameter's name.
const MISTAKES = [
  ['createRequest partyOrgNo as a number', (c) => c.createRequest({ systemId: SYSTEM, partyOrgNo: 310816191, accessPackages: ['urn:x'] }), /^partyOrgNo must be a string, got number 310816191/],
  ['createRequest accessPackages as one string', (c) => c.createRequest({ systemId: SYSTEM, partyOrgNo: ORGS[0], accessPackages: 'urn:altinn:accesspackage:skattegrunnlag' }), /^accessPackages must be an array/],
  ['createRequest rights of strings', (c) => c.createRequest({ systemId: SYSTEM, partyOrgNo: ORGS[0], rights: ['ske-krav'] }), /^rights\[0\] must be an object/],
  ['createRequest no input', (c) => c.createRequest(), /^input must be a standard request object/],
  ['createAgentRequest a string', (c) => c.createAgentRequest('310816191'), /^input must be an agent request object/],
  ['createRequest options.signal not a signal', (c) => c.createRequest(standardInput(), { signal: 'stop' }), /^options\.signal must be an AbortSignal/],
  ['createRequest options a string', (c) => c.createRequest(standardInput(), 'fast'), /^options must be an object/],
  ['getRequest id as a number', (c) => c.getRequest(42), /^id must be a string, got number 42/],
  ['getRequest no id', (c) => c.getRequest(), /^id must be a string, got undefined/],
  ['getRequest kind', (c) => c.getRequest('0b8d6a6e-0000-4000-8000-000000000000', { kind: 'agnet' }), /^options\.kind must be 'standard' or 'agent', got "agnet"/],
  ['getRequestByExternalRef no query', (c) => c.getRequestByExternalRef(), /^query must be an object/],
  ['getRequestByExternalRef orgNo as a number', (c) => c.getRequestByExternalRef({ systemId: SYSTEM, orgNo: 310816191 }), /^query\.orgNo must be a string/],
  ['listRequests a string', (c) => c.listRequests(SYSTEM), /^query must be an object/],
  ['listRequests no systemId', (c) => c.listRequests({}), /^query\.systemId must be a string, got undefined/],
  ['listAllRequests kind', (c) => c.listAllRequests({ systemId: SYSTEM, kind: 1 }), /^query\.kind must be/],
  ['withdrawRequest an object', (c) => c.withdrawRequest({ id: 'x' }), /^id must be a string, got an object/],
  ['verifySystemUser page', (c) => c.verifySystemUser({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: 7 }), /^query\.externalRef must be a string/],
  ['listSystemUsers page', (c) => c.listSystemUsers({ systemId: SYSTEM, page: 2 }), /^query\.page must be a string/],
  ['listAllSystemUsers an object', (c) => c.listAllSystemUsers({ systemId: SYSTEM }), /^systemId must be a string, got an object/],
  ['getRegisteredSystem no id', (c) => c.getRegisteredSystem(), /^systemId must be a string/],
  ['systemUserToken scopes as one string', (c) => c.systemUserToken({ customerOrgNo: ORGS[0], scopes: 'ttd:regnskap.read' }), /^query\.scopes must be an array/],
  ['createChangeRequest no input', (c) => c.createChangeRequest(), /^input must be a change request object/],
  ['getChangeRequest a number', (c) => c.getChangeRequest(1), /^id must be a string/],
  ['getChangeRequestByExternalRef no systemId', (c) => c.getChangeRequestByExternalRef({ orgNo: ORGS[0] }), /^query\.systemId must be a string/],
  ['listChangeRequests a string', (c) => c.listChangeRequests(SYSTEM), /^query must be an object/],
  ['withdrawChangeRequest no id', (c) => c.withdrawChangeRequest(), /^id must be a string/],
  ['listSystems options a string', (c) => c.listSystems('all'), /^options must be an object/],
  ['registerSystem a string', (c) => c.registerSystem(SYSTEM), /system must be an object/],
  ['setSystemRights rights as an object', (c) => c.setSystemRights(SYSTEM, { resource: [] }), /^rights must be an array/],
  ['setSystemAccessPackages a string', (c) => c.setSystemAccessPackages(SYSTEM, 'urn:x'), /^accessPackages must be an array/],
  ['deleteSystem a number', (c) => c.deleteSystem(314248295), /^systemId must be a string/],
  ['systemChangelog no id', (c) => c.systemChangelog(), /^systemId must be a string/],
  ['listAgents a number', (c) => c.listAgents(310816191), /^bureau must be/],
  ['listClients agent a number', (c) => c.listClients(ORGS[0], 42), /^agent must be/],
  ['addClient client a number', (c) => c.addClient(ORGS[0], 'a', 310816191), /^client must be/],
  ['validateStandardRequest a string', (c) => c.validateStandardRequest('{}'), /^input must be a standard request object/],
  ['validateStandardRequest system a string', (c) => c.validateStandardRequest(standardInput(), SYSTEM), /^system must be a registered system/],
  ['validateAgentRequest partyOrgNo', (c) => c.validateAgentRequest({ systemId: SYSTEM, partyOrgNo: 1, accessPackages: [] }), /^partyOrgNo must be a string/],
  ['validateJson kind', (c) => c.validateJson('Standard request', '{}'), /^kind must be 'standard' or 'agent'/],
  ['validateJson body a number', (c) => c.validateJson('standard', 42), /^body must be JSON text/],
  ['checkOrgNo a number', (c) => c.checkOrgNo(310816191), /^orgNo must be a string, got number 310816191/],
  ['checkSystemId nothing', (c) => c.checkSystemId(), /^systemId must be a string/],
  ['checkExternalRef null', (c) => c.checkExternalRef(null), /^externalRef must be a string, got null/],
  ['checkRequestId a number', (c) => c.checkRequestId(1), /^id must be a string/],
  ['isTimedOut no request', (c) => c.isTimedOut(), /^request must be a system user request/],
  ['isTimedOut now not a time', (c) => c.isTimedOut({ id: 'x', status: 'New' }, { now: 'yesterday' }), /^options\.now must be a valid Date/],
  ['isTimedOut negative window', (c) => c.isTimedOut({ id: 'x', status: 'New' }, { windowSeconds: -1 }), /^options\.windowSeconds must be a whole number/],
  ['effectiveStatus window not whole', (c) => c.effectiveStatus({ id: 'x', status: 'New' }, { windowSeconds: 1.5 }), /^options\.windowSeconds must be a whole number/],
  ['effectiveStatus status a number', (c) => c.effectiveStatus({ id: 'x', status: 3 }), /^request\.status must be a request status/],
];

test('every public method: a wrong argument is a TypeError naming it, nothing is sent, the client keeps working', async () => {
  await sim.reset();
  const client = await sim.client();
  for (const [what, call, message] of MISTAKES) {
    let outcome;
    try {
      outcome = call(client);
      if (outcome && typeof outcome.then === 'function') outcome = await outcome;
    } catch (err) {
      assert.ok(err instanceof TypeError, `${what}: ${err?.constructor?.name}: ${err?.message}`);
      assert.match(err.message, message, what);
      // The same client, right away, synchronously: no "instance is being rebuilt".
      assert.equal(client.checkOrgNo('310816191'), '310816191', `after ${what}`);
      continue;
    }
    assert.fail(`${what}: no TypeError (returned ${JSON.stringify(outcome)})`);
  }
  assert.deepEqual(await sim.calls(), [], 'no mistake reached Altinn');
  const { isNew } = await client.createRequest(standardInput(ORGS[0]));
  assert.equal(isNew, true);
  await stillWorks(client);
});

test('createClient checks its options: TypeErrors naming them', async () => {
  await assert.rejects(createClient(), /^TypeError: options must be an object/);
  await assert.rejects(createClient({ environment: sim.environment, token: 'abc' }), /^TypeError: options\.token must be an async function/);
  await assert.rejects(createClient({ environment: sim.environment, token: sim.tokens(), fetch: 'fetch' }), /^TypeError: options\.fetch must be a function/);
  await assert.rejects(createClient({ environment: sim.environment, token: sim.tokens(), sleep: 10 }), /^TypeError: options\.sleep must be a function/);
  await assert.rejects(createClient({ environment: sim.environment, token: sim.tokens(), retryBudget: -1 }), /^TypeError: retryBudget must be a whole number/);
});

test("a registered system in Altinn's JSON (vendor.ID, clientId), read over HTTP, is accepted for validation", async () => {
  const client = await sim.client();
  const altinn = await altinnJson(`systemregister/vendor/${SYSTEM}`, SCOPES.register);
  assert.match(altinn.vendor.ID, /^0192:/, "Altinn's shape");
  assert.ok(Array.isArray(altinn.clientId));
  const fromAltinn = client.validateStandardRequest(standardInput(ORGS[0]), altinn);
  assert.equal(fromAltinn.valid, true, JSON.stringify(fromAltinn.violations));
  // The same verdicts as with the package's own model of it.
  const own = await client.getRegisteredSystem(SYSTEM);
  const bad = standardInput(ORGS[0], { accessPackages: ['urn:altinn:accesspackage:not-on-the-system'] });
  const a = client.validateStandardRequest(bad, altinn);
  const b = client.validateStandardRequest(bad, own);
  assert.equal(a.valid, false);
  assert.deepEqual(a.violations, b.violations);
  assert.equal(a.violations[0].code, 'AUTH-00063');
  await stillWorks(client);
});

test("a request in Altinn's JSON (status 'New', created as text), read over HTTP, works with isTimedOut and effectiveStatus", async () => {
  await sim.reset();
  const client = await sim.client();
  const { request } = await client.createRequest(standardInput(ORGS[1]));
  const altinn = await altinnJson(`systemuser/request/vendor/${request.id}`, SCOPES.read);
  assert.equal(altinn.status, 'New', "Altinn's spelling");
  assert.equal(typeof altinn.created, 'string');
  assert.equal(client.effectiveStatus(altinn), 'New');
  assert.equal(client.isTimedOut(altinn), false);
  // 181 days on, by the created time Altinn gave: timed out (the 180-day window).
  const later = Date.parse(altinn.created.endsWith('Z') ? altinn.created : `${altinn.created}Z`) + 181 * 24 * 3600 * 1000;
  assert.equal(client.isTimedOut(altinn, { now: later }), true);
  assert.equal(client.effectiveStatus(altinn, { now: new Date(later) }), 'Timedout');
  assert.equal(client.effectiveStatus({ ...altinn, status: 'Timedout' }), 'Timedout', "the legacy status string");
  // Approved through the simulator: Altinn's 'Accepted' reads as it is spelled.
  await sim.approve(request.id);
  const approved = await altinnJson(`systemuser/request/vendor/${request.id}`, SCOPES.read);
  assert.equal(approved.status, 'Accepted');
  assert.equal(client.effectiveStatus(approved, { now: later }), 'Accepted');
  assert.equal(client.transition(approved.status, 'reject'), null);
  await stillWorks(client);
});

test('a wrong argument inside an operation leaves the operation unsent and the next one works', async () => {
  await sim.reset();
  const client = await sim.client();
  await assert.rejects(client.createRequest(standardInput(ORGS[2], { externalRef: 42 })), (e) => e instanceof TypeError && /^externalRef must be a string/.test(e.message));
  assert.equal((await sim.calls('create_request')).length, 0);
  // A ValidationError is not a TypeError: a well-typed but invalid value goes to the component's rules.
  await assert.rejects(client.createRequest(standardInput('123')), ValidationError);
  const { isNew } = await client.createRequest(standardInput(ORGS[2]));
  assert.equal(isNew, true);
});

test('the other entry points check their arguments too: TypeErrors naming them', async () => {
  const { cachingTokenProvider } = await import('../src/index.js');
  const { createOnboardingHandler } = await import('../src/edge.js');
  const { serve, toNodeListener } = await import('../src/node.js');
  const client = await sim.client();
  const fetchToken = async () => ({ access_token: 't', expires_in: 60 });
  assert.throws(() => cachingTokenProvider('https://maskinporten'), /^TypeError: fetchToken must be an async function/);
  assert.throws(() => cachingTokenProvider(fetchToken, { marginSeconds: '30' }), /^TypeError: options\.marginSeconds must be a number/);
  assert.throws(() => cachingTokenProvider(fetchToken, { now: 5 }), /^TypeError: options\.now must be a function/);
  assert.throws(() => createOnboardingHandler(), /^TypeError: options must be an object/);
  assert.throws(() => createOnboardingHandler({ client: {}, systemId: SYSTEM }), /^TypeError: options\.client must be a client/);
  assert.throws(() => createOnboardingHandler({ client, systemId: SYSTEM, accessPackages: 'urn:x' }), /^TypeError: options\.accessPackages must be an array/);
  assert.throws(() => createOnboardingHandler({ client, systemId: SYSTEM, rights: [1] }), /^TypeError: options\.rights\[0\] must be an object/);
  assert.throws(() => createOnboardingHandler({ client, systemId: SYSTEM, onError: 'log' }), /^TypeError: options\.onError must be a function/);
  assert.throws(() => createOnboardingHandler({ client, systemId: SYSTEM, kind: 'Agnet' }), /^TypeError: options\.kind must be/);
  assert.throws(() => serve({}), /^TypeError: handler must be a function/);
  assert.throws(() => serve(async () => new Response(''), { port: '8080' }), /^TypeError: options\.port must be a port number/);
  assert.throws(() => toNodeListener(null), /^TypeError: handler must be a function/);
  await stillWorks(client);
});
