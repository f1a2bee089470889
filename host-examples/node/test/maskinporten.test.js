// Maskinporten mode: the component signs its own JWT grants through the signer import, posts
// them to the simulator's /token like any other request and caches the tokens. No token is
// minted on the admin route in this file: every token comes from a real grant.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  AltinnError,
  MaskinportenError,
  SystemUserError,
  SystemUserToken,
  TokenError,
  ValidationError,
  WebCryptoSigner,
  createClient,
  createWebCryptoSigner,
} from '../src/index.js';
import { createSigner } from '../src/node.js';
import { API_SCOPE, CERT_FILE, CLIENT_ID, KEY_FILE, KID, ORGS, SCOPES, SYSTEM, UNREGISTERED_KEY_FILE, standardInput, startSimulator } from './helpers.js';

let sim;
before(async () => {
  sim = await startSimulator();
});
after(() => sim?.stop());
beforeEach(() => sim.reset());

/** Every secret that crossed the wire: assertions (and their signatures), access tokens, bearer headers. */
const secrets = new Set();
/** The decoded grants sent, newest last. */
const sentGrants = [];

function b64json(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** fetch that records what must never show up anywhere. */
async function recordingFetch(url, init) {
  const auth = init.headers.get('authorization');
  if (auth) secrets.add(auth.replace(/^Bearer /, ''));
  if (init.body) {
    const assertion = new URLSearchParams(new TextDecoder().decode(init.body)).get('assertion');
    if (assertion) {
      const [header, claims, signature] = assertion.split('.');
      secrets.add(assertion);
      secrets.add(signature);
      sentGrants.push({ header: b64json(header), claims: b64json(claims), signingInput: `${header}.${claims}`, signature });
    }
  }
  const res = await fetch(url, init);
  if (new URL(url).pathname === '/token') {
    const body = await res.clone().json().catch(() => ({}));
    if (body.access_token) {
      secrets.add(body.access_token);
      secrets.add(body.access_token.split('.').pop());
    }
  }
  return res;
}

const client = (options = {}) => sim.mpClient({ fetch: recordingFetch, ...options });

/** A clock `offsetMs` away from the real one, movable during a test. */
function movableClock(offsetMs = 0) {
  const clock = { offsetMs, now: () => Date.now() + clock.offsetMs };
  return clock;
}

/** Key material of the TEST-ONLY keys: PEM body lines and every private JWK member. */
function keyMaterial() {
  const out = [];
  for (const file of [KEY_FILE, UNREGISTERED_KEY_FILE]) {
    const pem = readFileSync(file, 'utf8');
    out.push(...pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----')));
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) out.push(jwk[m].slice(0, 40));
  }
  return out;
}

function assertClean(text, what) {
  for (const s of [...secrets, ...keyMaterial()]) {
    assert.ok(s.length >= 16, 'a secret long enough to search for');
    assert.ok(!text.includes(s), `a secret leaked into ${what}`);
  }
}

function assertNoSecret(err) {
  const texts = [String(err), err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 20, showHidden: true })];
  for (let c = err.cause; c; c = c.cause) texts.push(String(c), inspect(c, { depth: 20 }));
  for (const t of texts) assertClean(t, err.name);
}

