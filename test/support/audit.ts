import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';

export interface AuditEventBody {
  id: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string; id: string | null };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

/** An org's audit events with this action (and target, if given), newest first: the first 200. */
export async function auditOf(
  t: TestApp,
  org: string,
  action: string,
  targetId?: string,
): Promise<AuditEventBody[]> {
  const target = targetId ? `&targetId=${targetId}` : '';
  const res = await t.admin.get(`/api/v1/orgs/${org}/audit-events?action=${action}${target}&limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as AuditEventBody[];
}
