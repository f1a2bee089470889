// Serves workerd/worker.js in workerd (the npm `workerd` binary, driven by miniflare), offline on
// loopback: what `wrangler dev` does, without wrangler. The settings are read from this process's
// environment and given to the Worker as bindings. Listens on HOST:PORT (127.0.0.1:8787 by default).
//   node workerd/serve.js
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

import { SETTINGS } from '../app.js';

const root = fileURLToPath(new URL('../../', import.meta.url)); // host-examples/node/
// The Worker's modules, the entry point first: the package's edge-safe sources unchanged, the
// jco output, and the core modules as compiled Wasm (Workers compile no Wasm from bytes).
const NODE_ONLY = new Set(['node.js', 'testing.js']);
const modules = [
  { type: 'ESModule', path: `${root}edge-runtimes/workerd/worker.js` },
  { type: 'ESModule', path: `${root}edge-runtimes/app.js` },
  ...readdirSync(`${root}src`)
    .filter((f) => f.endsWith('.js') && !NODE_ONLY.has(f))
    .map((f) => ({ type: 'ESModule', path: `${root}src/${f}` })),
  { type: 'ESModule', path: `${root}generated/altinn_systemuser.js` },
  ...readdirSync(`${root}generated`)
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => ({ type: 'CompiledWasm', path: `${root}generated/${f}` })),
];

const bindings = Object.fromEntries(SETTINGS.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
// --plain-baseline: the bench's baseline (no component) in the same Worker.
if (process.argv.includes('--plain-baseline')) {
  bindings.EDGE_BASELINE = 'plain';
  modules.push({ type: 'ESModule', path: `${root}edge-runtimes/bench/plain-app.js` }, { type: 'ESModule', path: `${root}bench/plain.js` });
}

const mf = new Miniflare({
  modules,
  modulesRoot: root,
  compatibilityDate: '2026-07-01',
  bindings,
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8787),
});
const url = await mf.ready;
console.log(`listening on ${String(url).replace(/\/$/, '')}`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    mf.dispose().finally(() => process.exit(0));
  });
}
