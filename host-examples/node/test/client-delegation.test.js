// Client delegation (API.md §12, issue #17) through the client against the simulator over real
// HTTP, from nothing: the vendor registers its systems by API, creates the requests, the bureau
// approves them, and the bureau's software delegates clients to the agent system user by API,
// lists and removes them. The bureau's system-user token is exchanged once for many calls
// (counted in /_sim/calls) and renewed before it expires; every refusal is typed with its
// advice; no Maskinporten or Altinn token shows in any error.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';

import { AltinnError, ForbiddenError, NotFoundError, SystemUserError, TokenError, ValidationError } from '../src/index.js';
import { createSigner } from '../src/node.js';
import {
  DELEGATION_SCOPES,
  KLIENTADMIN,
  ORGS,
  PACKAGE,
  SPARE_CLIENT_ID,
  SPARE_KEY_FILE,
  SPARE_KID,
  SYSTEM,
  VENDOR,
  errorTexts,
  secretRecorder,
  startSimulator,
} from './helpers.js';

const BUREAU_ORG = '310816191';
/** The bureau's own (standard) system user for the client-administration system: its key. */
const BUREAU = { orgNo: BUREAU_ORG, externalRef: 'byraa-selv' };
const ADMIN_SYSTEM = `${VENDOR}_klientadmin`;
const AGENT_SYSTEM = `${VENDOR}_byraaagent`;
const R_LONN = 'urn:altinn:accesspackage:regnskapsforer-lonn';
const R_MED = 'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet';
/** Clients of 310816191 (simulator fixture): with r-lonn and r-med · r-lonn only · neither. */
const CLIENT_OK = '314224965';
const CLIENT_LACKS = '317103360';
const NOT_A_CLIENT = '316859356';
const text = (t) => ({ nb: t, nn: t, en: t });

let sim;
let vendor;
const recorder = secretRecorder();
/** Every error the tests saw: none may show a token. */
const seen = [];
before(async () => {
  sim = await startSimulator();
  vendor = await sim.client({ fetch: recorder.fetch });
});
after(async () => {
  await sim?.stop();
});
beforeEach(() => sim.reset());

async function refusal(promise) {
  const err = await promise.then(
    (v) => assert.fail(`expected a refusal, got ${inspect(v)}`),
    (e) => e,
  );
  seen.push(err);
  return err;
}

/** The bureau's software: Maskinporten mode with the client of the client-administration system. */
function bureauSoftware(options = {}) {
  return sim.mpClient({ clientId: SPARE_CLIENT_ID, signer: createSigner({ keyFile: SPARE_KEY_FILE, kid: SPARE_KID }), fetch: recorder.fetch, ...options });
}

const exchanges = async () => (await sim.calls('exchange_token')).length;
const routes = async () => (await sim.calls()).map((c) => c.route);

/**
 * From nothing: the vendor registers a standard system holding klientadministrator (its
 * Maskinporten client the simulator's spare one) and an agent system, asks the bureau for a
 * standard system user of the first (external ref `byraa-selv`) and an agent system user of the
 * second, and the bureau approves both. → the agent system user's id. The call log is cleared.
 */
async function fromNothing() {
  await vendor.registerSystem({
    id: ADMIN_SYSTEM,
    vendor: { ID: `0192:${VENDOR}` },
    name: text('Klientadministrasjon'),
    description: text('Byråets egen klientadministrasjon'),
    accessPackages: [{ urn: KLIENTADMIN }],
    clientId: [SPARE_CLIENT_ID],
    allowedRedirectUrls: ['https://klientadmin.example/ferdig'],
  });
  await vendor.registerSystem({
    id: AGENT_SYSTEM,
    vendor: { ID: `0192:${VENDOR}` },
    name: text('Byrå'),
    description: text('Regnskapsføring for byråets klienter'),
    accessPackages: [R_LONN, R_MED],
    isVisible: false,
  });
  const admin = await vendor.createRequest({ systemId: ADMIN_SYSTEM, partyOrgNo: BUREAU_ORG, externalRef: BUREAU.externalRef, accessPackages: [KLIENTADMIN] });
  await sim.approve(admin.request.id);
  const agent = await vendor.createAgentRequest({ systemId: AGENT_SYSTEM, partyOrgNo: BUREAU_ORG, accessPackages: [R_LONN, R_MED] });
  await sim.approve(agent.request.id);
  await sim.clearCalls();
  return agent.request.id;
}

