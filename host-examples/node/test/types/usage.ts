// Compiled with tsc --noEmit by test/package.test.js: the declarations describe a usable API.
import {
  AltinnError,
  MaskinportenError,
  MisuseError,
  UnavailableError,
  WebCryptoSigner,
  createWebCryptoSigner,
  type TransportErrorKind,
  type Signer,
  type SystemUserToken,
  SystemUserError,
  TransportError,
  ValidationError,
  cachingTokenProvider,
  createClient,
  type ChangeRequest,
  type ChangeRequestList,
  type ChangeRequestStatus,
  ConflictError,
  type CreatedChangeRequest,
  type CreatedRequest,
  type RequestStatus,
  type SystemUser,
  type AgentSystemUser,
  type Bureau,
  type Client,
  type ClientLink,
  type ClientList,
  type RegisteredSystem,
  type RegisteredSystemId,
  type SystemChange,
  type SystemInput,
  ForbiddenError,
  TokenError,
  ProblemError,
  environments,
  type AltinnRegisteredSystem,
  type AltinnSystemUserRequest,
  type RequestStatusInput,
} from '../../src/index.js';
import { createOnboardingHandler } from '../../src/edge.js';
import { createSigner, serve } from '../../src/node.js';
import { STANDARD_SYSTEM, SimulatorError, SimulatorNotFoundError, attachSimulator, findSimulatorBinary, startSimulator, type TestSimulator } from '../../src/testing.js';

