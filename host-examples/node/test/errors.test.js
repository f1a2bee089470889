// Every error class, the guards, retries and the reconciliation of a lost create, over real HTTP.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  AltinnError,
  ComponentFailureError,
  ConflictError,
  ForbiddenError,
  InvalidResponseError,
  MisuseError,
  NotFoundError,
  SystemUserClient,
  SystemUserError,
  TokenError,
  TransportError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  createClient,
} from '../src/index.js';
import { fromWitError } from '../src/errors.js';
import { toDatetime } from '../src/convert.js';
import { ORGS, PACKAGE, SCOPES, SYSTEM, UNKNOWN_ORG, agentInput, closedPort, standardInput, startSimulator, stubServer } from './helpers.js';

let sim;
let client;
before(async () => {
  sim = await startSimulator();
  client = await sim.client();
});
after(() => sim?.stop());
beforeEach(() => sim.reset());

/** Asserts that nothing about `err` (message, fields, cause chain, JSON, inspect) holds a token. */
function assertNoSecret(err, secrets = sim.minted) {
  const texts = [String(err), err.stack ?? '', JSON.stringify(err), inspect(err, { depth: 20, showHidden: true })];
  for (let c = err.cause; c; c = c.cause) texts.push(String(c), inspect(c, { depth: 20 }));
  for (const secret of secrets) {
    assert.ok(secret.length >= 12);
    for (const t of texts) {
      assert.ok(!t.includes(secret), `a token leaked into ${err.name}`);
      // Not even the signature part.
      assert.ok(!t.includes(secret.split('.').pop()), `a token signature leaked into ${err.name}`);
    }
  }
}

