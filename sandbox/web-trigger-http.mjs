// Converts between plain HTTP and Forge's web trigger contract, so the app's
// Service API answers on the sandbox port exactly as it would at its Forge URL:
// request `{method, path, headers: {name: [values]}, queryParameters: {name: [values]}, body}`,
// response `{statusCode, headers: {name: [values]}, body}`.

// Forge caps web trigger payloads; read a little more than the app's own
// limit so the app, not the sandbox, answers 413 for ordinary oversize bodies.
export const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req, limit = MAX_BODY_BYTES) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error(`Request body over ${limit} bytes`), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `req` (node:http) -> the web trigger request the handler receives. */
export async function toWebTriggerRequest(req, url, mountPath) {
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    (headers[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  const queryParameters = {};
  for (const [name, value] of url.searchParams) (queryParameters[name] ??= []).push(value);
  return {
    method: req.method,
    path: url.pathname.slice(mountPath.length) || '/',
    headers,
    queryParameters,
    body: await readBody(req),
  };
}

/** Writes the handler's web trigger response to `res`. */
export function writeWebTriggerResponse(res, response) {
  const status = Number(response?.statusCode ?? 200);
  for (const [name, values] of Object.entries(response?.headers ?? {})) {
    res.setHeader(name, Array.isArray(values) ? values : [String(values)]);
  }
  res.statusCode = status;
  // A 204, 205 or 304 has no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5).
  res.end([204, 205, 304].includes(status) ? undefined : response?.body ?? '');
}
