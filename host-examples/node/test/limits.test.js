// The limits policy (SECURITY.md) as this package's transport obeys it, over real HTTP against
// the simulator's hostile faults and small stub servers: the answer cap and no decompression
// (issue #13 a), one deadline per exchange and per operation (b), and the memory all of it
// needs (e). A counting fetch wraps the real one to show how much of a body was ever read.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';

import { TransportError, UnavailableError, createClient } from '../src/index.js';
import { send } from '../src/transport.js';
import { SYSTEM, startSimulator, stubServer } from './helpers.js';

const RID = '0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f';
const CAP = 1024 * 1024;
const RSS_LIMIT = 200 * 1024 * 1024;

let sim;
/**
 * A simulator for `slow_headers` only, which takes a connection on its first request: no client
 * connection to it is ever left idle in fetch's pool (slowed ones end aborted, admin calls close
 * theirs), so each slowed request really opens a new connection.
 */
let slowSim;
before(async () => {
  sim = await startSimulator();
  slowSim = await startSimulator();
});
after(async () => {
  await sim?.stop();
  await slowSim?.stop();
});

/**
 * The real fetch, with the answer's body handed on one chunk per read (a pull source with no
 * read-ahead), so that `counter.read` is exactly what the transport read and `counter.cancelled`
 * says whether it let go of the rest.
 */