describe('from nothing to delegated clients, by API', () => {
  test('register → request → approve → delegate → list → remove, with one exchange for all of it', async () => {
    const agentId = await fromNothing();
    const bureau = await bureauSoftware();

    const agents = await bureau.listAgents(BUREAU);
    assert.equal(agents.length, 1);
    const [agent] = agents;
    assert.deepEqual(
      [agent.id, agent.systemId, agent.reporteeOrgNo, agent.userType, agent.isDeleted],
      [agentId, AGENT_SYSTEM, BUREAU_ORG, 'agent', false],
    );
    assert.deepEqual(agent.accessPackages.map((p) => p.urn).sort(), [R_LONN, R_MED].sort());
    assert.ok(agent.created instanceof Date);

    const available = await bureau.listAvailableClients(BUREAU, agent);
    assert.deepEqual([available.systemUserId, available.ownerOrgNo], [agentId, BUREAU_ORG]);
    const orgNos = available.clients.map((c) => c.orgNo);
    assert.ok(orgNos.includes(CLIENT_OK) && orgNos.includes(CLIENT_LACKS) && !orgNos.includes(NOT_A_CLIENT), inspect(orgNos));
    const ok = available.clients.find((c) => c.orgNo === CLIENT_OK);
    assert.match(ok.id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof ok.name, 'string');

    // By org number (looked up among the available clients) and, for the second, by party uuid.
    assert.deepEqual(await bureau.addClient(BUREAU, agentId, CLIENT_OK), { agent: agentId, client: ok.id });
    assert.deepEqual(await bureau.addClient(BUREAU, agentId, ok), { agent: agentId, client: ok.id }, 'adding again is no error');
    const delegated = await bureau.listClients(BUREAU, agentId);
    assert.deepEqual(delegated.clients, [ok]);
    assert.deepEqual((await sim.systemUser(agentId)).clients.map((c) => c.orgNo ?? c), [CLIENT_OK]);

    assert.deepEqual(await bureau.removeClient(BUREAU, agentId, CLIENT_OK), { agent: agentId, client: ok.id });
    assert.deepEqual((await bureau.listClients(BUREAU, agentId)).clients, []);
    // Not delegated (any more): by org number nothing is sent; by uuid the server says fine.
    const before = (await sim.calls('remove_client')).length;
    assert.equal(await bureau.removeClient(BUREAU, agentId, { orgNo: `0192:${CLIENT_OK}` }), null);
    assert.equal((await sim.calls('remove_client')).length, before, 'no DELETE for a client not delegated');
    assert.deepEqual(await bureau.removeClient(BUREAU, agentId, ok.id), { agent: agentId, client: ok.id });

    // Eleven delegation calls, one Maskinporten grant for the bureau and one exchange.
    const calls = await routes();
    assert.equal(calls.filter((r) => r !== 'exchange_token').length, 11, inspect(calls));
    assert.equal(await exchanges(), 1, 'exactly one exchange_token');
    assert.equal((await sim.grants()).length, 1, 'one Maskinporten grant');
    assert.equal(calls[0], 'exchange_token', 'the exchange comes first');
  });

  test('token mode: the callback gives the bureau’s system-user token, asked once and exchanged once', async () => {
    const agentId = await fromNothing();
    // The bureau's software gets its system-user token as it likes (here: Maskinporten mode).
    const grants = await bureauSoftware();
    const asked = [];
    const bureau = await sim.client({
      fetch: recorder.fetch,
      token: async (scopes) => {
        asked.push(scopes);
        return (await grants.systemUserToken({ customerOrgNo: BUREAU.orgNo, externalRef: BUREAU.externalRef, scopes })).token;
      },
    });
    for (let i = 0; i < 3; i++) await bureau.listAvailableClients(BUREAU, agentId);
    await bureau.addClient(BUREAU, agentId, CLIENT_OK);
    assert.equal((await bureau.listClients(BUREAU, agentId)).clients[0].orgNo, CLIENT_OK);
    assert.deepEqual(asked, [DELEGATION_SCOPES], 'the callback was asked once, for the two scopes');
    assert.equal(await exchanges(), 1);
  });

  test('the exchanged token is kept until 30 s before it expires, then exchanged again (no new grant)', async () => {
    await fromNothing();
    // Altinn tokens for one minute, Maskinporten tokens for an hour.
    await sim.settings({ jwtValidityMinutes: 1, tokenLifetimeSecs: 3600 });
    let offsetMs = 0;
    const bureau = await bureauSoftware({ now: () => Date.now() + offsetMs });
    await bureau.listAgents(BUREAU);
    await bureau.listAgents(BUREAU);
    assert.deepEqual([await exchanges(), (await sim.grants()).length], [1, 1]);
    offsetMs = 20_000; // 40 s left: still kept
    await bureau.listAgents(BUREAU);
    assert.equal(await exchanges(), 1);
    offsetMs = 40_000; // 20 s left: exchanged again with the cached Maskinporten token
    await bureau.listAgents(BUREAU);
    assert.deepEqual([await exchanges(), (await sim.grants()).length], [2, 1]);
    // Another client (another instance) has a cache of its own.
    await (await bureauSoftware()).listAgents(BUREAU);
    assert.equal(await exchanges(), 3);
  });
});

