// The naive way, flow by flow: the end state the app reaches, reached with
// one Graph call per automation "Send web request" (naive/graph.mjs), each
// call as its Microsoft Learn page shows it. The sequences are the shortest
// a careful admin can build that way; where a call could be skipped with
// knowledge a rule does not have, the comment says why it stays.
//
// Pages: create user https://learn.microsoft.com/graph/api/user-post-users,
// get user https://learn.microsoft.com/graph/api/user-get, manager
// https://learn.microsoft.com/graph/api/user-post-manager and
// https://learn.microsoft.com/graph/api/user-list-manager, add member
// https://learn.microsoft.com/graph/api/group-post-members, remove member
// https://learn.microsoft.com/graph/api/group-delete-members, update user
// https://learn.microsoft.com/graph/api/user-update, revoke sessions
// https://learn.microsoft.com/graph/api/user-revokesigninsessions, list
// memberOf https://learn.microsoft.com/graph/api/user-list-memberof.
import { randomBytes } from 'node:crypto';
import { ref } from './graph.mjs';

const enc = encodeURIComponent;

/**
 * Onboarding (manager + groups + first credential): 3 + groups round trips.
 * 1. GET the manager: the form gives an address, `manager/$ref` needs the
 *    object id (`directoryObjects/{id}`).
 * 2. POST /users with passwordProfile: the first credential rides on the
 *    create, no call of its own.
 * 3. PUT manager/$ref.
 * 4. One POST members/$ref per group (a rule has one action per group; the
 *    docs' `members@odata.bind` PATCH is a different page and needs the
 *    group, not the user, as the subject, one group per request anyway).
 */
export async function onboarding(graph, { upn, givenName, surname, manager, groupIds }) {
  const boss = await graph('GET', `/users/${enc(manager)}?$select=id`);
  const password = `${randomBytes(12).toString('base64url')}!a1`;
  const user = await graph('POST', '/users', {
    accountEnabled: true, displayName: `${givenName} ${surname}`, givenName, surname,
    mailNickname: upn.split('@')[0].replace(/[^A-Za-z0-9.-]/g, ''), userPrincipalName: upn,
    passwordProfile: { forceChangePasswordNextSignIn: true, password },
  });
  await graph('PUT', `/users/${user.id}/manager/$ref`, ref(boss.id));
  for (const groupId of groupIds) await graph('POST', `/groups/${groupId}/members/$ref`, ref(user.id));
  return user.id;
}

/**
 * Offboarding: 4 + groups round trips.
 * 1. GET the user: removal from a group needs the object id in the path.
 * 2. GET memberOf: which groups to leave (a leaver's groups are not in the form).
 * 3. PATCH accountEnabled false and employeeLeaveDateTime together (one
 *    resource, one request: the kindest reading of the naive way).
 * 4. POST revokeSignInSessions.
 * 5. One DELETE members/{id}/$ref per group, only the serviceable ones.
 */
export async function offboarding(graph, { upn, serviceable, leaveDateTime }) {
  const user = await graph('GET', `/users/${enc(upn)}?$select=id`);
  const groups = await graph('GET', `/users/${user.id}/memberOf?$select=id`);
  await graph('PATCH', `/users/${user.id}`, { accountEnabled: false, employeeLeaveDateTime: leaveDateTime });
  await graph('POST', `/users/${user.id}/revokeSignInSessions`);
  for (const g of groups.value.filter((x) => serviceable.has(x.id))) {
    await graph('DELETE', `/groups/${g.id}/members/${user.id}/$ref`);
  }
}

/**
 * Transfer (new department, job title and manager; the old department's
 * groups out, the new one's in): 4 + out + in round trips.
 * 1. GET the user (id; the old department names the groups to leave, so no
 *    memberOf read).
 * 2. GET the new manager (id for manager/$ref).
 * 3. PATCH department and jobTitle.
 * 4. PUT manager/$ref.
 * 5. One DELETE per group out, one POST per group in.
 */
export async function transfer(graph, { upn, department, jobTitle, manager, out, into }) {
  const user = await graph('GET', `/users/${enc(upn)}?$select=id,department`);
  const boss = await graph('GET', `/users/${enc(manager)}?$select=id`);
  await graph('PATCH', `/users/${user.id}`, { department, jobTitle });
  await graph('PUT', `/users/${user.id}/manager/$ref`, ref(boss.id));
  for (const g of out) await graph('DELETE', `/groups/${g}/members/${user.id}/$ref`);
  for (const g of into) await graph('POST', `/groups/${g}/members/$ref`, ref(user.id));
}

/** Lookup with manager: GET the user, GET its manager (2 round trips; `$expand=manager` is on the same page but a rule author copying the examples makes two). */
export async function lookup(graph, { upn }) {
  const user = await graph('GET', `/users/${enc(upn)}`);
  const manager = await graph('GET', `/users/${enc(upn)}/manager`);
  return { user, manager };
}

/** The issue panel's view of the reporter: the user, the manager, the groups (3 round trips). */
export async function panelLoad(graph, { email }) {
  const user = await graph('GET', `/users/${enc(email)}`);
  const manager = await graph('GET', `/users/${user.id}/manager`);
  const groups = await graph('GET', `/users/${user.id}/memberOf`);
  return { user, manager, groups };
}