describe('operations on real grants', () => {
  test('create, read, list, verify and withdraw with tokens from Maskinporten, none minted', async () => {
    const c = await client();
    assert.deepEqual(c.config.maskinporten, { clientId: CLIENT_ID, resource: undefined, key: { tag: 'key-id', val: KID } });
    const { request, isNew } = await c.createRequest(standardInput(ORGS[0], { externalRef: 'mp-1' }));
    assert.equal(isNew, true);
    assert.equal((await c.getRequest(request.id)).status, 'New');
    assert.equal((await c.listRequests({ systemId: SYSTEM })).items.length, 1);
    await sim.approve(request.id);
    const user = await c.verifySystemUser({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: 'mp-1' });
    assert.equal(user.id, request.id);
    const other = (await c.createRequest(standardInput(ORGS[1]))).request;
    await c.withdrawRequest(other.id);

    assert.equal(sim.minted.length, 0, 'no token from the admin route'); // counted: a failure must not print tokens
    const grants = await sim.grants();
    // One grant per scope set: register (pre-flight), write, read.
    assert.equal(grants.length, 3);
    assert.ok(grants.every((g) => g.method === 'POST' && g.status === 200));
  });

  test('the grant is an RS256 JWT bearer assertion as API.md §10 says, verifiable with the public key', async () => {
    const c = await client();
    sentGrants.length = 0;
    const before = Math.floor(Date.now() / 1000);
    await c.getRegisteredSystem(SYSTEM);
    const [g] = sentGrants;
    assert.deepEqual(g.header, { alg: 'RS256', kid: KID });
    assert.deepEqual(Object.keys(g.claims).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'scope']);
    assert.equal(g.claims.aud, `${sim.base}/`);
    assert.equal(g.claims.iss, CLIENT_ID);
    assert.equal(g.claims.scope, SCOPES.register);
    assert.equal(g.claims.exp - g.claims.iat, 120);
    assert.ok(Math.abs(g.claims.iat - before) <= 2);
    assert.match(g.claims.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const { verify } = await import('node:crypto');
    const publicKey = createPrivateKey(readFileSync(KEY_FILE));
    assert.ok(verify('sha256', Buffer.from(g.signingInput), publicKey, Buffer.from(g.signature, 'base64url')));
  });

  test('a key given as a private JWK, a one-key JWK Set, PKCS#1 PEM or a KeyObject works the same', async () => {
    const keyObject = createPrivateKey(readFileSync(KEY_FILE));
    const jwk = { ...keyObject.export({ format: 'jwk' }), kid: KID };
    const signers = [
      createSigner({ key: jwk }),
      createSigner({ key: JSON.stringify({ keys: [jwk] }) }),
      createSigner({ key: keyObject.export({ format: 'pem', type: 'pkcs1' }), kid: KID }),
      createSigner({ key: keyObject, kid: KID }),
    ];
    for (const signer of signers) {
      assert.deepEqual(signer.identity(), { kid: KID });
      const c = await client({ signer });
      assert.equal((await c.getRegisteredSystem(SYSTEM)).id, SYSTEM);
    }
    assert.equal((await sim.grants()).length, signers.length, 'each client has its own cache');
  });

  test('the registered business certificate (x5c) signs grants', async () => {
    const c = await client({ signer: createSigner({ keyFile: KEY_FILE, x5c: readFileSync(CERT_FILE, 'utf8') }) });
    assert.equal((await c.getRegisteredSystem(SYSTEM)).id, SYSTEM);
  });

  test('a business certificate chain goes in the header as x5c; one the client does not have is MP-120', async () => {
    const chain = ['MIIB+w==', 'MIIC/A=='];
    const c = await client({ signer: createSigner({ keyFile: KEY_FILE, x5c: chain }) });
    sentGrants.length = 0;
    const err = await c.getRegisteredSystem(SYSTEM).catch((e) => e);
    assert.deepEqual(sentGrants[0].header, { alg: 'RS256', x5c: chain });
    assert.ok(err instanceof MaskinportenError, inspect(err));
    assert.equal(err.code, 'MP-120');
    assert.match(err.detail, /x5c/);
  });
});

describe('the token cache in the component', () => {
  test('the same scopes make no new grant, other scopes do', async () => {
    const c = await client();
    await c.getRegisteredSystem(SYSTEM);
    await c.getRegisteredSystem(SYSTEM);
    assert.equal((await sim.grants()).length, 1);
    await c.listRequests({ systemId: SYSTEM });
    assert.equal((await sim.grants()).length, 2);
    await Promise.all([c.listRequests({ systemId: SYSTEM }), c.getRegisteredSystem(SYSTEM)]);
    assert.equal((await sim.grants()).length, 2);
  });

  test('a cached token is used until 30 s before it expires (120 s tokens), then a new grant is made', async () => {
    // Behind by 100 s, so the clock can move 95 s forward and the grants still have valid times.
    const clock = movableClock(-100_000);
    const c = await client({ now: clock.now });
    await c.getRegisteredSystem(SYSTEM);
    clock.offsetMs += 85_000;
    await c.getRegisteredSystem(SYSTEM);
    assert.equal((await sim.grants()).length, 1, '35 s left: still cached');
    clock.offsetMs += 10_000;
    await c.getRegisteredSystem(SYSTEM);
    assert.equal((await sim.grants()).length, 2, '25 s left: a new grant');
  });
});

