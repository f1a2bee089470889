// The edge handler on node:http against the local simulator (started here on port 0).
//   node examples/serve.js [port]      then:
//   curl -s -XPOST localhost:8787/onboard -H 'content-type: application/json' -d '{"orgNo":"310816191"}'
//   curl -s localhost:8787/onboard/<id>
// In production: environment 'production' (or 'tt02'), your Maskinporten client id and key.
import { createClient } from '../src/index.js';
import { createOnboardingHandler } from '../src/edge.js';
import { createSigner, serve } from '../src/node.js';
import { CLIENT_ID, KEY_FILE, KID, startSimulator } from '../test/helpers.js';

const port = Number(process.argv[2] ?? 8787);
const sim = await startSimulator();
const client = await createClient({
  environment: sim.environment,
  // The component signs its own grants to the simulator's Maskinporten, with its TEST-ONLY key.
  maskinporten: { clientId: CLIENT_ID, signer: createSigner({ keyFile: KEY_FILE, kid: KID }) },
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
