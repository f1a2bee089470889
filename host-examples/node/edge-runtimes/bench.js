// Per runtime (workerd through miniflare, Deno, Bun): the onboarding handler through the component
// against the same handler behind a client written plainly in JS (bench/plain-app.js: fetch +
// JSON, no component), same run, same simulator, same loopback. Prints a markdown table per
// runtime; asserts nothing.
//   cold start: process start → listening, → first POST /onboard answered (module instantiation,
//     the Maskinporten grants and the system register read included); median of COLD_RUNS starts
//   module instantiation alone (Deno, Bun): bench/instantiate.js inside the runtime
//   per request: GET /onboard/:id against the simulator, the two variants alternating, median/p90
//
//   node bench.js                    (after run-tests.sh has installed and built everything)
//   BENCH_SCALE=0.2 node bench.js    fewer samples
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { ORGS, startSimulator } from '../test/helpers.js';
import { DENO_PERMISSIONS, RUNTIMES, settingsFor, startRuntime } from './runtimes.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const COLD_RUNS = Math.max(3, Math.round(7 * SCALE));
const WARMUP = Math.max(20, Math.round(100 * SCALE));
const REQUESTS = Math.max(100, Math.round(1000 * SCALE));
const here = fileURLToPath(new URL('./', import.meta.url));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
const ms = (x) => x.toFixed(1);
const us = (x) => Math.round(x).toLocaleString('en');

async function post(url, orgNo) {
  const res = await fetch(`${url}/onboard`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orgNo }) });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`POST /onboard answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

async function timedGet(url, id) {
  const t = process.hrtime.bigint();
  const res = await fetch(`${url}/onboard/${id}`);
  await res.arrayBuffer();
  const elapsed = Number(process.hrtime.bigint() - t) / 1000;
  if (res.status !== 200) throw new Error(`GET /onboard/:id answered ${res.status}`);
  return elapsed;
}

const variant = (runtime, plain) => (plain ? { ...runtime, command: [runtime.command[0], [...runtime.command[1], '--plain-baseline']] } : runtime);

/** One cold start: {listening, answered} in ms from spawn. */
async function coldStart(sim, runtime, plain) {
  await sim.reset();
  const t = performance.now();
  const server = await startRuntime(variant(runtime, plain), settingsFor(sim.base, runtime.keyFormat));
  const listening = performance.now() - t;
  try {
    await post(server.url, ORGS[0]);
    return { listening, answered: performance.now() - t };
  } finally {
    await server.stop();
  }
}

function instantiation(runtime) {
  const script = `${here}bench/instantiate.js`;
  const args = { deno: ['run', ...DENO_PERMISSIONS, script], bun: [script] }[runtime.name];
  if (!args) return undefined;
  const run = spawnSync(runtime.command[0], args, { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
  if (run.status !== 0) throw new Error(`${runtime.name} bench/instantiate.js failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

async function benchRuntime(sim, runtime) {
  const cold = { component: [], plain: [] };
  for (let i = 0; i < COLD_RUNS; i++) {
    // Alternating, so drift on the machine hits both alike.
    cold.component.push(await coldStart(sim, runtime, false));
    cold.plain.push(await coldStart(sim, runtime, true));
  }
  await sim.reset();
  const settings = settingsFor(sim.base, runtime.keyFormat);
  const servers = { component: await startRuntime(runtime, settings), plain: await startRuntime(variant(runtime, true), settings) };
  const samples = { component: [], plain: [] };
  try {
    const ids = { component: await post(servers.component.url, ORGS[1]), plain: await post(servers.plain.url, ORGS[2]) };
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      for (const v of i % 2 ? ['plain', 'component'] : ['component', 'plain']) {
        const t = await timedGet(servers[v].url, ids[v]);
        if (i >= WARMUP) samples[v].push(t);
      }
    }
  } finally {
    await servers.component.stop();
    await servers.plain.stop();
  }
  return { cold, samples, inst: instantiation(runtime) };
}

function table(runtime, { cold, samples, inst }) {
  const row = (what, c, p, fmt) => `| ${what} | ${fmt(c)} | ${fmt(p)} | ${fmt(c - p)} |`;
  const m = (v, f) => median(cold[v].map(f));
  const lines = [
    `### ${runtime.name}`,
    '',
    '| | component | plain JS | difference |',
    '| --- | ---: | ---: | ---: |',
    row('cold: process start → listening (ms)', m('component', (r) => r.listening), m('plain', (r) => r.listening), ms),
    row('cold: process start → first POST /onboard answered (ms)', m('component', (r) => r.answered), m('plain', (r) => r.answered), ms),
    row('cold: the first POST /onboard alone (ms)', m('component', (r) => r.answered - r.listening), m('plain', (r) => r.answered - r.listening), ms),
    row('GET /onboard/:id, median (µs)', median(samples.component), median(samples.plain), us),
    row('GET /onboard/:id, p90 (µs)', p90(samples.component), p90(samples.plain), us),
  ];
  lines.push(
    '',
    inst
      ? `Module instantiation alone, inside ${runtime.name}: ${ms(inst.firstMs)} ms for the first client (core modules compiled), ${ms(inst.againMs)} ms for each further one.`
      : `Module instantiation alone: not measurable inside workerd (a Worker's clock stands still while it computes); it is in the first POST's difference above.`,
    `(${COLD_RUNS} cold starts each, medians; ${REQUESTS} GETs each after ${WARMUP} warm-up, alternating; the simulator and this driver on the same loopback.)`,
    '',
  );
  return lines.join('\n');
}

const sim = await startSimulator();
try {
  const out = ['## Edge runtimes: the handler through the component against plain JS, same run', ''];
  for (const runtime of RUNTIMES) {
    process.stderr.write(`bench: ${runtime.name}\n`);
    out.push(table(runtime, await benchRuntime(sim, runtime)));
  }
  console.log(out.join('\n'));
} finally {
  await sim.stop();
}
