// The package's unchanged edge handler served by workerd (miniflare), Deno and Bun, each through
// its adapter, against the simulator over real HTTP: the same scenarios, one test each per runtime.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { ORGS, startSimulator } from '../../test/helpers.js';
import { RUNTIMES, settingsFor, startRuntime } from '../runtimes.js';

const UNKNOWN_ID = '7c557dff-528d-4532-b1ce-e2cdf75b1109';
/** Anything shaped like a JWT (a token, a grant's assertion): none may be printed. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/;

// Every token the simulator mints and every assertion it receives is appended here (make's own
// log when `make test` set one): the log lines are searched for each of them.
process.env.ALTINN_SIM_SECRET_LOG ||= join(mkdtempSync(join(tmpdir(), 'edge-runtimes-')), 'secrets.txt');
const secretLog = process.env.ALTINN_SIM_SECRET_LOG;

let sim;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim?.stop();
});

async function call(base, method, path, body, type = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    assert.fail(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** What the customer does: open the confirm link, press Approve (the page's form post). */
async function approveOnConfirmPage(confirmUrl) {
  const page = await fetch(confirmUrl);
  assert.equal(page.status, 200);
  const html = await page.text();
  const form = /<form method="post" action="([^"]+\/approve)"><input type="hidden" name="id" value="([^"]+)">/.exec(html);
  assert.ok(form, 'the confirm page has an Approve form');
  const done = await fetch(new URL(form[1], confirmUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id: form[2] }),
    redirect: 'manual',
  });
  assert.equal(done.status, 303, 'Approve answers with the result page');
}

/** The secrets a runtime holds: the key's private members (JWK) or its PEM body lines. */
function keyParts(key) {
  if (key.startsWith('{')) {
    const jwk = JSON.parse(key);
    return ['d', 'p', 'q', 'dp', 'dq', 'qi'].map((m) => jwk[m]);
  }
  return key.split('\n').filter((l) => l.length >= 32 && !l.startsWith('-----'));
}

