// Browser test: headless Chromium (Debian's /usr/bin/chromium, never a downloaded
// browser) opens a confirmUrl from the simulator, clicks Approve, and the vendor route
// then shows the request as Accepted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bin = process.env.ALTINN_SIM_BIN ?? join(root, 'target', 'release', 'altinn-sim');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const WRITE = 'altinn:authentication/systemuser.request.write';
const READ = 'altinn:authentication/systemuser.request.read';

let sim;
let base;
let userDataDir;
let context;

function startSimulator() {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--listen', '127.0.0.1:0', '--admin'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('simulator did not print its listening line in 10 s')), 10_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`simulator exited early with ${code}`)); });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (!m) return reject(new Error(`unexpected first line: ${line}`));
      child.removeAllListeners('exit');
      resolve({ child, base: m[1] });
    });
  });
}

async function json(res) {
  const text = await res.text();
  try { return JSON.parse(text); } catch { throw new Error(`not JSON (${res.status}): ${text}`); }
}

async function mintToken(scopes) {
  const res = await fetch(`${base}/_sim/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vendorOrgNo: '314248295', scopes }),
  });
  assert.equal(res.status, 200);
  return (await json(res)).access_token;
}

before(async () => {
  ({ child: sim, base } = await startSimulator());
  userDataDir = mkdtempSync(join(tmpdir(), 'altinn-sim-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (sim) sim.kill('SIGTERM');
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('customer approves in the browser; the vendor then sees Accepted', async () => {
  const write = await mintToken([WRITE]);
  const created = await fetch(`${base}/authentication/api/v1/systemuser/request/vendor`, {
    method: 'POST',
    headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      systemId: '314248295_smartregnskap',
      partyOrgNo: '310816191',
      externalRef: 'browser-test',
      rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
    }),
  });
  assert.equal(created.status, 201);
  const request = await json(created);
  assert.equal(request.status, 'New');
  assert.ok(request.confirmUrl.startsWith(`${base}/accessmanagement/ui/systemuser/request?id=${request.id}`));

  const page = await context.newPage();
  const shown = await page.goto(request.confirmUrl);
  assert.equal(shown.status(), 200);
  assert.match(await page.textContent('#system'), /SmartRegnskap/);
  assert.match(await page.textContent('#customer'), /310816191/);
  assert.match(await page.textContent('#asked'), /ske-krav-og-betalinger/);

  await Promise.all([page.waitForURL(/\/accessmanagement\/ui\/systemuser\/done\?id=/), page.click('#approve')]);
  assert.equal(await page.getAttribute('#result', 'data-status'), 'Accepted');

  const read = await mintToken([READ]);
  const after = await fetch(`${base}/authentication/api/v1/systemuser/request/vendor/${request.id}`, {
    headers: { authorization: `Bearer ${read}` },
  });
  assert.equal(after.status, 200);
  assert.equal((await json(after)).status, 'Accepted');

  // Back to the page: no buttons any more.
  await page.goto(request.confirmUrl);
  assert.equal(await page.locator('#approve').count(), 0);
  await page.close();
});
