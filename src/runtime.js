// Loads the Rust core once per container and survives a trap: a Rust panic
// aborts the wasm instance, so the instance is rebuilt before the next call.
import * as core from './generated/core.js';

export { core };

export async function callCore(call) {
  try {
    return { trapped: false, value: await call() };
  } catch (error) {
    if (!(error instanceof WebAssembly.RuntimeError)) throw error;
    const correlationId = globalThis.crypto.randomUUID();
    console.error(`core trapped, instance rebuilt (correlation id ${correlationId}): ${error.message}`);
    core.__wbg_reset_state();
    return { trapped: true, correlationId };
  }
}

// The only answers JS itself writes: the core cannot answer after a trap.
export function trapError(correlationId) {
  return {
    ok: false,
    error: { code: 'internal_error', message: `The app failed while handling this request (correlation id ${correlationId}).` },
  };
}

export function trapResponse(correlationId) {
  return { statusCode: 500, headers: { 'Content-Type': ['application/json; charset=utf-8'] }, body: JSON.stringify(trapError(correlationId)) };
}
