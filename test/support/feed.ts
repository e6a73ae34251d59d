import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';

export interface FeedEvent {
  readonly id: string;
  readonly type: string;
  readonly orgId: string;
  readonly occurredAt: string;
  readonly data: Record<string, unknown> & { id?: string; source?: string };
  readonly cause: Record<string, unknown>;
}

/**
 * The org's events of these types (comma separated). The feed shows an
 * event once every transaction that began before it has ended, database
 * wide; on a shared server other test files' transactions can hold it back
 * a moment, so a read that expects `atLeast` events waits for them (up to
 * 10 s) and then returns what there is, for the test to judge.
 */
export async function feedEvents(
  t: TestApp,
  orgId: string,
  types: string,
  atLeast = 0,
): Promise<FeedEvent[]> {
  for (let waited = 0; ; waited += 100) {
    const res = await t.admin.get(`/api/v1/orgs/${orgId}/events?types=${types}&limit=200`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const events = res.body.data as FeedEvent[];
    if (events.length >= atLeast || waited >= 10_000) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