function countingFetch(counter, fetchImpl = fetch) {
  return async (url, init) => {
    const res = await fetchImpl(url, init);
    counter.responses += 1;
    if (!res.body) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          counter.read += value.byteLength;
          controller.enqueue(value);
        },
        cancel(reason) {
          counter.cancelled = true;
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

const newCounter = () => ({ responses: 0, read: 0, cancelled: false });

/** Every exchange on a connection of its own (`slow_headers` takes a connection on its first request). */
const ownConnection = (fetchImpl = fetch) => (url, init) => {
  init.headers.set('connection', 'close');
  return fetchImpl(url, init);
};

/** A fetch that ignores its AbortSignal: only the transport's own races can end the exchange. */
const deafFetch = (url, init) => fetch(url, { ...init, signal: undefined });

async function timed(promise) {
  const started = performance.now();
  const value = await promise.catch((e) => e);
  return { value, seconds: (performance.now() - started) / 1000 };
}

function assertPeakRss(what) {
  const peak = process.resourceUsage().maxRSS * 1024;
  assert.ok(peak < RSS_LIMIT, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB after ${what}`);
}

describe('the answer cap, and no decompression', () => {
  test('a gzip bomb (2 GiB of zeros in 2 MB) is refused unread: not one byte decompressed', async () => {
    await sim.reset();
    await sim.fault('get_request', 'gzip_bomb', { count: 10 });
    const counter = newCounter();
    const client = await sim.client({ fetch: countingFetch(counter), retryBudget: 0 });
    const { value: err, seconds } = await timed(client.getRequest(RID));
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'too-large');
    assert.match(err.message, /compressed/);
    assert.equal(counter.read, 0, 'the body was never read');
    assert.ok(counter.cancelled, 'the body was cancelled');
    assert.ok(seconds < 2, `${seconds} s`);
    assertPeakRss('a gzip bomb');
  });

  test('even a small, valid gzip answer is refused: the component asked for identity, and fetch would inflate it', async () => {
    const page = gzipSync(JSON.stringify({ links: {}, data: [] }));
    const stub = await stubServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': page.length });
      res.end(page);
    });
    try {
      const counter = newCounter();
      const client = await createClient({ environment: stub.environment, token: async () => 'stub-token-0123456789', retryBudget: 0, fetch: countingFetch(counter) });
      const err = await client.listRequests({ systemId: SYSTEM }).catch((e) => e);
      assert.ok(err instanceof TransportError, inspect(err));
      assert.equal(err.transportKind, 'too-large');
      assert.equal(counter.read, 0);
      assert.equal(stub.hits[0].headers['accept-encoding'], 'identity', 'the request asked for no compression, and fetch kept it');
    } finally {
      await stub.close();
    }
  });

  test('an answer whose Content-Length is over the cap (100 MB) is refused before its body is read', async () => {
    await sim.reset();
    await sim.fault('get_request', 'huge_body', { sizeBytes: 100_000_000, count: 10 });
    const counter = newCounter();
    const client = await sim.client({ fetch: countingFetch(counter), retryBudget: 0 });
    const { value: err, seconds } = await timed(client.getRequest(RID));
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'too-large');
    assert.match(err.message, /100000000 bytes/);
    assert.equal(counter.read, 0, 'refused on the header alone');
    assert.ok(counter.cancelled);
    assert.ok(seconds < 2, `${seconds} s`);
    assertPeakRss('a 100 MB answer');
  });

  test('an endless body is read up to the cap and not a chunk further', async () => {
    await sim.reset();
    await sim.fault('get_request', 'endless_body', { count: 10 });
    const counter = newCounter();
    const client = await sim.client({ fetch: countingFetch(counter), retryBudget: 0 });
    const { value: err, seconds } = await timed(client.getRequest(RID));
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'too-large');
    assert.ok(counter.read > CAP, `read ${counter.read} bytes: up to the cap`);
    assert.ok(counter.read <= CAP + 256 * 1024, `read ${counter.read} bytes: at most one chunk past the cap`);
    assert.ok(counter.cancelled, 'the rest was cancelled');
    assert.ok(seconds < 3, `${seconds} s`);
    assertPeakRss('an endless answer');
  });

  test('the cap is exact: maxResponseBytes bytes are an answer, one more is too-large (chunked and with Content-Length)', async () => {
    const server = createServer((req, res) => {
      const [, mode, size] = req.url.split('/');
      const body = Buffer.alloc(Number(size), 'a');
      res.writeHead(200, mode === 'length' ? { 'content-length': body.length } : {});
      // Chunked: in pieces, so that only counting can tell.
      if (mode === 'chunked') for (let i = 0; i < body.length; i += 100) res.write(body.subarray(i, i + 100));
      else res.write(body);
      res.end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    const request = (path) => ({ method: 'get', url: `${base}${path}`, headers: [], body: undefined, timeoutMs: 5000, maxResponseBytes: 1000 });
    try {
      for (const mode of ['chunked', 'length']) {
        const exact = await send(request(`/${mode}/1000`), { fetchImpl: fetch });
        assert.equal(exact.tag, 'response', `${mode}: ${inspect(exact)}`);
        assert.equal(exact.val.body.length, 1000);
        const over = await send(request(`/${mode}/1001`), { fetchImpl: fetch });
        assert.equal(over.tag, 'transport-failed', `${mode}: ${inspect(over)}`);
        assert.equal(over.val.kind, 'too-large');
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('one deadline per exchange, one per operation', () => {
  test('a body trickling a byte every 200 ms ends at timeoutMs: the bytes do not reset the clock', async () => {
    await sim.reset();
    await sim.fault('get_request', 'slow_body', { intervalMs: 200, count: 10 });
    const client = await sim.client({ timeoutMs: 1000, retryBudget: 0, deadlineMs: 0 });
    const { value: err, seconds } = await timed(client.getRequest(RID));
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'timeout');
    assert.match(err.message, /in full within 1000 ms/);
    // The whole body (22 bytes) would take 4.4 s.
    assert.ok(seconds >= 0.95 && seconds < 2, `${seconds} s`);
  });

  test('slowloris headers (a byte every 200 ms, never ending) end at timeoutMs', async () => {
    await slowSim.reset();
    await slowSim.fault('*', 'slow_headers', { intervalMs: 200, count: 10 });
    const client = await slowSim.client({ timeoutMs: 1000, retryBudget: 0, deadlineMs: 0, fetch: ownConnection() });
    const { value: err, seconds } = await timed(client.getRequest(RID));
    assert.ok(err instanceof TransportError, inspect(err));
    assert.equal(err.transportKind, 'timeout');
    assert.ok(seconds >= 0.95 && seconds < 2, `${seconds} s`);
    assert.deepEqual((await slowSim.calls()).map((c) => c.fault), ['slow_headers'], 'the fault took the connection');
  });

  test('a fetch that ignores its AbortSignal still cannot hold an exchange past timeoutMs (headers or body)', { timeout: 30_000 }, async () => {
    for (const [target, route, kind] of [
      [sim, 'get_request', 'slow_body'],
      [slowSim, '*', 'slow_headers'],
    ]) {
      await target.reset();
      await target.fault(route, kind, { intervalMs: 200, count: 10 });
      const client = await target.client({ timeoutMs: 1000, retryBudget: 0, deadlineMs: 0, fetch: ownConnection(deafFetch) });
      const { value: err, seconds } = await timed(client.getRequest(RID));
      assert.ok(err instanceof TransportError, `${kind}: ${inspect(err)}`);
      assert.equal(err.transportKind, 'timeout', kind);
      assert.ok(seconds < 2, `${kind}: ${seconds} s`);
      assert.deepEqual((await target.calls()).map((c) => c.fault), [kind], 'one exchange, taken by the fault');
    }
  });

  test('deadlineMs bounds the whole operation: retries and back-off stop when they could not end in time', async () => {
    await sim.reset();
    await sim.fault('get_request', 'status503', { count: 100 });
    // Without a deadline: 20 retries, back-off from 300 ms doubling (capped at 30 s each): minutes.
    const client = await sim.client({ retryBudget: 20, backoffMs: 300, deadlineMs: 1500 });
    assert.equal(client.config.deadlineMs, 1500);
    const { value: err, seconds } = await timed(client.getRequest(RID));
    assert.ok(err instanceof UnavailableError, inspect(err));
    assert.equal(err.status, 503);
    assert.ok(seconds < 1.8, `${seconds} s`);
    const tries = (await sim.calls('get_request')).length;
    assert.ok(tries >= 2 && tries <= 4, `${tries} tries`);
  });

  test("the defaults are the component's: 30 s per exchange, 60 s per operation, 3 retries, 200 ms back-off", async () => {
    const client = await createClient({ environment: 'tt02', token: async () => 'unused-token-0123456789' });
    const { timeoutMs, deadlineMs, retryBudget, backoffMs } = client.config;
    assert.deepEqual({ timeoutMs, deadlineMs, retryBudget, backoffMs }, { timeoutMs: 30_000, deadlineMs: 60_000, retryBudget: 3, backoffMs: 200 });
    await assert.rejects(createClient({ environment: 'tt02', token: async () => 't', deadlineMs: -1 }), /deadlineMs/);
  });

  test('the caller can still abort while a body trickles in: the method rejects with its reason at once', async () => {
    await sim.reset();
    await sim.fault('get_request', 'slow_body', { intervalMs: 200, count: 1 });
    const client = await sim.client({ timeoutMs: 10_000, retryBudget: 0 });
    const controller = new AbortController();
    const reason = new Error('the caller gave up');
    setTimeout(() => controller.abort(reason), 300);
    const { value, seconds } = await timed(client.getRequest(RID, { signal: controller.signal }));
    assert.equal(value, reason);
    assert.ok(seconds < 1, `${seconds} s`);
  });
});

test('every limit above ran in well under 200 MB of RSS (peak of this process, its own under node --test)', () => {
  assertPeakRss('this file');
  assert.ok(process.memoryUsage().rss < RSS_LIMIT);
});
