// The System Register (API.md §13, issue #17) through the client against the simulator over real
// HTTP: register (once, also after a lost answer), read, list, an update that keeps what it does
// not name (sent as a PUT of the whole record), rights, packages, the changelog, delete; the
// server's rules checked before anything is sent; every refusal typed; no token in any error.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';

import { AltinnError, ConflictError, ForbiddenError, NotFoundError, SystemUserError, ValidationError } from '../src/index.js';
import { send } from '../src/transport.js';
import { FOREIGN_SYSTEM, ORGS, SPARE_CLIENT_ID, SYSTEM, VENDOR, errorTexts, secretRecorder, startSimulator, stubServer } from './helpers.js';

const ID = `${VENDOR}_regnskapapi`;
const text = (t) => ({ nb: t, nn: t, en: t });
const RIGHT = { resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] };
const RIGHT2 = { resource: [{ id: 'urn:altinn:resource', value: 'ske-innrapportering-a-ordning' }] };
const SKATT = 'urn:altinn:accesspackage:skattegrunnlag';
const MVA = 'urn:altinn:accesspackage:merverdiavgift';
const AGENT_ONLY = 'urn:altinn:accesspackage:regnskapsforer-lonn';

/** A new system in Altinn's shape, as a vendor writes it (or `GET systemregister/vendor/{id}` answers it). */
function altinnSystem(extra = {}) {
  return {
    id: ID,
    vendor: { authority: 'iso6523-actorid-upis', ID: `0192:${VENDOR}` },
    name: text('Regnskap API'),
    description: text('Regnskap for små bedrifter'),
    rights: [RIGHT],
    accessPackages: [{ urn: SKATT }],
    clientId: [SPARE_CLIENT_ID],
    isVisible: true,
    allowedRedirectUrls: ['https://regnskapapi.example/ferdig'],
    ...extra,
  };
}

