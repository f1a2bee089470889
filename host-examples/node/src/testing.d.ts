// altinn-systemuser/testing: the local Altinn simulator (`altinn-sim`) for your own tests (Node only).
import type { ChildProcess } from 'node:child_process';

/** The environment variable naming the `altinn-sim` binary: `"ALTINN_SIM"`. */
export declare const BINARY_ENV: 'ALTINN_SIM';
/** The vendor of the simulator's built-in fixture. */
export declare const VENDOR: string;
/** The fixture's standard system (`314248295_smartregnskap`). */
export declare const STANDARD_SYSTEM: string;
/** The fixture's agent system (`314248295_smartbyraa`). */
export declare const AGENT_SYSTEM: string;

/** The simulator could not be started or attached to, or an admin call answered with an error. */
export declare class SimulatorError extends Error {
  constructor(message: string, options?: { cause?: unknown });
}

/** No `altinn-sim` binary was found; `tried` lists every place looked at, in order. */
export declare class SimulatorNotFoundError extends SimulatorError {
  constructor(tried: string[]);
  readonly code: 'ENOENT';
  readonly tried: string[];
}

/**
 * The `altinn-sim` binary: `binary` if given, else `$ALTINN_SIM`, else `altinn-sim` on PATH, else
 * `target/release/altinn-sim` of the repository checkout this package or the current directory
 * is in. Throws SimulatorNotFoundError.
 */
export declare function findSimulatorBinary(binary?: string): string;

export interface StartSimulatorOptions {
  /** The `altinn-sim` binary (else found as `findSimulatorBinary` says). */
  binary?: string;
  /** The loopback port; 0 (the default) takes a free one. */
  port?: number;
  /** More command-line options, e.g. `['--page-size', '5']`. */
  args?: string[];
}

/** Starts `altinn-sim --listen 127.0.0.1:PORT --admin`; resolves once it listens. */
export declare function startSimulator(options?: StartSimulatorOptions): Promise<TestSimulator>;

/** A simulator already running at `url`, started with `--admin` (checked at once). Its `stop()` does nothing. */
export declare function attachSimulator(url: string): Promise<TestSimulator>;

/** What `startSimulator` and `attachSimulator` resolve to. */
export declare class TestSimulator {
  private constructor();
  /** The base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The simulator's process; null when attached. */
  readonly child: ChildProcess | null;
  /** True when attached: `stop()` leaves the simulator running. */
  readonly attached: boolean;
  /** For `createClient({ environment })`. */
  readonly environment: { platformUrl: string; confirmUrl: string; maskinportenIssuer: string };
  /** One call to `/_sim/{path}`; the answer's JSON. An error status rejects with SimulatorError. */
  admin(method: string, path: string, body?: unknown): Promise<any>;
  /** A vendor token with these scopes, minted by the simulator. */
  mint(scopes: readonly string[], options?: { vendorOrgNo?: string; expiresIn?: number }): Promise<string>;
  /** A token provider for `createClient({ token })`. */
  tokens(options?: { vendorOrgNo?: string; expiresIn?: number }): (scopes: readonly string[]) => Promise<string>;
  /** The customer approves a system user request. */
  approve(requestId: string): Promise<unknown>;
  /** The customer rejects a system user request. */
  reject(requestId: string): Promise<unknown>;
  approveChange(changeRequestId: string): Promise<unknown>;
  rejectChange(changeRequestId: string): Promise<unknown>;
  /** Every request the simulator holds, as its admin view shows them. */
  requests(): Promise<Array<{ id: string; status: string; [key: string]: unknown }>>;
  /** Empties the store, faults, call log and clock. */
  reset(): Promise<void>;
  /** Ends a simulator this object started; on an attached one it does nothing (it keeps running). */
  stop(): Promise<void>;
}
