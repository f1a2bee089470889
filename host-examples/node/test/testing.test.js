// altinn-systemuser/testing (issue #18): start or attach, approve, reject, stop; the binary found by
// option, $ALTINN_SIM, PATH, then a checkout's target/release, with an error naming each place;
// and all of it from a directory outside the repository, the package imported by path.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { createClient } from '../src/index.js';
import {
  STANDARD_SYSTEM,
  SimulatorError,
  SimulatorNotFoundError,
  TestSimulator,
  attachSimulator,
  findSimulatorBinary,
  startSimulator,
} from '../src/testing.js';
import { PACKAGE, SIM_BIN, closedPort, standardInput } from './helpers.js';

const run = promisify(execFile);
const pkg = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const root = resolve(pkg, '../..');
const BUILT = resolve(SIM_BIN);
const workdirs = [];
after(() => {
  for (const d of workdirs) rmSync(d, { recursive: true, force: true });
});

const inside = (path, dir) => {
  const rel = relative(realpathSync(dir), realpathSync(path));
  return !rel.startsWith('..') && !rel.startsWith('/');
};

/** A directory outside the repository with bin/ (for PATH) and node_modules/altinn-systemuser:
 * a symlink to this package (`link`) or a copy of package.json and src/ (`copy`). */
function outsideDir(mode) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'altinn-testing-outside-')));
  workdirs.push(dir);
  assert.ok(!inside(dir, root), `${dir} is inside the repository`);
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  const target = join(dir, 'node_modules', 'altinn-systemuser');
  if (mode === 'link') symlinkSync(pkg, target, 'dir');
  else {
    mkdirSync(target);
    copyFileSync(join(pkg, 'package.json'), join(target, 'package.json'));
    cpSync(join(pkg, 'src'), join(target, 'src'), { recursive: true });
  }
  return dir;
}

/** The environment of a child: no $ALTINN_SIM, PATH only `dirs`. */
function envWith(dirs, extra = {}) {
  const env = { ...process.env, PATH: dirs.join(':'), ...extra };
  if (!('ALTINN_SIM' in extra)) delete env.ALTINN_SIM;
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT; // set by the runner around us: a nested node --test would report to it, not to stdout
  return env;
}

// Run as `node script.mjs` in the outside directory: imports the package by name (through
// node_modules, so the "exports" subpath is what resolves), starts, approves, rejects, stops.
const SCRIPT = `
import { createClient } from 'altinn-systemuser';
import { STANDARD_SYSTEM, findSimulatorBinary, startSimulator } from 'altinn-systemuser/testing';
const binary = findSimulatorBinary();
const sim = await startSimulator();
const client = await createClient({ environment: sim.environment, token: sim.tokens() });
const input = (org) => ({ systemId: STANDARD_SYSTEM, partyOrgNo: org, accessPackages: ['${PACKAGE}'] });
const a = await client.createRequest(input('310816191'));
const b = await client.createRequest(input('314224965'));
await sim.approve(a.request.id);
await sim.reject(b.request.id);
const statuses = [(await client.getRequest(a.request.id)).status, (await client.getRequest(b.request.id)).status];
const pid = sim.child.pid;
await sim.stop();
console.log(JSON.stringify({ binary, statuses, pid, cwd: process.cwd(), module: import.meta.resolve('altinn-systemuser/testing') }));
`;

// Only the simulator part, for a copy of the package (no generated/ component in it).
const SIM_ONLY = `
import { findSimulatorBinary, startSimulator } from 'altinn-systemuser/testing';
const binary = findSimulatorBinary();
const sim = await startSimulator();
const before = (await sim.requests()).length;
await sim.stop();
console.log(JSON.stringify({ binary, before, cwd: process.cwd(), module: import.meta.resolve('altinn-systemuser/testing') }));
`;