let sim;
let client;
const recorder = secretRecorder();
/** Every error the tests saw: none may show a token. */
const seen = [];
before(async () => {
  sim = await startSimulator();
  client = await sim.client({ fetch: recorder.fetch });
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

/** The routes (and methods) of the Altinn calls since the last reset or clearCalls. */
const routes = async () => (await sim.calls()).map((c) => `${c.method} ${c.route}`);
/** The register as the simulator holds it (deleted systems too). */
const stored = async (id = ID) => (await sim.admin('GET', 'systems')).systems.find((s) => s.id === id);

describe('the register, end to end', () => {
  test('register → read → list → update (the rest kept, one PUT) → rights → packages → changelog → delete', async () => {
    const registered = await client.registerSystem(altinnSystem());
    assert.deepEqual(Object.keys(registered).sort(), ['internalId', 'reconciled']);
    assert.equal(registered.reconciled, false);
    assert.equal(registered.internalId, (await stored()).internalId.toLowerCase());
    assert.deepEqual(await routes(), ['POST create_registered_system']);

    const read = await client.getRegisteredSystem(ID);
    assert.deepEqual(read, {
      id: ID,
      vendorOrgNo: VENDOR,
      name: text('Regnskap API'),
      description: text('Regnskap for små bedrifter'),
      rights: [{ action: undefined, resource: RIGHT.resource }],
      accessPackages: [{ urn: SKATT }],
      clientIds: [SPARE_CLIENT_ID],
      isVisible: true,
      allowedRedirectUrls: ['https://regnskapapi.example/ferdig'],
      isDeleted: false,
    });
    const listed = await client.listSystems();
    assert.deepEqual(listed.map((s) => s.id).sort(), [`${VENDOR}_smartarkiv`, `${VENDOR}_smartbyraa`, SYSTEM, ID].sort());
    const item = listed.find((s) => s.id === ID);
    assert.deepEqual([item.vendorOrgNo, item.isVisible, item.accessPackages], [VENDOR, true, [{ urn: SKATT }]]);

    // Only the name is named: the component reads the system and PUTs the whole record, so the
    // client ids, redirect URLs, rights and packages stay (the server's PUT would reset them).
    await sim.clearCalls();
    assert.equal(await client.updateSystem({ id: ID, name: text('Regnskap API 2') }), undefined);
    assert.deepEqual(await routes(), ['GET get_registered_system', 'PUT update_registered_system']);
    const updated = await client.getRegisteredSystem(ID);
    assert.deepEqual(updated.name, text('Regnskap API 2'));
    assert.deepEqual(
      [updated.clientIds, updated.allowedRedirectUrls, updated.rights.length, updated.accessPackages, updated.isVisible],
      [[SPARE_CLIENT_ID], ['https://regnskapapi.example/ferdig'], 1, [{ urn: SKATT }], true],
    );
    // A system read can be edited and given back (this package's spelling: vendorOrgNo, clientIds).
    await client.updateSystem({ ...updated, description: text('Ny beskrivelse') });
    assert.deepEqual((await client.getRegisteredSystem(ID)).description, text('Ny beskrivelse'));

    await sim.clearCalls();
    assert.equal(await client.setSystemRights(ID, [RIGHT, RIGHT2]), undefined);
    assert.equal(await client.setSystemAccessPackages(ID, [SKATT, { urn: MVA }]), undefined);
    assert.deepEqual(await routes(), [
      'GET get_registered_system',
      'PUT update_registered_system_rights',
      'GET get_registered_system',
      'PUT update_registered_system_access_packages',
    ]);
    const now = await stored();
    assert.deepEqual(now.rights.map((r) => r.resource[0].value), ['ske-krav-og-betalinger', 'ske-innrapportering-a-ordning']);
    assert.deepEqual(now.accessPackages.map((p) => p.urn), [SKATT, MVA]);

    const log = await client.systemChangelog(ID);
    assert.deepEqual(log.map((e) => e.changeType), ['accesspackageupdate', 'rightsupdate', 'update', 'update', 'create']);
    for (const e of log) {
      assert.equal(e.systemInternalId, registered.internalId);
      assert.equal(e.changedByOrgNo, VENDOR);
      assert.ok(e.created instanceof Date);
    }
    assert.equal(log.at(-1).changedData.Id, ID, 'changedData is the body that was sent, parsed');
    assert.deepEqual(log[0].changedData.map((p) => p.Urn), [SKATT, MVA]);

    await sim.clearCalls();
    assert.equal(await client.deleteSystem(ID), undefined);
    assert.equal((await stored()).isDeleted, true);
    assert.ok(!(await client.listSystems()).some((s) => s.id === ID), 'a deleted system is not listed');
    // Deleting a deleted system succeeds (the server's answer would be an empty 400).
    await client.deleteSystem(ID);
    assert.ok((await routes()).includes('DELETE delete_registered_system'));
    assert.equal((await client.systemChangelog(ID))[0].changeType, 'delete');
  });

  test('a system registered by API is usable at once: a request for it, approved', async () => {
    await client.registerSystem(altinnSystem({ accessPackages: [SKATT] }));
    const { request, isNew } = await client.createRequest({ systemId: ID, partyOrgNo: ORGS[0], accessPackages: [SKATT], redirectUrl: 'https://regnskapapi.example/ferdig' });
    assert.equal(isNew, true);
    await sim.approve(request.id);
    const user = await client.verifySystemUser({ systemId: ID, orgNo: ORGS[0] });
    assert.equal(user.id, request.id);
  });

  test('a lost answer is settled by reading the system: registered once, never POSTed blindly again', async () => {
    await sim.fault('create_registered_system', 'lost_response', { count: 1 });
    const r = await client.registerSystem(altinnSystem());
    assert.deepEqual(r, { internalId: null, reconciled: true });
    assert.deepEqual(await routes(), ['POST create_registered_system', 'GET get_registered_system']);
    assert.equal((await sim.admin('GET', 'systems')).systems.filter((s) => s.id === ID).length, 1);

    // Lost before the server did anything: not found, so (and only then) the POST goes again.
    await sim.reset();
    await sim.fault('create_registered_system', 'lost_request', { count: 1 });
    const again = await client.registerSystem(altinnSystem());
    assert.equal(again.reconciled, false);
    assert.match(again.internalId, /^[0-9a-f-]{36}$/);
    const calls = await sim.calls();
    assert.deepEqual(calls.map((c) => `${c.method} ${c.route}`), ['POST create_registered_system', 'GET get_registered_system', 'POST create_registered_system']);
    assert.equal(calls[0].fault, 'lost_request');
    assert.equal((await sim.admin('GET', 'systems')).systems.filter((s) => s.id === ID).length, 1);
  });
});

test('the transport sends every WIT method, PUT with its body', async () => {
  const bodies = [];
  const stub = await stubServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"succeeded":true}');
    });
  });
  try {
    for (const method of ['get', 'post', 'put', 'delete']) {
      const body = method === 'put' || method === 'post' ? new TextEncoder().encode(`{"m":"${method}"}`) : undefined;
      const request = { method, url: `${stub.base}/x`, headers: [{ name: 'content-type', value: 'application/json' }], body, timeoutMs: 5000, maxResponseBytes: 1000 };
      const got = await send(request, { fetchImpl: fetch });
      assert.equal(got.tag, 'response', method);
      assert.equal(got.val.status, 200);
    }
    assert.deepEqual(stub.hits.map((h) => h.method), ['GET', 'POST', 'PUT', 'DELETE']);
    assert.deepEqual(bodies, ['', '{"m":"post"}', '{"m":"put"}', '']);
  } finally {
    await stub.close();
  }
});

