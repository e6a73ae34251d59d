import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import express from 'express';
import supertest from 'supertest';
import { keptTestSignIns, latestTestSignIns, recordTestSignIn } from '../../../src/domain/signin/index.ts';
import { MusterError } from '../../../src/errors.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { createDnsResolver } from '../../../src/infra/dns/index.ts';
import { signInFlows, startTestSignIn } from '../../../src/protocols/sso/index.ts';
import { appOn, publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { startTestOp, type TestOp } from '../../support/oidc-op.ts';
import { plannedDatabase } from '../../support/query-plans.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import { buildResponse, samlId, toFormValue } from '../../support/saml-idp.ts';

/**
 * A test sign-in: the real round trip to the IdP (signed AuthnRequest, or
 * the authorization code flow against a real OpenID Provider), the answer
 * checked as any sign-in's, then recorded for the one who started it, with
 * no user, link or session made, and the browser sent back to a page of
 * Muster's own whether the answer passed or not.
 */

const back = '/setup/a-link/test';

/** What starts a test in the product (the setup portal), reduced to the call: a GET that starts one. */
function starter(t: TestApp) {
  const flows = signInFlows({
    db: t.database.db,
    publicUrl,
    secretBox: new SecretBox(developmentMasterKey),
    keys: t.signingKeys,
    network: { dns: createDnsResolver(), allowInsecureLoopback: true },
  });
  const app = express();
  app.get('/start', async (req, res) => {
    const query = { ...req.query } as Record<string, string>;
    try {
      await startTestSignIn(flows, res, query.connection ?? '', query.returnTo ?? '');
    } catch (error) {
      if (!(error instanceof MusterError)) throw error;
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
    }
  });
  return (connectionId: string, returnTo = back) =>
    supertest(app).get('/start').query({ connection: connectionId, returnTo });
}

const cookiesOf = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');

const setsSession = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) =>
    /^muster_session=[^;]/.test(c),
  );

async function nobodyProvisioned(t: TestApp, orgId: string) {
  const members = await t.admin.get(`/api/v1/orgs/${orgId}/members`);
  assert.equal(members.status, 200);
  assert.equal(members.body.data.length, 0, 'no user');
  const identities = await t.database.db
    .selectFrom('sso_identities')
    .select('user_id')
    .where('org_id', '=', orgId)
    .execute();
  assert.equal(identities.length, 0, 'no identity linked');
  for (const table of ['users', 'memberships', 'role_grants'] as const) {
    const rows = await t.database.db.selectFrom(table).select('org_id').where('org_id', '=', orgId).execute();
    assert.equal(rows.length, 0, `nothing in ${table}`);
  }
  const sessions = await t.database.db
    .selectFrom('sessions')
    .select('id')
    .where('org_id', '=', orgId)
    .execute();
  assert.equal(sessions.length, 0, 'no session');
  assert.equal((await auditOf(t, orgId, 'sso.user_created')).length, 0);
}

