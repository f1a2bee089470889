import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Adapts a Fetch-API handler to a node:http request listener. */
export declare function toNodeListener(handler: (request: Request) => Promise<Response>): (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Serves a Fetch-API handler on node:http; resolves when listening. */
export declare function serve(
  handler: (request: Request) => Promise<Response>,
  options?: { port?: number; host?: string },
): Promise<{ server: Server; url: string; close(): Promise<void> }>;
