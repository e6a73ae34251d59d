import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { flagConnectionHealth } from '../../src/domain/sources/index.ts';
import { generateCertifiedKeyPair } from '../../src/infra/crypto/index.ts';
import { appOn, type TestApp, testApp } from '../support/app.ts';
import { isoPattern } from '../support/assertions.ts';
import { type ConnectionBody, freshDomain } from '../support/connections.ts';
import { makeOrg } from '../support/factories.ts';
import { plannedDatabase } from '../support/query-plans.ts';
import { samlWorld } from '../support/saml-fixtures.ts';
import { buildResponse, providerAttributes, toFormValue } from '../support/saml-idp.ts';
import { makeDirectory, scimClient, user } from '../support/scim.ts';

const day = 86_400_000;

interface Health {
  lastSignInAt: string | null;
  certificates: {
    kind: string;
    fingerprint: string;
    notAfter: string;
    daysLeft: number;
    expiring: boolean;
    expired: boolean;
  }[];
}

type Connection = ConnectionBody & Health;

async function certificate(validForDays: number): Promise<string> {
  return (await generateCertifiedKeyPair({ commonName: 'idp.example.com', validForDays })).certificate;
}

async function samlConnection(t: TestApp, orgId: string, domain: string): Promise<Connection> {
  const w = await samlWorld();
  const res = await t.admin.post(`/api/v1/orgs/${orgId}/connections`, {
    protocol: 'saml',
    provider: 'okta',
    domains: [domain],
    saml: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, certificates: [w.idp.keys.certificate] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as Connection;
}

/** One SP-initiated SAML sign-in through the app: /sso/login, the test IdP's answer, the ACS. */
async function signInThroughSaml(t: TestApp, connection: Connection, email: string): Promise<void> {
  const w = await samlWorld();
  const started = await t.http.get(`/sso/login?connection=${connection.id}`);
  assert.equal(started.status, 302, started.text);
  const request = new URL(started.headers.location as string).searchParams.get('SAMLRequest') ?? '';
  const requestId = /\bID="([^"]+)"/.exec(inflateRawSync(Buffer.from(request, 'base64')).toString())?.[1];
  assert.ok(requestId);
  const cookie = ((started.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const xml = await buildResponse(w.idp, {
    acsUrl: connection.acsUrl ?? '',
    audience: connection.spEntityId ?? '',
    now: new Date(),
    inResponseTo: requestId,
    nameId: email,
    attributes: providerAttributes('okta', {
      email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
      groups: [],
    }),
  });
  const res = await t.http
    .post(`/sso/saml/${connection.id}/acs`)
    .type('form')
    .set('Cookie', cookie)
    .send(new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString());
  assert.equal(res.status, 303, res.text);
}

describe('connection health in the admin API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  it('lastSignInAt: null until someone signs in, then the time of the newest sign-in, in the list too', async () => {
    const org = await makeOrg(t);
    const domain = `${org.slug}.health.test`;
    const connection = await samlConnection(t, org.id, domain);
    const other = await samlConnection(t, org.id, `${org.slug}.other.test`);
    assert.equal(connection.lastSignInAt, null);
    const path = `/api/v1/orgs/${org.id}/connections/${connection.id}`;
    assert.equal((await t.admin.get(path)).body.lastSignInAt, null);

    const before = Date.now();
    await signInThroughSaml(t, connection, `ada@${domain}`);
    const first = (await t.admin.get(path)).body as Connection;
    assert.match(first.lastSignInAt ?? '', isoPattern);
    const firstAt = Date.parse(first.lastSignInAt ?? '');
    assert.ok(firstAt >= before - 1000 && firstAt <= Date.now() + 1000, first.lastSignInAt ?? '');

    await new Promise((resolve) => setTimeout(resolve, 20));
    await signInThroughSaml(t, connection, `grace@${domain}`);
    const second = (await t.admin.get(path)).body as Connection;
    assert.ok(Date.parse(second.lastSignInAt ?? '') > firstAt, 'the newest sign-in counts');

    const list = await t.admin.get(`/api/v1/orgs/${org.id}/connections`);
    assert.equal(list.status, 200);
    const byId = new Map((list.body.data as Connection[]).map((c) => [c.id, c]));
    assert.equal(byId.get(connection.id)?.lastSignInAt, second.lastSignInAt);
    assert.equal(byId.get(other.id)?.lastSignInAt, null, "another connection's sign-ins are not its own");

    const patched = await t.admin.patch(path, { jit: false });
    assert.equal(patched.body.lastSignInAt, second.lastSignInAt);
  });

  it('certificates: every certificate with its end, days left, and whether it ends within 30 days or has ended', async () => {
    const org = await makeOrg(t);
    const [soon, later] = [await certificate(10), await certificate(200)];
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [freshDomain()],
      saml: {
        entityId: 'https://idp.example.com',
        ssoUrl: 'https://idp.example.com/sso',
        certificates: [soon, later],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body as Connection;
    assert.equal(c.certificates.length, 2);
    const [first, second] = c.certificates;
    assert.ok(first && second);
    assert.deepEqual(
      c.certificates.map((x) => x.fingerprint),
      c.saml?.certificates.map((x) => x.fingerprint),
    );
    assert.deepEqual([first.kind, first.expiring, first.expired], ['idp_signing', true, false]);
    assert.ok(first.daysLeft === 9 || first.daysLeft === 10, String(first.daysLeft));
    assert.deepEqual([second.expiring, second.expired], [false, false]);
    assert.ok(second.daysLeft >= 199 && second.daysLeft <= 200, String(second.daysLeft));
    assert.match(first.notAfter, isoPattern);
    assert.ok(Math.abs(Date.parse(first.notAfter) - (Date.now() + 10 * day)) < 2 * day);

    const oidc = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'oidc',
      provider: 'okta',
      domains: [freshDomain()],
      oidc: {
        issuer: 'https://acme.okta.com',
        clientId: 'muster',
        clientSecret: 'a-client-secret-of-enough-length',
      },
    });
    assert.equal(oidc.status, 201, JSON.stringify(oidc.body));
    const client = (oidc.body as Connection).certificates;
    assert.equal(client.length, 1);
    assert.equal(client[0]?.kind, 'client');
    assert.equal(client[0]?.expired, false);
  });

  it('an ended certificate is expired (not expiring), with negative days left', async () => {
    const org = await makeOrg(t);
    const ended = (
      await generateCertifiedKeyPair({
        commonName: 'old.example.com',
        validForDays: 10,
        now: new Date(Date.now() - 15 * day),
      })
    ).certificate;
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'generic',
      domains: [freshDomain()],
      saml: {
        entityId: 'https://idp.example.com',
        ssoUrl: 'https://idp.example.com/sso',
        certificates: [ended, await certificate(365)],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const read = await t.admin.get(`/api/v1/orgs/${org.id}/connections/${(res.body as Connection).id}`);
    const [old, current] = (read.body as Connection).certificates;
    assert.ok(old && current);
    assert.deepEqual([old.expired, old.expiring], [true, false]);
    assert.ok(old.daysLeft === -5 || old.daysLeft === -6, String(old.daysLeft));
    assert.deepEqual([current.expired, current.expiring], [false, false]);
  });

  it('health: the documented flags, other keys as they are, and a flag of another shape left out', async () => {
    const org = await makeOrg(t);
    const c = await samlConnection(t, org.id, freshDomain());
    const path = `/api/v1/orgs/${org.id}/connections/${c.id}`;
    assert.deepEqual((await t.admin.get(path)).body.health, {});
    await flagConnectionHealth(t.database.db, org.id, c.id, {
      groupsTruncated: { at: '2030-01-01T00:00:00.000Z', loginId: 'l-1', userId: 'u-1' },
      idpUnavailable: { at: '2030-01-02T00:00:00.000Z', message: 'discovery answered 503' },
      certificatesExpiring: {
        'AA:BB': {
          kind: 'idp_signing',
          notAfter: '2030-02-01T00:00:00.000Z',
          warnedAt: '2030-01-02T00:00:00.000Z',
        },
      },
      somethingNew: { count: 2 },
    });
    const health = (await t.admin.get(path)).body.health;
    assert.deepEqual(health, {
      groupsTruncated: { at: '2030-01-01T00:00:00.000Z', loginId: 'l-1', userId: 'u-1' },
      idpUnavailable: { at: '2030-01-02T00:00:00.000Z', message: 'discovery answered 503' },
      certificatesExpiring: {
        'AA:BB': {
          kind: 'idp_signing',
          notAfter: '2030-02-01T00:00:00.000Z',
          warnedAt: '2030-01-02T00:00:00.000Z',
        },
      },
      somethingNew: { count: 2 },
    });
    await flagConnectionHealth(t.database.db, org.id, c.id, { idpUnavailable: true });
    const read = await t.admin.get(path);
    assert.equal(read.status, 200, 'a flag stored in an older shape does not fail the read');
    assert.equal(read.body.health.idpUnavailable, undefined);
    assert.equal(read.body.health.groupsTruncated.at, '2030-01-01T00:00:00.000Z');
  });
});

