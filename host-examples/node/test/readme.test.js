// The README's samples run as written (issue #18), as test_readme.py does for Python: every
// ```js / ```ts block is either marked (`<!-- fragment: why -->`, or `<!-- run by FILE: how -->`
// for the blocks another test runs) or runs here, in order, as one session against the simulator
// over real HTTP. The only change made to a sample is the one the README states: 'tt02',
// 'production' and the simulator's sample URL become this simulator's URL. Names the README
// says are the reader's own (`sendToCustomer`, `myMaskinporten`, `signer`…) are given here.
//
// One session, like a REPL: the blocks are parsed with the pinned typescript, their imports
// hoisted, and each top-level `const`/`let` turned into an assignment to a name declared once
// (a later block may declare `client` again, as a reader would in a fresh file). Every top-level
// expression statement's value is recorded, so `client.isTerminal('Timedout'); // true` is checked.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';

import { createSigner } from '../src/node.js';
import { AGENT_PACKAGE, AGENT_SYSTEM, KEY_FILE, KID, KLIENTADMIN, SCOPES, SYSTEM, startSimulator } from './helpers.js';

const ts = createRequire(import.meta.url)('typescript');
const pkg = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(pkg, 'README.md'), 'utf8');
const R_MED = 'urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet';
// The README's relative key path is from host-examples/node.
process.chdir(pkg);

/** Every fenced block: its language, code, section, and the marker on the line before it. */
function fencedBlocks(text) {
  const blocks = [];
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heading = /^##+ (.*)/.exec(lines[i]);
    if (heading) section = heading[1];
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    do i++;
    while (i < lines.length && lines[i] !== '```');
    const marker = /^<!-- (fragment|run by) ?(.*?) -->$/.exec(lines[start - 2] ?? '');
    blocks.push({ lang: open[1], code: lines.slice(start, i).join('\n') + '\n', section, line: start, marker });
  }
  return blocks;
}

const jsBlocks = fencedBlocks(README).filter((b) => ['js', 'ts', 'javascript', 'typescript', 'mjs'].includes(b.lang));
const session = jsBlocks.filter((b) => !b.marker);

test('every js/ts block of the README runs here or is marked with a reason', () => {
  assert.ok(jsBlocks.length >= 12, `found ${jsBlocks.length} js blocks`);
  for (const b of jsBlocks) {
    assert.ok(['js', 'ts'].includes(b.lang), `README line ${b.line}: spell the fence \`\`\`js or \`\`\`ts`);
    if (!b.marker) continue;
    const [, kind, reason] = b.marker;
    if (kind === 'fragment') {
      assert.match(reason, /^: \S.{8,}/, `README line ${b.line}: a fragment says why it does not run`);
    } else {
      // "run by test/x.test.js: how": that file exists and reads this section of the README.
      const m = /^(test\/[\w.-]+\.test\.js): \S/.exec(reason);
      assert.ok(m, `README line ${b.line}: "run by FILE: how"`);
      const other = readFileSync(join(pkg, m[1]), 'utf8');
      assert.ok(other.includes('README.md') && other.includes(`## ${b.section}`), `${m[1]} does not run the README's "${b.section}"`);
    }
  }
  // Only the two samples of "Testing your integration" (a test file, and attaching to a
  // simulator started elsewhere) run in another test; the rest run in the session below.
  assert.deepEqual(
    jsBlocks.filter((b) => b.marker).map((b) => b.section),
    ['Testing your integration', 'Testing your integration'],
  );
});

/** The one substitution the README states: 'tt02' / 'production' / its sample URL → the simulator. */
function substitute(code, base) {
  return code.replaceAll("'tt02'", `'${base}'`).replaceAll("'production'", `'${base}'`).replaceAll('http://127.0.0.1:5101', base);
}

/** Names a binding pattern declares. */
function boundNames(name, out) {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) boundNames(e.name, out);
  return out;
}

/**
 * The blocks as one ES module: imports hoisted (the package's by its resolved URL), declarations
 * made assignments to names declared once at the top (from the reader's own names where given),
 * expression statements recorded, `export default x` kept as `defaultExport`, and a hook before
 * and after each block.
 */
