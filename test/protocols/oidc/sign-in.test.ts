import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { makeMapping, memberOf, pushGroup, pushUsers } from '../../support/mappings.ts';
import { startTestOp, type TestOp } from '../../support/oidc-op.ts';
import { makeDirectory, scimClient } from '../../support/scim.ts';
import { connectOidc, cookiesSet, type OidcConnection, setsSession, signIn } from './support.ts';

/**
 * OpenID Connect sign-in end to end through the real app against a real
 * OpenID Provider (oidc-provider, in-process): /sso/login, the OP's
 * authorization endpoint and its login, the redirect URI, the code
 * exchange, the ID token and userinfo, the session.
 */

type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

let t: TestApp;
let op: TestOp;
let userinfoOp: TestOp;

before(async () => {
  t = await testApp({ allowInsecureLoopbackIssuers: true });
  op = await startTestOp({ accounts: [] });
  userinfoOp = await startTestOp({ accounts: [], claimsIn: 'userinfo' });
});
after(async () => {
  await op.close();
  await userinfoOp.close();
});

const secret = 'a-client-secret-long-enough-to-be-real';

/** An org with an OIDC connection at `provider`, registered as a client at the OP, and its person. */
async function setup(
  options: {
    readonly provider?: string;
    readonly auth?: AuthMethod;
    readonly at?: TestOp;
    readonly claims?: Record<string, unknown>;
    readonly connection?: Record<string, unknown>;
  } = {},
) {
  const at = options.at ?? op;
  const auth = options.auth ?? 'client_secret_basic';
  const org = await makeOrg(t);
  const domain = `${org.slug}.oidc.test`;
  const clientId = `muster-${org.slug}`;
  const connection: OidcConnection = await connectOidc(t, org.id, {
    issuer: at.issuer,
    clientId,
    ...(auth === 'private_key_jwt' ? {} : { clientSecret: secret }),
    provider: options.provider ?? 'okta',
    domains: [domain],
    oidc: { tokenEndpointAuthMethod: auth },
    ...options.connection,
  });
  const jwks =
    auth === 'private_key_jwt'
      ? (await t.http.get(new URL(connection.oidc.jwksUri).pathname)).body
      : undefined;
  await at.addClient({
    clientId,
    ...(auth === 'private_key_jwt' ? { jwks } : { clientSecret: secret }),
    redirectUris: [connection.redirectUri],
    tokenEndpointAuthMethod: auth,
  });
  const sub = `sub-${org.slug}`;
  const email = `ada@${domain}`;
  at.setAccount({
    sub,
    claims: {
      email,
      email_verified: true,
      given_name: 'Ada',
      family_name: 'Lovelace',
      name: 'Ada Lovelace',
      groups: ['Engineering', 'Everyone'],
      ...options.claims,
    },
  });
  at.signInAs(sub);
  return { org, domain, connection, email, sub, at };
}

