// The hostile-input catalogue (tests/hostile/catalogue.json at the repository root) through the
// component as this package loads it (jco output): the same cases every host runs, each with its
// expected typed error and no trap. The named calls come from tests/calls.json, the one
// definition for every host (the change-request calls of issue #16 among them; `create-change`
// is a protocol call only: as a task, a change request first looks its system user up). The `server` cases run through this package's client (its fetch
// transport, its timers) against the simulator's hostile faults over real HTTP: a gzip bomb,
// huge and endless bodies, slowloris headers, a slow body, 429/503 with Retry-After, page
// tokens that never end, a token quoted back, answers to another question. The System Register
// and client-delegation calls of issue #17 are parsed as any call (`response` cases); the
// delegation cases also run as the task the client runs, token exchange first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { after, describe, test } from 'node:test';

import { instantiateComponent } from '../src/component.js';
import { toSystem } from '../src/convert.js';
import { SystemUserError } from '../src/index.js';
import { startSimulator } from './helpers.js';

const root = new URL('../../../', import.meta.url);
const catalogue = JSON.parse(readFileSync(new URL('tests/hostile/catalogue.json', root), 'utf8'));
const CALLS = JSON.parse(readFileSync(new URL('tests/calls.json', root), 'utf8')).calls;
const systems = JSON.parse(readFileSync(new URL('tests/vectors/systems.json', root), 'utf8'));
const RID = catalogue.request_id;
const SYS = catalogue.system_id;
/** The memory every test of the package must stay under (issue #13). */
const RSS_LIMIT = 200 * 1024 * 1024;

/** The catalogue's generators: text, {hex}, {repeat, times}, {concat}, {json}. */
function generate(spec) {
  if (typeof spec === 'string') return Buffer.from(spec, 'utf8');
  if (spec.hex !== undefined) return Buffer.from(spec.hex, 'hex');
  if (spec.repeat !== undefined) return Buffer.from(spec.repeat.repeat(spec.times), 'utf8');
  if (spec.concat !== undefined) return Buffer.concat(spec.concat.map(generate));
  if (spec.json !== undefined) return Buffer.from(JSON.stringify(spec.json), 'utf8');
  throw new Error(`unknown generator ${JSON.stringify(spec)}`);
}
const bytes = (spec) => new Uint8Array(generate(spec));
const text = (spec) => generate(spec).toString('utf8');

function config(env) {
  const environment =
    env === 'custom'
      ? { tag: 'custom', val: { platformUrl: 'http://127.0.0.1:5101', confirmUrl: 'http://127.0.0.1:5102', maskinportenIssuer: 'http://127.0.0.1:5103/' } }
      : { tag: 'tt02' };
  return { environment, timeoutMs: 30_000, deadlineMs: 60_000, retryBudget: 2, backoffMs: 0, maskinporten: undefined };
}

/** The WIT cases whose payload is one string rather than a record. */
const STRING_PAYLOAD = {
  'withdraw-request': 'id',
  'get-registered-system': 'systemId',
  'get-change-request': 'id',
  'list-change-requests': 'systemId',
  'withdraw-change-request': 'id',
  'delete-system': 'systemId',
  'system-changelog': 'systemId',
  'list-agents': 'partyOrgNo',
  'list-available-clients': 'agent',
  'list-clients': 'agent',
};

/**
 * Named calls that are protocol calls only, never a task: `create-change` is the POST of a
 * change request with its system user's id, while the task looks the system user up by its key;
 * `replace-system` is the PUT of a whole system, while the task (`update-system`) reads, merges
 * and then PUTs.
 */
const CALL_ONLY = new Set(['create-change', 'replace-system']);

/** The client-delegation calls (API.md §12): as tasks, `client-delegation` for a bureau. */
const DELEGATION = new Set(['list-agents', 'list-available-clients', 'list-clients', 'add-client', 'remove-client']);

/** A named call of tests/calls.json as the WIT `call` variant: `{tag, val}`. */
function call(name) {
  const def = CALLS[name];
  if (!def) throw new Error(`tests/calls.json has no call ${JSON.stringify(name)}`);
  const { call: tag, ...fields } = def;
  if (tag === 'list-systems') return { tag };
  // A system in Altinn's shape, read as the client reads one (registerSystem).
  if (tag === 'register-system' || tag === 'replace-system') return { tag, val: toSystem(fields.system) };
  return { tag, val: STRING_PAYLOAD[tag] ? fields[STRING_PAYLOAD[tag]] : fields };
}

