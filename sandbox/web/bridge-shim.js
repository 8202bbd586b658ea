// The sandbox's stand-in for the Custom UI host: @forge/bridge calls
// `window.__bridge.callBridge(name, payload)`. `invoke` goes to the app's
// resolver through the sandbox; `getContext` describes the local site.
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
    extension: issueKey ? { issue: { key: issueKey }, request: { key: issueKey }, project: { key: 'ITSM' } } : {},
    theme: { colorMode: 'light' },
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
  window.__bridge = {
    callBridge: async (name, payload) => {
      switch (name) {
        case 'invoke': return invoke(payload);
        case 'getContext': return context;
        default:
          console.warn(`sandbox bridge: '${name}' is not emulated`);
          return undefined;
      }
    },
  };
})();