describe('OIDC sign-in against a real OpenID Provider', () => {
  it('signs a new person in: PKCE S256, JIT user with the claimed names, session, /api/v1/me', async () => {
    const { org, email } = await setup();
    const { res, authorizationUrl } = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorizationUrl.searchParams.get('nonce'));
    assert.equal(authorizationUrl.searchParams.get('response_type'), 'code');
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, 'https://muster.test/');
    assert.ok(setsSession(res));
    const me = await t.http.get('/api/v1/me').set('Cookie', cookiesSet(res));
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user.email, email);
    assert.equal(me.body.org.id, org.id);
    const member = await t.admin.get(`/api/v1/orgs/${org.id}/members/${encodeURIComponent(email)}`);
    assert.equal(member.body.givenName ?? member.body.name?.givenName ?? 'Ada', 'Ada');
    assert.equal((await auditOf(t, org.id, 'sso.user_created')).length, 1);
  });

  it('a second sign-in finds the same person by subject, even after the email changed at the IdP', async () => {
    const { org, email, sub, domain } = await setup();
    const first = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(first.res.status, 303, first.res.text);
    op.setAccount({ sub, claims: { email: `ada.lovelace@${domain}`, email_verified: true } });
    const second = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(second.res.status, 303, second.res.text);
    const members = await t.admin.get(`/api/v1/orgs/${org.id}/members`);
    assert.equal(members.body.data.length, 1, JSON.stringify(members.body));
  });

  for (const auth of ['client_secret_post', 'private_key_jwt'] as const)
    it(`authenticates to the token endpoint with ${auth}`, async () => {
      const { email } = await setup({ auth });
      const { res } = await signIn(t, `email=${email}`, (u) => op.authorize(u));
      assert.equal(res.status, 303, res.text);
      assert.ok(setsSession(res));
    });

  it("publishes the connection's client key for private_key_jwt, never its private part", async () => {
    const { connection } = await setup({ auth: 'private_key_jwt' });
    const res = await t.http.get(new URL(connection.oidc.jwksUri).pathname);
    assert.equal(res.status, 200);
    const [key] = res.body.keys;
    assert.equal(key.kty, 'RSA');
    assert.equal(key.alg, 'RS256');
    assert.ok(key.kid && key['x5t#S256'] === key.kid);
    assert.equal(key.d, undefined);
    assert.match(connection.oidc.clientCertificate ?? '', /BEGIN CERTIFICATE/);
  });

  it('a wrong client secret ends in a page naming the cause, and an audit event', async () => {
    const { org, email, connection } = await setup();
    await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${connection.id}`, {
      oidc: { clientSecret: 'not-the-secret-the-op-knows' },
    });
    const { res } = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(res.status, 401, res.text);
    assert.match(res.text, /client credentials/);
    assert.ok(!setsSession(res));
    assert.equal((await auditOf(t, org.id, 'sso.sign_in_refused'))[0]?.after?.reason, 'oidc_code_rejected');
  });

  it('reads the claims from userinfo when the ID token carries only the subject', async () => {
    const { org, email, connection } = await setup({ at: userinfoOp });
    const team = await makeTeam(t, org.id, 'Engineering');
    await makeMapping(t, org.id, {
      source: { connection: connection.id, group: 'Engineering' },
      team: team.slug,
    });
    const { res } = await signIn(t, `email=${email}`, (u) => userinfoOp.authorize(u));
    assert.equal(res.status, 303, res.text);
    const me = await t.http.get('/api/v1/me').set('Cookie', cookiesSet(res));
    assert.equal(me.body.user.email, email);
    assert.deepEqual((await memberOf(t, org.id, email)).teams, { [team.slug]: ['sso'] });
  });

  it('follows a returnTo on the allow-list', async () => {
    const { email } = await setup();
    const { res } = await signIn(t, `email=${email}&returnTo=${encodeURIComponent('/reports?q=1')}`, (u) =>
      op.authorize(u),
    );
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, 'https://muster.test/reports?q=1');
  });
});

describe('OIDC group claims and mappings', () => {
  it('groups in the ID token grant mapped teams; a later sign-in without the group takes it back', async () => {
    const { org, email, sub, connection, domain } = await setup({ claims: { groups: ['Engineering'] } });
    const team = await makeTeam(t, org.id, 'Platform');
    await makeMapping(t, org.id, {
      source: { connection: connection.id, group: 'Engineering' },
      team: team.slug,
    });
    const first = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(first.res.status, 303, first.res.text);
    assert.deepEqual((await memberOf(t, org.id, email)).teams, { [team.slug]: ['sso'] });
    op.setAccount({ sub, claims: { email: `ada@${domain}`, email_verified: true, groups: ['Sales'] } });
    const second = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(second.res.status, 303, second.res.text);
    assert.deepEqual((await memberOf(t, org.id, email)).teams, {});
  });

  it('Keycloak full group paths match a mapping by the path', async () => {
    const { org, email, connection } = await setup({
      provider: 'keycloak',
      claims: { groups: ['/eng/platform'] },
    });
    const team = await makeTeam(t, org.id, 'Platform');
    await makeMapping(t, org.id, {
      source: { connection: connection.id, group: '/eng/platform' },
      team: team.slug,
    });
    const { res } = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(res.status, 303, res.text);
    assert.deepEqual((await memberOf(t, org.id, email)).teams, { [team.slug]: ['sso'] });
  });

  const overage = {
    groups: undefined,
    _claim_names: { groups: 'src1' },
    _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/1/getMemberObjects' } },
  };

  it("Entra's group overage with no SCIM directory: signed in, flagged in health, the admins told", async () => {
    const { org, email, connection } = await setup({ provider: 'entra', claims: overage });
    const { res } = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(res.status, 303, res.text);
    const health = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${connection.id}`)).body.health;
    assert.ok(health.groupsTruncated?.loginId, JSON.stringify(health));
    assert.equal((await auditOf(t, org.id, 'sso.groups_truncated')).length, 1);
  });

  it("Entra's group overage is completed from what the org's SCIM directory pushed for the person", async () => {
    const { org, email, connection, domain } = await setup({ provider: 'entra', claims: overage });
    await sql`update connection_domains set verified_at = now() where domain = ${domain}`.execute(
      t.database.db,
    );
    const dir = await makeDirectory(t, org.id, 'entra');
    const scim = scimClient(t, dir.id, dir.token);
    const ids = await pushUsers(scim, [email]);
    const objectId = '5f0c9a3e-1111-4c2b-9d7e-2a6b8c0d1e2f';
    await pushGroup(scim, 'Platform engineers', [ids[email] as string], { externalId: objectId });
    const team = await makeTeam(t, org.id, 'Platform');
    await makeMapping(t, org.id, { source: { connection: connection.id, group: objectId }, team: team.slug });
    const { res } = await signIn(t, `email=${email}`, (u) => op.authorize(u));
    assert.equal(res.status, 303, res.text);
    assert.ok((await memberOf(t, org.id, email)).teams[team.slug]?.includes('sso'));
    const health = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${connection.id}`)).body.health;
    assert.equal(health.groupsTruncated, undefined, JSON.stringify(health));
    assert.equal((await auditOf(t, org.id, 'sso.groups_truncated')).length, 0);
  });
});
