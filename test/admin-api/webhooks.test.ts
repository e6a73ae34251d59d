import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { type AuditEventBody, auditOf } from '../support/audit.ts';
import { makeApiKey, makeOrg, makeTeam } from '../support/factories.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { makeWebhook, testDispatcher, webhookOf } from '../support/webhooks.ts';

const receivers: WebhookReceiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

const unknownId = '0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b';

/** What an endpoint shows admins: never its secret. */
const endpointKeys = [
  'attempts',
  'createdAt',
  'description',
  'disabledReason',
  'enabled',
  'events',
  'failingSince',
  'id',
  'lastDeliveredAt',
  'lastError',
  'nextAttemptAt',
  'previousSecretExpiresAt',
  'status',
  'updatedAt',
  'url',
];

interface EndpointBody {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  status: string;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface DeliveryBody {
  id: string;
  eventId: string;
  eventType: string;
  attempt: number;
  succeeded: boolean;
  httpStatus: number | null;
  redelivery: boolean;
  createdAt: string;
}

/** Every page of a list, `limit` at a time, following `nextCursor`. */
async function pages<T>(t: TestApp, path: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let count = 0;
  do {
    const res = await t.admin.get(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.data.length <= limit);
    items.push(...(res.body.data as T[]));
    cursor = res.body.nextCursor;
    count += 1;
    assert.ok(count < 100, 'pagination does not end');
  } while (cursor !== null);
  return { items, pages: count };
}

async function feed(
  t: TestApp,
  org: string,
): Promise<{ data: { id: string; type: string }[]; nextCursor: string }> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/events?limit=200`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function detailPaths(res: { body: { error: { details?: { path?: string }[] } } }): string[] {
  return (res.body.error.details ?? []).map((d) => d.path ?? '');
}

describe('POST /api/v1/orgs/{org}/webhooks', () => {
  it('creates an active endpoint: its secret once, a Location, what was given echoed', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks`, {
      url: 'https://hooks.example.com/muster/in',
      events: ['team.created', 'user.created', 'team.created'],
      description: 'Provisioning\nto the app',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), [...endpointKeys, 'secret'].sort());
    assert.match(res.body.id, uuidPattern);
    assert.match(res.body.secret, /^whsec_[A-Za-z0-9+/=]{24,}$/);
    assert.equal(res.body.url, 'https://hooks.example.com/muster/in');
    assert.deepEqual(res.body.events, ['team.created', 'user.created'], 'the same type once');
    assert.equal(res.body.description, 'Provisioning\nto the app');
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.enabled, true);
    assert.equal(res.body.attempts, 0);
    assert.equal(res.body.previousSecretExpiresAt, null);
    assert.match(res.body.createdAt, isoPattern);
    assert.equal(res.headers.location, `/api/v1/orgs/${org.id}/webhooks/${res.body.id}`);

    const fetched = await t.admin.get(res.headers.location ?? '');
    assert.equal(fetched.status, 200, JSON.stringify(fetched.body));
    assert.deepEqual(Object.keys(fetched.body).sort(), endpointKeys);
    const { secret, ...shown } = res.body;
    assert.deepEqual(fetched.body, shown);
    assert.ok(!JSON.stringify(fetched.body).includes(secret));
  });

  it('defaults to every event type and an empty description, and each endpoint has a secret of its own', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const one = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/one' });
    const two = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/one' });
    assert.deepEqual(one.events, []);
    const fetched = await t.admin.get(`/api/v1/orgs/${org.id}/webhooks/${one.id}`);
    assert.equal(fetched.body.description, '');
    assert.deepEqual(fetched.body.events, []);
    assert.notEqual(one.id, two.id);
    assert.notEqual(one.secret, two.secret);
  });

  it('refuses a URL it may not deliver to, unknown event types and fields, and a cursor the feed did not give', async () => {
    const off = await testApp({ webhookAllowPrivateNetworks: false });
    const on = await testApp({ webhookAllowPrivateNetworks: true });
    const org = await makeOrg(off);
    const ok = 'https://hooks.example.com/in';
    const cases: { app: TestApp; body: object; path: string; message?: RegExp }[] = [
      { app: off, body: { url: 'not a url' }, path: 'url', message: /is not a URL/ },
      { app: off, body: { url: 'ftp://hooks.example.com/in' }, path: 'url', message: /https/ },
      { app: on, body: { url: 'ftp://hooks.example.com/in' }, path: 'url', message: /https/ },
      {
        app: off,
        body: { url: 'https://user:pass@hooks.example.com/in' },
        path: 'url',
        message: /credentials/,
      },
      { app: on, body: { url: 'https://hooks.example.com/in#part' }, path: 'url', message: /fragment/ },
      {
        app: off,
        body: { url: 'http://127.0.0.1/in' },
        path: 'url',
        message: /WEBHOOK_ALLOW_PRIVATE_NETWORKS/,
      },
      {
        app: off,
        body: { url: 'http://10.0.0.5/in' },
        path: 'url',
        message: /WEBHOOK_ALLOW_PRIVATE_NETWORKS/,
      },
      {
        app: off,
        body: { url: 'https://127.0.0.1/in' },
        path: 'url',
        message: /loopback.*WEBHOOK_ALLOW_PRIVATE_NETWORKS/,
      },
      {
        app: off,
        body: { url: 'https://10.0.0.5/in' },
        path: 'url',
        message: /private.*WEBHOOK_ALLOW_PRIVATE_NETWORKS/,
      },
      {
        app: off,
        body: { url: 'https://169.254.169.254/latest' },
        path: 'url',
        message: /169\.254\.169\.254/,
      },
      { app: on, body: { url: 'https://169.254.169.254/latest' }, path: 'url', message: /link-local/ },
      { app: on, body: { url: 'http://169.254.169.254/latest' }, path: 'url', message: /link-local/ },
      {
        app: on,
        body: { url: 'https://[::ffff:169.254.169.254]/latest' },
        path: 'url',
        message: /link-local/,
      },
      { app: on, body: { url: 'https://[fe80::1]/in' }, path: 'url', message: /link-local/ },
      { app: off, body: { url: `https://hooks.example.com/${'x'.repeat(2000)}` }, path: 'url' },
      { app: off, body: {}, path: 'url' },
      { app: off, body: { url: ok, events: ['team.created', 'team.exploded'] }, path: 'events.1' },
      { app: off, body: { url: ok, events: 'team.created' }, path: 'events' },
      { app: off, body: { url: ok, secret: 'whsec_chosen' }, path: 'secret', message: /not a known field/ },
      { app: off, body: { url: ok, enabled: false }, path: 'enabled', message: /not a known field/ },
      { app: off, body: { url: ok, description: 'bell\u0007' }, path: 'description', message: /control/ },
      { app: off, body: { url: ok, description: 'nul\u0000' }, path: 'description', message: /control/ },
      { app: off, body: { url: ok, description: 'x'.repeat(501) }, path: 'description' },
      { app: off, body: { url: ok, after: 'not-a-cursor' }, path: 'after', message: /cursor/ },
      {
        app: off,
        body: { url: ok, after: Buffer.from(unknownId).toString('base64url') },
        path: 'after',
        message: /cursor/,
      },
    ];
    for (const { app, body, path, message } of cases) {
      const label = JSON.stringify(body).slice(0, 120);
      const res = await app.admin.post(`/api/v1/orgs/${org.id}/webhooks`, body);
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), [path], label);
      if (message) assert.match(res.body.error.details[0].message, message, label);
    }
    // The link-local refusal names no setting that would lift it.
    const metadata = await on.admin.post(`/api/v1/orgs/${org.id}/webhooks`, {
      url: 'https://169.254.169.254/latest',
    });
    assert.doesNotMatch(metadata.body.error.details[0].message, /WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    const list = await off.admin.get(`/api/v1/orgs/${org.id}/webhooks`);
    assert.deepEqual(list.body.data, [], 'nothing was created');
  });

  it('takes plain http and private addresses when the operator allows private networks', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const org = await makeOrg(t);
    for (const url of ['http://127.0.0.1:9/x', 'http://10.0.0.5/x', 'https://192.168.1.20/x']) {
      const res = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks`, { url });
      assert.equal(res.status, 201, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.url, url);
      assert.equal(res.body.status, 'active');
    }
    // Plain http still goes to private addresses only.
    const plain = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks`, { url: 'http://8.8.8.8/x' });
    assert.equal(plain.status, 400, JSON.stringify(plain.body));
    assert.match(plain.body.error.details[0].message, /plain http goes to private addresses only/);
  });

  it('answers 409 for the 21st endpoint of an org, and takes one again once another is deleted', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const made: string[] = [];
    for (let i = 0; i < 20; i += 1)
      made.push((await makeWebhook(t, org.id, { url: `https://hooks.example.com/${i}` })).id);
    const extra = await t.admin.post(`/api/v1/orgs/${org.id}/webhooks`, {
      url: 'https://hooks.example.com/21',
    });
    assertError(extra, 409, 'conflict');
    assert.match(extra.body.error.message, /at most 20/);
    assert.equal((await pages(t, `/api/v1/orgs/${org.id}/webhooks`, 200)).items.length, 20);
    // The limit is per org.
    await makeWebhook(t, other.id, { url: 'https://hooks.example.com/elsewhere' });
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/webhooks/${made[0]}`)).status, 204);
    await makeWebhook(t, org.id, { url: 'https://hooks.example.com/again' });
  });

  it('answers 404 for an unknown org', async () => {
    const t = await testApp();
    assertError(
      await t.admin.post(`/api/v1/orgs/${unknownId}/webhooks`, { url: 'https://hooks.example.com/in' }),
      404,
      'not_found',
    );
  });
});

describe('GET /api/v1/orgs/{org}/webhooks', () => {
  it('pages through the org’s endpoints, oldest first, with no secret in any', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    await makeWebhook(t, other.id, { url: 'https://hooks.example.com/other' });
    const made = [];
    for (const n of [1, 2, 3, 4, 5])
      made.push(await makeWebhook(t, org.id, { url: `https://hooks.example.com/${n}` }));
    const byTwo = await pages<EndpointBody>(t, `/api/v1/orgs/${org.id}/webhooks`, 2);
    assert.deepEqual(
      byTwo.items.map((e) => e.id),
      made.map((m) => m.id),
    );
    assert.equal(byTwo.pages, 3);
    const all = await t.admin.get(`/api/v1/orgs/${org.id}/webhooks`);
    assert.equal(all.body.nextCursor, null);
    assert.equal(all.body.data.length, 5);
    for (const item of all.body.data) assert.deepEqual(Object.keys(item).sort(), endpointKeys);
    const text = JSON.stringify(all.body);
    for (const m of made) assert.ok(!text.includes(m.secret), 'no secret in the list');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/webhooks?cursor=abc`), 400, 'validation_failed');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/webhooks?limit=0`), 400, 'validation_failed');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/webhooks?limit=201`), 400, 'validation_failed');
  });
});

describe('GET /api/v1/orgs/{org}/webhooks/{webhook}', () => {
  it('answers 404 for an unknown id or one that is no UUID', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    for (const ref of [unknownId, 'not-a-uuid', 'x%00y'])
      assertError(await t.admin.get(`/api/v1/orgs/${org.id}/webhooks/${ref}`), 404, 'not_found');
  });

  it('finds an endpoint by its id in upper case', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const res = await t.admin.get(`/api/v1/orgs/${org.id}/webhooks/${hook.id.toUpperCase()}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.id, hook.id);
  });
});

