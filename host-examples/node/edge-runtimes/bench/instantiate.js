// Module instantiation alone, inside Deno or Bun (not workerd: a Worker's clock stands still
// while it computes, so it cannot time itself): the core modules compiled from generated/ and the
// component instantiated (the first client's cost), then a second instance (each further client's).
// Prints one JSON line. Run by bench.js: `deno run --allow-read=… --allow-env=… bench/instantiate.js` / `bun bench/instantiate.js`.
import { instantiateComponent } from '../../src/component.js';

const generated = new URL('../../generated/', import.meta.url);
const read = globalThis.Deno ? (url) => Deno.readFile(url) : (url) => Bun.file(url).arrayBuffer();
const getCoreModule = async (name) => WebAssembly.compile(await read(new URL(name, generated)));

let t = performance.now();
await instantiateComponent({ getCoreModule });
const firstMs = performance.now() - t;
t = performance.now();
await instantiateComponent({ getCoreModule });
const againMs = performance.now() - t;
console.log(JSON.stringify({ firstMs, againMs }));
