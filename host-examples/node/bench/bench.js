// Per-operation cost through the component (jco, sans-IO pump) against the same logic written
// plainly in JavaScript (bench/plain.js), measured in the same run. Prints tables; asserts nothing.
//
//   npm run bench                 in-memory fetch (pure client cost) and loopback HTTP to the simulator
//   BENCH_SCALE=0.2 npm run bench fewer iterations
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { createClient } from '../src/index.js';
import { PlainClient, checkOrgNo as plainCheckOrgNo, validateStandard as plainValidate } from './plain.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const BASE = 'http://altinn.bench';
const environment = { platformUrl: BASE, confirmUrl: BASE, maskinportenIssuer: `${BASE}/` };
const SYSTEM = '314248295_smartregnskap';
const ID = '7c557dff-528d-4532-b1ce-e2cdf75b1109';
const token = async () => 'eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImJlbmNoIn0.c2lnbmF0dXJl';

function request(i, withConfirm, id = `${ID.slice(0, -4)}${String(i).padStart(4, '0')}`) {
  return {
    id,
    integrationTitle: 'SmartRegnskap',
    externalRef: `kunde-${i}`,
    systemId: SYSTEM,
    partyOrgNo: '310816191',
    rights: [],
    accessPackages: [{ urn: 'urn:altinn:accesspackage:skattegrunnlag' }],
    status: 'New',
    ...(withConfirm ? { confirmUrl: `${BASE}/accessmanagement/ui/systemuser/request?id=${id}&DONTCHOOSEREPORTEE=true` } : {}),
    escalated: false,
    created: '2026-03-01T10:15:00.123456',
    timedOut: false,
  };
}

const SYSTEM_JSON = JSON.stringify({
  id: SYSTEM,
  vendor: { ID: '0192:314248295' },
  name: { nb: 'SmartRegnskap', nn: 'SmartRekneskap', en: 'SmartAccounting' },
  description: { nb: 'Regnskap', nn: 'Rekneskap', en: 'Accounting' },
  rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
  accessPackages: ['skattegrunnlag', 'merverdiavgift', 'regnskap-okonomi-rapport'].map((p) => ({ urn: `urn:altinn:accesspackage:${p}` })),
  clientId: ['c'],
  isVisible: true,
  allowedRedirectUrls: ['https://smartregnskap.example/callback'],
});
// The answer to both `getRequest(ID)` and the create of `input` below: every answer must be about
// the question asked (the same id, system, customer, external ref and kind), or it is refused.
const REQUEST_JSON = JSON.stringify(request(1, true, ID));
const PAGES = [0, 1, 2].map((p) =>
  JSON.stringify({
    links: p < 2 ? { next: `https://internal.altinn.example/x?token=page${p + 1}` } : {},
    data: Array.from({ length: 50 }, (_, i) => request(p * 50 + i, false)),
  }),
);

/** Answers like Altinn, without a network: both clients pay the same Response costs. */
async function memoryFetch(url, init) {
  const u = new URL(url);
  const json = (status, body) => new Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
  if (u.pathname.includes('/systemregister/vendor/')) return json(200, SYSTEM_JSON);
  if (init.method === 'POST') return json(201, REQUEST_JSON);
  if (u.pathname.includes('/bysystem/')) {
    const t = u.searchParams.get('token');
    return json(200, PAGES[t ? Number(t.slice(4)) : 0]);
  }
  return json(200, REQUEST_JSON);
}

async function measure(fn, iterations) {
  const n = Math.max(5, Math.round(iterations * SCALE));
  for (let i = 0; i < Math.min(n, 200); i++) await fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  return Number(process.hrtime.bigint() - t0) / 1e3 / n; // µs per op
}

function fmt(us) {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`;
}

function table(title, rows) {
  const head = ['operation', 'component (jco)', 'plain JS', 'ratio'];
  const body = rows.map(([name, c, p]) => [name, fmt(c), p === null ? '—' : fmt(p), p === null ? '—' : `${(c / p).toFixed(1)}×`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`);
  for (const r of body) console.log(line(r));
}

const input = { systemId: SYSTEM, partyOrgNo: '0192:310816191', externalRef: 'kunde-1', accessPackages: ['urn:altinn:accesspackage:skattegrunnlag'] };

async function inMemory() {
  const options = { environment, token, fetch: memoryFetch, retryBudget: 3, backoffMs: 200 };
  const client = await createClient(options);
  const plain = new PlainClient(options);
  const rows = [];
  const instantiate = await measure(() => createClient(options), 200);
  rows.push(['new client (instantiate component)', instantiate, null]);
  rows.push(['checkOrgNo (sync)', await measure(() => client.checkOrgNo('0192:310816191'), 20000), await measure(() => plainCheckOrgNo('0192:310816191'), 20000)]);
  rows.push(['validateStandardRequest (sync)', await measure(() => client.validateStandardRequest(input), 20000), await measure(() => plainValidate(input), 20000)]);
  rows.push(['getRequest (token, 1 GET)', await measure(() => client.getRequest(ID), 5000), await measure(() => plain.getRequest(ID), 5000)]);
  // Both clients read the registered system on their first create and keep it (five minutes):
  // after the warm-up, a create is the pre-flight on the kept system and one POST.
  rows.push(['createRequest (POST; system kept)', await measure(() => client.createRequest(input), 3000), await measure(() => plain.createRequest(input), 3000)]);
  rows.push(['listAllRequests (3 pages × 50)', await measure(() => client.listAllRequests({ systemId: SYSTEM }), 300), await measure(() => plain.listAllRequests({ systemId: SYSTEM }), 300)]);
  table('In-memory fetch (no network): the cost of the client itself, per operation', rows);
}

async function loopback() {
  const bin = process.env.ALTINN_SIM_BIN ?? fileURLToPath(new URL('../../../target/release/altinn-sim', import.meta.url));
  if (!existsSync(bin)) {
    console.log(`\n(loopback table left out: the simulator ${bin} is not built)`);
    return;
  }
  process.env.ALTINN_SIM_BIN = bin;
  const { startSimulator, standardInput, ORGS } = await import('../test/helpers.js');
  const sim = await startSimulator();
  try {
    const tokens = new Map();
    const cached = async (scopes) => {
      const key = scopes.join(' ');
      if (!tokens.has(key)) tokens.set(key, await sim.mint(scopes));
      return tokens.get(key);
    };
    const options = { environment: sim.environment, token: cached };
    const client = await createClient(options);
    const plain = new PlainClient(options);
    const { request } = await client.createRequest(standardInput(ORGS[0]));
    await sim.settings({ pageSize: 50 });
    for (const org of ORGS.slice(1)) await client.createRequest(standardInput(org));
    const rows = [];
    rows.push(['getRequest', await measure(() => client.getRequest(request.id), 2000), await measure(() => plain.getRequest(request.id), 2000)]);
    rows.push(['createRequest (existing: 200; POST, system kept)', await measure(() => client.createRequest(standardInput(ORGS[0])), 1000), await measure(() => plain.createRequest(standardInput(ORGS[0])), 1000)]);
    rows.push([`listAllRequests (${ORGS.length} items)`, await measure(() => client.listAllRequests({ systemId: SYSTEM }), 1000), await measure(() => plain.listAllRequests({ systemId: SYSTEM }), 1000)]);
    table('Loopback HTTP to the simulator (cached tokens): what a caller sees', rows);
  } finally {
    await sim.stop();
  }
}

console.log(`Node ${process.version}, ${process.platform}/${process.arch}; µs per operation (mean over N after warm-up); ratio = component / plain JS`);
await inMemory();
await loopback();
