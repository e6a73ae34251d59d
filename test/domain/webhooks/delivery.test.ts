import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, describe, it } from 'node:test';
import pg from 'pg';
import type { WebhookDispatcher } from '../../../src/domain/webhooks/index.ts';
import { type TestApp, testApp } from '../../support/app.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { feedEvents } from '../../support/feed.ts';
import { pushUsers } from '../../support/mappings.ts';
import { makeDirectory, scimClient } from '../../support/scim.ts';
import { WebhookReceiver } from '../../support/webhook-receiver.ts';
import { makeWebhook, testDispatcher, webhookOf } from '../../support/webhooks.ts';

const receivers: WebhookReceiver[] = [];
const dispatchers: WebhookDispatcher[] = [];
// The tests share a database: a dispatcher left running would deliver the next test's events.
afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.stop();
});
after(async () => {
  for (const r of receivers) await r.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

function started(d: WebhookDispatcher): WebhookDispatcher {
  dispatchers.push(d);
  d.start();
  return d;
}

interface FeedEvent {
  id: string;
  type: string;
}

async function feed(t: TestApp, org: string, types?: string): Promise<FeedEvent[]> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/events?limit=500${types ? `&types=${types}` : ''}`);
  assert.equal(res.status, 200);
  return res.body.data;
}

async function deliveries(t: TestApp, org: string, hook: string) {
  const res = await t.admin.get(`/api/v1/orgs/${org}/webhooks/${hook}/deliveries?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as {
    eventId: string;
    attempt: number;
    succeeded: boolean;
    httpStatus: number | null;
    error: string | null;
    redelivery: boolean;
  }[];
}

describe('webhook delivery', () => {
  it('POSTs each wanted event once, in feed order, signed so that the standardwebhooks library verifies it', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['user.created', 'team.created'] });
    r.secrets = [hook.secret];
    await makeTeam(t, org.id, 'Platform');
    const dir = await makeDirectory(t, org.id, 'okta');
    await pushUsers(scimClient(t, dir.id, dir.token), [
      'ada@hooks.test',
      'alan@hooks.test',
      'grace@hooks.test',
    ]);

    const d = testDispatcher(t);
    await d.drain(org.id);

    const wanted = await feed(t, org.id, 'user.created,team.created');
    assert.equal(wanted.length, 4);
    assert.deepEqual(
      r.deliveredIds(),
      wanted.map((e) => e.id),
    );
    for (const got of r.received) {
      assert.deepEqual(got.verifiedWith, [hook.secret], 'verified by standardwebhooks');
      assert.equal(got.headers['webhook-id'], got.event.id);
      assert.equal(got.headers['content-type'], 'application/json');
      assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    }
    // The body is the event as the feed gives it.
    const fromFeed = (await feed(t, org.id)).find((e) => e.id === r.received[1]?.event.id);
    assert.deepEqual(JSON.parse(r.received[1]?.body ?? ''), fromFeed);
    assert.ok(!r.received.some((x) => x.event.type === 'directory.created'), 'unwanted types are not sent');

    // Nothing new: nothing sent again.
    await d.drain(org.id);
    assert.equal(r.received.length, 4);
    const log = await deliveries(t, org.id, hook.id);
    assert.equal(log.length, 4);
    assert.ok(log.every((l) => l.succeeded && l.httpStatus === 200 && l.attempt === 1));
    assert.equal((await webhookOf(t, org.id, hook.id)).status, 'active');
  });

  it('retries through failures, timeouts and an outage, and ends with every event exactly once by id, in order', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    r.secrets = [hook.secret];
    // The first three attempts fail three ways: an error status, no answer in time, a cut connection.
    r.behaviour = (n) => (n === 1 ? 503 : n === 2 ? 'hang' : n === 3 ? 'drop' : 200);
    const teams: string[] = [];
    for (let i = 0; i < 5; i += 1) teams.push((await makeTeam(t, org.id, `Team ${i}`)).id);

    started(testDispatcher(t, { timeoutMs: 300 }));
    await r.until((got) => got.length >= 3);
    // Then the receiver is down for a while: connections are refused.
    await r.down();
    const during = await webhookOf(t, org.id, hook.id);
    assert.equal(during.status, 'failing');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const failing = await webhookOf(t, org.id, hook.id);
    assert.ok(failing.attempts > 3, `attempts while down: ${failing.attempts}`);
    assert.match(failing.lastError ?? '', /could not be reached|ECONNREFUSED/);
    // More changes happen while it is down.
    for (let i = 5; i < 8; i += 1) teams.push((await makeTeam(t, org.id, `Team ${i}`)).id);
    await r.up();
    await r.until(() => r.deliveredIds().length === 8);

    const order = (await feed(t, org.id, 'team.created')).map((e) => e.id);
    assert.deepEqual(r.deliveredIds(), order, 'each event once, in feed order');
    assert.deepEqual(
      r.received.filter((x) => x.answer === 200).map((x) => x.event.data.id),
      teams,
      'no event delivered twice, none ahead of an earlier one',
    );
    assert.equal(r.duplicates(), 0);
    assert.ok(r.received.every((x) => x.verifiedWith.length === 1));
    const recovered = await webhookOf(t, org.id, hook.id);
    assert.equal(recovered.status, 'active');
    assert.equal(recovered.attempts, 0);

    const log = await deliveries(t, org.id, hook.id);
    const first = log.filter((l) => l.eventId === order[0]).reverse();
    assert.deepEqual(
      first.slice(0, 3).map((l) => [l.attempt, l.succeeded, l.httpStatus]),
      [
        [1, false, 503],
        [2, false, null],
        [3, false, null],
      ],
    );
    assert.match(first[1]?.error ?? '', /within 0.3 s/);
    assert.equal(first.at(-1)?.succeeded, true);
    assert.equal(first.at(-1)?.attempt, first.length);
  });

  it('disables an endpoint whose retries ran out, with an audit event, and resumes it from the failed event', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    r.behaviour = () => 500;
    await makeTeam(t, org.id, 'One');
    await makeTeam(t, org.id, 'Two');
    const d = started(testDispatcher(t, { retryWindowMs: 400 }));
    const deadline = Date.now() + 10_000;
    while ((await webhookOf(t, org.id, hook.id)).status !== 'disabled') {
      assert.ok(Date.now() < deadline, 'the endpoint was disabled');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const disabled = await webhookOf(t, org.id, hook.id);
    assert.equal(disabled.enabled, false);
    assert.match(disabled.disabledReason ?? '', /failed for .* hours; last: answered 500/);
    const audit = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?action=webhook.disabled`);
    assert.equal(audit.body.data.length, 1);
    assert.equal(audit.body.data[0].actor.type, 'system');
    // Disabled: nothing more is tried.
    const tried = r.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(r.received.length, tried);
    assert.ok(
      r.received.every((x) => x.event.data.name === 'One'),
      'the second waited behind the first',
    );

    r.behaviour = () => 204;
    const resumed = await t.admin.patch(`/api/v1/orgs/${org.id}/webhooks/${hook.id}`, { enabled: true });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.status, 'active');
    await r.until(() => r.deliveredIds().length === 2);
    assert.deepEqual(
      r.received.filter((x) => x.answer === 204).map((x) => x.event.data.name),
      ['One', 'Two'],
    );
    await d.stop();
  });

  it('signs with both secrets while a rotation overlaps, and with the new one alone after', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    const d = testDispatcher(t);
    const rotated = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks/${hook.id}/secret`, {});
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.secret, hook.secret);
    assert.ok(rotated.body.previousSecretExpiresAt);
    r.secrets = [hook.secret, rotated.body.secret];
    await makeTeam(t, org.id, 'During');
    await d.drain(org.id);
    assert.deepEqual(r.received[0]?.verifiedWith, [hook.secret, rotated.body.secret]);
    assert.equal(String(r.received[0]?.headers['webhook-signature']).split(' ').length, 2);

    const ended = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks/${hook.id}/secret`, {
      overlapHours: 0,
    });
    assert.equal(ended.status, 201);
    assert.equal(ended.body.previousSecretExpiresAt, null);
    r.secrets = [hook.secret, rotated.body.secret, ended.body.secret];
    await makeTeam(t, org.id, 'After');
    await d.drain(org.id);
    assert.deepEqual(r.received[1]?.verifiedWith, [ended.body.secret]);
  });

  it('sends an event again on request, once, and logs it as a redelivery', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url });
    await makeTeam(t, org.id, 'Again');
    const d = testDispatcher(t);
    await d.drain(org.id);
    const [event] = await feed(t, org.id, 'team.created');
    assert.ok(event);
    const asked = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks/${hook.id}/redeliveries`, {
      eventId: event.id,
    });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    await d.drain(org.id);
    await d.drain(org.id);
    assert.deepEqual(
      r.received.map((x) => x.event.id).filter((id) => id === event.id),
      [event.id, event.id],
    );
    const log = await deliveries(t, org.id, hook.id);
    assert.equal(log.filter((l) => l.redelivery).length, 1);
    const unknown = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks/${hook.id}/redeliveries`, {
      eventId: '01a24eca-cca5-7b7e-9c2f-3d41c9a8e001',
    });
    assert.equal(unknown.status, 404);
  });

  it('loses nothing when the dispatcher dies mid-delivery: another takes over once its lease runs out', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    r.secrets = [hook.secret];
    for (let i = 0; i < 12; i += 1) await makeTeam(t, org.id, `Team ${i}`);
    // The receiver takes the first five, then the sixth request never gets an answer: the dispatcher dies waiting.
    r.behaviour = (n) => (n === 6 ? 'hang' : 200);
    const first = started(testDispatcher(t, { leaseSeconds: 1, timeoutMs: 5000, batchSize: 100 }));
    await r.until((got) => got.length >= 6);
    await first.abandon();
    r.behaviour = () => 200;
    started(testDispatcher(t, { leaseSeconds: 1 }));
    await r.until(() => r.deliveredIds().length === 12);
    const order = (await feed(t, org.id, 'team.created')).map((e) => e.id);
    assert.deepEqual(r.deliveredIds(), order);
    // The first five were never committed: at least once means they came again.
    assert.equal(r.duplicates(), 5);
  });

  it('keeps one delivery at a time, and none twice, when a slow receiver keeps the run past its lease', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    r.latencyMs = 150;
    const org = await makeOrg(t);
    await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    for (let i = 0; i < 16; i += 1) await makeTeam(t, org.id, `Slow ${i}`);
    // 16 answers of 150 ms: 2.4 s, more than twice the lease.
    started(testDispatcher(t, { leaseSeconds: 1 }));
    await r.until(() => r.deliveredIds().length === 16);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(r.maxInFlight, 1);
    assert.equal(r.duplicates(), 0);
    assert.deepEqual(
      r.deliveredIds(),
      (await feed(t, org.id, 'team.created')).map((e) => e.id),
    );
  });

  it('counts the attempts of the event that fails now, not of one that failed before it', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    for (let i = 0; i < 4; i += 1) await makeTeam(t, org.id, `Team ${i}`);
    // Team 0 fails once, then teams 0 and 1 go through (one batch of two), then team 2 fails.
    r.behaviour = (n) => (n === 1 || n === 4 ? 500 : 200);
    const d = testDispatcher(t, { batchSize: 2 });
    await d.drain(org.id);
    const first = await webhookOf(t, org.id, hook.id);
    assert.equal(first.attempts, 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await d.drain(org.id);
    const second = await webhookOf(t, org.id, hook.id);
    assert.equal(second.status, 'failing');
    assert.equal(second.attempts, 1, 'team 2 failed once');
    assert.ok(new Date(second.failingSince ?? 0) > new Date(first.failingSince ?? 0));
    const log = await deliveries(t, org.id, hook.id);
    assert.deepEqual(
      log.reverse().map((l) => [l.attempt, l.succeeded]),
      [
        [1, false],
        [2, true],
        [1, true],
        [1, false],
      ],
    );
  });

  const url = process.env.MUSTER_TEST_DATABASE_URL;
  it('starts a new endpoint with the changes that commit after it, also those begun before', {
    skip: !url && 'needs the PostgreSQL server (two sessions at once)',
  }, async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    await makeTeam(t, org.id, 'Before');
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    after(() => slow.end());
    await slow.query('begin');
    await slow.query(
      `insert into audit_events (id, org_id, actor_type, action, target_type, target_id, after)
       values (gen_random_uuid(), $1, 'system', 'team.created', 'team', $2, '{"name":"In flight"}')`,
      [org.id, randomUUID()],
    );
    await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    await slow.query('commit');
    await makeTeam(t, org.id, 'After');
    await testDispatcher(t).drain(org.id);
    assert.deepEqual(
      r.received.map((x) => x.event.data.name),
      ['In flight', 'After'],
    );
  });

  it("never delivers one org's events to another's endpoint", async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const [a, b] = [await makeOrg(t), await makeOrg(t)];
    await makeWebhook(t, b.id, { url: r.url });
    await makeTeam(t, a.id, 'Secret');
    await makeTeam(t, b.id, 'Public');
    await testDispatcher(t).drain();
    assert.ok(r.received.length >= 1);
    assert.ok(r.received.every((x) => x.event.orgId === b.id && x.event.data.name !== 'Secret'));
  });

  it('refuses at delivery a host that resolves to a private address, and an answer over the size limit', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: false });
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    await makeTeam(t, org.id, 'Rebound');
    // The dispatcher reads the feed, which a shared server's other transactions can hold back a moment.
    await feedEvents(t, org.id, 'team.created', 1);
    await testDispatcher(t, {
      network: { lookupHost: async () => ['10.1.2.3'], allowPrivateNetworks: false },
    }).drain(org.id);
    const [attempt] = await deliveries(t, org.id, hook.id);
    assert.equal(attempt?.succeeded, false);
    assert.match(attempt?.error ?? '', /10\.1\.2\.3, which is a private/);

    const big = await receiver();
    big.behaviour = () => 200;
    const t2 = await testApp({ webhookAllowPrivateNetworks: true });
    const org2 = await makeOrg(t2);
    const hook2 = await makeWebhook(t2, org2.id, { url: big.url });
    await makeTeam(t2, org2.id, 'Large');
    await feedEvents(t2, org2.id, 'team.created', 1);
    await testDispatcher(t2, { maxResponseBytes: 1 }).drain(org2.id);
    const [large] = await deliveries(t2, org2.id, hook2.id);
    assert.equal(large?.succeeded, false);
    assert.match(large?.error ?? '', /larger than 1 bytes/);
  });
});
