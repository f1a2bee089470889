// Transpiles the component with jco into generated/ (one instance per client: instantiation
// mode). Skips the work when generated/ is newer than the component. Run: `npm run build`.
//
// The component is target/wasm/altinn_systemuser.wasm at the repository root (built by
// `make component`), or the file named by SYSTEMUSER_COMPONENT.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = resolve(here, '..', '..');
// SYSTEMUSER_COMPONENT as every host names it (ALTINN_SYSTEMUSER_WASM: its earlier name here).
const named = process.env.SYSTEMUSER_COMPONENT || process.env.ALTINN_SYSTEMUSER_WASM;
const component = named ? resolve(named) : join(root, 'target', 'wasm', 'altinn_systemuser.wasm');
// ALTINN_SYSTEMUSER_OUT: another output folder (the tests transpile the test-trap build too).
const out = process.env.ALTINN_SYSTEMUSER_OUT ? resolve(process.env.ALTINN_SYSTEMUSER_OUT) : join(here, 'generated');
const stamp = join(out, '.source-sha256');

if (!existsSync(component)) {
  console.error(
    `build: the component ${component} is missing. Build it first with \`make component\` ` +
      '(or `cargo run -q -p xtask -- component`) at the repository root, or set SYSTEMUSER_COMPONENT.',
  );
  process.exit(1);
}

// jco's package.json is not in its "exports": find it through node_modules directly.
const jcoPkgPath = join(here, 'node_modules', '@bytecodealliance', 'jco', 'package.json');
if (!existsSync(jcoPkgPath)) {
  console.error('build: @bytecodealliance/jco is not installed; run `npm ci` in host-examples/node first.');
  process.exit(1);
}
const jcoPkg = JSON.parse(readFileSync(jcoPkgPath, 'utf8'));
const jcoBin = join(dirname(jcoPkgPath), typeof jcoPkg.bin === 'string' ? jcoPkg.bin : jcoPkg.bin.jco);

const digest = createHash('sha256').update(readFileSync(component)).update(`jco ${jcoPkg.version}`).digest('hex');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest && existsSync(join(out, 'altinn_systemuser.js'))) {
  console.log(`build: ${relative(here, out) || '.'}/ is up to date (jco ${jcoPkg.version}, ${statSync(component).size} byte component)`);
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const args = [
  jcoBin,
  'transpile',
  component,
  '--out-dir', out,
  '--name', 'altinn_systemuser',
  // One instance per client: we call instantiate() ourselves with the compiled core modules.
  '--instantiation', 'async',
  // No Node-only fallbacks in the output: it must also run on edge runtimes.
  '--no-nodejs-compat',
  '--quiet',
];
const run = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
if (run.status !== 0) {
  console.error(`build: jco transpile failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
writeFileSync(stamp, digest);
console.log(`build: transpiled ${component} with jco ${jcoPkg.version} into ${relative(here, out) || '.'}/`);
