// altinn-systemuser/testing: the local Altinn simulator (`altinn-sim`) for a user's own tests.
// `startSimulator()` runs the binary on a loopback port and `stop()` ends it; `attachSimulator(url)`
// uses one that is already running (started with `--admin`) and never stops it. Both have the
// same helpers over the simulator's `/_sim/` admin routes. Node only (child_process, fs).
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The environment variable naming the `altinn-sim` binary (the same as the Python package's). */
export const BINARY_ENV = 'ALTINN_SIM';
/** The vendor, standard system and agent system of the simulator's built-in fixture. */
export const VENDOR = '314248295';
export const STANDARD_SYSTEM = '314248295_smartregnskap';
export const AGENT_SYSTEM = '314248295_smartbyraa';

const EXE = process.platform === 'win32' ? 'altinn-sim.exe' : 'altinn-sim';

/** The simulator could not be started or attached to, or an admin call answered with an error. */
export class SimulatorError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'SimulatorError';
  }
}

/** No `altinn-sim` binary; `tried` lists every place looked at, in order. */
export class SimulatorNotFoundError extends SimulatorError {
  constructor(tried) {
    super(
      `altinn-sim not found; looked at:\n${tried.map((t) => `  - ${t}`).join('\n')}\n` +
        'Install it (`cargo install --path simulator` in the altinn-systemuser repository, or ' +
        '`cargo build --release -p altinn-sim` there), then pass `binary`, set ' +
        `$${BINARY_ENV}, or put it on PATH; or run one yourself ` +
        '(`altinn-sim --listen 127.0.0.1:0 --admin`) and use `attachSimulator(url)`.',
    );
    this.name = 'SimulatorNotFoundError';
    this.code = 'ENOENT';
    this.tried = [...tried];
  }
}

function isExecutable(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Repository checkouts: the one holding this module, then the current directory's (each once). */
function checkouts() {
  const found = [];
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let d = resolve(start); ; d = dirname(d)) {
      if (isFile(join(d, 'simulator', 'Cargo.toml')) && isFile(join(d, 'Cargo.toml'))) {
        if (!found.includes(d)) found.push(d);
        break;
      }
      if (dirname(d) === d) break;
    }
  }
  return found;
}

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The `altinn-sim` binary: `binary` if given, else `$ALTINN_SIM`, else `altinn-sim` on PATH, else
 * `target/release/altinn-sim` of the repository checkout this package or the current directory
 * is in. A given `binary` or `$ALTINN_SIM` that is not an executable file is an error, never
 * replaced by another; when nothing is found, SimulatorNotFoundError names every place tried.
 */
export function findSimulatorBinary(binary) {
  if (binary !== undefined && binary !== null) {
    if (typeof binary !== 'string' || binary === '') throw new TypeError(`binary must be a path (a non-empty string), got ${typeof binary}`);
    if (isExecutable(binary)) return binary;
    throw new SimulatorNotFoundError([`binary ${JSON.stringify(binary)}: not an executable file`]);
  }
  const env = process.env[BINARY_ENV];
  if (env) {
    if (isExecutable(env)) return env;
    throw new SimulatorNotFoundError([`$${BINARY_ENV}=${JSON.stringify(env)}: not an executable file`]);
  }
  const tried = ['the binary option: not given', `$${BINARY_ENV}: not set`];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const cand = join(dir, EXE);
    if (isExecutable(cand)) return cand;
  }
  tried.push('altinn-sim on PATH: not found');
  const roots = checkouts();
  for (const root of roots) {
    const cand = join(root, 'target', 'release', EXE);
    if (isExecutable(cand)) return cand;
    tried.push(`${cand}: not built (\`make build\` or \`cargo build --release -p altinn-sim\` in ${root})`);
  }
  if (roots.length === 0) {
    tried.push(
      'target/release/altinn-sim of a repository checkout: neither this package ' +
        `(${dirname(fileURLToPath(import.meta.url))}) nor the current directory (${process.cwd()}) is in one`,
    );
  }
  throw new SimulatorNotFoundError(tried);
}

/**
 * Starts `altinn-sim --listen 127.0.0.1:PORT --admin` (port 0: a free one) and resolves once it
 * listens. `args` are more command-line options (`['--page-size', '5']`).
 */
