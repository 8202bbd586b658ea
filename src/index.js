// Forge entry points. Each forwards to one Rust export with the host object;
// all logic lives in the Rust core (src/*.rs).
import { core, callCore, trapResponse, trapError } from './runtime.js';
import { forgeHost } from './host.js';
import { InvocationError, InvocationErrorCode } from '@forge/events';

// Web trigger: the Service API.
export async function serviceApi(request) {
  const result = await callCore(() => core.handleWebTrigger(request, forgeHost()));
  return result.trapped ? trapResponse(result.correlationId) : result.value;
}

// Custom UI resolver: `invoke(functionKey, payload)` from the app's pages.
export async function resolver(event, runtimePayload) {
  const context = { ...event?.context, accountId: runtimePayload?.principal?.accountId ?? event?.context?.accountId };
  const result = await callCore(() => core.handleResolver(event?.call?.functionKey ?? '', event?.call?.payload ?? {}, context, forgeHost()));
  return result.trapped ? trapError(result.correlationId) : result.value;
}

// Automation actions: one export per action (manifest.yml), same shim.
function automationAction(actionKey) {
  return async (payload, context) => {
    const actor = context?.principal?.accountId ?? null;
    const result = await callCore(() => core.handleAutomationAction(actionKey, payload ?? {}, actor, forgeHost()));
    return result.trapped ? { errors: [{ message: trapError(result.correlationId).error.message }] } : result.value;
  };
}

export const lookupUser = automationAction('lookup-user');
export const createUser = automationAction('create-user');
export const updateUser = automationAction('update-user');
export const disableUser = automationAction('disable-user');
export const enableUser = automationAction('enable-user');
export const resetPassword = automationAction('reset-password');
export const createTap = automationAction('create-tap');
export const addToGroup = automationAction('add-to-group');
export const removeFromGroup = automationAction('remove-from-group');
export const offboardUser = automationAction('offboard-user');
export const transferUser = automationAction('transfer-user');
export const assignLicenses = automationAction('assign-licenses');
export const removeLicenses = automationAction('remove-licenses');
export const resetMfa = automationAction('reset-mfa');
export const deleteUser = automationAction('delete-user');
export const restoreUser = automationAction('restore-user');
export const inviteGuest = automationAction('invite-guest');

// Product events and the scheduled sweep of waiting portal operations.
export async function requestCreated(event) {
  const result = await callCore(() => core.handleIssueEvent('created', event, forgeHost()));
  return result.trapped ? trapError(result.correlationId) : result.value;
}

export async function requestUpdated(event) {
  const result = await callCore(() => core.handleIssueEvent('updated', event, forgeHost()));
  return result.trapped ? trapError(result.correlationId) : result.value;
}

export async function pendingSweep() {
  const result = await callCore(() => core.runScheduledSweep(forgeHost()));
  return result.trapped ? trapError(result.correlationId) : result.value;
}

// Forge's avi:forge:upgraded:app and avi:forge:installed:app lifecycle
// events: move data an older version stored into the current layout (on a
// new install there is none, and the schema version is recorded).
export async function appUpgraded() {
  const result = await callCore(() => core.handleAppUpgraded(forgeHost()));
  return result.trapped ? trapError(result.correlationId) : result.value;
}

// A queue consumer's answer to Forge. The core answers `retry` when Entra
// throttles; Forge's way to say "redeliver later" is returning an InvocationError.
function queueAnswer(result) {
  if (result.trapped) return trapError(result.correlationId);
  if (result.value?.status === 'retry') {
    return new InvocationError({ retryAfter: result.value.retryAfterSeconds, retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED });
  }
  return result.value;
}

// Queue consumer of bulk jobs.
export async function jobConsumer(event) {
  return queueAnswer(await callCore(() => core.handleJobEvent(event, forgeHost())));
}

// JSM Assets import (jiraServiceManagement:assetsImportType). Assets shows a
// thrown Error's message to its admin, so an `error` answer is thrown.
function assetsFunction(kind) {
  return async (payload) => {
    const result = await callCore(() => core.handleAssetsFunction(kind, payload ?? {}, forgeHost()));
    if (result.trapped) throw new Error(trapError(result.correlationId).error.message);
    if (result.value?.error) throw new Error(result.value.error);
    return result.value;
  };
}

export const assetsStartImport = assetsFunction('start');
export const assetsStopImport = assetsFunction('stop');
export const assetsDeleteImport = assetsFunction('delete');

// importStatus never throws: Assets then shows the import as not configured.
export async function assetsImportStatus(payload) {
  const result = await callCore(() => core.handleAssetsFunction('status', payload ?? {}, forgeHost()));
  return result.trapped ? { status: 'NOT_CONFIGURED' } : result.value;
}

// Queue consumer of Assets import steps.
export async function assetsImportConsumer(event) {
  return queueAnswer(await callCore(() => core.handleAssetsImportEvent(event, forgeHost())));
}

export async function assetsImportSchedule() {
  const result = await callCore(() => core.runAssetsImportSchedule(forgeHost()));
  return result.trapped ? trapError(result.correlationId) : result.value;
}

// Not bound to any manifest module: lets the test suite prove that a trap in
// the core yields a clean 500 and a rebuilt instance (tests/node/trap.test.mjs).
export async function diagnosticTrap() {
  const result = await callCore(() => core.diagnosticTrap());
  return result.trapped ? trapResponse(result.correlationId) : { statusCode: 200 };
}