async function runScript(dir, code, cwd, env) {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const { stdout } = await run(process.execPath, [file], { cwd, env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `altinn-sim` started by hand, as in another terminal. */
async function separateSimulator(args = ['--admin']) {
  const child = spawn(BUILT, ['--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((res) => createInterface({ input: child.stdout }).once('line', res));
  child.stdout.resume();
  assert.match(line, /^listening on http:\/\/127\.0\.0\.1:\d+/);
  const url = line.slice('listening on '.length).trim();
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((res) => child.once('exit', res));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, url, stop };
}

test('startSimulator with a binary and a port: approve, reject, stop ends it', async () => {
  const probe = await startSimulator({ binary: BUILT });
  const port = Number(new URL(probe.url).port);
  await probe.stop();
  const sim = await startSimulator({ binary: BUILT, port });
  try {
    assert.ok(sim instanceof TestSimulator);
    assert.equal(sim.url, `http://127.0.0.1:${port}`);
    assert.equal(sim.attached, false);
    const client = await createClient({ environment: sim.environment, token: sim.tokens() });
    const a = await client.createRequest(standardInput('310816191'));
    const b = await client.createRequest(standardInput('314224965'));
    await sim.approve(a.request.id);
    await sim.reject(b.request.id);
    assert.equal((await client.getRequest(a.request.id)).status, 'Accepted');
    assert.equal((await client.getRequest(b.request.id)).status, 'Rejected');
    await assert.rejects(sim.approve(a.request.id), (e) => e instanceof SimulatorError && /\/_sim\/requests\/.*\/approve: 4\d\d/.test(e.message));
  } finally {
    await sim.stop();
  }
  assert.notEqual(sim.child.exitCode ?? sim.child.signalCode, null, 'stop() ended the process');
  await sim.stop(); // twice is fine
  await assert.rejects(startSimulator({ port: 70000 }), TypeError);
  await assert.rejects(startSimulator({ binary: BUILT, args: ['--no-such-option'] }), (e) => e instanceof SimulatorError && /unknown argument/.test(e.message));
});

test('attachSimulator: a simulator started separately, approve and reject, stop leaves it running', async () => {
  const separate = await separateSimulator();
  try {
    const sim = await attachSimulator(`${separate.url}/`);
    assert.equal(sim.url, separate.url);
    assert.equal(sim.attached, true);
    assert.equal(sim.child, null);
    const client = await createClient({ environment: sim.environment, token: sim.tokens() });
    const a = await client.createRequest(standardInput('310816191'));
    const b = await client.createRequest(standardInput('314224965'));
    await sim.approve(a.request.id);
    await sim.reject(b.request.id);
    assert.equal((await client.getRequest(a.request.id)).status, 'Accepted');
    assert.equal((await client.getRequest(b.request.id)).status, 'Rejected');
    await sim.stop();
    assert.equal(separate.child.exitCode, null, 'stop() on an attached simulator must not end it');
    const again = await attachSimulator(separate.url);
    assert.equal((await again.requests()).length, 2, 'its state is still there');
    await again.reset();
    assert.deepEqual(await again.requests(), []);
  } finally {
    await separate.stop();
  }
});

test('attachSimulator refuses what is not a simulator with --admin', async () => {
  await assert.rejects(attachSimulator('127.0.0.1:5101'), TypeError);
  await assert.rejects(attachSimulator(undefined), TypeError);
  const port = await closedPort();
  await assert.rejects(attachSimulator(`http://127.0.0.1:${port}`), (e) => e instanceof SimulatorError && e.message.startsWith(`no simulator answers at http://127.0.0.1:${port}`));
  const plain = await separateSimulator([]);
  try {
    await assert.rejects(attachSimulator(plain.url), (e) => e instanceof SimulatorError && /start altinn-sim with --admin/.test(e.message));
  } finally {
    await plain.stop();
  }
});

test('an explicit binary or $ALTINN_SIM that is wrong is an error, not a fallback', () => {
  const dir = outsideDir('copy');
  const missing = join(dir, 'no-such-altinn-sim');
  assert.throws(() => findSimulatorBinary(missing), (e) => e instanceof SimulatorNotFoundError && e.message.includes(missing) && /not an executable file/.test(e.message));
  assert.throws(() => findSimulatorBinary(42), TypeError);
  const notExecutable = join(dir, 'altinn-sim');
  writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
  const saved = process.env.ALTINN_SIM;
  try {
    process.env.ALTINN_SIM = notExecutable;
    assert.throws(() => findSimulatorBinary(), (e) => e instanceof SimulatorNotFoundError && e.message.includes(`$ALTINN_SIM=${JSON.stringify(notExecutable)}`));
    assert.equal(findSimulatorBinary(BUILT), BUILT, 'the option wins over the variable');
    process.env.ALTINN_SIM = BUILT;
    assert.equal(findSimulatorBinary(), BUILT);
  } finally {
    if (saved === undefined) delete process.env.ALTINN_SIM;
    else process.env.ALTINN_SIM = saved;
  }
});

test('outside the repository, the package imported by path: the binary from $ALTINN_SIM', async () => {
  const dir = outsideDir('link');
  const out = await runScript(dir, SCRIPT, dir, envWith([join(dir, 'bin')], { ALTINN_SIM: BUILT }));
  assert.deepEqual(out.statuses, ['Accepted', 'Rejected']);
  assert.equal(out.binary, BUILT);
  assert.equal(out.cwd, dir);
  assert.equal(fileURLToPath(out.module), join(pkg, 'src', 'testing.js'), 'the package imported by path through node_modules');
  assert.equal(alive(out.pid), false, 'stop() ended the simulator');
});

test('outside the repository, the package imported by path: the binary on PATH', async () => {
  const dir = outsideDir('link');
  copyFileSync(BUILT, join(dir, 'bin', 'altinn-sim'));
  const out = await runScript(dir, SCRIPT, dir, envWith([join(dir, 'bin')]));
  assert.deepEqual(out.statuses, ['Accepted', 'Rejected']);
  assert.equal(out.binary, join(dir, 'bin', 'altinn-sim'), 'PATH comes before the checkout the package sits in');
});

test('a copy of the package outside any checkout: by $ALTINN_SIM, by PATH, and from the repository root', async () => {
  const dir = outsideDir('copy');
  let out = await runScript(dir, SIM_ONLY, dir, envWith([join(dir, 'bin')], { ALTINN_SIM: BUILT }));
  assert.ok(inside(fileURLToPath(out.module), dir), out.module);
  assert.equal(out.binary, BUILT);
  assert.equal(out.before, 0);
  // From the repository root (and below it): only the current directory leads to target/release.
  out = await runScript(dir, SIM_ONLY, root, envWith([join(dir, 'bin')]));
  assert.equal(realpathSync(out.binary), realpathSync(BUILT));
  assert.equal(out.cwd, root);
  out = await runScript(dir, SIM_ONLY, join(root, 'simulator'), envWith([join(dir, 'bin')]));
  assert.equal(realpathSync(out.binary), realpathSync(BUILT));
  copyFileSync(BUILT, join(dir, 'bin', 'altinn-sim'));
  out = await runScript(dir, SIM_ONLY, dir, envWith([join(dir, 'bin')]));
  assert.equal(out.binary, join(dir, 'bin', 'altinn-sim'));
});

test('not found: the error names every place it looked', async () => {
  const dir = outsideDir('copy');
  const code = `
import { startSimulator, SimulatorNotFoundError } from 'altinn-systemuser/testing';
try {
  await startSimulator();
  process.exit(0);
} catch (e) {
  if (!(e instanceof SimulatorNotFoundError) || e.code !== 'ENOENT') throw e;
  console.log(JSON.stringify({ message: e.message, tried: e.tried }));
}
`;
  const out = await runScript(dir, code, dir, envWith([join(dir, 'bin')]));
  assert.ok(out.message.startsWith('altinn-sim not found; looked at:'), out.message);
  assert.equal(out.tried.length, 4, out.message);
  assert.equal(out.tried[0], 'the binary option: not given');
  assert.equal(out.tried[1], '$ALTINN_SIM: not set');
  assert.equal(out.tried[2], 'altinn-sim on PATH: not found');
  assert.match(out.tried[3], /^target\/release\/altinn-sim of a repository checkout: neither this package/);
  assert.ok(out.tried[3].includes(dir), 'names the directories it searched from');
  assert.match(out.message, /attachSimulator\(url\)/);
  assert.match(out.message, /cargo build --release -p altinn-sim/);
});

test("the README's samples of \"Testing your integration\" run as written outside the repository", async () => {
  const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Testing your integration\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 2);
  const dir = outsideDir('link');
  mkdirSync(join(dir, 'test'));
  writeFileSync(join(dir, 'test', 'onboarding.test.js'), blocks[0]);
  const { stdout } = await run(process.execPath, ['--test', 'test/onboarding.test.js'], { cwd: dir, env: envWith([join(dir, 'bin')], { ALTINN_SIM: BUILT }), timeout: 60_000 });
  assert.match(stdout, /# pass 1\b/);
  assert.match(stdout, /# fail 0\b/);
  const separate = await separateSimulator();
  try {
    assert.ok(blocks[1].includes("'http://127.0.0.1:5101'"));
    const file = join(dir, 'attach.mjs');
    writeFileSync(file, blocks[1].replace('http://127.0.0.1:5101', separate.url));
    const ran = await run(process.execPath, [file], { cwd: dir, env: envWith([join(dir, 'bin')]), timeout: 30_000 });
    assert.equal(ran.stdout.trim(), `${separate.url} true`);
    assert.equal(separate.child.exitCode, null, 'still running after the sample');
  } finally {
    await separate.stop();
  }
});

test('the package exports ./testing with its declarations', () => {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.exports['./testing'], { types: './src/testing.d.ts', default: './src/testing.js' });
  assert.ok(manifest.files.includes('src/'));
  assert.equal(STANDARD_SYSTEM, '314248295_smartregnskap');
});
