// The three runtimes as the tests and the bench start them: each serves the same app.js through
// its adapter, from the binaries npm installed in node_modules/ (pinned by package-lock.json),
// on a free loopback port (PORT=0; each prints "listening on <url>").
import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { SETTINGS } from './app.js';
import { AGENT_PACKAGE, AGENT_SYSTEM, CLIENT_ID, KEY_FILE, KID, PACKAGE, SYSTEM } from '../test/helpers.js';

const here = fileURLToPath(new URL('./', import.meta.url));
const bin = (name) => `${here}node_modules/.bin/${name}`;

/** Deno's permissions, no more: loopback only, the core modules, these variables (jco's glue reads JCO_DEBUG). */
export const DENO_PERMISSIONS = Object.freeze([
  '--allow-net=127.0.0.1',
  `--allow-read=${fileURLToPath(new URL('../generated/', import.meta.url))}`,
  `--allow-env=${[...SETTINGS, 'JCO_DEBUG', 'HOST', 'PORT'].join(',')}`,
]);

/** How each runtime is started, and the form its key secret takes (both forms are covered). */
export const RUNTIMES = Object.freeze([
  { name: 'workerd', keyFormat: 'jwk', command: [process.execPath, [`${here}workerd/serve.js`]] },
  { name: 'deno', keyFormat: 'pkcs8', command: [bin('deno'), ['run', ...DENO_PERMISSIONS, `${here}deno/server.js`]] },
  { name: 'bun', keyFormat: 'jwk', command: [bin('bun'), [`${here}bun/server.js`]] },
]);

/** The TEST-ONLY key of the simulator's Maskinporten client, as a JWK (with its kid) or PKCS#8 PEM. */
export function testKey(format) {
  const pem = readFileSync(KEY_FILE, 'utf8');
  return format === 'jwk' ? JSON.stringify({ ...createPrivateKey(pem).export({ format: 'jwk' }), kid: KID }) : pem;
}

/** The app's settings for a runtime in front of the simulator at `base`. */
export function settingsFor(base, keyFormat) {
  return {
    SYSTEMUSER_ENV: base,
    SYSTEMUSER_CLIENT_ID: CLIENT_ID,
    SYSTEMUSER_KEY: testKey(keyFormat),
    ...(keyFormat === 'jwk' ? {} : { SYSTEMUSER_KID: KID }),
    SYSTEMUSER_SYSTEM_ID: SYSTEM,
    SYSTEMUSER_ACCESS_PACKAGES: PACKAGE,
    SYSTEMUSER_AGENT_SYSTEM_ID: AGENT_SYSTEM,
    SYSTEMUSER_AGENT_ACCESS_PACKAGES: AGENT_PACKAGE,
    // Short enough for the timeout scenario, long enough for a loaded machine's loopback.
    SYSTEMUSER_TIMEOUT_MS: '1000',
  };
}

/**
 * Starts `runtime` with `settings`; resolves when it listens, to {url, logs, stop}. `logs` collects
 * every line it prints (stdout and stderr), to be searched for secrets.
 */
export async function startRuntime(runtime, settings) {
  const [cmd, args] = runtime.command;
  // No update checks or telemetry: the runtimes run offline.
  const env = { ...process.env, ...settings, HOST: '127.0.0.1', PORT: '0', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' };
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime.name} did not say where it listens within 60 s:\n${logs.join('\n')}`)), 60_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        logs.push(line);
        const m = /^listening on (http:\/\/\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    }
    child.once('error', (err) => reject(new Error(`${runtime.name} could not be started (${cmd}): ${err.message}`)));
    exited.then((code) => reject(new Error(`${runtime.name} exited (${code}) before listening:\n${logs.join('\n')}`)));
  });
  return {
    url,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
