// altinn-systemuser for Node and edge runtimes: the altinn:systemuser component, pumped with fetch.
export { SystemUserClient, createClient, DEFAULT_TIMEOUT_WINDOW_SECONDS } from './client.js';
export { cachingTokenProvider, SystemUserToken } from './tokens.js';
export { CORE_MODULES } from './component.js';
export { environments } from './environments.js';
export { createWebCryptoSigner, WebCryptoSigner } from './webcrypto.js';
export {
  SystemUserError,
  ValidationError,
  ProblemError,
  AltinnError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  UnavailableError,
  TransportError,
  TokenError,
  MaskinportenError,
  InvalidResponseError,
  MisuseError,
  ComponentFailureError,
} from './errors.js';