describe('SAML test sign-in', () => {
  let t: TestApp;
  let start: ReturnType<typeof starter>;
  before(async () => {
    t = await testApp();
    start = starter(t);
  });

  /** An org with a SAML connection whose domain is not verified and whose JIT is off. */
  async function setup() {
    const w = await samlWorld();
    const org = await makeOrg(t);
    const domain = `${org.slug}.x.test`;
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [domain],
      jit: false,
      saml: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, certificates: [w.idp.keys.certificate] },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.domains[0].verified, false);
    return { w, org, domain, connection: res.body as { id: string; acsUrl: string; spEntityId: string } };
  }

  /** Starts a test: the AuthnRequest's id, as the IdP reads it, and the browser's cookies. */
  async function begin(connectionId: string) {
    const res = await start(connectionId);
    assert.equal(res.status, 302, res.text);
    const location = new URL(res.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, (await samlWorld()).idp.ssoUrl);
    const xml = inflateRawSync(
      Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString();
    const requestId = /\bID="([^"]+)"/.exec(xml)?.[1];
    assert.ok(requestId, xml);
    assert.ok(location.searchParams.get('Signature'), 'the AuthnRequest is signed');
    return { requestId, cookie: cookiesOf(res) };
  }

  async function answer(s: Awaited<ReturnType<typeof setup>>, inResponseTo: string) {
    return buildResponse(s.w.idp, {
      acsUrl: s.connection.acsUrl,
      audience: s.connection.spEntityId,
      now: new Date(),
      inResponseTo,
      nameId: `00u-ada-${s.org.slug}`,
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      attributes: {
        email: [`Ada@${s.domain}`],
        firstName: ['Ada'],
        lastName: ['Lovelace'],
        department: ['Engines'],
        groups: ['Engineering', 'Everyone'],
      },
    });
  }

  const post = (connectionId: string, xml: string, cookie: string) =>
    t.http
      .post(`/sso/saml/${connectionId}/acs`)
      .type('form')
      .set('Cookie', cookie)
      .send(new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString());

  it('records the subject, email, every attribute and the groups; no user, no link, no session', async () => {
    const s = await setup();
    const started = await begin(s.connection.id);
    const res = await post(s.connection.id, await answer(s, started.requestId), started.cookie);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, `${publicUrl}${back}`);
    assert.ok(!setsSession(res), 'no session cookie');
    const [test, ...older] = await latestTestSignIns(t.database.db, s.org.id, s.connection.id);
    assert.equal(older.length, 0);
    assert.ok(test);
    assert.equal(test.outcome, 'succeeded');
    assert.equal(test.subject, `00u-ada-${s.org.slug}`);
    assert.equal(test.email, `ada@${s.domain}`);
    assert.deepEqual(test.attributes, {
      email: [`Ada@${s.domain}`],
      firstName: ['Ada'],
      lastName: ['Lovelace'],
      department: ['Engines'],
      groups: ['Engineering', 'Everyone'],
    });
    assert.deepEqual(test.groups, ['Engineering', 'Everyone']);
    assert.equal(test.groupsTruncated, false);
    assert.equal(test.error, null);
    await nobodyProvisioned(t, s.org.id);
  });

  it('a tampered response is recorded as failed with the reason, and the browser comes back', async () => {
    const s = await setup();
    const started = await begin(s.connection.id);
    const signed = await answer(s, started.requestId);
    const tampered = signed.replace(/<saml:AttributeValue>Everyone</, '<saml:AttributeValue>Admins<');
    assert.notEqual(tampered, signed);
    const res = await post(s.connection.id, tampered, started.cookie);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, `${publicUrl}${back}`);
    assert.ok(!setsSession(res));
    const [test] = await latestTestSignIns(t.database.db, s.org.id, s.connection.id);
    assert.equal(test?.outcome, 'failed');
    assert.match(test?.error ?? '', /signature/i);
    assert.equal(test?.subject, null);
    assert.deepEqual(test?.groups, []);
    assert.equal((await auditOf(t, s.org.id, 'sso.sign_in_refused'))[0]?.after?.reason, 'saml_bad_signature');
    await nobodyProvisioned(t, s.org.id);
    // The test ended with its failure: the untampered answer comes too late.
    const late = await post(s.connection.id, signed, started.cookie);
    assert.equal(late.status, 401, late.text);
    assert.equal((await latestTestSignIns(t.database.db, s.org.id, s.connection.id)).length, 1);
  });

  it('an answer for another audience fails the test as it would fail a sign-in', async () => {
    const s = await setup();
    const started = await begin(s.connection.id);
    const xml = await buildResponse(s.w.idp, {
      acsUrl: s.connection.acsUrl,
      audience: 'https://other-sp.example/saml',
      now: new Date(),
      inResponseTo: started.requestId,
      attributes: { email: [`ada@${s.domain}`] },
    });
    const res = await post(s.connection.id, xml, started.cookie);
    assert.equal(res.status, 303, res.text);
    const [test] = await latestTestSignIns(t.database.db, s.org.id, s.connection.id);
    assert.equal(test?.outcome, 'failed');
    assert.match(test?.error ?? '', /other-sp\.example.*not this SP/);
  });

  it('the same response posted again is refused as a replay, and recorded once', async () => {
    const s = await setup();
    const started = await begin(s.connection.id);
    const xml = await answer(s, started.requestId);
    assert.equal((await post(s.connection.id, xml, started.cookie)).status, 303);
    const replayed = await post(s.connection.id, xml, started.cookie);
    assert.equal(replayed.status, 401, replayed.text);
    assert.match(replayed.headers['content-type'] ?? '', /text\/html/);
    assert.ok(!setsSession(replayed));
    assert.equal((await auditOf(t, s.org.id, 'sso.sign_in_refused'))[0]?.after?.reason, 'saml_replayed');
    const tests = await latestTestSignIns(t.database.db, s.org.id, s.connection.id);
    assert.deepEqual(
      tests.map((x) => x.outcome),
      ['succeeded'],
    );
  });

  it('a refused answer to a real sign-in is no test: its page is shown and its sign-in left pending', async () => {
    const s = await setup();
    const login = await t.http.get(`/sso/login?connection=${s.connection.id}`);
    assert.equal(login.status, 302);
    const xml = inflateRawSync(
      Buffer.from(new URL(login.headers.location as string).searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString();
    const requestId = /\bID="([^"]+)"/.exec(xml)?.[1] ?? '';
    const tampered = (await answer(s, requestId)).replace('>Engines<', '>Boilers<');
    const res = await post(s.connection.id, tampered, cookiesOf(login));
    assert.equal(res.status, 401, res.text);
    assert.equal((await latestTestSignIns(t.database.db, s.org.id, s.connection.id)).length, 0);
    const pending = await t.database.db
      .selectFrom('login_transactions')
      .select(['purpose', 'consumed_at'])
      .where('connection_id', '=', s.connection.id)
      .where('request_key', '=', requestId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(pending, { purpose: 'sign_in', consumed_at: null });
  });

  it('returnTo must be a path of Muster itself; anything else is refused before the IdP is asked', async () => {
    const s = await setup();
    for (const returnTo of [
      'https://evil.example/setup',
      `${publicUrl}/setup`,
      '//evil.example/setup',
      '/\\evil.example',
      '/%2f%2fevil.example',
      'javascript:alert(1)',
      'setup/relative',
      '',
    ]) {
      const res = await start(s.connection.id, returnTo);
      assert.equal(res.status, 400, `${returnTo}: ${res.status} ${res.text}`);
      assert.equal(res.headers.location, undefined);
    }
    const unknown = await start('0190b5a6-0000-7000-8000-000000000000');
    assert.equal(unknown.status, 404, unknown.text);
    const inFlight = await t.database.db
      .selectFrom('login_transactions')
      .select('id')
      .where('connection_id', '=', s.connection.id)
      .execute();
    assert.equal(inFlight.length, 0);
  });
});

