// Test support: the simulator on port 0, vendor tokens from its admin API, admin shortcuts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';

import { createClient } from '../src/index.js';
import { createSigner } from '../src/node.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const SIM_BIN = process.env.ALTINN_SIM_BIN ?? `${root}target/release/altinn-sim`;

export const VENDOR = '314248295';
export const SYSTEM = '314248295_smartregnskap';
export const AGENT_SYSTEM = '314248295_smartbyraa';
export const FOREIGN_SYSTEM = '313367002_konkurrent';
/** Customer organisations in simulator/fixtures/default.json. */
export const ORGS = ['310816191', '314224965', '317103360', '316501389', '313981436', '316859356', '312317761', '313526011', '314941888', '313093808', '314456726'];
/** Valid mod-11 but not in the simulator's register. */
export const UNKNOWN_ORG = '310000000';
export const SCOPES = {
  read: 'altinn:authentication/systemuser.request.read',
  write: 'altinn:authentication/systemuser.request.write',
  register: 'altinn:authentication/systemregister.write',
};
export const PACKAGE = 'urn:altinn:accesspackage:skattegrunnlag';
/** The simulator's Maskinporten client for 314248295_smartregnskap, and its TEST-ONLY keys. */
export const CLIENT_ID = 'sim-smartregnskap-client';
export const KID = 'sim-test-key-1';
export const KEY_FILE = `${root}simulator/tests/keys/TEST-ONLY-client-key.pk8.pem`;
export const UNREGISTERED_KEY_FILE = `${root}simulator/tests/keys/TEST-ONLY-unregistered-key.pk8.pem`;
/** The business certificate (x5c) the fixture registers for KEY_FILE. */
export const CERT_FILE = `${root}simulator/tests/keys/TEST-ONLY-client-cert.pem`;
/** A scope of the fixture client's that is not Altinn's own (an API a system user calls). */
export const API_SCOPE = 'ttd:regnskap.read';
export const AGENT_PACKAGE = 'urn:altinn:accesspackage:regnskapsforer-lonn';
/** The simulator's Maskinporten client tagged on no system: the client id of a system registered by API (#17). */
export const SPARE_CLIENT_ID = 'sim-spare-client';
export const SPARE_KID = 'sim-spare-key-1';
export const SPARE_KEY_FILE = `${root}simulator/tests/keys/TEST-ONLY-spare-client-key.pk8.pem`;
/** What a bureau's own system user must hold to administer its clients (API.md §12). */
export const KLIENTADMIN = 'urn:altinn:accesspackage:klientadministrator';
export const DELEGATION_SCOPES = ['altinn:clientdelegations.read', 'altinn:clientdelegations.write'];

/**
 * A fetch that records every secret that crosses the wire: bearer tokens sent, Maskinporten
 * grants (the assertion and its signature) and the tokens they return, and the Altinn tokens of
 * the token exchange. `secrets` holds each, and each JWT's signature part.
 */
export function secretRecorder() {
  const secrets = new Set();
  const add = (token) => {
    if (!token) return;
    secrets.add(token);
    const signature = token.split('.')[2];
    if (signature && signature.length >= 16) secrets.add(signature);
  };
  const fetchImpl = async (url, init) => {
    add(init.headers.get('authorization')?.replace(/^Bearer /, ''));
    if (init.body) add(new URLSearchParams(new TextDecoder().decode(init.body)).get('assertion') ?? undefined);
    const res = await fetch(url, init);
    const path = new URL(url).pathname;
    if (path === '/token') add((await res.clone().json().catch(() => ({}))).access_token);
    if (path.endsWith('/exchange/maskinporten') && res.status === 200) add((await res.clone().text()).trim());
    return res;
  };
  return { fetch: fetchImpl, secrets };
}

/** Every text an error shows: String, message, stack, JSON, util.inspect (hidden members too), each field, its causes. */
export function errorTexts(err) {
  const texts = [String(err), err?.message ?? '', err?.stack ?? '', JSON.stringify(err) ?? '', inspect(err, { depth: 20, showHidden: true })];
  if (err && typeof err === 'object') for (const v of Object.values(err)) texts.push(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
  for (let c = err?.cause; c; c = c.cause) texts.push(String(c), inspect(c, { depth: 20 }));
  return texts;
}

/** Starts the simulator; resolves to {base, stop, admin helpers}. */
export async function startSimulator() {
  if (!existsSync(SIM_BIN)) throw new Error(`the simulator is not built: ${SIM_BIN} (run \`make build\` or \`cargo build --release -p altinn-sim\`)`);
  const child = spawn(SIM_BIN, ['--listen', '127.0.0.1:0', '--admin'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('the simulator did not say where it listens within 10 s')), 10_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1].replace(/\/$/, ''));
      else reject(new Error(`unexpected first line from the simulator: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited early (${code})`)));
  });
  child.stdout.resume();
  const sim = new Simulator(base, child);
  sim.defaults = await sim.admin('GET', 'settings');
  return sim;
}