describe('error classes', () => {
  test('ValidationError: every violation, nothing sent', async () => {
    const err = await client.createRequest({ systemId: 'no spaces allowed', partyOrgNo: '123456789', externalRef: '' }).catch((e) => e);
    assert.ok(err instanceof ValidationError && err instanceof SystemUserError && err instanceof Error);
    assert.equal(err.kind, 'validation');
    const codes = err.violations.map((v) => v.code);
    assert.ok(codes.includes('org-no-checksum'), codes.join());
    assert.ok(err.violations.length >= 2);
    assert.equal(err.code, err.violations[0].code);
    assert.deepEqual(await sim.calls(), []);
  });

  test('ValidationError from the pre-flight check against the registered system: the create is not sent', async () => {
    const err = await client.createRequest(standardInput(ORGS[0], { accessPackages: ['urn:altinn:accesspackage:lonn'] })).catch((e) => e);
    assert.ok(err instanceof ValidationError, inspect(err));
    assert.equal(err.code, 'AUTH-00063');
    assert.deepEqual((await sim.calls()).map((c) => c.route), ['get_registered_system']);
    // An agent-only package in a standard request is refused even before the pre-flight.
    const agentOnly = await client
      .createRequest(standardInput(ORGS[0], { accessPackages: ['urn:altinn:accesspackage:regnskapsforer-lonn'] }))
      .catch((e) => e);
    assert.equal(agentOnly.code, 'AUTH-00064');

    const redirect = await client.createRequest(standardInput(ORGS[0], { redirectUrl: 'https://smartregnskap.example/callback/' })).catch((e) => e);
    assert.equal(redirect.code, 'AUTH-00021');
    const agent = await client.createAgentRequest(agentInput(ORGS[0], { rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'x' }] }] })).catch((e) => e);
    assert.ok(agent instanceof ValidationError);
    assert.ok(agent.violations.some((v) => v.code === 'rights-on-agent-request'), inspect(agent.violations));
  });

  test('AltinnError: the server refuses (org not in the register, system user exists, package not on the system)', async () => {
    const unknown = await client.createRequest(standardInput(UNKNOWN_ORG)).catch((e) => e);
    assert.ok(unknown instanceof AltinnError, inspect(unknown));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code, 'AUTH-00000');
    assert.ok(unknown.message.length > 0);

    const r = (await client.createRequest(standardInput(ORGS[0]))).request;
    await sim.approve(r.id);
    const exists = await client.createRequest(standardInput(ORGS[0])).catch((e) => e);
    assert.ok(exists instanceof AltinnError);
    assert.equal(exists.code, 'AUTH-00004');

    // Without the System Register scope there is no pre-flight: the server decides, with extensions.
    const noRegister = await sim.client({
      token: (scopes) => (scopes.includes(SCOPES.register) ? Promise.reject(new Error('not granted')) : sim.mint(scopes)),
    });
    const pkg = await noRegister.createRequest(standardInput(ORGS[1], { accessPackages: ['urn:altinn:accesspackage:lonn'] })).catch((e) => e);
    assert.ok(pkg instanceof AltinnError, inspect(pkg));
    assert.equal(pkg.code, 'AUTH-00063');
    assert.deepEqual(Object.keys(pkg.extensions), ['NotFoundPackages']);
    assert.equal(JSON.parse(JSON.stringify(pkg)).extensions.NotFoundPackages !== undefined, true);
    assertNoSecret(pkg);
  });

  test('UnauthorizedError: a token Altinn does not accept (expired, or not a token)', async () => {
    const expired = await sim.client({ token: (scopes) => sim.mint(scopes, { expiresIn: 0 }) });
    const err = await expired.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof UnauthorizedError, inspect(err));
    assert.equal(err.status, 401);
    assertNoSecret(err);
    const garbage = await sim.client({ token: async () => 'not-a-jwt-at-all-but-a-secret-anyway' });
    const err2 = await garbage.listRequests({ systemId: SYSTEM }).catch((e) => e);
    assert.ok(err2 instanceof UnauthorizedError);
    assertNoSecret(err2, ['not-a-jwt-at-all-but-a-secret-anyway']);
  });

  test('ForbiddenError: a token without the scope', async () => {
    const noScopes = await sim.client({ token: () => sim.mint([]) });
    const err = await noScopes.listRequests({ systemId: SYSTEM }).catch((e) => e);
    assert.ok(err instanceof ForbiddenError, inspect(err));
    assert.equal(err.status, 403);
    assert.match(err.message, /systemuser\.request\.read/);
    assertNoSecret(err);
  });

  test('NotFoundError with the Altinn code', async () => {
    const err = await client.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.status, 404);
    assert.equal(err.code, 'AUTH-00010');
  });

  test('ConflictError (a 409 problem; the simulator has no vendor route that gives one, so a stub does)', async () => {
    const stub = await stubServer((req, res) => {
      res.writeHead(409, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'urn:altinn:error:AUTH-00013', title: 'not new', status: 409, code: 'AUTH-00013', traceId: '00-abc' }));
    });
    try {
      const c = await createClient({ environment: stub.environment, token: async () => 'stub-token-123456789' });
      const err = await c.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
      assert.ok(err instanceof ConflictError, inspect(err));
      assert.equal(err.code, 'AUTH-00013');
      assert.equal(err.traceId, '00-abc');
      assert.equal(stub.hits[0].headers.authorization, 'Bearer stub-token-123456789');
      assertNoSecret(err, ['stub-token-123456789']);
    } finally {
      await stub.close();
    }
  });

  test('TokenError: the token provider fails', async () => {
    const failing = await sim.client({ token: async () => Promise.reject(new Error('vault is sealed')) });
    const err = await failing.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof TokenError, inspect(err));
    assert.match(err.message, /vault is sealed/);
    assert.match(err.message, /systemuser\.request\.read/);
    const notString = await sim.client({ token: async () => ({ access_token: 'x' }) });
    assert.ok((await notString.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e)) instanceof TokenError);
    assert.deepEqual(await sim.calls(), []);
  });

  test('a token that cannot be sent is refused and never quoted', async () => {
    const secret = 'secret-part-of-a-bad-token';
    const bad = await sim.client({ token: async () => `${secret}\r\nX-Injected: 1` });
    const err = await bad.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof TokenError || (err instanceof TransportError && err.transportKind === 'other'), inspect(err));
    assertNoSecret(err, [secret]);
    assert.deepEqual(await sim.calls(), []);
  });

  test('InvalidResponseError: a confirmUrl that is not the configured confirm page', async () => {
    await sim.settings({ confirmHost: 'https://evil.example' });
    const err = await client.createRequest(standardInput(ORGS[0])).catch((e) => e);
    assert.ok(err instanceof InvalidResponseError, inspect(err));
    assert.match(err.message, /confirm/i);
    const stored = await sim.requests();
    assert.equal(stored.length, 1);
    await assert.rejects(client.getRequest(stored[0].id), InvalidResponseError);
  });

  test('UnavailableError: a 429 asking for longer than the client waits, with its Retry-After', async () => {
    await sim.fault('get_request', 'status429', { retryAfterSecs: 120 });
    const started = Date.now();
    const err = await client.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof UnavailableError, inspect(err));
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterSeconds, 120);
    assert.equal(JSON.parse(JSON.stringify(err)).retryAfterSeconds, 120);
    assert.ok(Date.now() - started < 1000, 'not waited: 120 s is past what the client waits');
    assert.equal((await sim.calls('get_request')).length, 1);
  });

  test('MisuseError: the operation protocol broken by a host pumping the exports by hand', async () => {
    const c = await sim.client();
    const { Operation } = c.exports.operations;
    const now = toDatetime(Date.now());
    const seed = crypto.getRandomValues(new Uint8Array(16));
    const task = { tag: 'get-registered-system', val: SYSTEM };
    const misuse = (op) => {
      try {
        op.finish();
      } catch (e) {
        return fromWitError(e.payload);
      }
      return null;
    };
    // finish before done; an answer to a step that was not asked; start twice.
    const early = new Operation(c.config, task, now, seed);
    const wrongAnswer = new Operation(c.config, task, now, seed);
    assert.equal(wrongAnswer.start().tag, 'need-token');
    assert.equal(wrongAnswer.advance({ tag: 'waited' }, now).tag, 'done');
    const twice = new Operation(c.config, task, now, seed);
    twice.start();
    twice.start();
    for (const err of [misuse(early), misuse(wrongAnswer), misuse(twice)]) {
      assert.ok(err instanceof MisuseError && err instanceof SystemUserError, inspect(err));
      assert.equal(err.kind, 'misuse');
      assert.ok(err.message.length > 0);
    }
    assert.deepEqual(await sim.calls(), [], 'nothing was sent');
  });

  test('ComponentFailureError: the component cannot be loaded', async () => {
    const err = await createClient({
      environment: sim.environment,
      token: sim.tokens(),
      getCoreModule: () => {
        throw new Error('no wasm here');
      },
    }).catch((e) => e);
    assert.ok(err instanceof ComponentFailureError, inspect(err));
    assert.equal(err.kind, 'component');
  });

  test('programming mistakes are TypeErrors before anything runs', async () => {
    assert.throws(() => new SystemUserClient({}), TypeError);
    await assert.rejects(createClient({ environment: sim.environment }), TypeError);
    await assert.rejects(createClient({ environment: 'mars', token: sim.tokens() }), TypeError);
    await assert.rejects(client.createRequest({ systemId: SYSTEM, partyOrgNo: 310816191 }), TypeError);
  });
});