describe('PATCH /api/v1/orgs/{org}/webhooks/{webhook}', () => {
  it('changes the url, events and description, and leaves out what is not given', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, {
      url: 'https://hooks.example.com/before',
      events: ['team.created'],
      description: 'Before',
    });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    const changed = await t.admin.patch(path, {
      url: 'https://hooks.example.com/after',
      events: ['user.created', 'user.deleted'],
      description: 'After',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(Object.keys(changed.body).sort(), endpointKeys, 'no secret');
    assert.equal(changed.body.url, 'https://hooks.example.com/after');
    assert.deepEqual(changed.body.events, ['user.created', 'user.deleted']);
    assert.equal(changed.body.description, 'After');
    assert.equal(changed.body.status, 'active');
    assert.deepEqual((await t.admin.get(path)).body, changed.body);

    const described = await t.admin.patch(path, { description: 'Only this' });
    assert.equal(described.status, 200, JSON.stringify(described.body));
    assert.equal(described.body.url, 'https://hooks.example.com/after');
    assert.deepEqual(described.body.events, ['user.created', 'user.deleted']);
    const all = await t.admin.patch(path, { events: [] });
    assert.deepEqual(all.body.events, [], 'empty: every type');
  });

  it('pauses with enabled: false and resumes with enabled: true', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    const steps: [boolean, string][] = [
      [false, 'paused'],
      [false, 'paused'],
      [true, 'active'],
      [true, 'active'],
    ];
    for (const [enabled, status] of steps) {
      const res = await t.admin.patch(path, { enabled });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.enabled, enabled);
      assert.equal(res.body.status, status);
      assert.equal(res.body.disabledReason, null);
      const fetched = await webhookOf(t, org.id, hook.id);
      assert.equal(fetched.status, status);
      assert.equal(fetched.enabled, enabled);
    }
  });

  it('answers 400 for a bad url and changes nothing, not even with other fields beside it', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in', description: 'Kept' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    const before = (await t.admin.get(path)).body as EndpointBody;
    const bad: [object, string][] = [
      [{ url: 'http://10.0.0.5/in', description: 'Changed' }, 'url'],
      [{ url: 'https://169.254.169.254/', enabled: false }, 'url'],
      [{ url: 'https://hooks.example.com/in#x' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ events: ['team.nope'] }, 'events.0'],
      [{ description: 'a\u001bb' }, 'description'],
      [{ secret: 'whsec_mine' }, 'secret'],
      [{ enabled: 'no' }, 'enabled'],
    ];
    for (const [body, field] of bad) {
      const res = await t.admin.patch(path, body);
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), [field], JSON.stringify(body));
    }
    const after = (await t.admin.get(path)).body as EndpointBody;
    assert.deepEqual(after, before);
    assert.equal(after.url, 'https://hooks.example.com/in');
    assert.equal(after.status, 'active');
    assert.deepEqual(await auditOf(t, org.id, 'webhook.updated', hook.id), []);
  });

  it('answers 404 for an unknown endpoint', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/webhooks/${unknownId}`, { description: 'x' }),
      404,
      'not_found',
    );
  });
});

describe('DELETE /api/v1/orgs/{org}/webhooks/{webhook}', () => {
  it('answers 204, then the endpoint and its delivery log are gone; a second delete is 404', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/gone' });
    const keep = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/kept' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    const res = await t.admin.delete(path);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assertError(await t.admin.get(path), 404, 'not_found');
    assertError(await t.admin.get(`${path}/deliveries`), 404, 'not_found');
    assertError(await t.admin.post(`${path}/secret`, {}), 404, 'not_found');
    assertError(await t.admin.delete(path), 404, 'not_found');
    const list = await t.admin.get(`/api/v1/orgs/${org.id}/webhooks`);
    assert.deepEqual(
      list.body.data.map((e: EndpointBody) => e.id),
      [keep.id],
    );
  });
});

describe('POST /api/v1/orgs/{org}/webhooks/{webhook}/secret', () => {
  it('rotates the secret: a new one, shown once; the old one signs beside it for 24 hours by default', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    const asked = Date.now();
    const rotated = await t.admin.post(`${path}/secret`, {});
    const answered = Date.now();
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    assert.deepEqual(Object.keys(rotated.body).sort(), [...endpointKeys, 'secret'].sort());
    assert.match(rotated.body.secret, /^whsec_/);
    assert.notEqual(rotated.body.secret, hook.secret);
    const ends = Date.parse(rotated.body.previousSecretExpiresAt);
    assert.ok(
      ends >= asked + 24 * 3600_000 && ends <= answered + 24 * 3600_000,
      `previousSecretExpiresAt ${rotated.body.previousSecretExpiresAt}`,
    );
    const fetched = await t.admin.get(path);
    assert.equal(fetched.body.previousSecretExpiresAt, rotated.body.previousSecretExpiresAt);
    assert.ok(!('secret' in fetched.body));

    const hours = await t.admin.post(`${path}/secret`, { overlapHours: 168 });
    assert.equal(hours.status, 201, JSON.stringify(hours.body));
    const week = Date.parse(hours.body.previousSecretExpiresAt) - Date.now();
    assert.ok(Math.abs(week - 168 * 3600_000) < 60_000, `${week} ms`);
    assert.ok(![hook.secret, rotated.body.secret].includes(hours.body.secret));
  });

  it('ends the old secret at once with overlapHours: 0', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    assert.equal((await t.admin.post(`${path}/secret`, {})).status, 201);
    const ended = await t.admin.post(`${path}/secret`, { overlapHours: 0 });
    assert.equal(ended.status, 201, JSON.stringify(ended.body));
    assert.equal(ended.body.previousSecretExpiresAt, null);
    assert.equal((await t.admin.get(path)).body.previousSecretExpiresAt, null);
  });

  it('answers 400 for an overlap outside 0 to 168 whole hours, and rotates nothing', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}`;
    for (const body of [
      { overlapHours: 169 },
      { overlapHours: -1 },
      { overlapHours: 1.5 },
      { overlapHours: '24' },
    ]) {
      const res = await t.admin.post(`${path}/secret`, body);
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), ['overlapHours'], JSON.stringify(body));
    }
    const unknown = await t.admin.post(`${path}/secret`, { overlapHours: 1, secret: 'whsec_mine' });
    assertError(unknown, 400, 'validation_failed');
    assert.deepEqual(detailPaths(unknown), ['secret']);
    assert.equal((await t.admin.get(path)).body.previousSecretExpiresAt, null);
    assert.deepEqual(await auditOf(t, org.id, 'webhook.secret_rotated', hook.id), []);
    assertError(
      await t.admin.post(`/api/v1/orgs/${org.id}/webhooks/${unknownId}/secret`, {}),
      404,
      'not_found',
    );
  });
});