export class Simulator {
  constructor(base, child) {
    this.base = base;
    this.child = child;
    /** Every token minted, so tests can check none leaks. */
    this.minted = [];
  }

  get environment() {
    return { platformUrl: this.base, confirmUrl: this.base, maskinportenIssuer: `${this.base}/` };
  }

  async admin(method, path, body) {
    // `connection: close`: no admin connection stays in fetch's pool, so a client's first request
    // after a fault is armed opens a connection of its own (`slow_headers` is per connection).
    const res = await fetch(`${this.base}/_sim/${path}`, {
      method,
      headers: body === undefined ? { connection: 'close' } : { connection: 'close', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Empties the store, faults, calls and clock, and puts the settings back (reset keeps them). */
  async reset() {
    await this.admin('POST', 'reset');
    await this.admin('PUT', 'settings', this.defaults);
  }

  async mint(scopes, { vendorOrgNo = VENDOR, expiresIn = 3600, omitConsumer = false } = {}) {
    const r = await this.admin('POST', 'token', { vendorOrgNo, scopes, expiresIn, omitConsumer });
    this.minted.push(r.access_token);
    return r.access_token;
  }

  /** A token provider: a fresh vendor token with exactly the scopes asked for. */
  tokens(options) {
    return (scopes) => this.mint(scopes, options);
  }

  fault(route, kind, extra = {}) {
    return this.admin('POST', 'faults', { route, kind, ...extra });
  }

  settings(patch) {
    return this.admin('PATCH', 'settings', patch);
  }

  approve(id) {
    return this.admin('POST', `requests/${id}/approve`);
  }

  reject(id) {
    return this.admin('POST', `requests/${id}/reject`);
  }

  /** The customer approves a change request (its confirm page's Approve). */
  approveChange(id) {
    return this.admin('POST', `changerequests/${id}/approve`);
  }

  rejectChange(id) {
    return this.admin('POST', `changerequests/${id}/reject`);
  }

  /** Every change request stored (deleted ones too), as the admin view shows them. */
  async changeRequests() {
    return (await this.admin('GET', 'changerequests')).changeRequests;
  }

  /** A system user as the admin view shows it: with the rights and packages it holds now. */
  systemUser(id) {
    return this.admin('GET', `systemusers/${id}`);
  }

  /** Forgets the calls recorded so far (the store stays). */
  clearCalls() {
    return this.admin('DELETE', 'calls');
  }

  /** Altinn calls recorded since the last reset (admin and token calls left out). */
  async calls(route) {
    const { calls } = await this.admin('GET', 'calls');
    return calls.filter((c) => c.route && c.route !== 'maskinporten_token' && (!route || c.route === route));
  }

  /** Maskinporten grants (`POST /token`) since the last reset. */
  async grants() {
    const { calls } = await this.admin('GET', 'calls');
    return calls.filter((c) => c.route === 'maskinporten_token');
  }

  async dedupe() {
    return (await this.admin('GET', 'dedupe')).keys;
  }

  async requests() {
    return (await this.admin('GET', 'requests')).requests;
  }

  client(options = {}) {
    return createClient({ environment: this.environment, token: this.tokens(), retryBudget: 2, backoffMs: 1, timeoutMs: 5000, ...options });
  }

  /** A client in Maskinporten mode: the component gets its own tokens with the TEST-ONLY key. */
  mpClient({ signer = createSigner({ keyFile: KEY_FILE, kid: KID }), clientId = CLIENT_ID, now, randomBytes, ...options } = {}) {
    return createClient({
      environment: this.environment,
      maskinporten: { clientId, signer, now, randomBytes },
      retryBudget: 2,
      backoffMs: 1,
      timeoutMs: 5000,
      ...options,
    });
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** A throwaway HTTP server for answers the simulator never gives (409, redirects). */
export async function stubServer(handler) {
  const hits = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method, url: req.url, headers: req.headers });
    handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    hits,
    environment: { platformUrl: base, confirmUrl: base, maskinportenIssuer: `${base}/` },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function standardInput(orgNo = ORGS[0], extra = {}) {
  return { systemId: SYSTEM, partyOrgNo: orgNo, accessPackages: [PACKAGE], ...extra };
}

export function agentInput(orgNo = ORGS[0], extra = {}) {
  return { systemId: AGENT_SYSTEM, partyOrgNo: orgNo, accessPackages: [AGENT_PACKAGE], ...extra };
}
