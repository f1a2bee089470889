// workerd (Cloudflare Workers): the adapter. Workers may not compile WebAssembly from bytes and
// have no filesystem, so the three core modules are imported as compiled Wasm modules (module
// bindings; wrangler and miniflare's CompiledWasm rule) and handed over by name. The settings
// are the Worker's bindings (vars, and the key as a secret).
import core from '../../generated/altinn_systemuser.core.wasm';
import core2 from '../../generated/altinn_systemuser.core2.wasm';
import core3 from '../../generated/altinn_systemuser.core3.wasm';
import { createApp } from '../app.js';

const modules = {
  'altinn_systemuser.core.wasm': core,
  'altinn_systemuser.core2.wasm': core2,
  'altinn_systemuser.core3.wasm': core3,
};

let app;

export default {
  async fetch(request, env) {
    // EDGE_BASELINE=plain: the bench's baseline (no component) in the same Worker.
    app ??= (env.EDGE_BASELINE === 'plain' ? import('../bench/plain-app.js') : Promise.resolve({ createApp })).then((m) =>
      m.createApp(env, { getCoreModule: (name) => modules[name] }),
    );
    return (await app)(request);
  },
};
