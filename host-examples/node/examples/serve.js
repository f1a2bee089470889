// The edge handler on node:http against the local simulator (started here on port 0).
//   node examples/serve.js [port]      then:
//   curl -s -XPOST localhost:8787/onboard -H 'content-type: application/json' -d '{"orgNo":"310816191"}'
//   curl -s localhost:8787/onboard/<id>
// In production: environment 'production' (or 'tt02') and a token callback that asks Maskinporten.
import { createClient, cachingTokenProvider } from '../src/index.js';
import { createOnboardingHandler } from '../src/edge.js';
import { serve } from '../src/node.js';
import { startSimulator } from '../test/helpers.js';

const port = Number(process.argv[2] ?? 8787);
const sim = await startSimulator();
const client = await createClient({
  environment: sim.environment,
  // The simulator mints vendor tokens on its admin route; a real service signs a JWT grant.
  token: cachingTokenProvider(async (scopes) => sim.admin('POST', 'token', { vendorOrgNo: '314248295', scopes })),
});
const handler = createOnboardingHandler({
  client,
  systemId: '314248295_smartregnskap',
  accessPackages: ['urn:altinn:accesspackage:skattegrunnlag'],
  onError: (err) => console.error('onboard failed:', JSON.stringify(err)),
});
const app = await serve(handler, { port });
console.log(`onboarding on ${app.url}/onboard (Altinn simulator at ${sim.base}; approve with POST ${sim.base}/_sim/requests/<id>/approve)`);
const stop = async () => {
  await app.close();
  await sim.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
