// The one way pages talk to the app: `call(functionKey, payload)` invokes a
// resolver through @forge/bridge and returns its value, or throws a
// PageError carrying the resolver's {code, message, field} and any detail
// (the plan and steps of a partial failure).
import { invoke } from '@forge/bridge/out/invoke/invoke.js';
import { theme } from '@forge/bridge/out/view/theme.js';

export class PageError extends Error {
  constructor({ code = 'unknown', message = 'Something went wrong.', field } = {}, detail = {}) {
    super(message);
    this.code = code;
    this.field = field;
    this.detail = detail;
  }
}

export async function call(functionKey, payload = {}) {
  let answer;
  try {
    answer = await invoke(functionKey, payload);
  } catch (cause) {
    throw new PageError({ code: 'bridge_failed', message: `The app could not be reached (${cause?.message ?? cause}).` });
  }
  if (answer && answer.ok === true) return answer.value;
  if (answer && answer.ok === false) {
    const { error, ok, ...detail } = answer;
    throw new PageError(error, detail);
  }
  throw new PageError({ code: 'bad_answer', message: 'The app answered in an unexpected shape.' });
}

/** Lets the host apply its light or dark theme (data-color-mode). */
export function enableTheme() {
  Promise.resolve().then(() => theme.enable()).catch(() => {});
}
