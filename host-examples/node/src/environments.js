// Named environments and the local simulator, like Python's `Environment.local` (issue #18).
// Edge-safe: nothing Node-only.

import { argError, localEnvironment } from './convert.js';

/**
 * `environment` values for `createClient`: the named ones, `local(url)` for the simulator (it
 * serves the platform routes, the confirm page and Maskinporten `{url}/token` itself) and
 * `custom({...})` for anything else.
 */
export const environments = Object.freeze({
  production: 'production',
  tt02: 'tt02',
  at22: 'at22',
  at23: 'at23',
  at24: 'at24',
  yt01: 'yt01',
  /** The local simulator at `url` (e.g. `http://127.0.0.1:5101`): platform, confirm page and Maskinporten issuer all there. */
  local(url) {
    return localEnvironment(url, 'url');
  },
  /** Any deployment: absolute base URLs (`maskinportenIssuer` with its trailing slash). */
  custom({ platformUrl, confirmUrl, maskinportenIssuer } = {}) {
    for (const [k, v] of Object.entries({ platformUrl, confirmUrl, maskinportenIssuer })) {
      if (typeof v !== 'string') throw argError(k, 'an absolute URL string', v);
    }
    return Object.freeze({ platformUrl, confirmUrl, maskinportenIssuer });
  },
});