describe('where delivery starts', () => {
  it('with `after`, from the events after that cursor of the feed, even those from before the endpoint', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    await makeTeam(t, org.id, 'First');
    await makeTeam(t, org.id, 'Second');
    const { data, nextCursor } = await feed(t, org.id);
    assert.deepEqual(
      data.map((e) => e.type),
      ['team.created', 'team.created'],
      'the cursor is past both teams',
    );
    const third = await makeTeam(t, org.id, 'Third');
    const hook = await makeWebhook(t, org.id, { url: r.url, after: nextCursor });
    r.secrets = [hook.secret];
    await testDispatcher(t).drain(org.id);
    const thirdEvent = (await feed(t, org.id)).data.at(-1);
    assert.equal(thirdEvent?.type, 'team.created');
    assert.deepEqual(
      r.received.map((x) => [x.event.id, x.event.data.id]),
      [[thirdEvent?.id, third.id]],
    );
    assert.deepEqual(r.received[0]?.verifiedWith, [hook.secret]);
  });

  it('without `after`, from the changes made once the endpoint exists', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    await makeTeam(t, org.id, 'Before');
    // Delivery starts at the oldest transaction still running: here none but the endpoint's own.
    await makeWebhook(t, org.id, { url: r.url });
    const later = await makeTeam(t, org.id, 'After');
    await testDispatcher(t).drain(org.id);
    assert.deepEqual(
      r.received.map((x) => [x.event.type, x.event.data.id]),
      [['team.created', later.id]],
    );
  });
});

