import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { appOn, publicUrl, testApp } from '../support/app.ts';
import { auditOf } from '../support/audit.ts';
import { makeApiKey, makeOrg } from '../support/factories.ts';
import { plannedDatabase } from '../support/query-plans.ts';

interface SetupLinkBody {
  id: string;
  url?: string;
  features: string[];
  status: string;
  expiresAt: string;
  revokedAt: string | null;
  connectionId: string | null;
  directoryId: string | null;
  provider: string | null;
  protocol: string | null;
  createdBy: { type: string; id: string | null };
  createdAt: string;
}

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

describe('admin API: setup links', () => {
  it('creates a link whose URL is shown once and whose token is kept only as a hash', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const before = Date.now();
    const res = await t.admin.post(`/api/v1/orgs/${org.slug}/setup-links`, { features: ['scim', 'sso'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const link = res.body as SetupLinkBody;
    assert.match(link.url ?? '', new RegExp(`^${publicUrl}/setup/[A-Za-z0-9_-]{43}$`));
    assert.deepEqual(link.features, ['sso', 'scim']);
    assert.equal(link.status, 'active');
    assert.equal(res.headers.location, `/api/v1/orgs/${org.id}/setup-links/${link.id}`);
    const hours = (Date.parse(link.expiresAt) - before) / 3_600_000;
    assert.ok(hours > 71.9 && hours < 72.1, `72 hours by default, not ${hours}`);
    assert.match(link.connectionId ?? '', /^[0-9a-f-]{36}$/, 'an SSO link reserves its connection id');
    assert.equal(link.directoryId, null);
    assert.deepEqual(link.createdBy, { type: 'admin_token', id: null });

    const token = tokenOf(link.url ?? '');
    const row = await t.database.db
      .selectFrom('setup_links')
      .selectAll()
      .where('id', '=', link.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(token), 'the token itself is nowhere in the row');

    const read = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${link.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.url, undefined, 'the URL is never shown again');
    assert.equal(read.body.connectionId, link.connectionId);

    const scimOnly = await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, {
      features: ['scim'],
      expiresInHours: 1,
    });
    assert.equal(scimOnly.status, 201);
    assert.equal(scimOnly.body.connectionId, null, 'no connection is reserved without sso');
    assert.ok(Date.parse(scimOnly.body.expiresAt) - Date.now() <= 3_600_000);
    assert.notEqual(tokenOf(scimOnly.body.url), token);
  });

  it('lists links with their status derived when read, pages, and never shows a URL', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const made: SetupLinkBody[] = [];
    for (let i = 0; i < 3; i++)
      made.push((await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['sso'] })).body);
    const [active, expired, revoked] = made as [SetupLinkBody, SetupLinkBody, SetupLinkBody];
    await t.database.db
      .updateTable('setup_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${revoked.id}`)).status, 200);

    const first = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links?limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 2);
    assert.ok(first.body.nextCursor);
    const rest = await t.admin.get(
      `/api/v1/orgs/${org.id}/setup-links?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    const all = [...first.body.data, ...rest.body.data] as SetupLinkBody[];
    assert.deepEqual(
      all.map((l) => [l.id, l.status]),
      [
        [active.id, 'active'],
        [expired.id, 'expired'],
        [revoked.id, 'revoked'],
      ],
    );
    assert.equal(rest.body.nextCursor, null);
    assert.ok(all.every((l) => l.url === undefined));
  });

  it('revokes an active link once; an expired or revoked one is a conflict', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const link = (await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['scim'] }))
      .body as SetupLinkBody;
    const revoked = await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${link.id}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.status, 'revoked');
    assert.ok(revoked.body.revokedAt);
    const again = await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${link.id}`);
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /revoked/);

    const old = (await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['scim'] }))
      .body as SetupLinkBody;
    await t.database.db
      .updateTable('setup_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', old.id)
      .execute();
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${old.id}`)).status, 409);

    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/setup-links/not-an-id`)).status, 404);
    assert.equal(
      (await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/0190a0a0-0000-7000-8000-000000000000`))
        .status,
      404,
    );
  });

  const invalid: [string, object, string][] = [
    ['no feature', { features: [] }, 'features'],
    ['an unknown feature', { features: ['ldap'] }, 'features.0'],
    ['a feature twice', { features: ['sso', 'sso'] }, 'features'],
    ['no features at all', {}, 'features'],
    ['zero hours', { features: ['sso'], expiresInHours: 0 }, 'expiresInHours'],
    ['more than 30 days', { features: ['sso'], expiresInHours: 721 }, 'expiresInHours'],
    ['part of an hour', { features: ['sso'], expiresInHours: 1.5 }, 'expiresInHours'],
    ['an unknown field', { features: ['sso'], url: 'https://x.test' }, 'url'],
  ];
  for (const [name, body, path] of invalid)
    it(`refuses ${name} (400, at ${path})`, async () => {
      const t = await testApp();
      const org = await makeOrg(t);
      const res = await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(
        (res.body.error.details as { path?: string }[]).some((d) => d.path === path),
        JSON.stringify(res.body.error.details),
      );
      const list = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links`);
      assert.equal(list.body.data.length, 0, 'nothing was made');
    });

  it("takes an org's own key, refuses another org's, and audits creation and revocation", async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const key = await makeApiKey(t, org.id);
    const otherKey = await makeApiKey(t, other.id);

    const refused = await t
      .as(otherKey.key)
      .post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['sso'] });
    assert.equal(refused.status, 403);
    const created = await t.as(key.key).post(`/api/v1/orgs/${org.slug}/setup-links`, { features: ['sso'] });
    assert.equal(created.status, 201);
    const link = created.body as SetupLinkBody;
    assert.deepEqual(link.createdBy, { type: 'api_key', id: key.id });
    for (const [method, path] of [
      ['get', `/api/v1/orgs/${org.id}/setup-links`],
      ['get', `/api/v1/orgs/${org.id}/setup-links/${link.id}`],
      ['delete', `/api/v1/orgs/${org.id}/setup-links/${link.id}`],
    ] as const) {
      const res = await t.as(otherKey.key)[method](path);
      assert.equal(res.status, 403, `${method} ${path}`);
    }
    assert.equal((await t.as(key.key).delete(`/api/v1/orgs/${org.id}/setup-links/${link.id}`)).status, 200);

    const [createdEvent] = await auditOf(t, org.id, 'setup_link.created', link.id);
    assert.deepEqual(createdEvent?.actor, { type: 'api_key', id: key.id });
    assert.equal(createdEvent?.target.type, 'setup_link');
    assert.deepEqual(createdEvent?.after?.features, ['sso']);
    assert.ok(!JSON.stringify(createdEvent).includes(tokenOf(link.url ?? '')), 'no token in the audit log');
    const [revokedEvent] = await auditOf(t, org.id, 'setup_link.revoked', link.id);
    assert.equal(revokedEvent?.before?.status, 'active');
    assert.equal(revokedEvent?.after?.status, 'revoked');
    assert.equal((await auditOf(t, other.id, 'setup_link.created')).length, 0);
  });

  it('every statement the setup link operations make can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = await appOn(database);
    const org = await makeOrg(t);
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/setup-links`, { features: ['sso', 'scim'] });
    const id = created.body.id as string;
    const token = tokenOf(created.body.url as string);
    for (const step of [
      t.admin.get(`/api/v1/orgs/${org.id}/setup-links?limit=1`),
      t.admin.get(`/api/v1/orgs/${org.id}/setup-links/${id}`),
      t.http.get(`/setup/${token}`),
    ])
      assert.ok((await step).status < 300);
    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/setup-links/${id}`)).status, 200);
    assert.ok([...seen.keys()].some((text) => text.includes('setup_links')));
    assert.deepEqual(await withoutIndex(), []);
  });
});
