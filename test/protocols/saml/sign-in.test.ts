import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { sql } from 'kysely';
import type supertest from 'supertest';
import type { SamlKeyPair } from '../../../src/protocols/saml/index.ts';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { addAssertionOf, transform, xsw } from '../../support/saml-attacks.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import {
  buildResponse,
  providerAttributes,
  type ResponseOptions,
  samlId,
  toFormValue,
} from '../../support/saml-idp.ts';
import { makeDirectory, patchOp, scimClient, user } from '../../support/scim.ts';

/**
 * SAML sign-in end to end through the real app: /sso/login, the IdP (the
 * in-process test IdP signing with xml-crypto), the ACS, the session. Each
 * attack ends in a 4xx page, no session, no user, and an audit event with
 * its reason.
 */

interface Connection {
  id: string;
  acsUrl: string;
  spEntityId: string;
}

async function connect(
  t: TestApp,
  orgId: string,
  domain: string,
  body: Record<string, unknown> = {},
): Promise<Connection> {
  const w = await samlWorld();
  const res = await t.admin.post(`/api/v1/orgs/${orgId}/connections`, {
    protocol: 'saml',
    provider: 'okta',
    domains: [domain],
    saml: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, certificates: [w.idp.keys.certificate] },
    ...body,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as Connection;
}

const cookieHeader = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');

const hasSession = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) =>
    c.startsWith('muster_session='),
  );

/** GET /sso/login: the AuthnRequest's id, and the browser's login cookie. */
async function begin(t: TestApp, query: string) {
  const res = await t.http.get(`/sso/login?${query}`);
  assert.equal(res.status, 302, res.text);
  const location = new URL(res.headers.location as string);
  const xml = inflateRawSync(
    Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64'),
  ).toString();
  const requestId = /\bID="([^"]+)"/.exec(xml)?.[1];
  assert.ok(requestId, xml);
  return { requestId, cookie: cookieHeader(res), location };
}

function person(domain: string, local = 'ada') {
  return {
    email: `${local}@${domain}`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    displayName: 'Ada Lovelace',
    groups: ['Eng'],
  };
}

async function respond(
  connection: Connection,
  domain: string,
  inResponseTo: string | null,
  overrides: Partial<ResponseOptions> = {},
  local = 'ada',
) {
  const w = await samlWorld();
  const p = person(domain, local);
  return buildResponse(w.idp, {
    acsUrl: connection.acsUrl,
    audience: connection.spEntityId,
    now: new Date(),
    inResponseTo,
    nameId: p.email,
    attributes: providerAttributes('okta', p),
    ...overrides,
  });
}

function post(t: TestApp, connection: Connection, xml: string, cookie = '', relayState?: string) {
  const form = new URLSearchParams({ SAMLResponse: toFormValue(xml) });
  if (relayState) form.set('RelayState', relayState);
  const req = t.http.post(`/sso/saml/${connection.id}/acs`).type('form').send(form.toString());
  return cookie ? req.set('Cookie', cookie) : req;
}

async function setup(body: Record<string, unknown> = {}) {
  const t = await testApp();
  const org = await makeOrg(t);
  // Slugs are random: each test's org has a domain of its own.
  const domain = `${org.slug}.x.test`;
  const connection = await connect(t, org.id, domain, body);
  return { t, org, connection, domain };
}

async function assertRefused(
  t: TestApp,
  orgId: string,
  res: supertest.Response,
  reason: string,
  status = 401,
) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers['content-type'] ?? '', /text\/html/);
  assert.ok(!hasSession(res), 'no session');
  assert.doesNotMatch(res.text, /\bat \S+ \(|node_modules/);
  const members = await t.admin.get(`/api/v1/orgs/${orgId}/members`);
  assert.equal(members.body.data.length, 0, 'no user');
  const refused = await auditOf(t, orgId, 'sso.sign_in_refused');
  assert.equal(refused[0]?.after?.reason, reason, JSON.stringify(refused[0]));
}