describe('transport, retries and reconciliation', () => {
  test('connect: nothing listens (retried, then TransportError)', async () => {
    const port = await closedPort();
    const waits = [];
    const c = await createClient({
      environment: { platformUrl: `http://127.0.0.1:${port}`, confirmUrl: sim.base, maskinportenIssuer: `${sim.base}/` },
      token: sim.tokens(),
      retryBudget: 2,
      backoffMs: 5,
      sleep: async (ms) => void waits.push(ms),
    });
    const err = await c.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'connect');
    assert.deepEqual(waits, [5, 10], 'back-off doubles');
    assertNoSecret(err);
  });

  test('timeout: no answer within timeoutMs', async () => {
    await sim.fault('get_request', 'delay', { delayMs: 1500, count: 5 });
    const c = await sim.client({ timeoutMs: 150, retryBudget: 1 });
    const err = await c.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'timeout');
  });

  test('connection-lost: the answer to a read never comes (bounded retries)', async () => {
    const r = (await client.createRequest(standardInput(ORGS[0]))).request;
    await sim.fault('get_request', 'lost_response', { count: 10 });
    const err = await client.getRequest(r.id).catch((e) => e);
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'connection-lost');
    assert.equal((await sim.calls('get_request')).length, 3, 'one try and retryBudget (2) retries');
  });

  test('reads are retried after 503 and 500, then succeed', async () => {
    const r = (await client.createRequest(standardInput(ORGS[0]))).request;
    await sim.fault('get_request', 'status503', { count: 1 });
    await sim.fault('get_request', 'status500', { count: 1 });
    const got = await client.getRequest(r.id);
    assert.equal(got.id, r.id);
    assert.equal((await sim.calls('get_request')).length, 3);
  });

  test('a 5xx beyond the budget is an UnavailableError with its status (not an AltinnError: not a "no")', async () => {
    await sim.fault('list_requests', 'status503', { count: 10 });
    const err = await client.listRequests({ systemId: SYSTEM }).catch((e) => e);
    assert.ok(err instanceof UnavailableError && err instanceof SystemUserError, inspect(err));
    assert.ok(!(err instanceof AltinnError));
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.status, 503);
    assert.equal(err.retryAfterSeconds, null, 'the 503 said nothing about when to come back');
    assert.match(err.message, /not a "no"/);
    assert.equal((await sim.calls('list_requests')).length, 3, 'one try and retryBudget (2) retries');
  });

  test("a withdraw is not retried blindly", async () => {
    const r = (await client.createRequest(standardInput(ORGS[0]))).request;
    await sim.fault('delete_request', 'lost_request', { count: 1 });
    const err = await client.withdrawRequest(r.id).catch((e) => e);
    assert.ok(err instanceof TransportError);
    assert.equal((await sim.calls('delete_request')).length, 1);
  });

  test('a lost create answer is reconciled by external ref: one request, no duplicate', async () => {
    // A client of its own, whose first create reads the system (the file's client may keep it).
    const client = await sim.client();
    await sim.fault('create_request', 'lost_response', { count: 1 });
    const created = await client.createRequest(standardInput(ORGS[0], { externalRef: 'lost-1' }));
    assert.equal(created.reconciled, true);
    assert.equal(created.isNew, false);
    assert.ok(created.request.confirmUrl.startsWith(sim.base));
    const routes = (await sim.calls()).map((c) => c.route);
    assert.deepEqual(routes, ['get_registered_system', 'create_request', 'get_request_by_external_ref']);
    const [key] = await sim.dedupe();
    assert.equal(key.createCalls, 1);
    assert.equal(key.requestsStored, 1);
  });

  test('an agent create whose answer is lost is reconciled on the agent route', async () => {
    await sim.fault('create_agent_request', 'lost_response', { count: 1 });
    const created = await client.createAgentRequest(agentInput(ORGS[1]));
    assert.equal(created.reconciled, true);
    assert.equal(created.request.kind, 'agent');
    assert.ok((await sim.calls()).some((c) => c.route === 'get_agent_request_by_external_ref'));
  });

  test('a create that failed before it was stored (lost request, 500) is looked up, then sent again once', async () => {
    // A client of its own, whose first create reads the system (the file's client may keep it).
    const client = await sim.client();
    await sim.fault('create_request', 'lost_request', { count: 1 });
    const a = await client.createRequest(standardInput(ORGS[0]));
    assert.equal(a.isNew, true);
    assert.equal(a.reconciled, false);
    assert.deepEqual(
      (await sim.calls()).map((c) => c.route),
      ['get_registered_system', 'create_request', 'get_request_by_external_ref', 'create_request'],
    );
    await sim.fault('create_request', 'status500', { count: 1 });
    const b = await client.createRequest(standardInput(ORGS[1]));
    assert.equal(b.isNew, true);
    for (const key of await sim.dedupe()) assert.equal(key.requestsStored, 1);
  });

  test('when the create cannot be resolved, the error says retrying is safe', async () => {
    await sim.fault('create_request', 'lost_response', { count: 1 });
    await sim.fault('get_request_by_external_ref', 'lost_response', { count: 10 });
    const err = await client.createRequest(standardInput(ORGS[0])).catch((e) => e);
    assert.ok(err instanceof TransportError, inspect(err));
    assert.match(err.message, /safe/);
    // And it is: the next create returns the stored request.
    const again = await client.createRequest(standardInput(ORGS[0]));
    assert.equal(again.isNew, false);
    assert.equal((await sim.requests()).length, 1);
  });

  test('an abort signal ends the operation with its reason', async () => {
    await sim.fault('get_request', 'delay', { delayMs: 2000 });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(client.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109', { signal: controller.signal }), (e) => e === reason);
  });
});

