// Runs Forge's own bundler (@forge/bundler) offline over manifest.yml and
// copies its output, the per-handler .cjs files `forge deploy` ships, to the
// directory given as the first argument.
const { mkdirSync, readFileSync, writeFileSync, rmSync, cpSync } = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'build', 'forge'));

// Forge's bundler wants the runtime wrapper/loader scripts the CLI downloads;
// they only matter inside Atlassian's runtime, so stand-ins are enough here.
const offlineWrapperProvider = {
  getNodeRuntimeWrapper: async () => ({ script: '// runtime wrapper: supplied by Forge at deploy\n', source: 'offline', version: 'offline' }),
  getNodeRuntimeLoader: async () => ({ script: '// runtime loader: supplied by Forge at deploy\n', source: 'offline', version: 'offline' }),
};

async function main() {
  // The bundler writes scratch files under TMPDIR and the home config dirs.
  const tmp = path.join(ROOT, 'build', 'tmp');
  mkdirSync(tmp, { recursive: true });
  process.env.TMPDIR = tmp;
  process.chdir(ROOT);
  const { getNodeBundler, getEntryPoints } = require('@forge/bundler');
  const manifest = YAML.parse(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8'));
  const handlers = (manifest.modules.function ?? []).map((fn) => {
    const [module, func] = fn.handler.split('.');
    return { module, func, key: fn.key };
  });
  const logger = { info: () => {}, debug: () => {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };
  const bundler = getNodeBundler(logger, offlineWrapperProvider, { readConfig: async () => manifest });
  const output = await bundler.bundle({ appDirectory: ROOT, entryPoints: getEntryPoints(handlers) });
  if (output.metadata?.errors) throw new Error(`Forge bundler reported ${output.metadata.errors} errors`);
  rmSync(outDir, { recursive: true, force: true });
  cpSync(output.outputDir, outDir, { recursive: true });
  for (const [name, content] of output.additionalOutputs ?? []) {
    const target = path.join(outDir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  console.log(`bundle: ${outDir}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