function sessionModule(blocks, base, own) {
  const imports = new Map(); // specifier → Set of "imported as local"
  const names = new Set(['defaultExport']);
  const bodies = blocks.map((block, index) => {
    const code = substitute(block.code, base);
    const sf = ts.createSourceFile(`README-${block.line}.js`, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    let out = '';
    let at = 0;
    const text = (node) => code.slice(node.getStart(sf), node.end);
    for (const st of sf.statements) {
      out += code.slice(at, st.getStart(sf));
      at = st.end;
      if (ts.isImportDeclaration(st)) {
        const spec = st.moduleSpecifier.text;
        const set = imports.get(spec) ?? new Set();
        for (const el of st.importClause.namedBindings.elements) set.add(el.propertyName ? `${el.propertyName.text} as ${el.name.text}` : el.name.text);
        imports.set(spec, set);
        out += `/* ${text(st).replace(/\*\//g, '* /')} */`;
      } else if (ts.isVariableStatement(st)) {
        const parts = [];
        for (const d of st.declarationList.declarations) {
          boundNames(d.name, []).forEach((n) => names.add(n));
          if (d.initializer) parts.push(`(${text(d.name)} = ${text(d.initializer)});`);
        }
        out += parts.join(' ');
      } else if (ts.isExportAssignment(st)) {
        out += `defaultExport = ${text(st.expression)};`;
      } else if (ts.isExpressionStatement(st) && !ts.isBinaryExpression(st.expression)) {
        out += `__readme.value(${index}, ${JSON.stringify(text(st.expression))}, ${text(st.expression)});`;
      } else {
        out += text(st);
      }
    }
    out += code.slice(at);
    return `// ---- README line ${block.line} (${block.section})\nawait __readme.before(${index});\n${out}\nawait __readme.after(${index}, () => ({ __NAMES__ }));\n`;
  });
  for (const n of Object.keys(own)) names.add(n);
  const list = [...names].join(', ');
  const head = [...imports]
    .map(([spec, set]) => `import { ${[...set].join(', ')} } from ${JSON.stringify(spec.startsWith('altinn-systemuser') ? import.meta.resolve(spec) : spec)};`)
    .join('\n');
  return `${head}\nconst __readme = globalThis.__readme;\nlet { ${list} } = __readme.own;\n${bodies.join('\n').replaceAll('__NAMES__', list)}`;
}

let sim;
let work;
before(async () => {
  sim = await startSimulator();
  work = mkdtempSync(join(tmpdir(), 'altinn-readme-'));
});
after(async () => {
  await sim?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the samples run as written, in order, against the simulator', async () => {
  const base = sim.base;
  const out = [];
  const sent = [];
  const progress = [];
  const reminded = [];
  const values = new Map();
  const record = (...args) => out.push(args.map(String).join(' '));
  // The reader's own names the README lists ("The names they use without defining them are yours").
  const own = {
    myMaskinporten: { grant: async (s) => ({ access_token: await sim.mint(s), expires_in: 3600 }) },
    sendToCustomer: (url) => sent.push(url),
    log: (...args) => progress.push(args),
    remind: (orgNo) => reminded.push(orgNo),
    signal: new AbortController().signal,
    platform: base,
    headers: { authorization: `Bearer ${await sim.mint([SCOPES.read])}` },
    token: sim.tokens(),
    signer: createSigner({ keyFile: KEY_FILE, kid: KID }),
    api: `${base}/readme-sample-api`,
    // The TEST-ONLY key as the private JWK a Worker's secret would hold.
    env: { MASKINPORTEN_JWK: JSON.stringify({ ...createPrivateKey(readFileSync(KEY_FILE, 'utf8')).export({ format: 'jwk' }), kid: KID }) },
    console: { log: record, error: record, info: record, warn: record },
  };
  const byLine = (needle) => {
    const i = session.findIndex((b) => b.code.includes(needle));
    assert.ok(i >= 0, `no sample with ${needle}`);
    return i;
  };
  const at = {
    use: byLine('const { request, isNew, reconciled } = await client.createRequest'),
    args: byLine("client.transition('Accepted', 'approve')"),
    wait: byLine('await client.waitForDecision'),
    envs: byLine('environments.local('),
    change: byLine('client.createChangeRequest'),
    register: byLine('client.registerSystem'),
    delegation: byLine('bureauClient.listAgents'),
    mp: byLine('client.systemUserToken'),
    webcrypto: byLine('createWebCryptoSigner({ key: env.MASKINPORTEN_JWK })'),
    edge: byLine('createOnboardingHandler({'),
  };
  const value = (index, source) => {
    const key = `${index}:${source}`;
    assert.ok(values.has(key), `no value recorded for ${source}: ${[...values.keys()].join(' | ')}`);
    return values.get(key);
  };
  const ran = [];
  let created; // the request of the first sample, which the customer approves during the wait
  const checks = {
    [at.use]: async (ns) => {
      assert.equal(ns.isNew, true);
      assert.equal(ns.reconciled, false);
      assert.deepEqual(sent, [ns.request.confirmUrl]);
      assert.ok(ns.request.confirmUrl.startsWith(`${base}/`), ns.request.confirmUrl);
      assert.equal(ns.now.status, 'New');
      assert.equal(value(at.use, 'client.effectiveStatus(now)'), 'New');
    },
    [at.args]: async (ns) => {
      assert.equal(value(at.args, "client.transition('Accepted', 'approve')"), null);
      assert.equal(value(at.args, "client.isTerminal('Timedout')"), true);
      assert.ok(out.includes('TypeError orgNo must be a string, got number 310816191'), out.join('\n'));
      assert.equal(ns.raw.status, 'New', 'Altinn JSON read through fetch');
      assert.equal(value(at.args, 'client.effectiveStatus(raw)'), 'New');
    },
    [at.wait]: async (ns) => {
      assert.equal(ns.decided.status, 'Accepted');
      assert.equal(value(at.wait, 'decided.status'), 'Accepted');
      assert.ok(progress.length >= 1 && progress[0][0] === 'New', JSON.stringify(progress));
      assert.deepEqual(reminded, [], 'no request is New any more');
      assert.ok(out.includes('310816191'), out.join('\n'));
    },
    [at.envs]: async (ns) => {
      assert.equal((await ns.local.getRegisteredSystem(SYSTEM)).id, SYSTEM, 'environments.local reaches the simulator');
      assert.equal(typeof ns.other.getRequest, 'function');
    },
    [at.change]: async (ns) => {
      assert.equal(ns.noChangeNeeded, false);
      assert.equal(ns.isNew, true);
      assert.deepEqual(sent.at(-1), ns.changeRequest.confirmUrl);
      assert.equal(value(at.change, '(await client.getChangeRequest(changeRequest.id)).status'), 'New');
    },
    [at.register]: async (ns) => {
      assert.equal(typeof ns.internalId, 'string');
      assert.equal(ns.reconciled, false);
      assert.equal(value(at.register, "(await client.systemChangelog('314248295_smartcloud'))[0]").changeType, 'accesspackageupdate');
      const listed = value(at.register, '(await client.listSystems()).map((s) => s.id)');
      assert.ok(listed.includes('314248295_smartcloud') && listed.includes(SYSTEM), JSON.stringify(listed));
      assert.ok(!(await ns.client.listSystems()).some((s) => s.id === '314248295_smartcloud'), 'deleted, so no longer listed');
      assert.ok((await sim.requests()).some((r) => r.systemId === '314248295_smartcloud'), 'a request for it was created');
    },
    [at.delegation]: async (ns) => {
      assert.equal(ns.agent.systemId, AGENT_SYSTEM);
      assert.ok(ns.available.clients.some((c) => c.orgNo === '314224965'));
      const listed = value(at.delegation, '(await bureauClient.listClients(bureau, agent.id)).clients');
      assert.deepEqual(listed.map((c) => c.orgNo), ['314224965']);
      assert.deepEqual((await ns.bureauClient.listClients(ns.bureau, ns.agent.id)).clients, [], 'removed again');
    },
    [at.mp]: async (ns) => {
      assert.equal(ns.t.scope, 'ttd:regnskap.read');
      assert.ok(ns.t.expiresAt instanceof Date && ns.t.expiresAt > Date.now());
      for (const shown of [String(ns.t), JSON.stringify(ns.t), inspect(ns.t)]) {
        assert.ok(/redacted/.test(shown) && !shown.includes(ns.t.token), `the token redacted: ${shown}`);
      }
      assert.ok((await sim.requests()).some((r) => r.partyOrgNo === '317103360'), 'created in Maskinporten mode');
    },
    [at.webcrypto]: async (ns) => {
      // A grant signed with crypto.subtle is accepted: the client reads as the vendor.
      assert.equal((await ns.client.getRegisteredSystem(SYSTEM)).id, SYSTEM);
    },
    [at.edge]: async (ns) => {
      const answer = await ns.defaultExport.fetch(
        new Request('http://localhost/onboard', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orgNo: '314456726' }) }),
      );
      const body = await answer.json();
      assert.equal(answer.status, 201, JSON.stringify(body));
      assert.equal(body.status, 'New');
      assert.ok(body.confirmUrl.startsWith(`${base}/`));
    },
  };
  assert.equal(Object.keys(checks).length, 10, 'each sample above is a different block');
  const hooks = {
    [at.wait]: () => {
      // The customer approves while the sample waits.
      setTimeout(() => sim.approve(created.id).catch(() => {}), 300);
    },
    [at.delegation]: async () => {
      // What the README says happened once: the bureau approved its klientadministrator system
      // user (`byraa-selv`) and an agent system user with the packages its clients hold.
      const vendor = await sim.client();
      const admin = await vendor.createRequest({ systemId: SYSTEM, partyOrgNo: '310816191', externalRef: 'byraa-selv', accessPackages: [KLIENTADMIN] });
      await sim.approve(admin.request.id);
      const agent = await vendor.createAgentRequest({ systemId: AGENT_SYSTEM, partyOrgNo: '310816191', accessPackages: [AGENT_PACKAGE, R_MED] });
      await sim.approve(agent.request.id);
    },
  };
  globalThis.__readme = {
    own,
    value: (index, source, v) => values.set(`${index}:${source}`, v),
    before: async (index) => {
      await hooks[index]?.();
    },
    after: async (index, scope) => {
      const ns = scope();
      if (index === at.use) created = ns.request;
      await checks[index]?.(ns);
      ran.push(index);
    },
  };
  const file = join(work, 'readme-session.mjs');
  writeFileSync(file, sessionModule(session, base, own));
  try {
    await import(pathToFileURL(file).href);
  } catch (err) {
    err.message += `\n(the session module: ${file}; README blocks at lines ${session.map((b) => b.line).join(', ')})`;
    throw err;
  } finally {
    delete globalThis.__readme;
  }
  assert.deepEqual(ran, session.map((_, i) => i), 'every block ran');
  assert.ok(sent.length >= 2);
});
