// Bun: the adapter. The core modules are read from generated/ with Bun.file and compiled; the
// settings come from the environment. Listens on HOST:PORT (127.0.0.1:8787 by default).
//   bun bun/server.js
import { SETTINGS } from '../app.js';

// --plain-baseline: the bench's baseline (no component) behind the same server.
const { createApp } = process.argv.includes('--plain-baseline') ? await import('../bench/plain-app.js') : await import('../app.js');

const generated = new URL('../../generated/', import.meta.url);
const env = Object.fromEntries(SETTINGS.map((name) => [name, process.env[name]]));
const app = createApp(env, { getCoreModule: async (name) => WebAssembly.compile(await Bun.file(new URL(name, generated)).arrayBuffer()) });

const server = Bun.serve({
  hostname: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8787),
  fetch: (request) => app(request),
});
console.log(`listening on ${server.url.href.replace(/\/$/, '')}`);
