// The edge handler end to end: node:http in front, the simulator behind, real HTTP on both sides.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { createOnboardingHandler } from '../src/edge.js';
import { serve } from '../src/node.js';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { createClient, createWebCryptoSigner } from '../src/index.js';
import { AGENT_PACKAGE, AGENT_SYSTEM, CLIENT_ID, KEY_FILE, KID, ORGS, PACKAGE, SYSTEM, startSimulator } from './helpers.js';

let sim;
let app;
let agentApp;
const logged = [];
const onError = (err) => logged.push(JSON.stringify(err));
before(async () => {
  sim = await startSimulator();
  const client = await sim.client();
  app = await serve(createOnboardingHandler({ client, systemId: SYSTEM, accessPackages: [PACKAGE], onError }));
  agentApp = await serve(
    createOnboardingHandler({ client, systemId: AGENT_SYSTEM, kind: 'agent', accessPackages: [AGENT_PACKAGE], basePath: '/clients/onboard', onError }),
  );
});
after(async () => {
  await app?.close();
  await agentApp?.close();
  await sim?.stop();
});
beforeEach(() => sim.reset());

async function call(method, path, body, { base = app.url, type = 'application/json' } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

test('POST /onboard creates a request and answers with the confirm link; again gives the same one', async () => {
  const res = await call('POST', '/onboard', { orgNo: `0192:${ORGS[0]}`, externalRef: 'crm-42' });
  assert.equal(res.status, 201);
  assert.match(res.headers.get('content-type'), /application\/json/);
  assert.equal(res.body.status, 'New');
  assert.equal(res.body.partyOrgNo, ORGS[0]);
  assert.equal(res.body.externalRef, 'crm-42');
  assert.ok(res.body.confirmUrl.startsWith(`${sim.base}/`));
  assert.equal(res.headers.get('location'), `/onboard/${res.body.id}`);
  // The link works: the confirm page of the simulator answers.
  assert.equal((await fetch(res.body.confirmUrl)).status, 200);

  const again = await call('POST', '/onboard', { orgNo: ORGS[0], externalRef: 'crm-42' });
  assert.equal(again.status, 200);
  assert.equal(again.body.id, res.body.id);
  assert.equal(again.body.isNew, false);
});

test('GET /onboard/:id follows the customer decision', async () => {
  const { body } = await call('POST', '/onboard', { orgNo: ORGS[1] });
  let st = await call('GET', `/onboard/${body.id}`);
  assert.equal(st.status, 200);
  assert.equal(st.body.status, 'New');
  assert.equal(st.body.effectiveStatus, 'New');
  await sim.approve(body.id);
  st = await call('GET', `/onboard/${body.id}`);
  assert.equal(st.body.status, 'Accepted');
  assert.equal(st.body.timedOut, false);
  assert.match(st.body.created, /^\d{4}-\d\d-\d\dT/);
});

test('an agent onboarding endpoint on its own path', async () => {
  const res = await call('POST', '/clients/onboard', { orgNo: ORGS[2] }, { base: agentApp.url });
  assert.equal(res.status, 201, res.text);
  const st = await call('GET', `/clients/onboard/${res.body.id}`, undefined, { base: agentApp.url });
  assert.equal(st.body.status, 'New');
  assert.equal((await call('GET', `/onboard/${res.body.id}`, undefined, { base: agentApp.url })).status, 404);
});

test('a lost answer from Altinn is reconciled behind the endpoint', async () => {
  await sim.fault('create_request', 'lost_response');
  const res = await call('POST', '/onboard', { orgNo: ORGS[3] });
  assert.equal(res.status, 200);
  assert.equal(res.body.reconciled, true);
  assert.ok(res.body.confirmUrl);
});

test('bad input: 400 with violations, 415, 405, 404', async () => {
  const bad = await call('POST', '/onboard', { orgNo: '123456789' });
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get('content-type'), /application\/problem\+json/);
  assert.equal(bad.body.violations[0].code, 'org-no-checksum');
  assert.equal((await call('POST', '/onboard', {})).body.violations[0].field, 'partyOrgNo');
  assert.equal((await call('POST', '/onboard', { orgNo: 310816191 })).status, 400);
  assert.equal((await call('POST', '/onboard', '{"orgNo":')).status, 400);
  assert.equal((await call('POST', '/onboard', 'orgNo=1', { type: 'application/x-www-form-urlencoded' })).status, 415);
  const get = await call('GET', '/onboard');
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  assert.equal((await call('DELETE', `/onboard/7c557dff-528d-4532-b1ce-e2cdf75b1109`)).status, 405);
  assert.equal((await call('GET', '/onboard/not-a-uuid')).status, 400);
  assert.equal((await call('GET', '/onboard/7c557dff-528d-4532-b1ce-e2cdf75b1109')).status, 404);
  assert.equal((await call('GET', '/elsewhere')).status, 404);
  assert.deepEqual((await sim.calls()).map((c) => c.route), ['get_request'], 'only the well-formed id reached Altinn');
});

