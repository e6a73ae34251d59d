import assert from 'node:assert/strict';
import { newId } from '../../src/infra/ids/index.ts';
import { type DirectoryProvider, insertConnection } from '../../src/storage/index.ts';
import type { TestApp } from './app.ts';
import { groupSchema, patchOp, type ScimClient, user } from './scim.ts';

export interface MappingBody {
  id: string;
  source: { directory?: string; connection?: string; group: string };
  group: { id: string | null; name: string | null; confirmedName: string | null };
  team: { id: string; slug: string; name: string } | null;
  role: string | null;
  status: string;
  staleReason: string | null;
  reconciliation: {
    jobId: string;
    state: string;
    done: number;
    total: number | null;
    added: number;
    removed: number;
    roleChanges: number;
    error: string | null;
  } | null;
}

/** Creates a mapping and runs its reconciliation to the end. */
export async function makeMapping(t: TestApp, org: string, body: object): Promise<MappingBody> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/group-mappings`, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await t.runJobs(org);
  return (await t.admin.get(`/api/v1/orgs/${org}/group-mappings/${res.body.id}`)).body as MappingBody;
}

export interface MemberTeams {
  role: string;
  status: string;
  /** Team slug → the sources holding it. */
  teams: Record<string, string[]>;
}

/** A member's role and teams, as the members API shows them. */
export async function memberOf(t: TestApp, org: string, userRef: string): Promise<MemberTeams> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/members/${encodeURIComponent(userRef)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const teams: Record<string, string[]> = {};
  for (const team of res.body.teams as { slug: string; grants: { source: string }[] }[])
    teams[team.slug] = team.grants.map((g) => g.source).sort();
  return { role: res.body.role, status: res.body.status, teams };
}

/** Pushes users over SCIM; returns their SCIM ids by userName. */
export async function pushUsers(scim: ScimClient, names: readonly string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const res = await scim.post('/Users', user(name));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids[name] = res.body.id;
  }
  return ids;
}

export async function pushGroup(
  scim: ScimClient,
  displayName: string,
  memberIds: readonly string[] = [],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await scim.post('/Groups', {
    schemas: [groupSchema],
    displayName,
    members: memberIds.map((value) => ({ value })),
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

export async function addMembers(scim: ScimClient, groupId: string, memberIds: readonly string[]) {
  const res = await scim.patch(
    `/Groups/${groupId}`,
    patchOp({ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }),
  );
  assert.ok(res.status === 204 || res.status === 200, JSON.stringify(res.body));
  return res;
}

export async function removeMembers(scim: ScimClient, groupId: string, memberIds: readonly string[]) {
  const res = await scim.patch(
    `/Groups/${groupId}`,
    patchOp(...memberIds.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` }))),
  );
  assert.ok(res.status === 204 || res.status === 200, JSON.stringify(res.body));
  return res;
}

/** A member's user id, found by email through the members API. */
export async function memberId(t: TestApp, org: string, email: string): Promise<string> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/members/${encodeURIComponent(email)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

/**
 * An SSO connection's core row, written to storage: what mappings and
 * sign-in provisioning need of a connection. Returns its id.
 */
export async function makeConnection(
  t: TestApp,
  orgId: string,
  provider: DirectoryProvider = 'okta',
): Promise<string> {
  const row = await insertConnection(t.database.db, orgId, { id: newId(), protocol: 'saml', provider });
  return row.id;
}
