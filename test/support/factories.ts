import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.ts';

/** A suffix that keeps slugs unique across test files sharing one database. */
export function unique(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface OrgBody {
  id: string;
  name: string;
  slug: string;
}

export async function makeOrg(t: TestApp, name = 'Test Org'): Promise<OrgBody> {
  const res = await t.admin.post('/api/v1/orgs', { name, slug: unique('org') });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as OrgBody;
}

export async function makeApiKey(t: TestApp, org: string): Promise<{ id: string; key: string }> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/api-keys`, { name: 'test key' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; key: string };
}

export async function makeTeam(
  t: TestApp,
  org: string,
  name = 'Platform',
): Promise<{ id: string; slug: string }> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/teams`, { name, slug: unique('team') });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; slug: string };
}
