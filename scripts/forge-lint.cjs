// Forge's own client-side linters (@forge/lint, what `forge lint` runs before
// it asks Atlassian's servers) over manifest.yml and src/, fully offline:
// Jira's REST spec comes from ../shared/reference (or FORGE_LINT_JIRA_SWAGGER),
// the other product specs are empty stand-ins, so no network call is made.
// Exits non-zero on any lint error.
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return /\.(c|m)?[jt]sx?$/.test(entry.name) ? [path.relative(ROOT, full)] : [];
  });
}

function configureOfflineSpecs() {
  const jira = process.env.FORGE_LINT_JIRA_SWAGGER ?? path.resolve(ROOT, '..', 'shared', 'reference', 'jira', 'platform-swagger.v3.json');
  if (!existsSync(jira)) throw new Error(`Jira OpenAPI spec not found at ${jira} (set FORGE_LINT_JIRA_SWAGGER)`);
  const stubDir = path.join(ROOT, 'build', 'lint');
  mkdirSync(stubDir, { recursive: true });
  const stub = path.join(stubDir, 'empty-swagger.json');
  writeFileSync(stub, JSON.stringify({ paths: {} }));
  Object.assign(process.env, {
    USE_LOCAL_SWAGGER: '1',
    LOCAL_JIRA_SWAGGER: jira,
    LOCAL_JSM_SWAGGER: stub,
    LOCAL_JSW_SWAGGER: stub,
    LOCAL_CONF_SWAGGER: stub,
    LOCAL_CONF_V2_SWAGGER: stub,
    LOCAL_BB_SWAGGER: stub,
  });
}

async function main() {
  process.chdir(ROOT);
  configureOfflineSpecs();
  const { lint, reportLintResults, problemCount } = require('@forge/lint');
  const manifest = YAML.parse(readFileSync('manifest.yml', 'utf8'));
  // The one feature-flag lookup the client-side linters make.
  const statsig = { getDeprecatedRuntimes: async () => ['nodejs18.x', 'nodejs20.x'] };
  const logger = { info: (line) => console.log(line) };
  const files = sourceFiles(path.join(ROOT, 'src'));
  const results = await lint(files, manifest, 'development', logger, statsig, { linter: { mode: 'client-side' } });
  reportLintResults(logger, results);
  const { errors, warnings } = problemCount(results);
  console.log(`forge lint (offline, client-side): ${files.length} source files, ${errors} errors, ${warnings} warnings`);
  if (errors > 0) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
