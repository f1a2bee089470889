// The hostile-input catalogue (tests/hostile/catalogue.json at the repository root) through the
// component as this package loads it (jco output): the same cases the Rust host runs
// (host-examples/rust/tests/hostile_catalogue.rs), each with its expected typed error and no trap.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { instantiateComponent } from '../src/component.js';

const root = new URL('../../../', import.meta.url);
const catalogue = JSON.parse(readFileSync(new URL('tests/hostile/catalogue.json', root), 'utf8'));
const systems = JSON.parse(readFileSync(new URL('tests/vectors/systems.json', root), 'utf8'));
const RID = catalogue.request_id;
const SYS = catalogue.system_id;
const ORG = catalogue.org_no;

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
  return { environment, timeoutMs: 30_000, retryBudget: 2, backoffMs: 0 };
}

const standard = () => ({
  systemId: SYS,
  partyOrgNo: ORG,
  externalRef: undefined,
  integrationTitle: undefined,
  rights: undefined,
  accessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
  redirectUrl: undefined,
});
const agent = () => ({
  systemId: '314248295_smartbyraa',
  partyOrgNo: ORG,
  externalRef: undefined,
  integrationTitle: undefined,
  accessPackages: [{ urn: 'urn:altinn:accesspackage:regnskapsforer-lonn' }],
  redirectUrl: undefined,
  rights: undefined,
});

function call(name) {
  const kind = name.endsWith('-agent') ? 'agent' : 'standard';
  switch (name) {
    case 'create-standard':
      return { tag: 'create-standard-request', val: standard() };
    case 'create-agent':
      return { tag: 'create-agent-request', val: agent() };
    case 'get':
    case 'get-agent':
      return { tag: 'get-request', val: { kind, id: RID } };
    case 'by-external-ref':
      return { tag: 'get-request-by-external-ref', val: { kind, systemId: SYS, orgNo: ORG, externalRef: 'kunde-42' } };
    case 'list':
    case 'list-agent':
      return { tag: 'list-requests', val: { kind, systemId: SYS, page: undefined } };
    case 'withdraw':
      return { tag: 'withdraw-request', val: RID };
    case 'verify':
      return { tag: 'verify-system-user', val: { systemId: SYS, orgNo: ORG, externalRef: undefined } };
    case 'list-users':
      return { tag: 'list-system-users', val: { systemId: SYS, page: undefined } };
    case 'system':
      return { tag: 'get-registered-system', val: SYS };
    default:
      throw new Error(`unknown call ${name}`);
  }
}

function task(name) {
  if (name === 'list-all') return { tag: 'list-all-requests', val: { kind: 'standard', systemId: SYS } };
  if (name === 'list-all-users') return { tag: 'list-all-system-users', val: SYS };
  return call(name); // the other tasks have the call's tag and value
}

const isComponentError = (e) => e instanceof Error && Object.prototype.hasOwnProperty.call(e, 'payload');

function systemBytes(c) {
  if (c.system === undefined || c.system === null) return undefined;
  if (typeof c.system === 'string' && !c.system.startsWith('{')) return new Uint8Array(Buffer.from(JSON.stringify(systems[c.system])));
  return bytes(c.system);
}

/** One case; returns what it gave in the catalogue's terms. Throws on a trap. */
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
      const response = {
        status: c.status,
        headers: Object.entries(c.headers ?? {}).map(([name, value]) => ({ name, value })),
        body: bytes(c.body),
      };
      try {
        const o = component.protocol.parse(config(c.env ?? 'tt02'), call(c.call), response);
        return { ok: o.tag, next: o.val?.nextPage ?? null };
      } catch (e) {
        if (!isComponentError(e)) throw e;
        return { error: e.payload.tag };
      }
    }
    case 'token': {
      const op = new component.operations.Operation(config('tt02'), task(c.task));
      let sent = 0;
      let step = op.start();
      if (step.tag === 'need-token') step = op.advance({ tag: 'token', val: text(c.token) });
      if (step.tag === 'send') sent += 1;
      if (step.tag !== 'done') return { ok: `step ${step.tag}`, sent };
      try {
        return { ok: op.finish().tag, sent };
      } catch (e) {
        if (!isComponentError(e)) throw e;
        return { error: e.payload.tag, sent };
      }
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

function meets(expect, got) {
  if (expect.ok !== undefined) return got.ok === expect.ok && (expect.next === undefined || got.next === expect.next);
  const variant = got.error === expect.error || (expect.error === 'violation' && got.error === 'validation');
  const code = expect.code === undefined || (got.codes ?? []).includes(expect.code);
  const sent = expect.sent === undefined || got.sent === expect.sent;
  return variant && code && sent;
}

test('the hostile catalogue through the component (Node host)', async () => {
  const cases = catalogue.cases;
  assert.ok(cases.length >= 100, `the catalogue has ${cases.length} cases`);
  let component = await instantiateComponent();
  const perCategory = new Map();
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
    const entry = perCategory.get(c.category) ?? { cases: 0, passed: 0 };
    entry.cases += 1;
    entry.passed += ok ? 1 : 0;
    perCategory.set(c.category, entry);
  }
  console.log(`\nhostile catalogue through the component, Node host (${cases.length} cases)`);
  console.log(`${'category'.padEnd(12)} ${'cases'.padStart(6)} ${'passed'.padStart(6)}`);
  for (const [category, { cases: n, passed }] of [...perCategory].sort()) {
    console.log(`${category.padEnd(12)} ${String(n).padStart(6)} ${String(passed).padStart(6)}`);
  }
  for (const f of failures) console.log(`FAIL ${f}`);
  assert.deepEqual(failures, [], `${failures.length} hostile cases failed`);
});