describe('system-user tokens', () => {
  test('for an approved customer: scope, expiry, cached, and masked when printed', async () => {
    const c = await client();
    const { request } = await c.createRequest(standardInput(ORGS[2], { externalRef: 'kunde-7' }));
    await sim.approve(request.id);
    const grantsBefore = (await sim.grants()).length;
    const t0 = Date.now();
    const token = await c.systemUserToken({ customerOrgNo: ORGS[2], externalRef: 'kunde-7', scopes: [API_SCOPE] });
    assert.ok(token instanceof SystemUserToken);
    assert.equal(token.scope, API_SCOPE);
    assert.ok(token.expiresAt instanceof Date);
    assert.ok(Math.abs(token.expiresAt.getTime() - (t0 + 120_000)) < 5_000, token.expiresAt.toISOString());
    // The simulator's token names the system user (its id is the approved request's).
    const claims = b64json(token.token.split('.')[1]);
    assert.deepEqual(claims.authorization_details[0].systemuser_id, [request.id]);
    assert.equal(sentGrants.at(-1).claims.authorization_details[0].externalRef, 'kunde-7');

    for (const shown of [String(token), `${token}`, JSON.stringify(token), inspect(token), inspect({ token }, { depth: 5 }), inspect(token, { showHidden: true })]) {
      assert.ok(!shown.includes(token.token), shown);
      assert.match(shown, /redacted/);
    }
    assert.deepEqual(Object.keys(token).sort(), ['expiresAt', 'scope']);

    const again = await c.systemUserToken({ customerOrgNo: ORGS[2], externalRef: 'kunde-7', scopes: [API_SCOPE] });
    assert.equal(again.token, token.token);
    assert.equal((await sim.grants()).length, grantsBefore + 1, 'the second came from the cache');
  });

  test('MP-303 for a wrong external ref or a customer without a system user', async () => {
    const c = await client();
    const { request } = await c.createRequest(standardInput(ORGS[3], { externalRef: 'kunde-8' }));
    await sim.approve(request.id);
    for (const query of [
      { customerOrgNo: ORGS[3], externalRef: 'someone-else', scopes: [API_SCOPE] },
      { customerOrgNo: ORGS[3], scopes: [API_SCOPE] }, // the ref defaults to the org number
      { customerOrgNo: ORGS[4], scopes: [API_SCOPE] },
    ]) {
      const err = await c.systemUserToken(query).catch((e) => e);
      assert.ok(err instanceof MaskinportenError && err instanceof SystemUserError, inspect(err));
      assert.equal(err.kind, 'maskinporten');
      assert.equal(err.code, 'MP-303');
      assert.equal(err.status, 400);
      assert.equal(err.title, 'invalid_altinn_customer_configuration');
      assert.match(err.detail, /MP-303/);
      assert.match(err.message, /no system user/i);
      assert.equal(JSON.parse(JSON.stringify(err)).code, 'MP-303');
      assertNoSecret(err);
    }
  });

  test('the inputs are checked before anything is signed or sent', async () => {
    const c = await client();
    const err = await c.systemUserToken({ customerOrgNo: '123456789', externalRef: 'bad ref!', scopes: [] }).catch((e) => e);
    assert.ok(err instanceof ValidationError, inspect(err));
    assert.deepEqual(err.violations.map((v) => v.field).sort(), ['customerOrgNo', 'externalRef', 'scopes']);
    await assert.rejects(c.systemUserToken({ customerOrgNo: ORGS[0] }), TypeError);
    // In token-callback mode there is no Maskinporten client to ask with.
    const callbackClient = await sim.client();
    const notConfigured = await callbackClient.systemUserToken({ customerOrgNo: ORGS[0], scopes: [API_SCOPE] }).catch((e) => e);
    assert.equal(notConfigured.code, 'maskinporten-not-configured');
    assert.deepEqual(await sim.grants(), []);
  });
});