/** A named call as the operation's `task`. */
function task(name) {
  if (name === 'list-all') return { tag: 'list-all-requests', val: { kind: 'standard', systemId: SYS } };
  if (name === 'list-all-users') return { tag: 'list-all-system-users', val: SYS };
  if (CALL_ONLY.has(name)) throw new Error(`${name} is a protocol call, not a task`);
  const c = call(name);
  if (DELEGATION.has(c.tag)) {
    // The bureau: the one a list of agents names, else the catalogue's organisation.
    const bureau = { orgNo: c.tag === 'list-agents' ? c.val : catalogue.org_no, externalRef: undefined };
    const delegation = c.tag === 'list-agents' ? { tag: 'list-agents' } : c;
    return { tag: 'client-delegation', val: { bureau, delegation } };
  }
  return c; // the other tasks have the call's tag and value
}

const isComponentError = (e) => e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload');

function systemBytes(c) {
  if (c.system === undefined || c.system === null) return undefined;
  if (typeof c.system === 'string' && !c.system.startsWith('{')) return new Uint8Array(Buffer.from(JSON.stringify(systems[c.system])));
  return bytes(c.system);
}

const NOW = { seconds: 1_780_000_000n, nanoseconds: 0 };
const SEED = new Uint8Array(16).fill(7);