export async function startSimulator({ binary, port = 0, args = [] } = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new TypeError('args must be an array of strings');
  const exe = findSimulatorBinary(binary);
  const child = spawn(exe, ['--listen', `127.0.0.1:${port}`, '--admin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  let url;
  try {
    url = await new Promise((resolvePromise, reject) => {
      const rl = createInterface({ input: child.stdout });
      const timer = setTimeout(() => reject(new SimulatorError(`altinn-sim (${exe}) did not say where it listens within 10 s`)), 10_000);
      rl.once('line', (line) => {
        clearTimeout(timer);
        const m = /^listening on (http:\/\/\S+)/.exec(line);
        if (m) resolvePromise(m[1].replace(/\/$/, ''));
        else reject(new SimulatorError(`altinn-sim (${exe}) did not start: ${JSON.stringify(line)}`));
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new SimulatorError(`altinn-sim (${exe}) did not start: ${e.message}`, { cause: e }));
      });
      // 'close': the process ended and its output was read to the end (stderr quoted whole).
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(new SimulatorError(`altinn-sim (${exe}) exited (${code ?? signal}) before listening: ${stderr.trim()}`));
      });
    });
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw e;
  }
  child.stdout.resume();
  return new TestSimulator(url, child);
}

/**
 * A simulator that is already running at `url` (started with `--admin`), checked at once
 * (`GET /_sim/settings`). `stop()` on it does nothing: it keeps running.
 */
export async function attachSimulator(url) {
  if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) throw new TypeError(`url must be the simulator's http(s) base URL, got ${JSON.stringify(url)}`);
  const base = url.replace(/\/+$/, '');
  let res;
  try {
    res = await fetch(`${base}/_sim/settings`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new SimulatorError(`no simulator answers at ${base}: ${e.cause?.message ?? e.message}`, { cause: e });
  }
  const text = await res.text();
  if (res.status === 404) throw new SimulatorError(`${base} has no /_sim/ admin routes: start altinn-sim with --admin to attach to it`);
  if (!res.ok) throw new SimulatorError(`${base}/_sim/settings: ${res.status} ${text.slice(0, 300)}`);
  return new TestSimulator(base, null);
}

/** What startSimulator and attachSimulator resolve to. */
export class TestSimulator {
  constructor(url, child) {
    /** The base URL, `http://127.0.0.1:PORT`. */
    this.url = url;
    /** The process (null when attached). */
    this.child = child;
  }

  /** True when attached: stop() leaves the simulator running. */
  get attached() {
    return this.child === null;
  }

  /** For `createClient({ environment })`. */
  get environment() {
    return { platformUrl: this.url, confirmUrl: this.url, maskinportenIssuer: `${this.url}/` };
  }

  /** One admin call (`/_sim/{path}`); the answer's JSON. An error status throws SimulatorError. */
  async admin(method, path, body) {
    const res = await fetch(`${this.url}/_sim/${path}`, {
      method,
      headers: body === undefined ? { connection: 'close' } : { connection: 'close', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new SimulatorError(`/_sim/${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** A vendor token with these scopes, minted by the simulator. */
  async mint(scopes, { vendorOrgNo = VENDOR, expiresIn = 3600 } = {}) {
    return (await this.admin('POST', 'token', { vendorOrgNo, scopes, expiresIn })).access_token;
  }

  /** A token provider for `createClient({ token })`: a fresh vendor token for the scopes asked. */
  tokens(options) {
    return (scopes) => this.mint(scopes, options);
  }

  /** The customer approves a system user request (what the confirm page's Approve does). */
  approve(id) {
    return this.admin('POST', `requests/${encodeURIComponent(id)}/approve`);
  }

  /** The customer rejects a system user request. */
  reject(id) {
    return this.admin('POST', `requests/${encodeURIComponent(id)}/reject`);
  }

  approveChange(id) {
    return this.admin('POST', `changerequests/${encodeURIComponent(id)}/approve`);
  }

  rejectChange(id) {
    return this.admin('POST', `changerequests/${encodeURIComponent(id)}/reject`);
  }

  /** Every request the simulator holds. */
  async requests() {
    return (await this.admin('GET', 'requests')).requests;
  }

  /** Empties the store, faults, call log and clock. */
  async reset() {
    await this.admin('POST', 'reset');
  }

  /** Ends a simulator this object started; on an attached one it does nothing. */
  async stop() {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
    child.kill('SIGTERM');
    await exited;
  }
}