// In order: the first scenario makes the runtime's first Maskinporten grant (the client keeps the
// token), and the last reads the log lines printed by all of them.
const SCENARIOS = [
  [
    'a Maskinporten grant signed with crypto.subtle (RS256) is accepted and its token used',
    async ({ url }) => {
      const res = await call(url, 'POST', '/onboard', { orgNo: ORGS[0] });
      assert.equal(res.status, 201, res.text);
      const grants = await sim.grants();
      assert.ok(grants.length >= 1, 'the runtime asked Maskinporten for a token');
      assert.ok(grants.every((g) => g.status === 200), `every grant was accepted: ${JSON.stringify(grants)}`);
      assert.equal(sim.minted.length, 0, 'no token from the admin route: every one came from a grant');
    },
  ],
  [
    'onboard a customer: 201 with the confirm link and Location; again: 200, the same request',
    async ({ url }) => {
      const res = await call(url, 'POST', '/onboard', { orgNo: `0192:${ORGS[1]}`, externalRef: 'crm-42' });
      assert.equal(res.status, 201, res.text);
      assert.match(res.headers.get('content-type'), /application\/json/);
      assert.equal(res.body.status, 'New');
      assert.equal(res.body.partyOrgNo, ORGS[1]);
      assert.equal(res.body.externalRef, 'crm-42');
      assert.ok(res.body.confirmUrl.startsWith(`${sim.base}/`));
      assert.equal(res.headers.get('location'), `/onboard/${res.body.id}`);
      const again = await call(url, 'POST', '/onboard', { orgNo: ORGS[1], externalRef: 'crm-42' });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.id, res.body.id);
      assert.equal(again.body.isNew, false);
    },
  ],
  [
    'the customer approves on the confirm page: GET /onboard/:id follows it to accepted',
    async ({ url }) => {
      const { body } = await call(url, 'POST', '/onboard', { orgNo: ORGS[2] });
      let st = await call(url, 'GET', `/onboard/${body.id}`);
      assert.equal(st.status, 200, st.text);
      assert.equal(st.body.status, 'New');
      await approveOnConfirmPage(body.confirmUrl);
      st = await call(url, 'GET', `/onboard/${body.id}`);
      assert.equal(st.body.status, 'Accepted');
      assert.equal(st.body.effectiveStatus, 'Accepted');
      assert.equal(st.body.timedOut, false);
      assert.match(st.body.created, /^\d{4}-\d\d-\d\dT/);
    },
  ],
  [
    'an agent request on /clients/onboard',
    async ({ url }) => {
      const res = await call(url, 'POST', '/clients/onboard', { orgNo: ORGS[3] });
      assert.equal(res.status, 201, res.text);
      assert.match(res.body.confirmUrl, /\/agentrequest\?/);
      assert.equal(res.headers.get('location'), `/clients/onboard/${res.body.id}`);
      const st = await call(url, 'GET', `/clients/onboard/${res.body.id}`);
      assert.equal(st.body.status, 'New');
      assert.equal((await sim.calls('create_agent_request')).length, 1);
    },
  ],
  [
    'refusals made before sending: 400 with violations, 415, 405, 404; only a well-formed id reaches Altinn',
    async ({ url }) => {
      const bad = await call(url, 'POST', '/onboard', { orgNo: '123456789' });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type'), /application\/problem\+json/);
      assert.equal(bad.body.violations[0].code, 'org-no-checksum');
      assert.equal((await call(url, 'POST', '/onboard', {})).body.violations[0].field, 'partyOrgNo');
      assert.equal((await call(url, 'POST', '/onboard', { orgNo: 310816191 })).status, 400);
      assert.equal((await call(url, 'POST', '/onboard', '{"orgNo":')).status, 400);
      assert.equal((await call(url, 'POST', '/onboard', 'orgNo=1', 'application/x-www-form-urlencoded')).status, 415);
      const get = await call(url, 'GET', '/onboard');
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      assert.equal((await call(url, 'DELETE', `/onboard/${UNKNOWN_ID}`)).status, 405);
      assert.equal((await call(url, 'GET', '/onboard/not-a-uuid')).status, 400);
      assert.equal((await call(url, 'GET', '/elsewhere')).status, 404);
      assert.deepEqual(await sim.calls(), [], 'nothing reached Altinn');
      assert.equal((await call(url, 'GET', `/onboard/${UNKNOWN_ID}`)).status, 404);
      assert.deepEqual((await sim.calls()).map((c) => c.route), ['get_request'], 'only the well-formed id reached Altinn');
    },
  ],
  [
    "Altinn's refusal: an organisation it does not know is a 422 with Altinn's code",
    async ({ url }) => {
      const res = await call(url, 'POST', '/onboard', { orgNo: '310000000' });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.code, 'AUTH-00000');
    },
  ],
  [
    'the limits policy: a large answer from Altinn is refused, 502 too-large',
    async ({ url }) => {
      await sim.fault('get_request', 'huge_body', { sizeBytes: 8 * 1024 * 1024, count: 10 });
      const res = await call(url, 'GET', `/onboard/${UNKNOWN_ID}`);
      assert.equal(res.status, 502, res.text);
      assert.equal(res.body.transportKind, 'too-large');
    },
  ],
  [
    "timers: a slow Altinn ends at the client's deadline, 504 timeout",
    async ({ url }) => {
      await sim.fault('get_request', 'delay', { delayMs: 2000, count: 10 });
      const res = await call(url, 'GET', `/onboard/${UNKNOWN_ID}`);
      assert.equal(res.status, 504, res.text);
      assert.equal(res.body.transportKind, 'timeout');
      // The simulator finishes each delayed answer after the client gave up and records it then:
      // wait for every one, or they would land among the next runtime's calls.
      const { faults } = await sim.admin('GET', 'faults');
      const fired = faults.reduce((n, f) => n + f.fired, 0);
      assert.ok(fired >= 1);
      for (let waited = 0; (await sim.calls('get_request')).length < fired; waited += 100) {
        assert.ok(waited < 10_000, 'the delayed answers were recorded');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  ],
  [
    'no secret in any log line the runtime printed (the failures above were logged)',
    async ({ logs, settings }, t) => {
      const errors = logs.filter((l) => l.includes('"level":"error"'));
      assert.ok(errors.length >= 2, `the failures were logged:\n${logs.join('\n')}`);
      for (const kind of ['AUTH-00000', 'too-large', '"timeout"']) assert.ok(errors.some((l) => l.includes(kind)), `${kind} was logged`);
      const parts = keyParts(settings.SYSTEMUSER_KEY);
      assert.ok(parts.length >= 6);
      const issued = readFileSync(secretLog, 'utf8').split('\n').filter((l) => l.length >= 16);
      assert.ok(issued.some((l) => l.startsWith('eyJ')), 'the simulator recorded the tokens and assertions of this run');
      // Counted, not shown: a failing assertion must not print the secret it found.
      assert.equal(logs.filter((l) => JWT.test(l)).length, 0, 'no line holds anything shaped like a token or an assertion');
      assert.equal(logs.filter((l) => issued.some((x) => l.includes(x))).length, 0, 'no line holds a token or assertion of this run');
      assert.equal(logs.filter((l) => parts.some((p) => l.includes(p))).length, 0, 'no line holds the key');
      // Clean: shown in the test output too, where `make test`'s secret scan reads them again.
      for (const line of logs) t.diagnostic(line);
    },
  ],
];

for (const runtime of RUNTIMES) {
  describe(runtime.name, () => {
    const ctx = {};
    before(async () => {
      await sim.reset();
      sim.minted.length = 0;
      ctx.settings = settingsFor(sim.base, runtime.keyFormat);
      const server = await startRuntime(runtime, ctx.settings);
      Object.assign(ctx, server);
    });
    after(async () => {
      await ctx.stop?.();
    });
    beforeEach(async () => {
      if (ctx.url) await sim.reset();
    });
    for (const [name, run] of SCENARIOS) test(name, (t) => run(ctx, t));
  });
}