export async function example(): Promise<void> {
  const token = cachingTokenProvider(async (scopes) => ({ accessToken: `t:${scopes.join(' ')}`, expiresIn: 120 }));
  const client = await createClient({
    environment: { platformUrl: 'http://127.0.0.1:1', confirmUrl: 'http://127.0.0.1:1', maskinportenIssuer: 'http://127.0.0.1:1/' },
    token,
    timeoutMs: 5000,
    deadlineMs: 20_000,
  });
  const created: CreatedRequest = await client.createRequest({
    systemId: '314248295_smartregnskap',
    partyOrgNo: '310816191',
    accessPackages: ['urn:altinn:accesspackage:skattegrunnlag', { urn: 'urn:altinn:accesspackage:merverdiavgift' }],
  });
  const link: string | undefined = created.request.confirmUrl;
  const status: RequestStatus = client.effectiveStatus(created.request, { now: new Date() });
  const user: SystemUser | null = await client.verifySystemUser({ systemId: '314248295_smartregnskap', orgNo: '310816191' });
  const page = await client.listRequests({ systemId: '314248295_smartregnskap', kind: 'agent' });
  const next: string | null = page.nextPage;
  const v = client.validateStandardRequest({ systemId: 'x', partyOrgNo: 'y' });
  if (!v.valid) v.violations.map((x) => `${x.field}: ${x.message} [${x.code}]`);
  try {
    await client.getRequest('id', { kind: 'standard', signal: AbortSignal.timeout(1000) });
  } catch (err) {
    if (err instanceof ValidationError) err.violations.length;
    else if (err instanceof AltinnError) console.log(err.code, err.status, err.extensions);
    else if (err instanceof UnavailableError) console.log(err.status, err.retryAfterSeconds ?? 'no Retry-After', err.code);
    else if (err instanceof TransportError) {
      const kind: TransportErrorKind = err.transportKind;
      if (kind === 'too-large') console.log('the answer was over the cap or compressed');
    } else if (err instanceof MisuseError) console.log(err.kind === 'misuse');
    else if (err instanceof SystemUserError) console.log(err.kind, JSON.stringify(err));
  }
  // Change requests: one more package for an approved customer's system user.
  const asked: CreatedChangeRequest = await client.createChangeRequest(
    {
      systemId: '314248295_smartregnskap',
      partyOrgNo: '310816191',
      externalRef: 'kunde-42',
      requiredAccessPackages: ['urn:altinn:accesspackage:merverdiavgift'],
      unwantedRights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
    },
    { signal: AbortSignal.timeout(1000) },
  );
  if (asked.noChangeNeeded) {
    const nothing: null = asked.changeRequest;
    void nothing;
  } else {
    const confirm: string | undefined = asked.changeRequest.confirmUrl;
    const again: ChangeRequest = await client.getChangeRequest(asked.changeRequest.id);
    const changeStatus: ChangeRequestStatus = again.status;
    if (changeStatus === 'Accepted' || changeStatus === 'NoChangeNeeded') console.log(again.systemUserId, again.requiredAccessPackages[0]?.urn);
    void [confirm, asked.isNew, asked.reconciled];
  }
  const hint: ChangeRequest = await client.getChangeRequestByExternalRef({ systemId: '314248295_smartregnskap', orgNo: '310816191' });
  const changes: ChangeRequestList = await client.listChangeRequests({ systemId: '314248295_smartregnskap' });
  if (changes.mayBeIncomplete) for (const c of changes.items) await client.getChangeRequest(c.id);
  const withdrawn: void = await client.withdrawChangeRequest(hint.id);
  try {
    await client.createChangeRequest({ systemId: '314248295_smartregnskap', partyOrgNo: '310816191', correlationId: '7c3e1f2a-9b4d-4e6f-8a1b-2c3d4e5f6a7b' });
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'correlation-id-reused') console.log('use a new correlation id');
  }
  // @ts-expect-error: a change request status is not a request status
  const wrongStatus: ChangeRequestStatus = 'denied';
  // @ts-expect-error: the list has no next page
  void changes.nextPage;
  void [withdrawn, wrongStatus];
  // Maskinporten mode: no token callback; the component signs its own grants.
  const signer: Signer = createSigner({ keyFile: 'client-key.pem', kid: 'my-kid' });
  const mp = await createClient({ environment: 'tt02', maskinporten: { clientId: 'my-client', signer, now: () => Date.now() } });
  const sut: SystemUserToken = await mp.systemUserToken({ customerOrgNo: '310816191', scopes: ['ttd:regnskap.read'] });
  const bearer: string = sut.token;
  const expires: Date = sut.expiresAt;
  try {
    await mp.listRequests({ systemId: '314248295_smartregnskap' });
  } catch (err) {
    if (err instanceof MaskinportenError) console.log(err.code, err.title, err.detail, err.status);
  }
  const custom: Signer = { identity: () => ({ x5c: ['MIIB'] }), sign: (data) => data };
  // Signing may be asynchronous (a KMS, an HSM, Web Crypto).
  const kms: Signer = { identity: () => ({ kid: 'kms-key' }), sign: async (data) => new Uint8Array(data) };
  const web: WebCryptoSigner = await createWebCryptoSigner({ key: { kty: 'RSA', n: 'n', e: 'AQAB', d: 'd', p: 'p', q: 'q', dp: 'dp', dq: 'dq', qi: 'qi' }, kid: 'k1' });
  const webSigned: Promise<Uint8Array> = web.sign(new Uint8Array(1));
  await createClient({ environment: 'tt02', maskinporten: { clientId: 'my-client', signer: web }, deadlineMs: 0 });
  // @ts-expect-error: a signature is bytes
  const wrong: Signer = { identity: () => ({ kid: 'k' }), sign: async () => 'text' };
  void [kms, webSigned, wrong];
  // @ts-expect-error: a token callback or Maskinporten, not both
  await createClient({ environment: 'tt02', token, maskinporten: { clientId: 'my-client' } });
  void [bearer, expires, custom];
  // The System Register (issue #17): a system in Altinn's shape.
  const system: SystemInput = {
    id: '314248295_regnskapapi',
    vendor: { ID: '0192:314248295' },
    name: { nb: 'Regnskap API', nn: 'Rekneskap API', en: 'Accounting API' },
    description: { nb: 'x', nn: 'x', en: 'x' },
    rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }],
    accessPackages: ['urn:altinn:accesspackage:skattegrunnlag'],
    clientId: ['my-maskinporten-client-id'],
    allowedRedirectUrls: ['https://regnskapapi.example/ferdig'],
  };
  const registered: RegisteredSystemId = await client.registerSystem(system, { signal: AbortSignal.timeout(1000) });
  const internalId: string | null = registered.internalId;
  const systems: RegisteredSystem[] = await client.listSystems({ signal: AbortSignal.timeout(1000) });
  const read: RegisteredSystem = await client.getRegisteredSystem(system.id);
  // A system read can be given back (this package's spelling), and edited as an update.
  await client.registerSystem(read);
  const updated: void = await client.updateSystem({ id: system.id, isVisible: false, clientIds: [] });
  await client.updateSystem({ ...read, name: { nb: 'Nytt navn', nn: 'Nytt namn', en: 'New name' } });
  await client.setSystemRights(system.id, [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-krav-og-betalinger' }] }]);
  await client.setSystemAccessPackages(system.id, ['urn:altinn:accesspackage:skattegrunnlag', { urn: 'urn:altinn:accesspackage:merverdiavgift' }]);
  const log: SystemChange[] = await client.systemChangelog(system.id);
  const when: Date | undefined = log[0]?.created;
  const deleted: void = await client.deleteSystem(system.id);
  try {
    await client.updateSystem({ id: system.id, name: null });
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'system-deleted') console.log('registered under a new id instead');
  }
  // @ts-expect-error: a system needs a name and a description
  const unnamed: SystemInput = { id: system.id, vendor: { ID: '0192:314248295' } };
  // @ts-expect-error: an update names the system
  await client.updateSystem({ isVisible: false });
  void [internalId, systems, updated, log, when, deleted, unnamed];

  // Client delegation (issue #17), for a bureau.
  const bureau: Bureau = { orgNo: '310816191', externalRef: 'byraa-selv' };
  const agents: AgentSystemUser[] = await mp.listAgents(bureau, { signal: AbortSignal.timeout(1000) });
  const agent: AgentSystemUser | undefined = agents[0];
  if (agent) {
    const packages: string[] = agent.accessPackages.map((p) => p.urn);
    const available: ClientList = await mp.listAvailableClients(bureau, agent);
    const first: Client | undefined = available.clients[0];
    const added: ClientLink = await mp.addClient(bureau, agent.id, '314224965');
    if (first) await mp.addClient('310816191', agent, first);
    await mp.addClient(bureau, agent, { orgNo: '317103360' });
    const delegated: ClientList = await mp.listClients(bureau, agent.id);
    const removed: ClientLink | null = await mp.removeClient(bureau, agent, delegated.clients[0]?.id ?? '314224965', { signal: AbortSignal.timeout(1000) });
    // @ts-expect-error: removeClient may send nothing (null)
    const surely: ClientLink = await mp.removeClient(bureau, agent, '314224965');
    // @ts-expect-error: a bureau is an org number or {orgNo, externalRef?}
    await mp.listAgents({ org: '310816191' });
    void [packages, added, removed, surely, delegated.ownerOrgNo, delegated.systemUserId];
  }
  try {
    await mp.listAgents(bureau);
  } catch (err) {
    if (err instanceof ForbiddenError) console.log(err.message); // approve the klientadministrator system user
    else if (err instanceof AltinnError && (err.code === 'AUTH-00079' || err.code === 'AUTH-00080')) console.log(err.message);
    else if (err instanceof TokenError) console.log(err.message);
  }
  const handler: (r: Request) => Promise<Response> = createOnboardingHandler({ client, systemId: '314248295_smartregnskap', accessPackages: ['urn:altinn:accesspackage:skattegrunnlag'] });
  const app = await serve(handler, { port: 0 });
  await app.close();
  void [link, status, user, next];
}

