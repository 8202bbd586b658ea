// What a JSM admin builds without the app: an automation rule whose
// "Send web request" actions each make one Microsoft Graph call, in order,
// waiting for each answer (a later action reads the earlier one's
// {{webResponse}}). One function call here is one such action: one HTTP
// round trip, no `$batch`, no retries.

/** Client-credentials token, as the rule's first web request fetches it. */
export async function token({ url, tenantId, clientId, clientSecret }) {
  const response = await fetch(`${url}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  if (!response.ok) throw new Error(`token: ${response.status}`);
  return (await response.json()).access_token;
}

/** One "Send web request" action: one Graph call; throws on a non-2xx answer, as the rule would stop. */
export function webRequest(emulator, accessToken) {
  return async (method, path, body) => {
    const response = await fetch(`${emulator.url}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : null;
  };
}

export const ref = (id) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
