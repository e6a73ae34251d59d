import assert from 'node:assert/strict';
import type supertest from 'supertest';
import type { TestApp } from './app.ts';

export interface DirectoryBody {
  id: string;
  token: string;
  tokenId: string;
  scimBaseUrl: string;
}

export async function makeDirectory(t: TestApp, org: string, provider = 'generic'): Promise<DirectoryBody> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/directories`, {
    name: `${provider} directory`,
    provider,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as DirectoryBody;
}

/** Requests to one directory's SCIM endpoint, as an IdP sends them. */
export function scimClient(t: TestApp, directoryId: string, token: string) {
  const path = (p: string) => `/scim/v2/${directoryId}${p}`;
  const auth = (test: supertest.Test) =>
    test.set('Authorization', `Bearer ${token}`).set('Accept', 'application/scim+json');
  const withBody = (test: supertest.Test, body: unknown) =>
    auth(test).set('Content-Type', 'application/scim+json').send(JSON.stringify(body));
  return {
    get: (p: string) => auth(t.http.get(path(p))),
    post: (p: string, body: unknown) => withBody(t.http.post(path(p)), body),
    put: (p: string, body: unknown) => withBody(t.http.put(path(p)), body),
    patch: (p: string, body: unknown) => withBody(t.http.patch(path(p)), body),
    delete: (p: string) => auth(t.http.delete(path(p))),
  };
}

export type ScimClient = ReturnType<typeof scimClient>;

export const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const enterpriseSchema = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The SCIM error shape (RFC 7644 §3.12), with the status as a string. */
export function assertScimError(res: supertest.Response, status: number, scimType?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /application\/scim\+json/);
  assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(res.body.status, String(status));
  assert.equal(typeof res.body.detail, 'string');
  if (scimType) assert.equal(res.body.scimType, scimType);
  assert.doesNotMatch(JSON.stringify(res.body), /\bat \S+ \(|node_modules/);
}

export function user(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [userSchema],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

export const listResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** A SCIM answer with this status, in application/scim+json. */
export function assertScimJson(res: supertest.Response, status: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/scim\+json/);
}

export const patchOp = (...Operations: unknown[]) => ({ schemas: [patchSchema], Operations });

/** A group's member ids, sorted, as GET /Groups/{id} shows them. */
export async function groupMemberIds(
  get: (path: string) => PromiseLike<supertest.Response>,
  groupId: string,
): Promise<string[]> {
  const res = await get(`/Groups/${groupId}`);
  assertScimJson(res, 200);
  return (res.body.members ?? []).map((m: { value: string }) => m.value).sort();
}
