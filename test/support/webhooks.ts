import assert from 'node:assert/strict';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/domain/webhooks/index.ts';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import type { TestApp } from './app.ts';

export interface WebhookBody {
  id: string;
  url: string;
  events: string[];
  status: string;
  enabled: boolean;
  attempts: number;
  failingSince: string | null;
  lastError: string | null;
  disabledReason: string | null;
  secret?: string;
}

export async function makeWebhook(
  t: TestApp,
  org: string,
  body: object,
): Promise<WebhookBody & { secret: string }> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/webhooks`, body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function webhookOf(t: TestApp, org: string, id: string): Promise<WebhookBody> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/webhooks/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/**
 * A dispatcher over the test app's database, quick for tests: it polls
 * every 20 ms, retries after 50 ms (doubling) and gives up on an answer
 * after a second. Host names resolve to 127.0.0.1 unless told otherwise.
 */
export function testDispatcher(
  t: TestApp,
  options: Partial<Omit<WebhookDispatcherOptions, 'box'>> = {},
): WebhookDispatcher {
  const dispatcher = new WebhookDispatcher(t.database.db, {
    box: new SecretBox(developmentMasterKey),
    network: { lookupHost: async () => ['127.0.0.1'], allowPrivateNetworks: true },
    pollMs: 20,
    retryBaseMs: 50,
    maxRetryDelayMs: 400,
    timeoutMs: 1000,
    ...options,
  });
  return dispatcher;
}
