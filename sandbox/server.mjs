// The sandbox's HTTP server: the web page (sandbox/web), the app's Service
// API at /service-api (the web trigger contract over plain HTTP), a small
// JSON API the page uses to act as the JSM site (/api/...), and the app's
// Custom UI resources at /custom-ui/<resource key>/ with a fake @forge/bridge.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toWebTriggerRequest, writeWebTriggerResponse, readBody } from './web-trigger-http.mjs';

const WEB_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' };
export const SERVICE_API_PATH = '/service-api';

/**
 * @param {object} options
 * @param {import('./site.mjs').Site} options.site what the page acts on
 * @param {number} options.port 0: a free port
 * @param {string} [options.host]
 */
export async function startServer({ site, port, host = '127.0.0.1', log = () => {} }) {
  const routes = apiRoutes(site);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://sandbox.local');
    try {
      if (url.pathname === SERVICE_API_PATH || url.pathname.startsWith(`${SERVICE_API_PATH}/`)) {
        const request = await toWebTriggerRequest(req, url, SERVICE_API_PATH);
        return writeWebTriggerResponse(res, await site.app.serviceApi(request));
      }
      if (url.pathname.startsWith('/api/')) return await answerApi(routes, req, res, url);
      if (url.pathname.startsWith('/custom-ui/')) return await serveCustomUi(site, res, url);
      if (req.method === 'GET') return await serveFile(res, WEB_DIR, url.pathname === '/' ? '/index.html' : url.pathname);
      return sendJson(res, 404, { error: `Nothing at ${req.method} ${url.pathname}` });
    } catch (error) {
      log(`${req.method} ${url.pathname}: ${error.message}`);
      if (!res.headersSent) sendJson(res, error.status ?? 500, { error: error.message });
      else res.end();
    }
  });
  // Keep-alive sockets from the browser would hold close() open.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', (error) => reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is in use: set SANDBOX_PORT to another port (0 picks a free one)`) : error));
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

// Method + path pattern -> handler(params, body, url). Bodies are JSON.
function apiRoutes(site) {
  return [
    ['GET', /^\/api\/state$/, () => site.state()],
    ['GET', /^\/api\/tenant$/, () => site.emulator.tenant()],
    ['GET', /^\/api\/emulator-log$/, () => site.emulator.log()],
    ['GET', /^\/api\/requests\/([^/]+)$/, ([key]) => site.requestView(key)],
    ['POST', /^\/api\/requests$/, (_p, body) => site.raiseRequest(body)],
    ['POST', /^\/api\/requests\/([^/]+)\/comments$/, ([key], body) => site.comment(key, body)],
    ['POST', /^\/api\/requests\/([^/]+)\/approvals\/([^/]+)$/, ([key, id], body) => site.decide(key, id, body)],
    ['POST', /^\/api\/requests\/([^/]+)\/run$/, ([key], body) => site.runOperation(key, body)],
    ['POST', /^\/api\/requests\/([^/]+)\/actions\/([^/]+)$/, ([key, action], body) => site.runAction(key, action, body)],
    ['POST', /^\/api\/scheduled\/run$/, (_p, body) => site.runScheduled(body?.key)],
    ['POST', /^\/api\/clock$/, (_p, body) => site.advanceClock(body)],
    ['POST', /^\/api\/bridge\/invoke$/, (_p, body) => site.bridgeInvoke(body)],
    ['GET', /^\/api\/assets$/, () => site.assetsState()],
    ['POST', /^\/api\/assets\/run$/, () => site.runAssetsImport()],
  ];
}

async function answerApi(routes, req, res, url) {
  for (const [method, pattern, handle] of routes) {
    const match = req.method === method && url.pathname.match(pattern);
    if (!match) continue;
    const text = req.method === 'GET' ? '' : await readBody(req);
    let body;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return sendJson(res, 400, { error: 'The body is not JSON' });
    }
    return sendJson(res, 200, await handle(match.slice(1).map(decodeURIComponent), body, url));
  }
  return sendJson(res, 404, { error: `No sandbox API ${req.method} ${url.pathname}` });
}

async function serveFile(res, dir, requested) {
  const file = path.join(dir, path.normalize(requested).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(dir + path.sep)) return sendJson(res, 404, { error: 'Not found' });
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    return sendJson(res, 404, { error: `Not found: ${requested}` });
  }
  res.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
  res.setHeader('cache-control', 'no-store');
  res.end(await readFile(file));
}

// A Custom UI resource as Forge would host it, plus the sandbox's bridge:
// @forge/bridge calls `window.__bridge.callBridge(name, payload)`; the shim
// answers `invoke` through the sandbox API and `getContext` locally.
async function serveCustomUi(site, res, url) {
  const [, , resourceKey, ...rest] = url.pathname.split('/');
  const resource = site.app.modules.resources.find((r) => r.key === resourceKey);
  if (!resource) return sendJson(res, 404, { error: `The app declares no resource ${resourceKey}` });
  const file = rest.join('/') || 'index.html';
  if (file !== 'index.html') return serveFile(res, resource.path, `/${file}`);
  let html;
  try {
    html = await readFile(path.join(resource.path, 'index.html'), 'utf8');
  } catch {
    return sendJson(res, 404, { error: `Resource ${resourceKey} has no index.html (is it built?)` });
  }
  const shim = '<script src="/bridge-shim.js"></script>';
  res.setHeader('content-type', TYPES['.html']);
  res.setHeader('cache-control', 'no-store');
  res.end(html.includes('<head>') ? html.replace('<head>', `<head>${shim}`) : shim + html);
}

function sendJson(res, status, value) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(value));
}
