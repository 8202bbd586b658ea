// The sandbox's stand-in for the Custom UI host: @forge/bridge calls
// `window.__bridge.callBridge(name, payload)`. `invoke` goes to the app's
// resolver through the sandbox; `getContext` describes the local site.
// Forge also sizes a Custom UI frame to its content (it injects
// iframe-resizer's content-window script into the resource); here the frame
// reports its content height to the sandbox page, which sets the iframe's
// height (sandbox/web/app.js).
(() => {
  const params = new URLSearchParams(location.search);
  const moduleKey = params.get('moduleKey');
  const issueKey = params.get('issueKey');
  const accountId = params.get('accountId') ?? 'sandbox-admin';
  const context = {
    accountId,
    cloudId: 'local',
    localId: `sandbox-${moduleKey}`,
    moduleKey,
    siteUrl: location.origin,
    environmentType: 'DEVELOPMENT',
    extension: issueKey ? { issue: { key: issueKey }, request: { key: issueKey }, project: { key: 'ITSM' } }
      // The Assets import configuration view: Assets gives the import source's ids.
      : params.get('importId') ? { importId: params.get('importId'), workspaceId: params.get('workspaceId'), schemaId: params.get('schemaId'), type: 'jiraServiceManagement:assetsImportType' }
        : {},
    theme: { colorMode: matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light' },
  };
  async function invoke({ functionKey, payload }) {
    const response = await fetch('/api/bridge/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ moduleKey, functionKey, payload, accountId, issueKey }),
    });
    if (!response.ok) throw new Error(`invoke ${functionKey}: ${response.status}`);
    return response.json();
  }
  const reportSize = () => {
    // The document's own height: html and body have no fixed height, so
    // this is the content, whatever the iframe's current size.
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: 'sandbox:resize', moduleKey, height }, location.origin);
  };
  const watch = () => {
    new ResizeObserver(reportSize).observe(document.documentElement);
    reportSize();
  };
  if (window.parent !== window) {
    if (document.documentElement) watch();
    else document.addEventListener('DOMContentLoaded', watch);
  }
  window.__bridge = {
    callBridge: async (name, payload) => {
      switch (name) {
        case 'invoke': return invoke(payload);
        case 'getContext': return context;
        // Forge applies the site's theme to the frame; the sandbox follows the browser's.
        case 'enableTheming':
          document.documentElement.setAttribute('data-color-mode', context.theme.colorMode);
          return undefined;
        default:
          console.warn(`sandbox bridge: '${name}' is not emulated`);
          return undefined;
      }
    },
  };
})();