/** One case of the pure ops; returns what it gave in the catalogue's terms. Throws on a trap. */
function run(component, c) {
  switch (c.op) {
    case 'identifier': {
      const input = text(c.input);
      const f = { 'org-no': 'checkOrgNo', 'system-id': 'checkSystemId', 'external-ref': 'checkExternalRef', 'request-id': 'checkRequestId' }[c.check];
      try {
        return { ok: `valid ${component.validation[f](input).slice(0, 40)}` };
      } catch (e) {
        if (!isComponentError(e)) throw e;
        return { error: 'validation', codes: [e.payload.code] };
      }
    }
    case 'create': {
      try {
        component.validation.validateJson(c.kind, bytes(c.body), systemBytes(c));
        return { ok: 'valid' };
      } catch (e) {
        if (!isComponentError(e)) throw e;
        return { error: 'validation', codes: e.payload.map((v) => v.code) };
      }
    }
    case 'response': {
      const response = responseOf(c);
      try {
        const o = component.protocol.parse(config(c.env ?? 'tt02'), call(c.call), response);
        return { ok: o.tag, next: o.val?.nextPage ?? null };
      } catch (e) {
        if (!isComponentError(e)) throw e;
        return { error: e.payload.tag, message: messageOf(e.payload) };
      }
    }
    case 'token': {
      const op = new component.operations.Operation(config('tt02'), task(c.task), NOW, SEED);
      let sent = 0;
      let step = op.start();
      if (step.tag === 'need-token') step = op.advance({ tag: 'token', val: text(c.token) }, NOW);
      if (step.tag === 'send') sent += 1;
      if (step.tag !== 'done') return { ok: `step ${step.tag}`, sent };
      try {
        return { ok: op.finish().tag, sent };
      } catch (e) {
        if (!isComponentError(e)) throw e;
        return { error: e.payload.tag, message: messageOf(e.payload), sent };
      }
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

/** A `response` case's canned answer as the WIT `http-response`. */
function responseOf(c) {
  return {
    status: c.status,
    headers: Object.entries(c.headers ?? {}).map(([name, value]) => ({ name, value })),
    body: bytes(c.body),
  };
}

/** The bureau's Maskinporten token (from the host's callback) and the Altinn token it is exchanged for (exp 2100). */
const BUREAU_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImEifQ.bXAtc2lnbmF0dXJl';
const ALTINN_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln';
const DELEGATION_SCOPES = ['altinn:clientdelegations.read', 'altinn:clientdelegations.write'];

const bearer = (request) => request.headers.find((h) => h.name.toLowerCase() === 'authorization')?.value;

/**
 * A delegation `response` case as the task the client runs: the token asked for, the exchange
 * sent with it and answered with an Altinn JWT, then the call sent with that token (the request
 * `protocol.build` makes for the named call) and answered with the case's response.
 */
function runDelegationTask(component, c) {
  const op = new component.operations.Operation(config(c.env ?? 'tt02'), task(c.call), NOW, SEED);
  try {
    let step = op.start();
    assert.deepEqual(step.tag === 'need-token' && step.val, DELEGATION_SCOPES, `${c.name}: the token for the delegation scopes first`);
    step = op.advance({ tag: 'token', val: BUREAU_TOKEN }, NOW);
    assert.equal(step.tag, 'send', c.name);
    assert.deepEqual([step.val.method, new URL(step.val.url).pathname], ['get', '/authentication/api/v1/exchange/maskinporten'], c.name);
    assert.equal(bearer(step.val), `Bearer ${BUREAU_TOKEN}`, c.name);
    const jwt = { status: 200, headers: [{ name: 'content-type', value: 'text/plain; charset=utf-8' }], body: new TextEncoder().encode(ALTINN_TOKEN) };
    step = op.advance({ tag: 'response', val: jwt }, NOW);
    const expected = component.protocol.build(config(c.env ?? 'tt02'), call(c.call)).request;
    for (let n = 0; step.tag !== 'done'; n++) {
      assert.ok(n < 10, `${c.name}: the operation ends`);
      if (step.tag === 'wait') {
        step = op.advance({ tag: 'waited' }, NOW);
        continue;
      }
      assert.equal(step.tag, 'send', c.name);
      assert.deepEqual([step.val.method, step.val.url], [expected.method, expected.url], `${c.name}: the named call`);
      assert.equal(bearer(step.val), `Bearer ${ALTINN_TOKEN}`, `${c.name}: sent with the exchanged token`);
      step = op.advance({ tag: 'response', val: responseOf(c) }, NOW);
    }
    try {
      return { ok: op.finish().tag };
    } catch (e) {
      if (!isComponentError(e)) throw e;
      const message = messageOf(e.payload);
      assert.ok(!message.includes(BUREAU_TOKEN) && !message.includes(ALTINN_TOKEN), `${c.name}: no token in the error`);
      return { error: e.payload.tag, message };
    }
  } finally {
    op[Symbol.dispose ?? Symbol.for('dispose')]?.();
  }
}

/** The message of a WIT error payload (`{tag, val}`). */
function messageOf(e) {
  return typeof e.val === 'string' ? e.val : (e.val?.message ?? '');
}

/** Whether `got` is what the case expects (every member of `expect` the catalogue defines). */
function meets(expect, got) {
  if (expect.ok !== undefined) return got.ok === expect.ok && (expect.next === undefined || got.next === expect.next);
  const variant = got.error === expect.error || (expect.error === 'violation' && got.error === 'validation');
  const code = expect.code === undefined || (got.codes ?? []).includes(expect.code);
  const sent = expect.sent === undefined || got.sent === expect.sent;
  const transport = expect.transport === undefined || got.transport === expect.transport;
  const retryAfter = expect.retry_after_seconds === undefined || got.retryAfterSeconds === expect.retry_after_seconds;
  const message = expect.message_contains === undefined || (got.message ?? '').includes(expect.message_contains);
  return variant && code && sent && transport && retryAfter && message;
}

function table(title, rows) {
  const perCategory = new Map();
  for (const { c, ok } of rows) {
    const entry = perCategory.get(c.category) ?? { cases: 0, passed: 0 };
    entry.cases += 1;
    entry.passed += ok ? 1 : 0;
    perCategory.set(c.category, entry);
  }
  console.log(`\n${title}`);
  console.log(`${'category'.padEnd(12)} ${'cases'.padStart(6)} ${'passed'.padStart(6)}`);
  for (const [category, { cases: n, passed }] of [...perCategory].sort()) {
    console.log(`${category.padEnd(12)} ${String(n).padStart(6)} ${String(passed).padStart(6)}`);
  }
}

test('tests/calls.json defines every call the catalogue names, as WIT values the component takes', async () => {
  const component = await instantiateComponent();
  const named = new Set(catalogue.cases.flatMap((c) => [c.call, c.op === 'token' ? c.task : undefined]).filter(Boolean));
  named.delete('list-all');
  named.delete('list-all-users');
  for (const name of named) assert.ok(CALLS[name], `tests/calls.json lacks ${name}`);
  // Each one builds into a request on the configured base: the definitions are well-formed.
  for (const name of Object.keys(CALLS)) {
    const out = component.protocol.build(config('tt02'), call(name));
    assert.match(out.request.url, /^https:\/\/platform\.tt02\.altinn\.no\//, name);
  }
  assert.deepEqual(call('withdraw'), { tag: 'withdraw-request', val: RID });
  assert.deepEqual(call('get-agent'), { tag: 'get-request', val: { kind: 'agent', id: RID } });
  // The change-request calls (issue #16).
  assert.deepEqual(call('get-change'), { tag: 'get-change-request', val: CALLS['get-change'].id });
  assert.deepEqual(call('list-changes'), { tag: 'list-change-requests', val: SYS });
  assert.deepEqual(call('change-by-external-ref'), {
    tag: 'get-change-request-by-external-ref',
    val: { systemId: SYS, orgNo: catalogue.org_no, externalRef: catalogue.external_ref },
  });
  assert.equal(call('create-change').tag, 'create-change-request');
  assert.match(component.protocol.build(config('tt02'), call('create-change')).request.url, /\/systemuser\/changerequest\/vendor\?/);
  // The System Register and client-delegation calls (issue #17).
  assert.deepEqual(call('list-systems'), { tag: 'list-systems' });
  assert.deepEqual(call('delete-system'), { tag: 'delete-system', val: SYS });
  assert.deepEqual(call('list-agents'), { tag: 'list-agents', val: catalogue.org_no });
  assert.equal(call('register-system').val.vendorOrgNo, '0192:314248295');
  const put = component.protocol.build(config('tt02'), call('replace-system')).request;
  assert.deepEqual([put.method, new URL(put.url).pathname], ['put', `/authentication/api/v1/systemregister/vendor/${SYS}`]);
  assert.deepEqual(task('list-agents'), { tag: 'client-delegation', val: { bureau: { orgNo: catalogue.org_no, externalRef: undefined }, delegation: { tag: 'list-agents' } } });
  assert.equal(task('add-client').val.delegation.tag, 'add-client');
  // Every other named call is a task the operation machine takes as it is (a delegation call
  // inside `client-delegation`); each asks for a token first.
  for (const name of Object.keys(CALLS).filter((n) => !CALL_ONLY.has(n))) {
    const op = new component.operations.Operation(config('tt02'), task(name), NOW, SEED);
    assert.equal(op.start().tag, 'need-token', name);
    op[Symbol.dispose ?? Symbol.for('dispose')]?.();
  }
  assert.throws(() => task('create-change'), /not a task/);
  assert.throws(() => task('replace-system'), /not a task/);
});

test('the catalogue has the System Register and client-delegation cases of issue #17, each on a named call', () => {
  const cases = catalogue.cases.filter((c) => c.category === 'system' || c.category === 'delegation');
  assert.equal(cases.length, 22, `${cases.length} system/delegation cases`);
  for (const c of cases) {
    assert.equal(c.op, 'response', c.name);
    assert.ok(CALLS[c.call], `${c.name}: tests/calls.json names ${c.call}`);
  }
  const calls = new Set(cases.map((c) => CALLS[c.call].call));
  for (const tag of ['list-systems', 'register-system', 'replace-system', 'list-agents', 'list-clients', 'list-available-clients', 'add-client', 'remove-client']) {
    assert.ok(calls.has(tag), `a case on ${tag}`);
  }
});

test('the catalogue has the change-request cases of issue #16, each on a named change call', () => {
  const changes = catalogue.cases.filter((c) => c.category === 'change');
  assert.ok(changes.length >= 17, `${changes.length} change cases`);
  assert.deepEqual([...new Set(changes.map((c) => c.call))].sort(), ['change-by-external-ref', 'get-change', 'list-changes']);
  for (const c of changes) assert.equal(c.op, 'response', c.name);
});

test('the hostile catalogue through the component (Node host)', async () => {
  const cases = catalogue.cases.filter((c) => c.op !== 'server');
  assert.ok(cases.length >= 100, `the catalogue has ${cases.length} cases`);
  let component = await instantiateComponent();
  const rows = [];
  const failures = [];
  for (const c of cases) {
    let got;
    try {
      got = run(component, c);
    } catch (e) {
      // A trap poisons the instance: report it and start a fresh one.
      got = { trap: String(e?.message ?? e).slice(0, 200) };
      component = await instantiateComponent();
    }
    const ok = !got.trap && meets(c.expect, got);
    if (!ok) failures.push(`${c.name}: expected ${JSON.stringify(c.expect)}, got ${JSON.stringify(got).slice(0, 200)}`);
    rows.push({ c, ok });
  }
  table(`hostile catalogue through the component, Node host (${cases.length} cases)`, rows);
  for (const f of failures) console.log(`FAIL ${f}`);
  assert.deepEqual(failures, [], `${failures.length} hostile cases failed`);
});

test('the client-delegation cases as tasks: the token asked for, exchanged, then the call with the Altinn token', async () => {
  const cases = catalogue.cases.filter((c) => c.category === 'delegation');
  assert.ok(cases.length >= 10, `${cases.length} delegation cases`);
  const rows = [];
  const failures = [];
  for (const c of cases) {
    // An instance of its own: the instance keeps the exchanged token for its next operations.
    const component = await instantiateComponent();
    let got;
    try {
      got = runDelegationTask(component, c);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      got = { trap: String(e?.message ?? e).slice(0, 200) };
    }
    const ok = !got.trap && meets(c.expect, got);
    if (!ok) failures.push(`${c.name}: expected ${JSON.stringify(c.expect)}, got ${JSON.stringify(got).slice(0, 200)}`);
    rows.push({ c, ok });
  }
  table(`client-delegation cases as tasks, Node host (${cases.length} cases)`, rows);
  for (const f of failures) console.log(`FAIL ${f}`);
  assert.deepEqual(failures, [], `${failures.length} delegation cases failed as tasks`);

  // The next operation for the bureau on the same instance sends at once with the kept token.
  const component = await instantiateComponent();
  const first = cases.find((c) => c.expect.ok !== undefined);
  assert.equal(runDelegationTask(component, first).ok, first.expect.ok);
  const again = new component.operations.Operation(config('tt02'), task('list-clients'), NOW, SEED);
  const step = again.start();
  assert.equal(step.tag, 'send');
  assert.match(step.val.url, /\/enduser\/systemuser\/clients\?agent=/);
  assert.equal(bearer(step.val), `Bearer ${ALTINN_TOKEN}`, 'no token asked, no exchange: the kept Altinn token');
  again[Symbol.dispose ?? Symbol.for('dispose')]?.();
});

// ---- the hostile server: the catalogue's `server` cases through the client -------------------

/** What a case's task is through the client, and the outcome tag a success stands for. */
const SERVER_TASKS = {
  get: { outcome: 'request', run: (client) => client.getRequest(RID) },
  'list-all': { outcome: 'requests', run: (client) => client.listAllRequests({ systemId: SYS }) },
  create: {
    outcome: 'created',
    run: (client) => {
      const { call: _, ...input } = CALLS['create-standard'];
      return client.createRequest(input);
    },
  },
};

/** Every text an error shows: message, stack, each field, JSON, inspect (hidden members too). */
function errorTexts(err) {
  const texts = [String(err), err?.stack ?? '', JSON.stringify(err) ?? '', inspect(err, { depth: 20, showHidden: true })];
  if (err && typeof err === 'object') for (const v of Object.values(err)) texts.push(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
  for (let c = err?.cause; c; c = c.cause) texts.push(String(c), inspect(c, { depth: 20 }));
  return texts;
}

/** The secrets a token stands for: itself and each part of it as a JWT (the signature most of all). */
function secretParts(token) {
  return [token, ...token.split('.').filter((p) => p.length >= 16)];
}

/** A fetch that opens a connection per exchange (none is left idle in fetch's pool). */
function ownConnections(url, init) {
  init.headers.set('connection', 'close');
  return fetch(url, init);
}

/** The catalogue's `setup` steps, run before any fault is armed (by a client of their own). */
const SETUP = {
  // One standard request for the fixture system, so that a list has an item.
  create: async (sim) => {
    const { call: _, ...input } = CALLS['create-standard'];
    await (await sim.client({ fetch: ownConnections })).createRequest(input);
  },
};

/**
 * One case on a simulator of its own (a new origin: no connection of an earlier case can be
 * reused, which matters for `slow_headers`, decided on a connection's first request): its setup,
 * its fault(s), its task through a fresh client with the case's config, measured.
 */
async function runServerCase(c) {
  const sim = await startSimulator();
  try {
    for (const step of c.setup ?? []) {
      assert.ok(SETUP[step], `unknown setup step ${step}`);
      await SETUP[step](sim);
    }
    for (const f of [c.fault].flat()) {
      const { route, kind, ...extra } = f;
      await sim.fault(route, kind, extra);
    }
    // Plain fetch: the setup's and the admin calls' connections are closed, so the client's
    // first request opens a connection of its own.
    const client = await sim.client(c.config);
    const minted = sim.minted.length;
    const started = performance.now();
    let got;
    let err;
    try {
      const value = await SERVER_TASKS[c.task].run(client);
      got = { ok: SERVER_TASKS[c.task].outcome, value };
    } catch (e) {
      err = e;
      got = { error: e?.kind, transport: e?.transportKind, retryAfterSeconds: e?.retryAfterSeconds, message: e?.message };
    }
    got.seconds = (performance.now() - started) / 1000;
    got.tokens = sim.minted.slice(minted);
    return { got, err };
  } finally {
    await sim.stop();
  }
}

describe('the hostile server (catalogue category server) through the client, over real HTTP', () => {
  const cases = catalogue.cases.filter((c) => c.op === 'server');
  const rows = [];
  after(() => table(`hostile server cases through the Node client (${cases.length} cases)`, rows));

  test('the catalogue has the server cases issue #13 names', () => {
    assert.ok(cases.length >= 15, `${cases.length} server cases`);
    const kinds = new Set(cases.flatMap((c) => [c.fault].flat().map((f) => f.kind)));
    for (const k of ['gzip_bomb', 'huge_body', 'endless_body', 'slow_headers', 'slow_body', 'status429', 'status503', 'fresh_page_token', 'echo_token', 'mismatch']) {
      assert.ok(kinds.has(k), `a case with fault ${k}`);
    }
    for (const c of cases) {
      assert.ok(SERVER_TASKS[c.task], `${c.name}: task ${c.task} is known`);
      for (const step of c.setup ?? []) assert.ok(SETUP[step], `${c.name}: setup ${step} is known`);
    }
  });

  for (const c of cases) {
    test(c.name, { timeout: (c.max_seconds + 30) * 1000 }, async () => {
      const { got, err } = await runServerCase(c);
      // Printed (the secret scan reads every line of the suite's output): the error as logged.
      console.log(`server case ${JSON.stringify(c.name)}: ${got.seconds.toFixed(2)} s, ${err ? JSON.stringify(err) : `ok ${got.ok}`}`);
      const ok = meets(c.expect, got);
      rows.push({ c, ok });
      assert.ok(ok, `expected ${JSON.stringify(c.expect)}, got ${inspect(err ?? got.ok)}`);
      if (err) assert.ok(err instanceof SystemUserError, inspect(err));
      assert.ok(got.seconds <= c.max_seconds, `took ${got.seconds.toFixed(2)} s, more than ${c.max_seconds} s`);
      if (c.min_seconds !== undefined) assert.ok(got.seconds >= c.min_seconds, `took ${got.seconds.toFixed(2)} s, less than the ${c.min_seconds} s asked for`);
      if (c.no_secret) {
        assert.ok(got.tokens.length >= 1, 'a token was in play');
        for (const token of got.tokens) {
          for (const secret of secretParts(token)) {
            for (const t of errorTexts(err)) assert.ok(!t.includes(secret), `a token (or part of it) shows in the error: ${err.name}`);
          }
        }
        assert.match(JSON.stringify(err), /\[redacted\]/, 'the echoed token was replaced');
      }
      // No answer was buffered past the cap: this process (its own, under node --test) stays small.
      const peak = process.resourceUsage().maxRSS * 1024;
      assert.ok(peak < RSS_LIMIT, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB after ${c.name}`);
    });
  }
});
