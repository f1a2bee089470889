// Runs a Fetch-API handler `(Request) => Promise<Response>` on node:http (Node has no built-in
// adapter). Edge runtimes call the handler directly and never load this file.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';

const MAX_BODY = 1024 * 1024;

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Converts one node:http exchange to a Request, calls `handler`, writes its Response. */
export function toNodeListener(handler) {
  return async (req, res) => {
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('the client went away'));
    });
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(url, {
        method: req.method,
        headers,
        body: hasBody ? await readBody(req) : undefined,
        signal: controller.signal,
      });
      const response = await handler(request);
      const out = {};
      response.headers.forEach((value, name) => {
        out[name] = value;
      });
      res.writeHead(response.status, out);
      if (response.body && req.method !== 'HEAD') Readable.fromWeb(response.body).pipe(res);
      else res.end();
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(err?.status ?? 500, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: err?.status === 413 ? 'The body is too large' : 'Internal error', status: err?.status ?? 500 }));
      } else {
        res.destroy();
      }
    }
  };
}

/**
 * Serves `handler` on node:http. Resolves when listening.
 * @returns {Promise<{server: import('node:http').Server, url: string, close: () => Promise<void>}>}
 */
export function serve(handler, { port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer(toNodeListener(handler));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        server,
        url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}
