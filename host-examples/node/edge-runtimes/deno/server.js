// Deno: the adapter. The core modules are read from generated/ and compiled (Deno allows both);
// the settings come from the environment. Needs exactly (runtimes.js's DENO_PERMISSIONS; the
// full line is in the README): --allow-net=127.0.0.1 (or Altinn's hosts) --allow-read=<generated/>
// --allow-env=<app.js's SETTINGS>,JCO_DEBUG,HOST,PORT. Listens on HOST:PORT (127.0.0.1:8787 by default).
import { SETTINGS } from '../app.js';

// --plain-baseline: the bench's baseline (no component) behind the same server.
// (Literal specifiers: Deno loads them with the module graph, without read permission.)
const { createApp } = Deno.args.includes('--plain-baseline') ? await import('../bench/plain-app.js') : await import('../app.js');

const generated = new URL('../../generated/', import.meta.url);
const env = Object.fromEntries(SETTINGS.map((name) => [name, Deno.env.get(name)]));
const app = createApp(env, { getCoreModule: async (name) => WebAssembly.compile(await Deno.readFile(new URL(name, generated))) });

Deno.serve(
  {
    hostname: Deno.env.get('HOST') ?? '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 8787),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
  },
  (request) => app(request),
);