describe('refusals, typed with their advice', () => {
  test('AUTH-00080: the client lacks one of the agent system user’s packages', async () => {
    const agentId = await fromNothing();
    const bureau = await bureauSoftware();
    const err = await refusal(bureau.addClient(BUREAU, agentId, CLIENT_LACKS));
    assert.ok(err instanceof AltinnError && err instanceof SystemUserError, inspect(err));
    assert.deepEqual([err.code, err.status], ['AUTH-00080', 400]);
    assert.match(err.message, /lacks one of the agent system user's access packages/);
    assert.deepEqual((await bureau.listClients(BUREAU, agentId)).clients, []);
  });

  test('AUTH-00079: not one of the bureau’s clients (by uuid, the server says it; by org number, nothing is sent)', async () => {
    const agentId = await fromNothing();
    const bureau = await bureauSoftware();
    const err = await refusal(bureau.addClient(BUREAU, agentId, randomUUID()));
    assert.ok(err instanceof AltinnError, inspect(err));
    assert.deepEqual([err.code, err.status], ['AUTH-00079', 400]);
    assert.match(err.message, /not one of the bureau's clients/);

    await sim.clearCalls();
    const local = await refusal(bureau.addClient(BUREAU, agentId, NOT_A_CLIENT));
    assert.ok(local instanceof ValidationError, inspect(local));
    assert.deepEqual([local.code, local.violations[0].field], ['client-not-available', 'client']);
    assert.match(local.message, new RegExp(`organisation ${NOT_A_CLIENT} is not among the clients`));
    assert.deepEqual(await routes(), ['list_available_clients'], 'only the lookup: no POST');

    const badOrg = await refusal(bureau.addClient(BUREAU, agentId, '123456789'));
    assert.ok(badOrg instanceof ValidationError, inspect(badOrg));
  });

  test('403: a bureau whose system user lacks klientadministrator, or a vendor’s own token: ForbiddenError saying what to approve', async () => {
    await fromNothing();
    // 314224965 approved a standard system user of the fixture system, without the package.
    const bureauOrg = ORGS[1];
    const { request } = await vendor.createRequest({ systemId: SYSTEM, partyOrgNo: bureauOrg, externalRef: 'byraa-selv', accessPackages: [PACKAGE] });
    await sim.approve(request.id);
    const software = await sim.mpClient({ fetch: recorder.fetch });
    const err = await refusal(software.listAgents({ orgNo: bureauOrg, externalRef: 'byraa-selv' }));
    assert.ok(err instanceof ForbiddenError, inspect(err));
    assert.equal(err.status, 403);
    assert.match(err.message, /approve its own standard system user for a system holding the access package klientadministrator/);

    const vendorsOwn = await sim.client({ fetch: recorder.fetch });
    const own = await refusal(vendorsOwn.listAgents(BUREAU));
    assert.ok(own instanceof ForbiddenError, inspect(own));
    assert.match(own.message, /klientadministrator/);
  });

  test('TokenError: the exchanged token acts for another organisation; the callback failing', async () => {
    await fromNothing();
    const grants = await bureauSoftware();
    // Asked for bureau 314224965, the callback gives 310816191's token: refused after the exchange.
    const wrong = await sim.client({
      fetch: recorder.fetch,
      token: async (scopes) => (await grants.systemUserToken({ customerOrgNo: BUREAU.orgNo, externalRef: BUREAU.externalRef, scopes })).token,
    });
    await sim.clearCalls();
    const err = await refusal(wrong.listAgents({ orgNo: ORGS[1] }));
    assert.ok(err instanceof TokenError, inspect(err));
    assert.match(err.message, new RegExp(`acts for organisation ${BUREAU_ORG}, not the bureau ${ORGS[1]}`));
    assert.deepEqual(await routes(), ['exchange_token'], 'no delegation call with it');

    const failing = await sim.client({
      fetch: recorder.fetch,
      token: async () => {
        throw new Error('the vault is sealed');
      },
    });
    const sealed = await refusal(failing.listAgents(BUREAU));
    assert.ok(sealed instanceof TokenError, inspect(sealed));
    assert.match(sealed.message, /the vault is sealed/);
  });

  test('404: a bureau Altinn no longer knows: NotFoundError', async () => {
    await fromNothing();
    const bureau = await bureauSoftware();
    await bureau.listAgents(BUREAU);
    await sim.admin('DELETE', `organizations/${BUREAU_ORG}`);
    const err = await refusal(bureau.listAgents(BUREAU));
    assert.ok(err instanceof NotFoundError, inspect(err));
    assert.equal(err.status, 404);
  });

  test('bad input is refused before any token is asked for or anything sent', async () => {
    const bureau = await bureauSoftware();
    for (const attempt of [
      () => bureau.listAgents({ orgNo: '12345678' }),
      () => bureau.addClient(BUREAU, randomUUID(), '../../admin'),
      () => bureau.listClients(BUREAU, 'not-a-uuid'),
    ]) {
      const err = await refusal(attempt());
      assert.ok(err instanceof ValidationError, inspect(err));
    }
    await assert.rejects(bureau.listAgents({ org: BUREAU_ORG }), TypeError);
    await assert.rejects(bureau.listClients(BUREAU, 42), TypeError);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(bureau.listAgents(BUREAU, { signal: controller.signal }), /stop/);
    await assert.rejects(bureau.addClient(BUREAU, randomUUID(), CLIENT_OK, { signal: controller.signal }), /stop/);
    assert.deepEqual(await sim.calls(), []);
    assert.equal((await sim.grants()).length, 0);
  });

  test('a server quoting the Altinn token back: the error shows [redacted]', async () => {
    const agentId = await fromNothing();
    const bureau = await bureauSoftware();
    await bureau.listAgents(BUREAU);
    await sim.fault('list_clients', 'echo_token');
    const err = await refusal(bureau.listClients(BUREAU, agentId));
    assert.ok(err instanceof AltinnError, inspect(err));
    assert.match(JSON.stringify(err), /\[redacted\]/);
  });
});

test('no Maskinporten or Altinn token reaches any error: message, stack, JSON, util.inspect', () => {
  assert.ok(seen.length >= 12, `${seen.length} errors seen`);
  const secrets = [...recorder.secrets, ...sim.minted];
  // Bearer tokens, Maskinporten tokens and assertions, and the exchanged Altinn tokens.
  assert.ok(secrets.length >= 10, `tokens were in play (${secrets.length})`);
  for (const err of seen) {
    for (const t of errorTexts(err)) {
      for (const s of secrets) assert.ok(!t.includes(s), `a token shows in ${err.name}`);
    }
  }
});