describe('refused grants', () => {
  test('MP-130: a host clock 60 s ahead', async () => {
    const c = await client({ now: movableClock(60_000).now });
    const err = await c.getRegisteredSystem(SYSTEM).catch((e) => e);
    assert.ok(err instanceof MaskinportenError, inspect(err));
    assert.equal(err.code, 'MP-130');
    assert.equal(err.title, 'invalid_grant');
    assert.match(err.message, /clock/);
    assertNoSecret(err);
  });

  test('MP-120: a key that is not registered on the client', async () => {
    const c = await client({ signer: createSigner({ keyFile: UNREGISTERED_KEY_FILE, kid: KID }) });
    const err = await c.listRequests({ systemId: SYSTEM }).catch((e) => e);
    assert.ok(err instanceof MaskinportenError, inspect(err));
    assert.equal(err.code, 'MP-120');
    assert.match(err.message, new RegExp(KID));
    assertNoSecret(err);
  });

  test('MP-100: an unknown client id; a create skips the pre-flight and fails on its own grant', async () => {
    const c = await client({ clientId: 'no-such-client' });
    const err = await c.createRequest(standardInput(ORGS[0])).catch((e) => e);
    assert.ok(err instanceof MaskinportenError, inspect(err));
    assert.equal(err.code, 'MP-100');
    assert.equal(err.title, 'invalid_client');
    assert.match(err.message, /no-such-client/);
    assert.deepEqual(await sim.calls(), [], 'nothing reached Altinn');
    assertNoSecret(err);
  });

  test('no signer: TokenError saying no key is configured, nothing sent', async () => {
    const c = await client({ signer: null });
    const err = await c.getRegisteredSystem(SYSTEM).catch((e) => e);
    assert.ok(err instanceof TokenError, inspect(err));
    assert.match(err.message, /no Maskinporten key is configured/);
    assert.deepEqual(await sim.grants(), []);
  });

  test("a signer's failure or a wrong answer from it is a TokenError; the client keeps working", async () => {
    const good = createSigner({ keyFile: KEY_FILE, kid: KID });
    const cases = [
      [{ identity: () => good.identity(), sign: () => { throw new Error('the HSM is offline'); } }, /HSM is offline/],
      [{ identity: () => good.identity(), sign: async () => Promise.reject(new Error('the KMS said no')) }, /KMS said no/],
      [{ identity: () => good.identity(), sign: async () => 'not bytes' }, /Uint8Array/],
      [{ identity: () => ({ kid: 5 }), sign: (d) => good.sign(d) }, /kid/],
      [{ identity: () => { throw new Error('no key in the vault'); }, sign: (d) => good.sign(d) }, /no key in the vault/],
      [{ identity: () => good.identity(), sign: () => new Uint8Array(10) }, /10-byte signature/],
    ];
    for (const [signer, message] of cases) {
      const c = await client({ signer });
      const err = await c.getRegisteredSystem(SYSTEM).catch((e) => e);
      assert.ok(err instanceof TokenError, inspect(err));
      assert.match(err.message, message);
    }
    assert.deepEqual(await sim.grants(), []);
  });

  test('a random source that repeats itself is caught before Maskinporten sees the jti', async () => {
    const c = await client({ randomBytes: (n) => new Uint8Array(n) });
    await c.getRegisteredSystem(SYSTEM);
    const err = await c.listRequests({ systemId: SYSTEM }).catch((e) => e);
    assert.ok(err instanceof TokenError, inspect(err));
    assert.match(err.message, /random/);
    assert.equal((await sim.grants()).length, 1);
  });
});

