import type { AccessPackage, Right, SystemUserClient } from './index.js';

export interface OnboardingOptions {
  client: SystemUserClient;
  systemId: string;
  /** Default 'standard'. */
  kind?: 'standard' | 'agent';
  accessPackages?: Array<AccessPackage | string>;
  /** Standard requests only. */
  rights?: Right[];
  integrationTitle?: string;
  redirectUrl?: string;
  /** Default '/onboard'. */
  basePath?: string;
  /** Sees every failure; `JSON.stringify(err)` is safe to log. */
  onError?: (err: unknown, request: Request) => void;
}

/**
 * `POST {basePath}` with `{"orgNo": "...", "externalRef"?: "..."}` → 201/200
 * `{id, status, confirmUrl, partyOrgNo, externalRef, isNew, reconciled}`;
 * `GET {basePath}/{id}` → `{id, status, effectiveStatus, timedOut, escalated, partyOrgNo, externalRef, created}`.
 * Errors are `application/problem+json`: 400 (violations), 404, 405, 409, 413, 415, 422 (Altinn refused),
 * 502 (credentials, unreachable, or an unsafe, oversized or compressed answer), 503 (Altinn rate-limiting
 * or down, with its `Retry-After` passed on), 504 (timeout).
 */
export declare function createOnboardingHandler(options: OnboardingOptions): (request: Request) => Promise<Response>;

/** The problem+json answer for an error thrown by the client. */
export declare function errorResponse(err: unknown): Response;