describe('no echoed secret', () => {
  test('a 400 quoting the bearer token in title, detail, an extension, validationErrors and errors shows it nowhere', async () => {
    const written = [];
    const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
    const out = process.stdout.write;
    const errOut = process.stderr.write;
    for (const k of Object.keys(saved)) console[k] = (...a) => written.push(a.join(' '));
    process.stdout.write = (chunk) => (written.push(String(chunk)), true);
    process.stderr.write = (chunk) => (written.push(String(chunk)), true);
    const before = sim.minted.length;
    let err;
    try {
      await sim.fault('get_request', 'echo_token');
      err = await client.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
      console.log(JSON.stringify(err)); // what a caller logs: captured here, checked below
    } finally {
      Object.assign(console, saved);
      process.stdout.write = out;
      process.stderr.write = errOut;
    }
    assert.ok(err instanceof AltinnError, inspect(err));
    assert.equal(err.status, 400);
    const tokens = sim.minted.slice(before);
    assert.equal(tokens.length, 1, 'one token was sent, and quoted back');
    // The server's text is all there, the token in it replaced.
    assert.match(err.title, /Authorization header 'Bearer \[redacted\]'/);
    assert.match(err.detail, /\[redacted\]/);
    assert.equal(err.extensions.echo, 'Bearer [redacted]');
    assert.ok(err.violations.length >= 3, inspect(err.violations));
    assert.ok(err.violations.every((v) => v.message.includes('[redacted]')), inspect(err.violations));
    const texts = [...written, err.message, err.title, err.detail, JSON.stringify(err.extensions), JSON.stringify(err.violations)];
    for (const t of texts) {
      for (const token of tokens) {
        for (const part of [token, ...token.split('.').filter((p) => p.length >= 16)]) assert.ok(!t.includes(part), 'a token (or a part of it) shows');
      }
    }
    assertNoSecret(err, tokens);
    assert.equal(written.length, 1);
  });
});