describe('OIDC test sign-in', () => {
  let t: TestApp;
  let op: TestOp;
  let start: ReturnType<typeof starter>;
  before(async () => {
    t = await testApp({ allowInsecureLoopbackIssuers: true });
    op = await startTestOp({ accounts: [] });
    start = starter(t);
  });
  after(() => op.close());

  it('records every claim of the ID token and userinfo, never a nonce or token hash; no user, no session', async () => {
    const org = await makeOrg(t);
    const domain = `${org.slug}.oidc.test`;
    const clientId = `muster-test-${org.slug}`;
    const secret = 'a-client-secret-long-enough-to-be-real';
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'oidc',
      provider: 'okta',
      domains: [domain],
      jit: false,
      oidc: { issuer: op.issuer, clientId, clientSecret: secret },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const connection = created.body as { id: string; redirectUri: string };
    await op.addClient({
      clientId,
      clientSecret: secret,
      redirectUris: [connection.redirectUri],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const sub = `sub-${org.slug}`;
    op.setAccount({
      sub,
      claims: {
        email: `ada@${domain}`,
        email_verified: true,
        given_name: 'Ada',
        family_name: 'Lovelace',
        name: 'Ada Lovelace',
        groups: ['Engineering', 'Everyone'],
      },
    });
    op.signInAs(sub);

    const started = await start(connection.id);
    assert.equal(started.status, 302, started.text);
    const authorization = new URL(started.headers.location as string);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('nonce'));
    const callback = new URL(await op.authorize(authorization.href));
    const res = await t.http.get(`${callback.pathname}${callback.search}`).set('Cookie', cookiesOf(started));
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, `${publicUrl}${back}`);
    assert.ok(!setsSession(res), 'no session cookie');

    const [test] = await latestTestSignIns(t.database.db, org.id, connection.id);
    assert.equal(test?.outcome, 'succeeded', test?.error ?? '');
    assert.equal(test?.subject, sub);
    assert.equal(test?.email, `ada@${domain}`);
    assert.deepEqual(test?.groups, ['Engineering', 'Everyone']);
    const claims = test?.attributes ?? {};
    assert.deepEqual(claims.sub, [sub]);
    assert.deepEqual(claims.email, [`ada@${domain}`]);
    assert.deepEqual(claims.email_verified, ['true']);
    assert.deepEqual(claims.given_name, ['Ada']);
    assert.deepEqual(claims.groups, ['Engineering', 'Everyone']);
    assert.deepEqual(claims.iss, [op.issuer]);
    for (const secretClaim of ['nonce', 'at_hash', 'c_hash', 's_hash', 'access_token', 'id_token'])
      assert.equal(claims[secretClaim], undefined, secretClaim);
    assert.doesNotMatch(JSON.stringify(test), new RegExp(authorization.searchParams.get('nonce') ?? '-'));
    await nobodyProvisioned(t, org.id);

    // The callback URL again: its state is used up, so it is refused as any sign-in's would be.
    const again = await t.http
      .get(`${callback.pathname}${callback.search}`)
      .set('Cookie', cookiesOf(started));
    assert.equal(again.status, 401, again.text);
    assert.equal((await latestTestSignIns(t.database.db, org.id, connection.id)).length, 1);
  });
});

