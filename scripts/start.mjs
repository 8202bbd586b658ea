// `npm start`: the local sandbox. Sets up and builds like `npm test` (skip
// with --no-setup when the build is current), then runs the bundled app
// against the embedded Entra emulator with a fake JSM site and a web page.
//
//   SANDBOX_PORT      port of the web page and Service API (default 8787; 0: a free port)
//   SANDBOX_DATA_DIR  where data persists (default build/sandbox-data)
//   SANDBOX_TENANT_SEED  an emulator seed file to use instead of the demo tenant
//   --reset           start with an empty data folder
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, run, step } from './lib/run.mjs';

const args = new Set(process.argv.slice(2));
const dataDir = path.resolve(process.env.SANDBOX_DATA_DIR ?? path.join(ROOT, 'build', 'sandbox-data'));
const port = Number(process.env.SANDBOX_PORT ?? 8787);
const seed = process.env.SANDBOX_TENANT_SEED ? path.resolve(process.env.SANDBOX_TENANT_SEED) : undefined;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SANDBOX_PORT must be a port number (0 for a free one), not '${process.env.SANDBOX_PORT}'`);
  process.exit(2);
}

if (!args.has('--no-setup')) {
  const { setup } = await import('./setup.mjs');
  const { build } = await import('./build.mjs');
  setup();
  await build();
  step('entra emulator: cargo build');
  run('cargo', ['build', '--release', '-p', 'entra-emulator']);
}
if (args.has('--reset')) rmSync(dataDir, { recursive: true, force: true });

step('sandbox');
const { startSandbox } = await import('../sandbox/sandbox.mjs');
const log = (line) => console.log(`[sandbox] ${line}`);
let sandbox;
try {
  sandbox = await startSandbox({ root: ROOT, dataDir, port, log, seed });
} catch (error) {
  console.error(`The sandbox did not start: ${error.message}`);
  process.exit(1);
}

const { endpoints, steps, notes, endpointsFile } = sandbox;
console.log('\nApp configuration (through its admin resolvers):');
for (const s of steps) console.log(`  ${{ done: 'ok     ', missing: 'not yet', failed: 'FAILED ' }[s.state]} ${s.name}: ${s.message}`);
console.log(`
Entra ID Connect for JSM: local sandbox
  Web page       ${endpoints.ui}
  Service API    ${endpoints.serviceApi}
  Service key    ${endpoints.serviceKey ?? '(none: the app could not issue one, see above)'}
  Graph          ${endpoints.graph}   (Entra emulator, ${seed ? `tenant seed ${seed}` : 'demo tenant'})
  Emulator       ${endpoints.emulatorControl}/tenant, /log
  Endpoints file ${endpointsFile}

${notes.map((n) => `  ${n}`).join('\n')}

Try:
  curl -s ${endpoints.serviceApi} -H "Authorization: Bearer $(node -p "require('${endpointsFile}').serviceKey")" \\
    -d '{"route":"user.get","data":{"user":"adele.vance@contoso.example"}}'

Ctrl-C stops the sandbox and the emulator.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox`);
    await sandbox.stop();
    process.exit(0);
  });
}