describe('checked before anything is sent', () => {
  test('the server’s AUTH.VLD rules: ValidationError with every violation, no call, no token', async () => {
    const minted = sim.minted.length;
    const err = await refusal(
      client.registerSystem(
        altinnSystem({
          id: '999999999_regnskap',
          allowedRedirectUrls: ['http://regnskapapi.example/ferdig'],
          rights: [RIGHT, RIGHT],
          accessPackages: [SKATT, AGENT_ONLY],
        }),
      ),
    );
    assert.ok(err instanceof ValidationError && err instanceof SystemUserError, inspect(err));
    const codes = err.violations.map((v) => v.code);
    assert.deepEqual(codes, ['AUTH.VLD-00001', 'AUTH.VLD-00005', 'AUTH.VLD-00006', 'AUTH.VLD-00018']);
    assert.ok(err.violations.every((v) => v.message.length > 10));
    // A space in the id.
    const space = await refusal(client.registerSystem(altinnSystem({ id: `${VENDOR}_regnskap api` })));
    assert.ok(space instanceof ValidationError, inspect(space));
    assert.equal(space.code, 'AUTH.VLD-00013');
    // A vendor under another authority than 0192: the server's AUTH.VLD-00000 on `vendor.ID`, alone.
    const vendor = await refusal(client.registerSystem(altinnSystem({ vendor: { ID: `9908:${VENDOR}` } })));
    assert.ok(vendor instanceof ValidationError, inspect(vendor));
    assert.deepEqual(vendor.violations.map((v) => [v.code, v.field]), [['AUTH.VLD-00000', 'vendor.ID']]);
    assert.deepEqual(await sim.calls(), [], 'nothing was sent');
    assert.equal(sim.minted.length, minted, 'no token was asked for');
  });

  test('a misspelt member is a TypeError, not a silent "empty"', async () => {
    await assert.rejects(client.registerSystem({ ...altinnSystem(), allowedRedirectUrl: ['https://x.example/'] }), /no member "allowedRedirectUrl"/);
    await assert.rejects(client.updateSystem({ id: ID, visible: false }), /no member "visible"/);
    await assert.rejects(client.registerSystem({ ...altinnSystem(), clientIds: ['a'] }), /clientId or clientIds, not both/);
    await assert.rejects(client.setSystemRights(ID, RIGHT), TypeError);
    assert.deepEqual(await sim.calls(), []);
  });

  test('packages are checked against the stored visibility: only the read is sent', async () => {
    await client.registerSystem(altinnSystem());
    await sim.clearCalls();
    const err = await refusal(client.setSystemAccessPackages(ID, [AGENT_ONLY]));
    assert.ok(err instanceof ValidationError, inspect(err));
    assert.equal(err.code, 'AUTH.VLD-00018');
    assert.deepEqual(await routes(), ['GET get_registered_system'], 'no PUT');
    // An update that makes it invisible may carry it.
    await client.updateSystem({ id: ID, isVisible: false, accessPackages: [AGENT_ONLY], allowedRedirectUrls: null });
    const now = await client.getRegisteredSystem(ID);
    assert.deepEqual([now.isVisible, now.accessPackages, now.allowedRedirectUrls], [false, [{ urn: AGENT_ONLY }], ['https://regnskapapi.example/ferdig']]);
  });
});

