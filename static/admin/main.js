// Admin page: connection, permission doctor, groups, policy, request
// type mappings, provisioning, Service API key, user management, audit,
// enrichment, bulk jobs, activity, the Assets import and scheduled steps.
// Each tab is a
// function that renders into the panel; all changes go through resolvers.
import { call, enableTheme } from '../shared/bridge.js';
import { h, replace, loading, errorMessage } from '../shared/dom.js';
import { connectionTab } from './connection.js';
import { doctorTab } from './doctor.js';
import { groupsTab } from './groups.js';
import { provisioningTab } from './provisioning.js';
import { serviceApiTab } from './service-api.js';
import { usersTab } from './users.js';
import { auditTab } from './audit.js';
import { policyTab } from './policy.js';
import { mappingsTab } from './mappings.js';
import { enrichmentTab } from './enrichment.js';
import { jobsTab } from './jobs.js';
import { activityTab } from './activity.js';
import { assetsTab } from './assets.js';
import { schedulesTab } from './schedules.js';

const TABS = [
  ['connection', 'Connection', connectionTab],
  ['permissions', 'Permissions', doctorTab],
  ['groups', 'Groups & policy', groupsTab],
  ['policy', 'Policy', policyTab],
  ['request-types', 'Request types', mappingsTab],
  ['provisioning', 'Provisioning', provisioningTab],
  ['service-api', 'Service API', serviceApiTab],
  ['users', 'Manage users', usersTab],
  ['audit', 'Audit log', auditTab],
  ['enrichment', 'Enrichment', enrichmentTab],
  ['jobs', 'Jobs', jobsTab],
  ['activity', 'Activity', activityTab],
  ['assets-import', 'Assets import', assetsTab],
  ['schedules', 'Schedules', schedulesTab],
];

const root = document.getElementById('app');

/** Loaded configuration, shared by the tabs; `save` stores a new one. */
export const store = {
  config: null,
  clientSecretSet: false,
  async reload() {
    const value = await call('config.get');
    this.config = value.config;
    this.clientSecretSet = value.clientSecretSet;
  },
  async save(config) {
    const value = await call('config.save', { config });
    this.config = value.config;
    return value.config;
  },
};

async function start() {
  replace(root, loading('Loading the app settings…'));
  try {
    await store.reload();
  } catch (error) {
    replace(root, errorMessage(error, start));
    return;
  }
  const tabButtons = TABS.map(([id, label], i) => h('button', {
    role: 'tab', id: `tab-${id}`, type: 'button', 'aria-controls': 'panel', 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1',
  }, label));
  const panel = h('div', { id: 'panel', role: 'tabpanel', tabindex: '0' });
  const select = (index, focus = false) => {
    tabButtons.forEach((b, i) => { b.setAttribute('aria-selected', String(i === index)); b.tabIndex = i === index ? 0 : -1; });
    if (focus) tabButtons[index].focus();
    panel.setAttribute('aria-labelledby', tabButtons[index].id);
    replace(panel);
    TABS[index][2](panel, store);
  };
  tabButtons.forEach((button, i) => {
    button.addEventListener('click', () => select(i));
    // Arrow keys move between tabs (WAI-ARIA tabs pattern).
    button.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) { event.preventDefault(); select((i + step + TABS.length) % TABS.length, true); }
      if (event.key === 'Home') { event.preventDefault(); select(0, true); }
      if (event.key === 'End') { event.preventDefault(); select(TABS.length - 1, true); }
    });
  });
  replace(root, h('h1', {}, 'Entra ID Connect'), h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Settings' }, tabButtons), panel);
  select(0);
}

enableTheme();
start();
