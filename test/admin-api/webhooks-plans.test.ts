import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { appOn } from '../support/app.ts';
import { plannedDatabase } from '../support/query-plans.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { testDispatcher } from '../support/webhooks.ts';

const ok = (status: number) => ({ status, body: {} });

/**
 * Every statement the webhook endpoints and the dispatcher make must be
 * able to use an index: with sequential scans priced out, a plan that
 * still scans a table sequentially has none. No table is allowed a scan:
 * endpoints, deliveries and redeliveries grow with the orgs, and the
 * dispatcher's claim runs every poll.
 */
describe('query plans of webhooks', () => {
  it('every statement of the webhook endpoints, a delivery run, a retry and a redelivery can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    const r = await WebhookReceiver.start();
    after(async () => {
      await r.close();
      await database.close();
    });
    const t = await appOn(database, { webhookAllowPrivateNetworks: true });
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string };
    const base = `/api/v1/orgs/${org.id}`;
    const hooks = `${base}/webhooks`;
    await t.admin.post(`${base}/teams`, { name: 'Before' });
    const feed = await t.admin.get(`${base}/events`);
    assert.equal(feed.status, 200, JSON.stringify(feed.body));
    const created = await t.admin.post(hooks, { url: r.url, after: feed.body.nextCursor });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const other = await t.admin.post(hooks, { url: 'http://10.0.0.5/in', events: ['user.created'] });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const hook = `${hooks}/${created.body.id}`;
    // The first delivery fails: the endpoint is retried, then catches up.
    r.behaviour = (n) => (n === 1 ? 500 : 200);
    const d = testDispatcher(t);
    const drain = () => d.drain(org.id).then(() => ok(200));
    const steps = [
      () => t.admin.get(`${hooks}?limit=1`),
      () => t.admin.get(`${hooks}?limit=1&cursor=${Buffer.from(created.body.id).toString('base64url')}`),
      () => t.admin.get(hook),
      () => t.admin.patch(hook, { description: 'Plans', events: ['team.created', 'team.deleted'] }),
      () => t.admin.patch(hook, { enabled: false }),
      () => t.admin.patch(hook, { enabled: true }),
      () => t.admin.post(`${hook}/secret`, {}),
      () => t.admin.post(`${base}/teams`, { name: 'One' }),
      () => t.admin.post(`${base}/teams`, { name: 'Two' }),
      drain,
      () => new Promise((resolve) => setTimeout(resolve, 200)).then(() => ok(200)),
      drain,
      () => t.admin.get(`${hook}/deliveries?limit=1`),
      () => t.admin.get(`${hook}/deliveries?limit=200`),
    ];
    for (const [i, step] of steps.entries()) {
      const res = await step();
      assert.ok(res.status < 300, `step ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const log = (await t.admin.get(`${hook}/deliveries?limit=200`)).body.data as {
      id: string;
      eventId: string;
      succeeded: boolean;
    }[];
    assert.deepEqual(
      log.map((l) => l.succeeded),
      [true, true, false],
      'the first team failed once, then both were delivered',
    );
    const first = log[0];
    assert.ok(first);
    const more = [
      () => t.admin.get(`${hook}/deliveries?limit=1&cursor=${Buffer.from(first.id).toString('base64url')}`),
      () => t.admin.post(`${hook}/redeliveries`, { eventId: first.eventId }),
      drain,
      () => t.admin.post(`${hook}/secret`, { overlapHours: 0 }),
      () => t.admin.get(`${base}/audit-events?action=webhook.created`),
      () => t.admin.delete(hook),
      () => t.admin.delete(`${hooks}/${other.body.id}`),
      () => t.admin.get(hooks),
    ];
    for (const [i, step] of more.entries()) {
      const res = await step();
      assert.ok(res.status < 300, `step ${steps.length + i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.equal(r.received.filter((x) => x.event.id === first.eventId).length, 2, 'the redelivery was sent');
    assert.equal(r.deliveredIds().length, 2);
    assert.ok(seen.size >= 20, `only ${seen.size} statements seen`);
    assert.deepEqual(await withoutIndex(), []);
  });
});