describe('guards', () => {
  test('next links are followed on the configured base, never on the host they name', async () => {
    const port = await closedPort();
    await sim.settings({ pageSize: 2, nextLinkHost: `http://127.0.0.1:${port}`, listQuirks: false });
    for (const org of ORGS.slice(0, 5)) await client.createRequest(standardInput(org));
    const page = await client.listRequests({ systemId: SYSTEM });
    assert.equal(typeof page.nextPage, 'string');
    assert.ok(!page.nextPage.includes('127.0.0.1'), 'only the opaque token is kept');
    const all = await client.listAllRequests({ systemId: SYSTEM });
    assert.equal(all.length, 5);
  });

  test('redirects are never followed, so the token never reaches another host', async () => {
    const elsewhere = await stubServer((req, res) => res.end('{}'));
    const redirecting = await stubServer((req, res) => {
      res.writeHead(307, { location: `${elsewhere.base}${req.url}` });
      res.end();
    });
    try {
      const c = await createClient({ environment: redirecting.environment, token: async () => 'redirect-token-0123456789', retryBudget: 0 });
      const err = await c.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch((e) => e);
      assert.ok(err instanceof SystemUserError, inspect(err));
      assert.equal(redirecting.hits.length, 1);
      assert.equal(elsewhere.hits.length, 0);
      assertNoSecret(err, ['redirect-token-0123456789']);
    } finally {
      await elsewhere.close();
      await redirecting.close();
    }
  });

  test('path segments cannot change the route', async () => {
    const err = await client
      .getRequestByExternalRef({ systemId: SYSTEM, orgNo: ORGS[0], externalRef: '../../vendor/x?y#z' })
      .catch((e) => e);
    assert.ok(err instanceof ValidationError, inspect(err));
    await assert.rejects(client.getRequest('../systemregister'), ValidationError);
    await assert.rejects(client.getRegisteredSystem('314248295_x/../../y'), ValidationError);
    assert.deepEqual(await sim.calls(), []);
  });

  test('an empty externalRef is never sent (it would bypass the dedupe)', async () => {
    const a = await client.createRequest(standardInput(ORGS[0], { externalRef: '' }));
    const b = await client.createRequest(standardInput(ORGS[0], { externalRef: '' }));
    assert.equal(a.request.externalRef, ORGS[0]);
    assert.equal(b.request.id, a.request.id);
  });
});

test('the client writes nothing to the console or stdio, even when everything fails', async () => {
  const written = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const out = process.stdout.write;
  const err = process.stderr.write;
  for (const k of Object.keys(saved)) console[k] = (...a) => written.push(a.join(' '));
  process.stdout.write = (chunk, ...rest) => (written.push(String(chunk)), true);
  process.stderr.write = (chunk, ...rest) => (written.push(String(chunk)), true);
  try {
    await sim.fault('*', 'lost_response', { count: 3 });
    await client.createRequest(standardInput(ORGS[0])).catch(() => {});
    await client.getRequest('7c557dff-528d-4532-b1ce-e2cdf75b1109').catch(() => {});
    const c = await sim.client({ token: async () => { throw new Error('nope'); } });
    await c.listAllRequests({ systemId: SYSTEM }).catch(() => {});
  } finally {
    Object.assign(console, saved);
    process.stdout.write = out;
    process.stderr.write = err;
  }
  assert.deepEqual(written, []);
  assert.ok(sim.minted.length > 10, 'tokens were in play in this file');
});
