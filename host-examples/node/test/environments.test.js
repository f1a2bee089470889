// environments.local(url), like Python's Environment.local (issue #18): the simulator's base URL
// is the whole environment (platform routes, confirm page, Maskinporten issuer), with no URL
// plumbing. Against the simulator over real HTTP, in both token modes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createClient, environments } from '../src/index.js';
import { createSigner } from '../src/node.js';
import { API_SCOPE, CLIENT_ID, KEY_FILE, KID, ORGS, SYSTEM, standardInput, startSimulator } from './helpers.js';

let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());

test('environments.local(url) is the simulator: platform, confirm page and Maskinporten issuer', () => {
  assert.deepEqual({ ...environments.local('http://127.0.0.1:5101') }, {
    platformUrl: 'http://127.0.0.1:5101',
    confirmUrl: 'http://127.0.0.1:5101',
    maskinportenIssuer: 'http://127.0.0.1:5101/',
  });
  assert.deepEqual(environments.local('http://127.0.0.1:5101//'), environments.local(new URL('http://127.0.0.1:5101')));
  assert.equal(environments.tt02, 'tt02');
  assert.equal(environments.production, 'production');
  assert.throws(() => environments.local(5101), /^TypeError: url must be the simulator's base URL/);
  assert.throws(() => environments.local('localhost:5101'), /^TypeError: url must be an http\(s\) URL/);
  assert.throws(() => environments.local('not a url'), /^TypeError: url must be an absolute http\(s\) URL/);
  assert.throws(() => environments.local('http://127.0.0.1:5101/?x=1'), /^TypeError: url must be an http\(s\) URL without credentials, query or fragment/);
});

test('a token-callback client on environments.local(sim.base) creates, reads and lists requests', async () => {
  await sim.reset();
  const client = await createClient({ environment: environments.local(`${sim.base}/`), token: sim.tokens() });
  const { request, isNew } = await client.createRequest(standardInput(ORGS[0]));
  assert.equal(isNew, true);
  assert.ok(request.confirmUrl.startsWith(sim.base), 'the confirm page is the simulator');
  assert.equal((await client.getRequest(request.id)).id, request.id);
  // The URL alone as the environment works the same.
  const byUrl = await createClient({ environment: sim.base, token: sim.tokens() });
  assert.deepEqual(byUrl.config.environment, client.config.environment);
  assert.equal((await byUrl.listAllRequests({ systemId: SYSTEM })).length, 1);
});

test('a Maskinporten-mode client on environments.local(sim.base) gets its grants from the simulator', async () => {
  await sim.reset();
  const client = await createClient({
    environment: environments.local(sim.base),
    maskinporten: { clientId: CLIENT_ID, signer: createSigner({ keyFile: KEY_FILE, kid: KID }) },
  });
  const { request } = await client.createRequest(standardInput(ORGS[1]));
  await sim.approve(request.id);
  const token = await client.systemUserToken({ customerOrgNo: ORGS[1], scopes: [API_SCOPE] });
  assert.ok(token.expiresAt > new Date());
  assert.ok((await sim.grants()).length >= 2, 'grants went to the simulator\'s Maskinporten');
});