// Issue #18: ProblemError is exported at run time too; statuses and models as Altinn spells them.
export async function problems(client: Awaited<ReturnType<typeof createClient>>, altinnRequest: AltinnSystemUserRequest, altinnSystem: AltinnRegisteredSystem): Promise<void> {
  try {
    await client.getRequest('0b8d6a6e-0000-4000-8000-000000000000');
  } catch (err) {
    if (err instanceof ProblemError) {
      const status: number = err.status;
      const title: string | null = err.title;
      console.log(status, title, err.detail, err.traceId);
    }
  }
  const s: RequestStatusInput = 'Accepted';
  const next = client.transition(s, 'approve');
  console.log(next, client.isTerminal('Timedout'), client.effectiveStatus(altinnRequest), client.isTimedOut(altinnRequest, { now: '2026-01-01T00:00:00Z' }));
  console.log(client.validateStandardRequest({ systemId: altinnSystem.id, partyOrgNo: '310816191', accessPackages: ['urn:x'] }, altinnSystem).valid);
}

// Issue #18: waiting for the decision, and every page with for await.
export async function waits(client: Awaited<ReturnType<typeof createClient>>, signal: AbortSignal): Promise<void> {
  const decided = await client.waitForDecision('0b8d6a6e-0000-4000-8000-000000000000', {
    signal,
    timeoutMs: 60_000,
    intervalMs: 2000,
    onProgress: (r, { polls, elapsedMs }) => console.log(r.status, polls, elapsedMs),
  });
  const status: RequestStatus = decided.status;
  for await (const r of client.iterateRequests({ systemId: '314248295_smartregnskap' })) console.log(r.id, status);
  for await (const u of client.iterateSystemUsers('314248295_smartregnskap')) console.log(u.reporteeOrgNo);
}

// Issue #18: the local simulator without URL plumbing.
export async function local(): Promise<void> {
  const env = environments.local('http://127.0.0.1:5101');
  const client = await createClient({ environment: env, token: async () => 'token' });
  const byUrl = await createClient({ environment: 'http://127.0.0.1:5101', token: async () => 'token' });
  console.log(env.maskinportenIssuer, client.config, byUrl.config, environments.tt02);
}

// Issue #18: altinn-systemuser/testing, started or attached, feeds createClient directly.
export async function testing(): Promise<void> {
  const sim: TestSimulator = await startSimulator({ binary: findSimulatorBinary(), port: 0, args: ['--page-size', '5'] });
  const attached = await attachSimulator(sim.url);
  const client = await createClient({ environment: sim.environment, token: sim.tokens() });
  const { request } = await client.createRequest({ systemId: STANDARD_SYSTEM, partyOrgNo: '310816191', accessPackages: ['urn:altinn:accesspackage:skattegrunnlag'] });
  await attached.approve(request.id);
  await sim.reject(request.id).catch((e: unknown) => {
    if (e instanceof SimulatorNotFoundError) console.log(e.tried.join(', '), e.code);
    else if (e instanceof SimulatorError) console.log(e.message);
  });
  const token: string = await sim.mint(['altinn:authentication/systemuser.request.read']);
  const pending = (await sim.requests()).filter((r) => r.status === 'New').map((r) => r.id);
  console.log(attached.attached, sim.child?.pid, token.length, pending);
  await attached.stop();
  await sim.stop();
}