describe('asynchronous signing, and the Web Crypto signer', () => {
  /** The TEST-ONLY key as a private JWK (with the registered kid), PKCS#8 PEM and DER. */
  function keyForms() {
    const pem = readFileSync(KEY_FILE, 'utf8');
    const keyObject = createPrivateKey(pem);
    const jwk = { ...keyObject.export({ format: 'jwk' }), kid: KID };
    return { pem, jwk, der: keyObject.export({ format: 'der', type: 'pkcs8' }), keyObject };
  }

  test('a signer whose sign() resolves later (a KMS, an HSM) is awaited: its grants are accepted', async () => {
    const node = createSigner({ keyFile: KEY_FILE, kid: KID });
    const calls = [];
    const slow = {
      identity: () => node.identity(),
      sign: async (data) => {
        calls.push(data.length);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return node.sign(data);
      },
    };
    const c = await client({ signer: slow });
    // Two operations at once, each with its own grant (different scopes), both signed async.
    const [system, page] = await Promise.all([c.getRegisteredSystem(SYSTEM), c.listRequests({ systemId: SYSTEM })]);
    assert.equal(system.id, SYSTEM);
    assert.deepEqual(page.items, []);
    assert.equal(calls.length, 2);
    const grants = await sim.grants();
    assert.equal(grants.length, 2);
    assert.ok(grants.every((g) => g.status === 200), inspect(grants));
  });

  test('createWebCryptoSigner (crypto.subtle) from a JWK, a JWK Set, PKCS#8 PEM, DER or a CryptoKey: grants the simulator accepts, the same signatures as node:crypto', async () => {
    const { pem, jwk, der } = keyForms();
    const cryptoKey = await crypto.subtle.importKey('jwk', { ...jwk, kid: undefined, alg: 'RS256' }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    const signers = [
      await createWebCryptoSigner({ key: jwk }),
      await createWebCryptoSigner({ key: JSON.stringify({ keys: [jwk] }) }),
      await createWebCryptoSigner({ key: pem, kid: KID }),
      await createWebCryptoSigner({ key: new Uint8Array(der), kid: KID }),
      await createWebCryptoSigner({ key: cryptoKey, kid: KID }),
    ];
    const node = createSigner({ keyFile: KEY_FILE, kid: KID });
    const data = new TextEncoder().encode('eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0');
    for (const signer of signers) {
      assert.ok(signer instanceof WebCryptoSigner);
      assert.deepEqual(signer.identity(), { kid: KID });
      assert.equal(signer.bits, 2048);
      const signature = signer.sign(data);
      assert.ok(signature instanceof Promise, 'Web Crypto signs asynchronously');
      // RSASSA-PKCS1-v1_5 is deterministic: byte for byte what node:crypto gives.
      assert.deepEqual(Buffer.from(await signature), Buffer.from(node.sign(data)));
      sentGrants.length = 0;
      const c = await client({ signer });
      assert.equal((await c.getRegisteredSystem(SYSTEM)).id, SYSTEM);
      assert.deepEqual(sentGrants[0].header, { alg: 'RS256', kid: KID });
    }
    const grants = await sim.grants();
    assert.equal(grants.length, signers.length);
    assert.ok(grants.every((g) => g.status === 200));
  });

  test('a Web Crypto signer names the registered business certificate (x5c); a system-user token works with it', async () => {
    const { jwk } = keyForms();
    const signer = await createWebCryptoSigner({ key: { ...jwk, kid: undefined }, x5c: readFileSync(CERT_FILE, 'utf8') });
    assert.equal(signer.identity().x5c.length, 1);
    const c = await client({ signer });
    const { request } = await c.createRequest(standardInput(ORGS[8], { externalRef: 'web-1' }));
    await sim.approve(request.id);
    const token = await c.systemUserToken({ customerOrgNo: ORGS[8], externalRef: 'web-1', scopes: [API_SCOPE] });
    assert.equal(token.scope, API_SCOPE);
    assert.ok(sentGrants.at(-1).header.x5c);
  });

  test('a Web Crypto signer with a key Maskinporten does not know is MP-120; one whose subtle.sign fails is a TokenError', async () => {
    const unregistered = createPrivateKey(readFileSync(UNREGISTERED_KEY_FILE, 'utf8')).export({ format: 'jwk' });
    const c = await client({ signer: await createWebCryptoSigner({ key: unregistered, kid: KID }) });
    const err = await c.getRegisteredSystem(SYSTEM).catch((e) => e);
    assert.ok(err instanceof MaskinportenError, inspect(err));
    assert.equal(err.code, 'MP-120');
    assertNoSecret(err);
    const good = await createWebCryptoSigner({ key: keyForms().jwk });
    const broken = { identity: () => good.identity(), sign: () => good.sign('not bytes') };
    const failed = await (await client({ signer: broken })).getRegisteredSystem(SYSTEM).catch((e) => e);
    assert.ok(failed instanceof TokenError, inspect(failed));
    assert.match(failed.message, /RSA signing failed/);
  });

  test('createWebCryptoSigner refuses bad keys with a clear message, never quoting them', async () => {
    const { pem, jwk, keyObject } = keyForms();
    const { p, ...withoutP } = jwk;
    const pkcs1 = keyObject.export({ format: 'pem', type: 'pkcs1' });
    const publicPem = createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }).replace(/PRIVATE/g, 'PUBLIC');
    const publicKey = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    const pssKey = await crypto.subtle.importKey('jwk', { ...jwk, kid: undefined }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
    const small = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign']);
    const cases = [
      [{ key: pkcs1, kid: 'k' }, /PKCS#1/],
      [{ key: pem.replace('PRIVATE KEY-----\n', 'PRIVATE KEY-----\n!!!!'), kid: 'k' }, /base64|usable/],
      [{ key: JSON.stringify(jwk).slice(0, -3), kid: 'k' }, /not valid JSON/],
      [{ key: { ...withoutP, kid: 'k' } }, /no p member/],
      [{ key: { keys: [jwk, jwk] } }, /2 keys/],
      [{ key: { ...jwk, kty: 'EC' } }, /RSA/],
      [{ key: publicPem, kid: 'k' }, /public key/],
      [{ key: new Uint8Array(64), kid: 'k' }, /not a usable RSA private key/],
      [{ key: publicKey, kid: 'k' }, /public CryptoKey/],
      [{ key: pssKey, kid: 'k' }, /RSASSA-PKCS1-v1_5/],
      [{ key: small.privateKey, kid: 'k' }, /1024-bit/],
      [{ key: 'just some text', kid: 'k' }, /neither/],
    ];
    for (const [options, message] of cases) {
      const err = await createWebCryptoSigner(options).catch((e) => e);
      assert.ok(err instanceof TokenError, `${message}: ${inspect(err)}`);
      assert.match(err.message, message);
      assertClean(`${err.stack}\n${inspect(err, { showHidden: true, depth: 10 })}\n${JSON.stringify(err)}`, 'a createWebCryptoSigner error');
    }
    await assert.rejects(createWebCryptoSigner({ key: pem }), /no key id/);
    await assert.rejects(createWebCryptoSigner({ key: jwk, kid: 'k', x5c: ['MIIB'] }), /not both/);
    await assert.rejects(createWebCryptoSigner({}), /give key/);
    assert.throws(() => new WebCryptoSigner({}, { kid: 'k' }), /createWebCryptoSigner/);
  });

  test('a Web Crypto signer prints its identity, never its key', async () => {
    const signer = await createWebCryptoSigner({ key: keyForms().jwk });
    for (const shown of [inspect(signer, { showHidden: true, depth: 10 }), JSON.stringify(signer), String(signer)]) {
      assert.match(shown, /sim-test-key-1/);
      assertClean(shown, 'a printed Web Crypto signer');
    }
    assert.deepEqual(Object.keys(signer), []);
  });
});

describe('no echoed secret in Maskinporten mode', () => {
  test("an Altinn 400 quoting the component's own Maskinporten token shows it nowhere", async () => {
    const c = await client();
    await sim.fault('get_request', 'echo_token');
    const before = secrets.size;
    const err = await c.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(secrets.size > before, 'a grant was made and its token sent');
    assert.ok(err instanceof AltinnError, inspect(err));
    assert.equal(err.status, 400);
    assert.match(err.title, /\[redacted\]/);
    assert.equal(err.extensions.echo, 'Bearer [redacted]');
    assertNoSecret(err);
    for (const v of err.violations) assertClean(v.message, 'a field error');
  });

  test('a Maskinporten 400 quoting the assertion (and its signature) shows neither', async () => {
    const c = await client();
    await sim.fault('maskinporten_token', 'echo_token');
    const err = await c.getRegisteredSystem(SYSTEM).catch((e) => e);
    assert.ok(err instanceof MaskinportenError, inspect(err));
    assert.equal(err.status, 400);
    assert.match(err.detail, /\[redacted\]/);
    assertNoSecret(err);
  });
});

describe('options and the signer', () => {
  test('options are checked when the client is made', async () => {
    const signer = createSigner({ keyFile: KEY_FILE, kid: KID });
    const env = sim.environment;
    await assert.rejects(createClient({ environment: env, maskinporten: { signer } }), /clientId/);
    await assert.rejects(createClient({ environment: env, token: async () => 't', maskinporten: { clientId: CLIENT_ID, signer } }), /not both/);
    await assert.rejects(createClient({ environment: env, maskinporten: { clientId: CLIENT_ID, signer: {} } }), /identity\(\) and sign/);
    await assert.rejects(createClient({ environment: env, maskinporten: { clientId: CLIENT_ID, now: 5 } }), /now/);
    await assert.rejects(createClient({ environment: env }), /options.token/);
  });

  test('createSigner refuses bad keys without quoting them', () => {
    const pem = readFileSync(KEY_FILE, 'utf8');
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    const { p, ...withoutP } = jwk;
    const publicPem = createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }).replace('PRIVATE', 'PUBLIC');
    const cases = [
      [{ key: pem.slice(0, 400), kid: 'k' }, /not a usable private key/],
      [{ key: JSON.stringify(jwk).slice(0, -3), kid: 'k' }, /not valid JSON/],
      [{ key: { ...withoutP, kid: 'k' } }, /no p member/],
      [{ key: { keys: [jwk, jwk] }, kid: 'k' }, /2 keys/],
      [{ key: pem.split('\n').slice(1, -2).join('\n'), kid: 'k' }, /neither PEM/],
      [{ key: publicPem, kid: 'k' }, /private key/],
      [{ keyFile: '/nonexistent/key.pem', kid: 'k' }, /ENOENT/],
    ];
    for (const [options, message] of cases) {
      let err;
      assert.throws(() => createSigner(options), (e) => ((err = e), true));
      assert.ok(err instanceof TokenError, inspect(err));
      assert.match(err.message, message);
      assertClean(`${err.stack}\n${inspect(err, { showHidden: true, depth: 10 })}\n${JSON.stringify(err)}`, 'a createSigner error');
    }
    assert.throws(() => createSigner({ key: pem }), /no key id/);
    assert.throws(() => createSigner({ key: pem, kid: 'k', x5c: ['MIIB'] }), /not both/);
    assert.throws(() => createSigner({ kid: 'k' }), /key or keyFile/);
  });

  test('a signer prints its identity, never its key', () => {
    const signer = createSigner({ keyFile: KEY_FILE, kid: KID });
    for (const shown of [inspect(signer, { showHidden: true, depth: 10 }), JSON.stringify(signer), String(signer)]) {
      assert.match(shown, /sim-test-key-1/);
      assertClean(shown, 'a printed signer');
    }
    assert.equal(signer.bits, 2048);
    assert.deepEqual(Object.keys(signer), []);
  });
});