describe('directory activity in the admin API', () => {
  it("lastRequestAt: null until the IdP sends a request, then the newest logged request's time", async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id, 'okta');
    const quiet = await makeDirectory(t, org.id, 'entra');
    assert.equal((dir as unknown as { lastRequestAt: unknown }).lastRequestAt, null);
    const path = `/api/v1/orgs/${org.id}/directories/${dir.id}`;
    assert.equal((await t.admin.get(path)).body.lastRequestAt, null);

    const before = Date.now();
    const scim = scimClient(t, dir.id, dir.token);
    assert.equal((await scim.post('/Users', user(`ada@${org.slug}.test`))).status, 201);
    // Read at once: the log is written in batches, and the read flushes it first.
    const read = await t.admin.get(path);
    assert.equal(read.status, 200);
    assert.match(read.body.lastRequestAt ?? '', isoPattern);
    const at = Date.parse(read.body.lastRequestAt);
    assert.ok(at >= before - 1000 && at <= Date.now() + 1000, read.body.lastRequestAt);

    // A refused request is a request too: the log holds it, and it is the newest.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal((await scim.get('/Users/not-a-user')).status, 404);
    const later = await t.admin.get(path);
    assert.ok(Date.parse(later.body.lastRequestAt) > at);
    const log = await t.admin.get(`${path}/requests?limit=1`);
    assert.equal(log.body.data[0].createdAt, later.body.lastRequestAt);

    const list = await t.admin.get(`/api/v1/orgs/${org.id}/directories`);
    const byId = new Map(
      (list.body.data as { id: string; lastRequestAt: string | null }[]).map((d) => [d.id, d]),
    );
    assert.equal(byId.get(dir.id)?.lastRequestAt, later.body.lastRequestAt);
    assert.equal(byId.get(quiet.id)?.lastRequestAt, null);

    const tokens = await t.admin.get(`${path}/tokens`);
    assert.match(tokens.body.data[0].lastUsedAt ?? '', isoPattern, "the token's last use is shown too");

    const renamed = await t.admin.patch(path, { name: 'Renamed' });
    assert.equal(renamed.body.lastRequestAt, later.body.lastRequestAt);
  });
});

