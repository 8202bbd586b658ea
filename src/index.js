// Forge entry points. Each forwards to one Rust export with the host object;
// all logic lives in the Rust core (src/*.rs).
import { core, callCore, trapResponse } from './runtime.js';
import { forgeHost } from './host.js';

export async function serviceApi(request) {
  const result = await callCore(() => core.handleWebTrigger(request, forgeHost()));
  return result.trapped ? trapResponse(result.correlationId) : result.value;
}

// Not bound to any manifest module: lets the test suite prove that a trap in
// the core yields a clean 500 and a rebuilt instance (tests/node/trap.test.mjs).
export async function diagnosticTrap() {
  const result = await callCore(() => core.diagnosticTrap());
  return result.trapped ? trapResponse(result.correlationId) : { statusCode: 200 };
}