describe('the record of test sign-ins', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  async function connection(orgId: string) {
    const w = await samlWorld();
    const res = await t.admin.post(`/api/v1/orgs/${orgId}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [`${orgId.slice(-8)}-${samlId().slice(1, 9)}.x.test`],
      saml: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, certificates: [w.idp.keys.certificate] },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  }

  it('lists newest first and keeps the newest 20 of a connection; another connection keeps its own', async () => {
    const org = await makeOrg(t);
    const [one, other] = [await connection(org.id), await connection(org.id)];
    await recordTestSignIn(t.database.db, org.id, other, {
      outcome: 'failed',
      error: 'the other connection',
    });
    for (let i = 1; i <= keptTestSignIns + 3; i++)
      await recordTestSignIn(
        t.database.db,
        org.id,
        one,
        i % 2 === 0
          ? { outcome: 'failed', error: `attempt ${i}` }
          : {
              outcome: 'succeeded',
              subject: `attempt ${i}`,
              email: 'ada@x.test',
              attributes: { n: [String(i)] },
              groups: [],
              groupsTruncated: false,
            },
      );
    const kept = await latestTestSignIns(t.database.db, org.id, one, 50);
    assert.equal(kept.length, 20);
    assert.deepEqual(
      kept.map((x) => x.error ?? x.subject),
      Array.from({ length: 20 }, (_, i) => `attempt ${keptTestSignIns + 3 - i}`),
    );
    const stored = await t.database.db
      .selectFrom('connection_test_sign_ins')
      .select('id')
      .where('connection_id', '=', one)
      .execute();
    assert.equal(stored.length, 20, 'older ones are gone, not only hidden');
    assert.deepEqual(
      (await latestTestSignIns(t.database.db, org.id, one)).map((x) => x.error ?? x.subject),
      ['attempt 23', 'attempt 22', 'attempt 21', 'attempt 20', 'attempt 19'],
    );
    assert.deepEqual(
      (await latestTestSignIns(t.database.db, org.id, other, 20)).map((x) => x.error),
      ['the other connection'],
    );
    // Tenant first: another org's id finds nothing of this connection.
    const stranger = await makeOrg(t);
    assert.deepEqual(await latestTestSignIns(t.database.db, stranger.id, one, 20), []);
  });

  it('goes with its connection', async () => {
    const org = await makeOrg(t);
    const id = await connection(org.id);
    await recordTestSignIn(t.database.db, org.id, id, { outcome: 'failed', error: 'x' });
    const removed = await t.admin.delete(`/api/v1/orgs/${org.id}/connections/${id}`);
    assert.ok(removed.status < 300, `${removed.status} ${JSON.stringify(removed.body)}`);
    assert.deepEqual(await latestTestSignIns(t.database.db, org.id, id, 20), []);
    const left = await t.database.db
      .selectFrom('connection_test_sign_ins')
      .select('id')
      .where('connection_id', '=', id)
      .execute();
    assert.equal(left.length, 0);
  });

  it('every statement of recording and listing can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const planned = await appOn(database);
    const org = (await planned.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string };
    const w = await samlWorld();
    const created = await planned.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: ['plans.x.test'],
      saml: { entityId: w.idp.entityId, ssoUrl: w.idp.ssoUrl, certificates: [w.idp.keys.certificate] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    seen.clear();
    for (let i = 0; i < 3; i++)
      await recordTestSignIn(database.db, org.id, created.body.id, { outcome: 'failed', error: `${i}` });
    await latestTestSignIns(database.db, org.id, created.body.id);
    const statements = [...seen.keys()].filter((s) => s.includes('connection_test_sign_ins'));
    assert.ok(statements.length >= 2, statements.join('\n'));
    assert.deepEqual(
      (await withoutIndex()).filter((s) => s.includes('connection_test_sign_ins')),
      [],
    );
  });
});