test('Altinn refusals and outages become 422/503/504/502 without leaking anything', async () => {
  const unknownOrg = await call('POST', '/onboard', { orgNo: '310000000' });
  assert.equal(unknownOrg.status, 422);
  assert.equal(unknownOrg.body.code, 'AUTH-00000');

  await sim.fault('get_request', 'status503', { count: 10, retryAfterSecs: 1 });
  const down = await call('GET', '/onboard/7c557dff-528d-4532-b1ce-e2cdf75b1109');
  assert.equal(down.status, 503, down.text);
  assert.equal(down.headers.get('retry-after'), '1', "Altinn's Retry-After is passed on");
  assert.equal(down.body.altinnStatus, 503);

  await sim.reset();
  await sim.fault('get_request', 'status429', { retryAfterSecs: 3600 });
  const limited = await call('GET', '/onboard/7c557dff-528d-4532-b1ce-e2cdf75b1109');
  assert.equal(limited.status, 503, limited.text);
  assert.equal(limited.headers.get('retry-after'), '3600');

  await sim.reset();
  await sim.fault('get_request', 'gzip_bomb', { count: 10 });
  const bomb = await call('GET', '/onboard/7c557dff-528d-4532-b1ce-e2cdf75b1109');
  assert.equal(bomb.status, 502, bomb.text);
  assert.equal(bomb.body.transportKind, 'too-large');

  await sim.reset();
  await sim.fault('get_request', 'delay', { delayMs: 1500, count: 10 });
  const slowClient = await sim.client({ timeoutMs: 100, retryBudget: 0 });
  const slow = await serve(createOnboardingHandler({ client: slowClient, systemId: SYSTEM, accessPackages: [PACKAGE] }));
  try {
    const timedOut = await call('GET', '/onboard/7c557dff-528d-4532-b1ce-e2cdf75b1109', undefined, { base: slow.url });
    assert.equal(timedOut.status, 504);
    assert.equal(timedOut.body.transportKind, 'timeout');
  } finally {
    await slow.close();
  }

  const leaky = await createClient({ environment: sim.environment, token: (scopes) => sim.mint([], {}) });
  const noScope = await serve(createOnboardingHandler({ client: leaky, systemId: SYSTEM, accessPackages: [PACKAGE] }));
  try {
    const forbidden = await call('POST', '/onboard', { orgNo: ORGS[4] }, { base: noScope.url });
    assert.equal(forbidden.status, 502);
    assert.match(forbidden.body.title, /credentials/);
  } finally {
    await noScope.close();
  }
  for (const token of sim.minted) {
    for (const line of logged) assert.ok(!line.includes(token), 'the error log holds a token');
    assert.ok(!unknownOrg.text.includes(token) && !down.text.includes(token));
  }
  assert.ok(logged.length >= 2, 'onError saw the failures');
});

test('the handler is a plain (Request) => Promise<Response> function', async () => {
  const client = await sim.client();
  const handler = createOnboardingHandler({ client, systemId: SYSTEM, accessPackages: [PACKAGE] });
  const res = await handler(new Request('https://edge.example/onboard', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orgNo: ORGS[5] }) }));
  assert.ok(res instanceof Response);
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.equal((await handler(new Request(`https://edge.example/onboard/${body.id}`))).status, 200);
});

test('behind a client in Maskinporten mode: grants instead of a token callback; a refused grant is a 502', async () => {
  const mp = await serve(createOnboardingHandler({ client: await sim.mpClient(), systemId: SYSTEM, accessPackages: [PACKAGE] }));
  const refused = await serve(
    createOnboardingHandler({ client: await sim.mpClient({ clientId: 'no-such-client' }), systemId: SYSTEM, accessPackages: [PACKAGE], onError }),
  );
  try {
    const res = await call('POST', '/onboard', { orgNo: ORGS[6] }, { base: mp.url });
    assert.equal(res.status, 201, res.text);
    assert.equal((await call('GET', `/onboard/${res.body.id}`, undefined, { base: mp.url })).body.status, 'New');
    assert.ok((await sim.grants()).length >= 2);

    const bad = await call('POST', '/onboard', { orgNo: ORGS[7] }, { base: refused.url });
    assert.equal(bad.status, 502);
    assert.equal(bad.body.code, 'MP-100');
    assert.match(bad.body.title, /credentials/);
    assert.match(logged.at(-1), /MaskinportenError/);
  } finally {
    await mp.close();
    await refused.close();
  }
});

test('an edge deployment end to end: plain fetch, a Web Crypto signer, the handler called as (Request) => Response', async () => {
  // What a Worker holds: the key as a JWK secret (here the TEST-ONLY one), nothing of node:.
  const mintedBefore = sim.minted.length;
  const jwk = { ...createPrivateKey(readFileSync(KEY_FILE, 'utf8')).export({ format: 'jwk' }), kid: KID };
  const client = await createClient({
    environment: sim.environment,
    maskinporten: { clientId: CLIENT_ID, signer: await createWebCryptoSigner({ key: JSON.stringify(jwk) }) },
    fetch: (url, init) => globalThis.fetch(url, init),
  });
  const handler = createOnboardingHandler({ client, systemId: SYSTEM, accessPackages: [PACKAGE], onError });
  const post = new Request('https://worker.example/onboard', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orgNo: ORGS[8] }) });
  const res = await handler(post);
  assert.equal(res.status, 201, await res.clone().text());
  const body = await res.json();
  assert.equal((await (await handler(new Request(`https://worker.example/onboard/${body.id}`))).json()).status, 'New');
  const grants = await sim.grants();
  assert.ok(grants.length >= 2 && grants.every((g) => g.status === 200), 'grants signed with crypto.subtle were accepted');
  // (Counted, not compared: a failing assertion must not print tokens.)
  assert.equal(sim.minted.length, mintedBefore, 'no token from the admin route: every one came from a grant');
});