describe("webhooks of another org's", () => {
  it("keep org A's endpoints out of reach of org B's key and of org B's path", async () => {
    const t = await testApp();
    const a = await makeOrg(t, 'Owner');
    const b = await makeOrg(t, 'Stranger');
    const hook = await makeWebhook(t, a.id, { url: 'https://hooks.example.com/a', description: 'A' });
    await makeTeam(t, a.id, 'A team');
    const aEvent = (await feed(t, a.id)).data[0];
    assert.ok(aEvent);
    const key = await makeApiKey(t, b.id);
    const asB = t.as(key.key);
    const before = await webhookOf(t, a.id, hook.id);

    // Under org A's path, an org key of B's is refused, as for every other org (test/admin-api/auth.test.ts).
    const theirs = `/api/v1/orgs/${a.id}/webhooks`;
    assertError(await asB.get(theirs), 403, 'forbidden');
    assertError(await asB.post(theirs, { url: 'https://hooks.example.com/b' }), 403, 'forbidden');
    assertError(await asB.get(`${theirs}/${hook.id}`), 403, 'forbidden');
    assertError(
      await asB.patch(`${theirs}/${hook.id}`, { url: 'https://evil.example.com/' }),
      403,
      'forbidden',
    );
    assertError(await asB.delete(`${theirs}/${hook.id}`), 403, 'forbidden');
    assertError(await asB.post(`${theirs}/${hook.id}/secret`, {}), 403, 'forbidden');
    assertError(await asB.get(`${theirs}/${hook.id}/deliveries`), 403, 'forbidden');

    // Under org B's own path, org A's endpoint does not exist, for B's key and for the admin token.
    const ours = `/api/v1/orgs/${b.id}/webhooks`;
    for (const client of [asB, t.admin]) {
      assertError(await client.get(`${ours}/${hook.id}`), 404, 'not_found');
      assertError(
        await client.patch(`${ours}/${hook.id}`, { url: 'https://evil.example.com/' }),
        404,
        'not_found',
      );
      assertError(await client.patch(`${ours}/${hook.id}`, { enabled: false }), 404, 'not_found');
      assertError(await client.post(`${ours}/${hook.id}/secret`, {}), 404, 'not_found');
      assertError(await client.get(`${ours}/${hook.id}/deliveries`), 404, 'not_found');
      assertError(
        await client.post(`${ours}/${hook.id}/redeliveries`, { eventId: aEvent.id }),
        404,
        'not_found',
      );
      assertError(await client.delete(`${ours}/${hook.id}`), 404, 'not_found');
      const list = await client.get(ours);
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(list.body.data, []);
    }
    assert.deepEqual(await webhookOf(t, a.id, hook.id), before, 'unchanged');

    // B's key works on B's own endpoints.
    const own = await asB.post(ours, { url: 'https://hooks.example.com/b' });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.deepEqual(
      (await asB.get(ours)).body.data.map((e: EndpointBody) => e.id),
      [own.body.id],
    );
  });
});

