import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { KeyIdentity, Signer } from './index.js';

/** Adapts a Fetch-API handler to a node:http request listener. */
export declare function toNodeListener(handler: (request: Request) => Promise<Response>): (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Serves a Fetch-API handler on node:http; resolves when listening. */
export declare function serve(
  handler: (request: Request) => Promise<Response>,
  options?: { port?: number; host?: string },
): Promise<{ server: Server; url: string; close(): Promise<void> }>;

export interface SignerOptions {
  /** PEM text (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), a private RSA JWK or one-key JWK Set (text or object), or a private KeyObject. */
  key?: string | KeyObject | JsonWebKey | { keys: [JsonWebKey] };
  /** A PEM or JWK file instead of `key`. */
  keyFile?: string | URL;
  /** The key's id on your Maskinporten client; default the JWK's own `kid`. */
  kid?: string;
  /** Name the key by a business certificate chain instead (base64 DER strings or PEM text, leaf first). */
  x5c?: string | string[];
  /** For an encrypted PEM key. */
  passphrase?: string;
}

/** An RS256 signer on node:crypto. Printing or serialising it shows its identity, never the key. */
export declare class KeySigner implements Signer {
  private constructor();
  identity(): KeyIdentity;
  sign(data: Uint8Array): Uint8Array;
  /** RSA key size in bits. */
  readonly bits: number;
  toJSON(): Record<string, unknown>;
}

/** A signer for `createClient({ maskinporten: { clientId, signer } })`; throws TokenError (never quoting the key) or TypeError. */
export declare function createSigner(options: SignerOptions): KeySigner;