describe('query plans of connection and directory health', () => {
  it('the last sign-in and last request reads can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = await appOn(database);
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Health plans' })).body as {
      id: string;
      slug: string;
    };
    const domain = `${org.slug}.plans.test`;
    const connection = await samlConnection(t, org.id, domain);
    await signInThroughSaml(t, connection, `ada@${domain}`);
    const dir = await makeDirectory(t, org.id);
    await scimClient(t, dir.id, dir.token).get('/Users');
    seen.clear();
    for (const path of [
      `/api/v1/orgs/${org.id}/connections`,
      `/api/v1/orgs/${org.id}/connections/${connection.id}`,
      `/api/v1/orgs/${org.id}/directories`,
      `/api/v1/orgs/${org.id}/directories/${dir.id}`,
    ]) {
      const res = await t.admin.get(path);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const statements = [...seen.keys()];
    assert.ok(
      statements.some((s) => s.includes('from sso_identities i')),
      'the last sign-in was read',
    );
    assert.ok(
      statements.some((s) => s.includes('from scim_requests r')),
      'the last request was read',
    );
    assert.deepEqual(
      (await withoutIndex()).filter((s) => /sso_identities|scim_requests/.test(s)),
      [],
    );
    // The last sign-in is one probe of its own index, not a walk over every identity of the connection.
    const lastSignIn = statements.find((s) => s.includes('from sso_identities i')) ?? '';
    const plan = await database.withSession(async (session) => {
      await session.exec('set enable_seqscan = off');
      const { rows } = await session.query(`explain (format json) ${lastSignIn}`, seen.get(lastSignIn) ?? []);
      await session.exec('reset enable_seqscan');
      return JSON.stringify(rows);
    });
    assert.match(plan, /sso_identities_last_login_idx/);
  });
});