describe('SAML sign-in through the app', () => {
  it('SP-initiated: login, IdP, ACS, session; returnTo followed; /api/v1/me knows the person', async () => {
    const { t, org, connection, domain } = await setup();
    const started = await begin(t, `email=ada@${domain}&returnTo=${encodeURIComponent('/dashboard?tab=1')}`);
    assert.equal(`${started.location.origin}${started.location.pathname}`, (await samlWorld()).idp.ssoUrl);
    const res = await post(
      t,
      connection,
      await respond(connection, domain, started.requestId),
      started.cookie,
    );
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, 'https://muster.test/dashboard?tab=1');
    assert.ok(hasSession(res));
    const me = await t.http.get('/api/v1/me').set('Cookie', cookieHeader(res));
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user.email, `ada@${domain}`);
    assert.equal(me.body.org.id, org.id);
    const created = await auditOf(t, org.id, 'sso.user_created');
    assert.equal(created.length, 1);
  });

  it('a returnTo off the allow-list is dropped: the person lands on the default page', async () => {
    const { t, connection, domain } = await setup();
    const started = await begin(
      t,
      `email=ada@${domain}&returnTo=${encodeURIComponent('https://evil.example/x')}`,
    );
    const res = await post(
      t,
      connection,
      await respond(connection, domain, started.requestId),
      started.cookie,
    );
    assert.equal(res.status, 303, res.text);
    assert.doesNotMatch(res.headers.location ?? '', /evil/);
  });

  it('home realm discovery by org and by connection; an unknown domain is a 404 page', async () => {
    const { t, org, connection, domain } = await setup();
    for (const query of [`org=${org.slug}`, `connection=${connection.id}`]) {
      const res = await t.http.get(`/sso/login?${query}`);
      assert.equal(res.status, 302, `${query}: ${res.text}`);
    }
    const unknown = await t.http.get('/sso/login?email=ada@unknown.example');
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /unknown\.example/);
    const none = await t.http.get('/sso/login');
    assert.equal(none.status, 400);
    assert.ok(domain);
  });

  it('a request id is single use and bound to its connection', async () => {
    const { t, org, connection, domain } = await setup();
    const started = await begin(t, `email=ada@${domain}`);
    const xml = await respond(connection, domain, started.requestId);
    assert.equal((await post(t, connection, xml, started.cookie)).status, 303);
    const again = await respond(connection, domain, started.requestId, { assertionId: samlId() });
    const replayed = await post(t, connection, again, started.cookie);
    assert.equal(replayed.status, 401, replayed.text);
    const refused = await auditOf(t, org.id, 'sso.sign_in_refused');
    assert.equal(refused[0]?.after?.reason, 'saml_unknown_request');
  });

  it('the same response twice is a replay', async () => {
    const { t, org, connection, domain } = await setup({ allowIdpInitiated: true });
    const xml = await respond(connection, domain, null);
    assert.equal((await post(t, connection, xml)).status, 303);
    const replayed = await post(t, connection, xml);
    assert.equal(replayed.status, 401, replayed.text);
    assert.equal((await auditOf(t, org.id, 'sso.sign_in_refused'))[0]?.after?.reason, 'saml_replayed');
  });

  it('a sign-in answered in another browser is refused (login CSRF)', async () => {
    const { t, org, connection, domain } = await setup();
    const started = await begin(t, `email=ada@${domain}`);
    const res = await post(t, connection, await respond(connection, domain, started.requestId), '');
    await assertRefused(t, org.id, res, 'saml_browser_mismatch');
  });

  it('IdP-initiated: refused by default; allowed, its RelayState is followed only on the allow-list', async () => {
    const closed = await setup();
    const refused = await post(
      closed.t,
      closed.connection,
      await respond(closed.connection, closed.domain, null),
    );
    await assertRefused(closed.t, closed.org.id, refused, 'saml_unsolicited');

    const open = await setup({ allowIdpInitiated: true });
    const evil = await post(
      open.t,
      open.connection,
      await respond(open.connection, open.domain, null),
      '',
      'https://evil.example/',
    );
    assert.equal(evil.status, 303, evil.text);
    assert.doesNotMatch(evil.headers.location ?? '', /evil/);
    const home = await post(
      open.t,
      open.connection,
      await respond(open.connection, open.domain, null, {}, 'grace'),
      '',
      '/home',
    );
    assert.equal(home.headers.location, 'https://muster.test/home');
  });

  it("another org's IdP, even with the same certificate, cannot sign people in here", async () => {
    const { t, org, connection, domain } = await setup();
    const started = await begin(t, `email=ada@${domain}`);
    const xml = await respond(connection, domain, started.requestId, {
      issuer: 'https://other-org.idp.test',
    });
    await assertRefused(t, org.id, await post(t, connection, xml, started.cookie), 'saml_issuer_mismatch');
  });

  it('an email outside the connection domains, even by comment injection, signs no one in', async () => {
    const { t, org, connection, domain } = await setup();
    const started = await begin(t, `email=ada@${domain}`);
    // The IdP signs ada@<domain>.evil.example; a comment inserted after the domain leaves the signature valid.
    const evil = `ada@${domain}.evil.example`;
    const signed = await respond(connection, domain, started.requestId, {
      nameId: evil,
      attributes: { email: [evil], firstName: ['Ada'], lastName: ['Lovelace'] },
    });
    const xml = signed.replaceAll(evil, `ada@${domain}<!---->.evil.example`);
    await assertRefused(
      t,
      org.id,
      await post(t, connection, xml, started.cookie),
      'saml_email_outside_domains',
      403,
    );
  });

  const attacks: {
    name: string;
    reason: string;
    status?: number;
    make: (xml: string, keys: SamlKeyPair) => string;
  }[] = [
    { name: 'XSW1', reason: 'saml_wrapped_assertion', make: (xml) => xsw('XSW1', xml) },
    {
      name: 'XSW3: a second, unsigned assertion',
      reason: 'saml_multiple_assertions',
      make: (xml) => xsw('XSW3', xml),
    },
    {
      name: 'a DOCTYPE with entities',
      reason: 'saml_doctype_refused',
      status: 400,
      make: (xml) => `<!DOCTYPE r [<!ENTITY e "x">]>${xml.replace(/^<\?xml[^>]*>/, '')}`,
    },
    {
      name: 'a tampered NameID',
      reason: 'saml_bad_signature',
      make: (xml) => xml.replace(/(<saml:NameID[^>]*>)ada@/, '$1root@'),
    },
    {
      name: 'a signed assertion copied beside itself',
      reason: 'saml_wrapped_assertion',
      make: (xml) => addAssertionOf(xml, xml),
    },
    {
      name: 'the signature removed',
      reason: 'saml_unsigned',
      make: (xml) =>
        transform(xml, (doc) => {
          for (const sig of [
            ...Array.from(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')),
          ])
            sig.parentNode?.removeChild(sig);
        }),
    },
  ];
  const forgedByTheIdP: {
    name: string;
    reason: string;
    status?: number;
    options: (w: Awaited<ReturnType<typeof samlWorld>>) => Partial<ResponseOptions>;
  }[] = [
    {
      name: 'a response signed by a key the connection does not trust',
      reason: 'saml_bad_signature',
      options: (w) => ({ signingKey: w.strangerKeys }),
    },
    {
      name: 'an expired assertion',
      reason: 'saml_expired',
      options: () => ({ now: new Date(Date.now() - 3_600_000) }),
    },
    {
      name: 'an assertion for another audience',
      reason: 'saml_audience_mismatch',
      options: () => ({ audience: 'https://other-sp.example/saml' }),
    },
    {
      name: 'a response for another ACS',
      reason: 'saml_destination_mismatch',
      options: () => ({ destination: 'https://other-sp.example/acs' }),
    },
    {
      name: 'a bearer confirmation for another ACS',
      reason: 'saml_recipient_mismatch',
      options: () => ({ recipient: 'https://other-sp.example/acs' }),
    },
    { name: 'a SHA-1 signature', reason: 'saml_sha1_refused', options: () => ({ sha1: true }) },
  ];
  for (const attack of forgedByTheIdP) {
    it(`refuses ${attack.name}`, async () => {
      const { t, org, connection, domain } = await setup();
      const started = await begin(t, `email=ada@${domain}`);
      const xml = await respond(connection, domain, started.requestId, attack.options(await samlWorld()));
      await assertRefused(
        t,
        org.id,
        await post(t, connection, xml, started.cookie),
        attack.reason,
        attack.status ?? 401,
      );
    });
  }

  for (const attack of attacks) {
    it(`refuses ${attack.name}`, async () => {
      const { t, org, connection, domain } = await setup();
      const started = await begin(t, `email=ada@${domain}`);
      const xml = await respond(connection, domain, started.requestId);
      const res = await post(
        t,
        connection,
        attack.make(xml, (await samlWorld()).strangerKeys),
        started.cookie,
      );
      await assertRefused(t, org.id, res, attack.reason, attack.status ?? 401);
    });
  }

  it('a body over the cap is 413 before any XML work', async () => {
    const { t, connection } = await setup();
    const res = await t.http
      .post(`/sso/saml/${connection.id}/acs`)
      .type('form')
      .send(`SAMLResponse=${'A'.repeat(600 * 1024)}`);
    assert.equal(res.status, 413, res.text);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
  });

  it('a user a SCIM directory suspended cannot sign in', async () => {
    const { t, org, connection, domain } = await setup();
    // On a verified domain, so that the sign-in could link to the account if it were active.
    await sql`update connection_domains set verified_at = now() where domain = ${domain}`.execute(
      t.database.db,
    );
    const dir = await makeDirectory(t, org.id, 'okta');
    const scim = scimClient(t, dir.id, dir.token);
    const pushed = await scim.post('/Users', user(`ada@${domain}`));
    await scim.patch(`/Users/${pushed.body.id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    const started = await begin(t, `email=ada@${domain}`);
    const res = await post(
      t,
      connection,
      await respond(connection, domain, started.requestId),
      started.cookie,
    );
    assert.equal(res.status, 403, res.text);
    assert.ok(!hasSession(res));
    assert.equal((await auditOf(t, org.id, 'sso.sign_in_refused'))[0]?.after?.reason, 'user_suspended');
  });
});

describe('SAML sign-in with groups the IdP cut short', () => {
  it("an Entra groups.link claim flags the connection's health and tells the admins", async () => {
    const { t, org, connection, domain } = await setup({ provider: 'entra' });
    const started = await begin(t, `email=ada@${domain}`);
    const p = person(domain);
    const xml = await respond(connection, domain, started.requestId, {
      attributes: {
        ...providerAttributes('entra', { ...p, groups: [] }),
        'http://schemas.microsoft.com/claims/groups.link': [
          'https://graph.windows.net/tenant/users/1/getMemberObjects',
        ],
      },
    });
    const res = await post(t, connection, xml, started.cookie);
    assert.equal(res.status, 303, res.text);
    const health = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${connection.id}`)).body.health;
    assert.ok(health.groupsTruncated?.loginId, JSON.stringify(health));
    assert.equal((await auditOf(t, org.id, 'sso.groups_truncated')).length, 1);
  });
});