describe('refusals, typed', () => {
  test('a deleted system: ConflictError system-deleted for a change (no write), AUTH.VLD-00002 for its id again', async () => {
    await client.registerSystem(altinnSystem());
    await client.deleteSystem(ID);
    await sim.clearCalls();
    for (const attempt of [
      () => client.updateSystem({ id: ID, isVisible: false }),
      () => client.setSystemRights(ID, [RIGHT]),
      () => client.setSystemAccessPackages(ID, [SKATT]),
    ]) {
      const err = await refusal(attempt());
      assert.ok(err instanceof ConflictError, inspect(err));
      assert.equal(err.code, 'system-deleted');
      assert.match(err.message, /deleted system cannot be changed/);
    }
    assert.deepEqual(await routes(), ['GET get_registered_system', 'GET get_registered_system', 'GET get_registered_system'], 'no PUT');
    const again = await refusal(client.registerSystem(altinnSystem({ clientId: [] })));
    assert.ok(again instanceof AltinnError, inspect(again));
    assert.equal(again.status, 400);
    assert.ok(again.violations.some((v) => v.code === 'AUTH.VLD-00002'), inspect(again.violations));
  });

  test('an unknown system: NotFoundError; another vendor’s: ForbiddenError; a client id in use: AltinnError AUTH.VLD-00004', async () => {
    const missing = await refusal(client.updateSystem({ id: `${VENDOR}_finnesikke`, isVisible: false }));
    assert.ok(missing instanceof NotFoundError, inspect(missing));
    assert.equal(missing.status, 404);
    const changelog = await refusal(client.systemChangelog(`${VENDOR}_finnesikke`));
    assert.ok(changelog instanceof NotFoundError, inspect(changelog));

    for (const attempt of [() => client.setSystemRights(FOREIGN_SYSTEM, [RIGHT]), () => client.deleteSystem(FOREIGN_SYSTEM), () => client.systemChangelog(FOREIGN_SYSTEM)]) {
      const foreign = await refusal(attempt());
      assert.ok(foreign instanceof ForbiddenError, inspect(foreign));
      assert.equal(foreign.status, 403);
    }
    assert.equal((await stored(FOREIGN_SYSTEM)).isDeleted, false);

    // The fixture's own client id is on an active system: only the server can know.
    const taken = await refusal(client.registerSystem(altinnSystem({ clientId: ['sim-smartregnskap-client'] })));
    assert.ok(taken instanceof AltinnError, inspect(taken));
    assert.ok(taken.violations.some((v) => v.code === 'AUTH.VLD-00004'), inspect(taken.violations));
    assert.equal(await stored(), undefined, 'not registered');
  });

  test('an aborted signal ends the call with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(client.listSystems({ signal: controller.signal }), /stop/);
    await assert.rejects(client.registerSystem(altinnSystem(), { signal: controller.signal }), /stop/);
    assert.deepEqual(await sim.calls(), []);
  });
});

test('no token reaches any error: message, stack, JSON, util.inspect', () => {
  assert.ok(seen.length >= 10, `${seen.length} errors seen`);
  const secrets = [...recorder.secrets, ...sim.minted];
  assert.ok(secrets.length >= 2, 'tokens were in play');
  for (const err of seen) {
    for (const t of errorTexts(err)) {
      for (const s of secrets) assert.ok(!t.includes(s), `a token shows in ${err.name}`);
    }
  }
});
