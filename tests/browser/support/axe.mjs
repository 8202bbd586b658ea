// axe-core in the browser tests: injects axe.min.js (npm `axe-core`) into a
// Playwright page or frame and returns its serious and critical violations,
// one line each, so an assertion failure says what to fix.
import { createRequire } from 'node:module';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * @param {import('playwright-core').Page | import('playwright-core').Frame} target
 * @param {{exclude?: string[]}} [options] selectors left out (e.g. iframes, checked on their own)
 * @returns {Promise<string[]>} `rule (impact): target — help` for each serious or critical node
 */
export async function seriousViolations(target, { exclude = [] } = {}) {
  if (!(await target.evaluate(() => typeof window.axe === 'object'))) await target.addScriptTag({ path: AXE });
  const violations = await target.evaluate(async (excluded) => {
    const context = excluded.length ? { exclude: excluded.map((s) => [s]) } : document;
    const result = await window.axe.run(context, { resultTypes: ['violations'], iframes: false });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ impact: n.impact, target: n.target.join(' ') })) }));
  }, exclude);
  return violations.flatMap((v) => v.nodes
    .filter((n) => ['serious', 'critical'].includes(n.impact ?? v.impact))
    .map((n) => `${v.id} (${n.impact ?? v.impact}): ${n.target} — ${v.help}`));
}