describe('GET /api/v1/orgs/{org}/webhooks/{webhook}/deliveries', () => {
  it('answers 404 for an unknown endpoint', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    for (const ref of [unknownId, 'not-a-uuid'])
      assertError(await t.admin.get(`/api/v1/orgs/${org.id}/webhooks/${ref}/deliveries`), 404, 'not_found');
  });

  it('lists the attempts newest first, a page at a time', async () => {
    const t = await testApp({ webhookAllowPrivateNetworks: true });
    const r = await receiver();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: r.url, events: ['team.created'] });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}/deliveries`;
    assert.deepEqual((await t.admin.get(path)).body, { data: [], nextCursor: null });
    for (const name of ['One', 'Two', 'Three', 'Four']) await makeTeam(t, org.id, name);
    await testDispatcher(t).drain(org.id);
    const sent = (await feed(t, org.id)).data.filter((e) => e.type === 'team.created').map((e) => e.id);
    assert.equal(sent.length, 4);
    assert.deepEqual(r.deliveredIds(), sent);

    const all = await t.admin.get(`${path}?limit=200`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.equal(all.body.nextCursor, null);
    const log = all.body.data as DeliveryBody[];
    assert.deepEqual(
      log.map((d) => d.eventId),
      [...sent].reverse(),
      'newest first',
    );
    for (const d of log) {
      assert.match(d.id, uuidPattern);
      assert.equal(d.eventType, 'team.created');
      assert.equal(d.attempt, 1);
      assert.equal(d.succeeded, true);
      assert.equal(d.httpStatus, 200);
      assert.equal(d.redelivery, false);
      assert.match(d.createdAt, isoPattern);
    }
    const byOne = await pages<DeliveryBody>(t, path, 1);
    assert.equal(byOne.pages, 4);
    assert.deepEqual(byOne.items, log);
    const byThree = await pages<DeliveryBody>(t, path, 3);
    assert.equal(byThree.pages, 2);
    assert.deepEqual(byThree.items, log);
    assertError(await t.admin.get(`${path}?cursor=abc`), 400, 'validation_failed');
  });
});

describe('POST /api/v1/orgs/{org}/webhooks/{webhook}/redeliveries', () => {
  it('queues an event of the org, and answers 404 for an event of another org or none at all', async () => {
    const t = await testApp();
    const a = await makeOrg(t);
    const b = await makeOrg(t);
    const hook = await makeWebhook(t, a.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${a.id}/webhooks/${hook.id}/redeliveries`;
    await makeTeam(t, a.id, 'Ours');
    await makeTeam(t, b.id, 'Theirs');
    const ours = (await feed(t, a.id)).data[0];
    const theirs = (await feed(t, b.id)).data[0];
    assert.ok(ours && theirs);

    const queued = await t.admin.post(path, { eventId: ours.id });
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.deepEqual(Object.keys(queued.body).sort(), ['eventId', 'id']);
    assert.equal(queued.body.eventId, ours.id);
    assert.match(queued.body.id, uuidPattern);

    assertError(await t.admin.post(path, { eventId: theirs.id }), 404, 'not_found');
    assertError(await t.admin.post(path, { eventId: unknownId }), 404, 'not_found');
    // An audit entry that is no event (the endpoint's own creation) is not sent either.
    const [created] = await auditOf(t, a.id, 'webhook.created', hook.id);
    assert.ok(created);
    assertError(await t.admin.post(path, { eventId: created.id }), 404, 'not_found');
    assertError(
      await t.admin.post(`/api/v1/orgs/${a.id}/webhooks/${unknownId}/redeliveries`, { eventId: ours.id }),
      404,
      'not_found',
    );
    const requested = await auditOf(t, a.id, 'webhook.redelivery_requested', hook.id);
    assert.equal(requested.length, 1);
    assert.deepEqual(requested[0]?.after, { eventId: ours.id, eventType: 'team.created' });
  });

  it('answers 400 for a body that is not one event id', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}/redeliveries`;
    const cases: [object, string][] = [
      [{}, 'eventId'],
      [{ eventId: 42 }, 'eventId'],
      [{ eventId: unknownId, endpointId: hook.id }, 'endpointId'],
    ];
    for (const [body, field] of cases) {
      const res = await t.admin.post(path, body);
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), [field], JSON.stringify(body));
    }
  });

  it('answers 400 validation_failed for an eventId that is no UUID', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const hook = await makeWebhook(t, org.id, { url: 'https://hooks.example.com/in' });
    const path = `/api/v1/orgs/${org.id}/webhooks/${hook.id}/redeliveries`;
    for (const eventId of ['not-a-uuid', '', `${unknownId}x`]) {
      const res = await t.admin.post(path, { eventId });
      assertError(res, 400, 'validation_failed');
      assert.deepEqual(detailPaths(res), ['eventId'], eventId);
    }
  });
});

describe('webhook audit events', () => {
  it('records webhook.created, updated, secret_rotated and deleted, none with a secret in it', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const base = `/api/v1/orgs/${org.id}/webhooks`;
    const created = await t.admin.post(base, {
      url: 'https://hooks.example.com/audit',
      events: ['team.created'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const updated = await t.admin.patch(`${base}/${id}`, { description: 'Audited', enabled: false });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const rotated = await t.admin.post(`${base}/${id}/secret`, { overlapHours: 2 });
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    const deleted = await t.admin.delete(`${base}/${id}`);
    assert.equal(deleted.status, 204);

    const target = { type: 'webhook', id };
    const actor = { type: 'admin_token', id: null };
    const entries: AuditEventBody[] = [];
    const expected: [string, { headers: Record<string, string | undefined> }][] = [
      ['webhook.created', created],
      ['webhook.updated', updated],
      ['webhook.secret_rotated', rotated],
      ['webhook.deleted', deleted],
    ];
    for (const [action, res] of expected) {
      const found = await auditOf(t, org.id, action);
      assert.equal(found.length, 1, `${action}: ${JSON.stringify(found)}`);
      const [entry] = found;
      assert.ok(entry);
      assert.equal(entry.action, action);
      assert.deepEqual(entry.target, target, action);
      assert.deepEqual(entry.actor, actor, action);
      assert.equal(entry.requestId, res.headers['x-request-id'], action);
      entries.push(entry);
    }
    const [createdEntry, updatedEntry, rotatedEntry, deletedEntry] = entries;
    assert.equal(createdEntry?.before, null);
    assert.equal(createdEntry?.after?.url, 'https://hooks.example.com/audit');
    assert.equal(updatedEntry?.before?.description, '');
    assert.equal(updatedEntry?.after?.description, 'Audited');
    assert.equal(updatedEntry?.after?.enabled, false);
    assert.deepEqual(rotatedEntry?.after, { previousSecretExpiresAt: rotated.body.previousSecretExpiresAt });
    assert.equal(deletedEntry?.after, null);
    assert.equal(deletedEntry?.before?.id, id);

    const text = JSON.stringify(entries);
    for (const secret of [created.body.secret as string, rotated.body.secret as string]) {
      assert.ok(!text.includes(secret), 'the secret is not in the audit log');
      assert.ok(!text.includes(secret.slice('whsec_'.length)), 'nor its key without the prefix');
    }
    assert.doesNotMatch(text, /whsec_|sealed|"secret"/);
    const all = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?targetId=${id}`);
    assert.deepEqual(
      all.body.data.map((e: AuditEventBody) => e.action),
      ['webhook.deleted', 'webhook.secret_rotated', 'webhook.updated', 'webhook.created'],
    );
  });

  it('names an org key as the actor, and records nothing for a refused change', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const res = await t
      .as(key.key)
      .post(`/api/v1/orgs/${org.id}/webhooks`, { url: 'https://hooks.example.com/k' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const [entry] = await auditOf(t, org.id, 'webhook.created', res.body.id);
    assert.deepEqual(entry?.actor, { type: 'api_key', id: key.id });
    assertError(
      await t.admin.post(`/api/v1/orgs/${org.id}/webhooks`, { url: 'http://10.0.0.5/in' }),
      400,
      'validation_failed',
    );
    assert.equal((await auditOf(t, org.id, 'webhook.created')).length, 1);
  });
});
