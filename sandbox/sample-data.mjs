// The sandbox's fake JSM site on first start: one service project, the
// request types the app serves, a queue of sample requests and the people
// involved. Emails match the demo Entra tenant, so "the person a request is
// about" and "the manager asking" resolve in Entra as they would on a real site.

export const SANDBOX_ADMIN = 'sandbox-admin';

export const PEOPLE = [
  { accountId: SANDBOX_ADMIN, displayName: 'Isaiah Langer (site admin)', emailAddress: 'isaiah.langer@contoso.example', roles: ['admin', 'agent'] },
  { accountId: 'agent-lynne', displayName: 'Lynne Robbins', emailAddress: 'lynne.robbins@contoso.example', roles: ['agent'] },
  { accountId: 'agent-priya', displayName: 'Priya Nair', emailAddress: 'priya.nair@contoso.example', roles: ['agent'] },
  { accountId: 'customer-debra', displayName: 'Debra Berger', emailAddress: 'debra.berger@contoso.example', roles: ['customer'] },
  { accountId: 'customer-emily', displayName: 'Emily Braun', emailAddress: 'emily.braun@contoso.example', roles: ['customer'] },
  { accountId: 'customer-adele', displayName: 'Adele Vance', emailAddress: 'adele.vance@contoso.example', roles: ['customer'] },
  { accountId: 'customer-lee', displayName: 'Lee Gu', emailAddress: 'lee.gu@contoso.example', roles: ['customer'] },
];

// `route` is the Service API route the request maps to; a request's field
// values are the route's `data` (field ids are the data keys), except the
// fields listed in `changes`, which go under `data.changes` (user.update).
export const REQUEST_TYPES = [
  {
    id: '10',
    key: 'onboarding',
    name: 'Onboard a new hire',
    route: 'user.create',
    needsApproval: true,
    fields: [
      { id: 'givenName', label: 'First name' },
      { id: 'surname', label: 'Last name' },
      { id: 'department', label: 'Department' },
      { id: 'jobTitle', label: 'Job title' },
      { id: 'employeeId', label: 'Employee ID' },
      { id: 'manager', label: 'Manager' },
    ],
  },
  {
    id: '11',
    key: 'offboarding',
    name: 'Offboard a leaver',
    route: 'user.offboard',
    needsApproval: true,
    scheduled: true,
    fields: [
      { id: 'user', label: 'Leaver' },
      { id: 'leaveDateTime', label: 'Leave date' },
    ],
  },
  {
    id: '12',
    key: 'transfer',
    name: 'Transfer to another team',
    route: 'user.transfer',
    needsApproval: true,
    fields: [
      { id: 'user', label: 'Employee' },
      { id: 'department', label: 'New department' },
      { id: 'jobTitle', label: 'New job title' },
      { id: 'manager', label: 'New manager' },
    ],
  },
  {
    id: '13',
    key: 'profile-update',
    name: 'Update my profile',
    route: 'user.update',
    needsApproval: false,
    selfService: true,
    changes: ['mobilePhone', 'officeLocation'],
    fields: [
      { id: 'user', label: 'Me' },
      { id: 'mobilePhone', label: 'Mobile phone' },
      { id: 'officeLocation', label: 'Office' },
    ],
  },
  {
    id: '14',
    key: 'password-reset-agent',
    name: 'Reset a password (service desk)',
    route: 'user.resetPassword',
    needsApproval: false,
    fields: [{ id: 'user', label: 'Caller' }],
  },
  {
    id: '15',
    key: 'password-reset-manager',
    name: 'Reset a password for my direct report',
    route: 'user.resetPassword',
    needsApproval: false,
    managerRequested: true,
    fields: [{ id: 'user', label: 'Direct report' }],
  },
];

const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

// Raised through the app's `avi:jira:created:issue` trigger when the site is
// new (Site.raiseSamples), so each carries what the app posts on creation.
// Jordan Rivera is left for the README's first walkthrough (the Portal tab).
export function sampleRequests() {
  return [
    {
      requestType: 'onboarding',
      summary: 'New hire: Morgan Blake, Content Designer',
      reporter: 'customer-debra',
      fields: { givenName: 'Morgan', surname: 'Blake', department: 'Marketing', jobTitle: 'Content Designer', employeeId: 'E2001', manager: 'lena.fischer@contoso.example' },
      approvers: ['customer-debra'],
    },
    {
      requestType: 'offboarding',
      summary: 'Leaver: Ben Walters (Finance)',
      reporter: 'customer-debra',
      fields: { user: 'ben.walters@contoso.example', leaveDateTime: `${inDays(0)}T17:00:00Z` },
      approvers: ['customer-debra'],
    },
    {
      requestType: 'transfer',
      summary: 'Transfer: Patti Fernandez to Marketing',
      reporter: 'customer-debra',
      fields: { user: 'patti.fernandez@contoso.example', department: 'Marketing', jobTitle: 'Marketing Analyst', manager: 'lena.fischer@contoso.example' },
      approvers: ['customer-debra'],
    },
    {
      requestType: 'profile-update',
      summary: 'Update my mobile number',
      reporter: 'customer-adele',
      fields: { user: 'adele.vance@contoso.example', mobilePhone: '+1 425 555 0142', officeLocation: 'Redmond 18/2113' },
    },
    {
      requestType: 'password-reset-agent',
      summary: 'Locked out after holiday',
      reporter: 'customer-lee',
      fields: { user: 'lee.gu@contoso.example' },
    },
    {
      requestType: 'password-reset-manager',
      summary: 'Please reset the password of Pradeep Gupta',
      reporter: 'customer-debra',
      fields: { user: 'pradeep.gupta@contoso.example' },
    },
  ];
}