test('no token, assertion or key material in errors, inspect output or the console', async () => {
  const written = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const out = process.stdout.write;
  const errOut = process.stderr.write;
  for (const k of Object.keys(saved)) console[k] = (...a) => written.push(a.join(' '));
  process.stdout.write = (chunk) => (written.push(String(chunk)), true);
  process.stderr.write = (chunk) => (written.push(String(chunk)), true);
  const shown = [];
  try {
    const c = await client();
    const { request } = await c.createRequest(standardInput(ORGS[5]));
    await sim.approve(request.id);
    const token = await c.systemUserToken({ customerOrgNo: ORGS[5], scopes: [API_SCOPE] });
    shown.push(inspect(c, { showHidden: true, depth: 10 }), inspect(token, { showHidden: true }), JSON.stringify(c.config));
    await sim.fault('get_request', 'status503', { count: 10 });
    const failures = [
      await c.getRequest(request.id).catch((e) => e),
      await (await client({ clientId: 'no-such-client' })).getRequest(request.id).catch((e) => e),
      await (await client({ now: () => Date.now() + 60_000 })).getRequest(request.id).catch((e) => e),
      await (await client({ signer: createSigner({ keyFile: UNREGISTERED_KEY_FILE, kid: KID }) })).getRequest(request.id).catch((e) => e),
      await c.systemUserToken({ customerOrgNo: ORGS[5], externalRef: 'x', scopes: [API_SCOPE] }).catch((e) => e),
    ];
    for (const err of failures) {
      assert.ok(err instanceof SystemUserError, inspect(err));
      assertNoSecret(err);
    }
  } finally {
    Object.assign(console, saved);
    process.stdout.write = out;
    process.stderr.write = errOut;
  }
  assert.deepEqual(written, []);
  for (const s of shown) assertClean(s, 'inspect output');
  assert.ok(secrets.size >= 6, `secrets were in play (${secrets.size})`);
});
