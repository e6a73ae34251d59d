import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from 'jose';
import type supertest from 'supertest';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { serve } from '../../support/browser.ts';
import { makeOrg, type OrgBody } from '../../support/factories.ts';
import { startTestOp, type TestOp } from '../../support/oidc-op.ts';
import {
  defaultClaims,
  hs256IdToken,
  type RogueOp,
  type RogueOpOptions,
  type RogueTokenAnswer,
  type RogueTokenContext,
  signedIdToken,
  startRogueOp,
  unsignedIdToken,
} from '../../support/oidc-rogue.ts';
import { connectOidc, cookiesSet, setsSession, signIn } from './support.ts';

/**
 * Attacks on the OpenID Connect sign-in, end to end through the real app:
 * against oidc-provider where a real OP's own rules matter (single-use
 * codes, PKCE, the claims it releases), against the rogue OP where the OP
 * itself is the attacker. Each refusal ends in an HTML page without a
 * stack, no session cookie, no user, and a `sso.sign_in_refused` audit
 * event whose reason names the check.
 */

const secret = 'a-client-secret-of-some-length';
const defaultPage = 'https://muster.test/';

describe('OIDC sign-in attacks', () => {
  let t: TestApp;
  let op: TestOp;
  const rogues: RogueOp[] = [];

  before(async () => {
    t = await testApp({ allowInsecureLoopbackIssuers: true });
    op = await startTestOp({ accounts: [] });
  });
  after(async () => {
    await op.close();
    await Promise.all(rogues.map((r) => r.close()));
  });

  /** Each test's org has a domain of its own (slugs are random). */
  const domainOf = (org: OrgBody) => `${org.slug}.oidc.test`;

  async function membersOf(orgId: string): Promise<number> {
    const res = await t.admin.get(`/api/v1/orgs/${orgId}/members`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.data as unknown[]).length;
  }

  /**
   * A refusal: the status, an HTML page without a stack, no session cookie,
   * `members` people in the org (none unless an earlier sign-in made one),
   * and one audit event with the reason (and the message, which names the
   * failed check, when given).
   */
  async function assertRefused(
    res: supertest.Response,
    orgId: string,
    reason: string,
    options: { readonly status?: number; readonly members?: number; readonly message?: RegExp } = {},
  ) {
    assert.equal(res.status, options.status ?? 401, res.text);
    assert.match(res.headers['content-type'] ?? '', /^text\/html/);
    assert.doesNotMatch(res.text, /\bat \S+ \(|node_modules|\.ts:\d+/);
    assert.ok(!setsSession(res), 'no session cookie');
    assert.equal(await membersOf(orgId), options.members ?? 0, 'no user created');
    const refused = await auditOf(t, orgId, 'sso.sign_in_refused');
    assert.equal(refused.length, 1, JSON.stringify(refused));
    assert.equal(refused[0]?.after?.reason, reason, JSON.stringify(refused[0]));
    assert.equal(refused[0]?.after?.protocol, 'oidc');
    if (options.message) assert.match(String(refused[0]?.after?.message), options.message);
  }

  function assertSignedIn(res: supertest.Response) {
    assert.equal(res.status, 303, res.text);
    assert.ok(setsSession(res), 'a session cookie');
  }

  /**
   * An org with a connection to oidc-provider (a client of its own) and an
   * account there, signed in next; its claims are ada@<domain>, verified,
   * unless `claims` says otherwise.
   */
  async function onTestOp(claims?: (domain: string) => Record<string, unknown>) {
    const org = await makeOrg(t);
    const domain = domainOf(org);
    const clientId = `muster-${org.slug}`;
    const connection = await connectOidc(t, org.id, {
      issuer: op.issuer,
      clientId,
      clientSecret: secret,
      domains: [domain],
    });
    await op.addClient({
      clientId,
      clientSecret: secret,
      redirectUris: [connection.redirectUri],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const sub = `sub-${org.slug}`;
    op.setAccount({
      sub,
      claims: claims?.(domain) ?? {
        email: `ada@${domain}`,
        email_verified: true,
        given_name: 'Ada',
        family_name: 'Lovelace',
      },
    });
    op.signInAs(sub);
    return { org, domain, connection, email: `ada@${domain}` };
  }

  async function startRogue(options: RogueOpOptions = {}): Promise<RogueOp> {
    const rogue = await startRogueOp(options);
    rogues.push(rogue);
    return rogue;
  }

  /**
   * An org with a connection to a rogue OP of its own, which by default
   * answers a valid ID token and userinfo for ada@<domain>, verified.
   */
  async function onRogue(
    options: { readonly provider?: string; readonly discovery?: Record<string, unknown> } = {},
  ) {
    const rogue = await startRogue(options.discovery ? { discovery: options.discovery } : {});
    const org = await makeOrg(t);
    const domain = domainOf(org);
    const email = `ada@${domain}`;
    const connection = await connectOidc(t, org.id, {
      issuer: rogue.issuer,
      clientSecret: secret,
      domains: [domain],
      ...(options.provider ? { provider: options.provider } : {}),
    });
    const claims = (ctx: RogueTokenContext): Record<string, unknown> => ({ ...defaultClaims(ctx), email });
    rogue.onToken(claims);
    rogue.onUserinfo(() => ({ sub: 'rogue-user', email, email_verified: true }));
    return { rogue, org, domain, email, connection, claims };
  }

  const query = (email: string) => `email=${encodeURIComponent(email)}`;

  describe('state and code', () => {
    it('an answer without state is refused (400)', async () => {
      const { org, email } = await onTestOp();
      const { res } = await signIn(t, query(email), op.authorize, {
        tamper: (u) => {
          u.searchParams.delete('state');
          return u;
        },
      });
      await assertRefused(res, org.id, 'oidc_state_missing', { status: 400 });
    });

    it('an answer with the state given twice is refused as one without state', async () => {
      const { org, email } = await onTestOp();
      const { res } = await signIn(t, query(email), op.authorize, {
        tamper: (u) => {
          u.searchParams.append('state', 'another-state');
          return u;
        },
      });
      await assertRefused(res, org.id, 'oidc_state_missing', { status: 400 });
    });

    it('an answer whose state was changed is refused', async () => {
      const { org, email } = await onTestOp();
      const { res } = await signIn(t, query(email), op.authorize, {
        tamper: (u) => {
          u.searchParams.set('state', 'a-state-this-app-never-issued-0123456789');
          return u;
        },
      });
      await assertRefused(res, org.id, 'oidc_state_unknown');
    });

    it('the callback replayed with the same URL after a sign-in is refused: the state is single use', async () => {
      const { org, email } = await onTestOp();
      const { start, callback, res } = await signIn(t, query(email), op.authorize);
      assertSignedIn(res);
      const replayed = await t.http
        .get(`${callback.pathname}${callback.search}`)
        .set('Cookie', cookiesSet(start));
      await assertRefused(replayed, org.id, 'oidc_state_unknown', { members: 1 });
    });

    it('a redeemed code pasted with the state of a fresh sign-in is refused by the OP (invalid_grant)', async () => {
      const { org, email } = await onTestOp();
      // oidc-provider's codes are single use; the fresh sign-in's PKCE verifier is not the code's either.
      const first = await signIn(t, query(email), op.authorize);
      assertSignedIn(first.res);
      const { res } = await signIn(t, query(email), op.authorize, {
        tamper: (fresh) => {
          fresh.searchParams.set('code', first.callback.searchParams.get('code') ?? '');
          return fresh;
        },
      });
      await assertRefused(res, org.id, 'oidc_code_rejected', { members: 1, message: /invalid_grant/ });
    });

    it('a code never redeemed, pasted into another sign-in, is refused by the OP (PKCE)', async () => {
      const { org, email } = await onTestOp();
      // The victim's answer, intercepted before the victim's browser brings it back.
      const victimStart = await t.http.get(`/sso/login?${query(email)}`);
      assert.equal(victimStart.status, 302, victimStart.text);
      const stolen = new URL(await op.authorize(victimStart.headers.location as string));
      const { res } = await signIn(t, query(email), op.authorize, {
        tamper: (fresh) => {
          fresh.searchParams.set('code', stolen.searchParams.get('code') ?? '');
          return fresh;
        },
      });
      await assertRefused(res, org.id, 'oidc_code_rejected', { message: /invalid_grant/ });
    });

    it("an answer to one connection's sign-in brought to another connection is unknown there", async () => {
      const a = await onRogue();
      const b = await onRogue();
      const { start, callback } = await signIn(t, query(a.email), a.rogue.authorize);
      const res = await t.http
        .get(`${new URL(b.connection.redirectUri).pathname}${callback.search}`)
        .set('Cookie', cookiesSet(start));
      await assertRefused(res, b.org.id, 'oidc_state_unknown');
    });
  });

  describe('browser binding (login CSRF)', () => {
    it('the callback without the login cookie /sso/login set is refused', async () => {
      const { org, email } = await onTestOp();
      const { start, res } = await signIn(t, query(email), op.authorize, { cookie: 'unrelated=1' });
      assert.ok(
        ((start.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) =>
          /^muster_login_\w+=[^;]+;.*Path=\/sso\/oidc.*HttpOnly.*Secure.*SameSite=Lax/i.test(c),
        ),
        JSON.stringify(start.headers['set-cookie']),
      );
      await assertRefused(res, org.id, 'oidc_browser_mismatch');
    });

    it("an attacker's finished sign-in handed to a victim who holds the cookie of another sign-in is refused", async () => {
      const { rogue, org, email } = await onRogue();
      const victim = await t.http.get(`/sso/login?${query(email)}`);
      assert.equal(victim.status, 302, victim.text);
      const { res } = await signIn(t, query(email), rogue.authorize, { cookie: cookiesSet(victim) });
      await assertRefused(res, org.id, 'oidc_browser_mismatch');
    });
  });

  describe('ID token', () => {
    const otherKey = generateKeyPair('RS256');
    const now = () => Math.floor(Date.now() / 1000);
    const tokens = (id_token: string): RogueTokenAnswer => ({
      access_token: 'an-access-token',
      token_type: 'Bearer',
      id_token,
    });

    /** Each forgery, built from the claims of a valid ID token for the sign-in. */
    const forgeries: readonly {
      readonly name: string;
      /** What the audited message says failed. */
      readonly message: RegExp;
      readonly answer: (
        claims: Record<string, unknown>,
        rogue: RogueOp,
      ) => RogueTokenAnswer | Promise<RogueTokenAnswer>;
    }[] = [
      {
        name: 'the nonce of another sign-in',
        message: /"nonce" claim value/,
        answer: (c) => ({ ...c, nonce: 'another-nonce' }),
      },
      { name: 'no nonce', message: /"nonce" \(nonce\) claim missing/, answer: ({ nonce: _, ...c }) => c },
      { name: 'alg none', message: /"alg" header parameter/, answer: (c) => tokens(unsignedIdToken(c)) },
      {
        name: 'HS256 keyed with the client secret (algorithm confusion)',
        message: /"alg" header parameter/,
        answer: async (c) => tokens(await hs256IdToken(c, secret)),
      },
      {
        name: "another RSA key under the OP's kid",
        message: /signature verification failed/,
        answer: async (c, rogue) =>
          tokens(await signedIdToken(c, { privateKey: (await otherKey).privateKey, kid: rogue.key.kid })),
      },
      {
        name: 'the iss of another issuer',
        message: /"iss" \(issuer\) claim value/,
        answer: (c) => ({ ...c, iss: 'https://op.example.com' }),
      },
      {
        name: 'the aud of another client',
        message: /"aud" \(audience\) claim value/,
        answer: (c) => ({ ...c, aud: 'another-client' }),
      },
      {
        name: 'exp past beyond the 60 s clock skew',
        message: /"exp" \(expiration time\) claim value/,
        answer: (c) => ({ ...c, iat: now() - 600, exp: now() - 120 }),
      },
      {
        name: 'nbf in the future beyond the clock skew',
        message: /"nbf" \(not before\) claim value/,
        answer: (c) => ({ ...c, nbf: now() + 600 }),
      },
      {
        name: 'several audiences, azp another client',
        message: /"azp" \(authorized party\) claim value/,
        answer: (c) => ({ ...c, aud: [c.aud, 'another-client'], azp: 'another-client' }),
      },
      {
        name: 'several audiences and no azp',
        message: /additional untrusted audiences/,
        answer: (c) => ({ ...c, aud: [c.aud, 'another-client'] }),
      },
      { name: 'no sub', message: /"sub" \(subject\) claim missing/, answer: ({ sub: _, ...c }) => c },
      {
        name: 'no ID token in the token response',
        message: /"id_token" property/,
        answer: () => ({ access_token: 'an-access-token', token_type: 'Bearer' }),
      },
    ];

    for (const forgery of forgeries) {
      it(`is refused with ${forgery.name}`, async () => {
        const { rogue, org, email, claims } = await onRogue();
        rogue.onToken((ctx) => forgery.answer(claims(ctx), rogue));
        const { res } = await signIn(t, query(email), rogue.authorize);
        await assertRefused(res, org.id, 'oidc_id_token_invalid', { message: forgery.message });
        assert.equal(rogue.tokenRequests.length, 1);
      });
    }

    it('is taken with exp just past but inside the clock skew (the forgeries above fail on their own)', async () => {
      const { rogue, org, email, claims } = await onRogue();
      rogue.onToken((ctx) => ({ ...claims(ctx), iat: now() - 300, exp: now() - 20 }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      assertSignedIn(res);
      assert.equal(await membersOf(org.id), 1);
    });
  });

  describe('issuer mix-up (RFC 9207)', () => {
    it("an answer carrying the other OP's iss is refused before any code is exchanged", async () => {
      const honest = await startRogue();
      const attacker = await startRogue();
      const org = await makeOrg(t);
      const domain = domainOf(org);
      const other = `other.${domain}`;
      await connectOidc(t, org.id, { issuer: honest.issuer, clientSecret: secret, domains: [domain] });
      await connectOidc(t, org.id, { issuer: attacker.issuer, clientSecret: secret, domains: [other] });
      honest.onAuthorize(() => ({ iss: attacker.issuer }));
      const { res } = await signIn(t, query(`ada@${domain}`), honest.authorize);
      await assertRefused(res, org.id, 'oidc_issuer_mismatch', {
        message: /"iss" \(issuer\) response parameter value/,
      });
      assert.equal(honest.tokenRequests.length, 0);
      assert.equal(attacker.tokenRequests.length, 0);
    });

    it("an error answer carrying the other OP's iss is refused as a mix-up, its text not shown", async () => {
      // RFC 9207 §2: error responses carry iss too, and §2.4 has the client compare it.
      const { rogue, org, email } = await onRogue();
      const attacker = await startRogue();
      rogue.onAuthorize(() => ({
        iss: attacker.issuer,
        error: 'access_denied',
        error_description: 'Call +1 555 0100 to unlock your account',
      }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      await assertRefused(res, org.id, 'oidc_issuer_mismatch');
      assert.doesNotMatch(res.text, /555 0100/);
    });

    it('an answer without iss is refused where discovery says the OP sends it', async () => {
      const { rogue, org, email } = await onRogue();
      rogue.onAuthorize(() => ({ iss: undefined }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      await assertRefused(res, org.id, 'oidc_issuer_mismatch', { message: /"iss" \(issuer\) missing/ });
      assert.equal(rogue.tokenRequests.length, 0);
    });

    it('an answer without iss is taken from an OP whose discovery does not promise it', async () => {
      const { rogue, email } = await onRogue({
        discovery: { authorization_response_iss_parameter_supported: undefined },
      });
      rogue.onAuthorize(() => ({ iss: undefined }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      assertSignedIn(res);
    });
  });

  describe('email', () => {
    it('email_verified false from oidc-provider is refused', async () => {
      const { org, email } = await onTestOp((domain) => ({ email: `ada@${domain}`, email_verified: false }));
      const { res } = await signIn(t, query(email), op.authorize);
      await assertRefused(res, org.id, 'oidc_email_unverified', { status: 403 });
    });

    it('email_verified absent is refused for okta', async () => {
      const { org, email } = await onTestOp((domain) => ({ email: `ada@${domain}` }));
      const { res } = await signIn(t, query(email), op.authorize);
      await assertRefused(res, org.id, 'oidc_email_unverified', { status: 403 });
    });

    it("an ID token's unvouched email is not vouched for by userinfo's email_verified", async () => {
      const { rogue, org, email, claims } = await onRogue();
      rogue.onToken((ctx) => {
        const { email_verified: _, ...c } = claims(ctx);
        return c;
      });
      rogue.onUserinfo(() => ({ sub: 'rogue-user', email: 'someone@else.test', email_verified: true }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      await assertRefused(res, org.id, 'oidc_email_unverified', { status: 403 });
    });

    it('email_verified absent is taken for entra', async () => {
      const { rogue, org, email, claims } = await onRogue({ provider: 'entra' });
      rogue.onToken((ctx) => {
        const { email_verified: _, ...c } = claims(ctx);
        return c;
      });
      rogue.onUserinfo(() => ({ sub: 'rogue-user' }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      assertSignedIn(res);
      assert.equal(await membersOf(org.id), 1);
    });

    for (const [name, unvouched] of [
      ['xms_edov false', { xms_edov: false }],
      ['email_verified false', { email_verified: false }],
    ] as const) {
      it(`${name} is refused for entra`, async () => {
        const { rogue, org, email, claims } = await onRogue({ provider: 'entra' });
        rogue.onToken((ctx) => {
          const { email_verified: _, ...c } = claims(ctx);
          return { ...c, ...unvouched };
        });
        rogue.onUserinfo(() => ({ sub: 'rogue-user' }));
        const { res } = await signIn(t, query(email), rogue.authorize);
        await assertRefused(res, org.id, 'oidc_email_unverified', { status: 403 });
      });
    }

    for (const [name, address] of [
      ['another domain', () => 'ada@elsewhere.test'],
      ['a domain ending in the connection domain', (domain: string) => `ada@${domain}.evil.example`],
      ['a subdomain of the connection domain', (domain: string) => `ada@sub.${domain}`],
    ] as const) {
      it(`an email at ${name} is refused`, async () => {
        const { org, email } = await onTestOp((domain) => ({ email: address(domain), email_verified: true }));
        const { res } = await signIn(t, query(email), op.authorize);
        await assertRefused(res, org.id, 'oidc_email_outside_domains', { status: 403 });
      });
    }
  });

  describe('returnTo', () => {
    for (const evil of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
      it(`${JSON.stringify(evil)} is dropped: the person lands on the default page`, async () => {
        const { email } = await onTestOp();
        const { res } = await signIn(t, `${query(email)}&returnTo=${encodeURIComponent(evil)}`, op.authorize);
        assertSignedIn(res);
        const location = String(res.headers.location ?? '');
        assert.ok(!location.startsWith('https://evil.example'), location);
        assert.doesNotMatch(location, /evil/);
        assert.equal(location, defaultPage);
      });
    }

    it('a path on this origin is followed', async () => {
      const { email } = await onTestOp();
      const { res } = await signIn(
        t,
        `${query(email)}&returnTo=${encodeURIComponent('/dashboard?tab=1')}`,
        op.authorize,
      );
      assertSignedIn(res);
      assert.equal(res.headers.location, 'https://muster.test/dashboard?tab=1');
    });
  });

  describe("the IdP's error response", () => {
    it('is a page naming the error (401)', async () => {
      const { rogue, org, email } = await onRogue();
      rogue.onAuthorize(() => ({ error: 'access_denied', error_description: 'User is not assigned' }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      await assertRefused(res, org.id, 'oidc_idp_error');
      assert.match(res.text, /access_denied/);
      assert.match(res.text, /User is not assigned/);
      assert.equal(rogue.tokenRequests.length, 0);
    });

    it('with markup in error_description, escaped on the page', async () => {
      const { rogue, org, email } = await onRogue();
      rogue.onAuthorize(() => ({
        error: 'access_denied',
        error_description: '<script>alert(1)</script><img src=x onerror=alert(2)>',
      }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      await assertRefused(res, org.id, 'oidc_idp_error');
      assert.doesNotMatch(res.text, /<script|<img/i);
      assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });
  });

  describe('the OP unreachable or failing', () => {
    it('at sign-in start: /sso/login answers a 502 page, no stack, no login cookie', async () => {
      const closed = await serve((_req, res) => res.end());
      const issuer = `http://127.0.0.1:${closed.port}`;
      await closed.close();
      const org = await makeOrg(t);
      const domain = domainOf(org);
      await connectOidc(t, org.id, { issuer, clientSecret: secret, domains: [domain] });
      const res = await t.http.get(`/sso/login?${query(`ada@${domain}`)}`);
      assert.equal(res.status, 502, res.text);
      assert.match(res.headers['content-type'] ?? '', /^text\/html/);
      assert.doesNotMatch(res.text, /\bat \S+ \(|node_modules|\.ts:\d+|ECONNREFUSED/);
      assert.equal(res.headers.location, undefined);
      assert.equal(res.headers['set-cookie'], undefined);
      assert.equal(await membersOf(org.id), 0);
    });

    it('between the start and the answer: a 502 page, audited as oidc_idp_unavailable', async () => {
      const { rogue, org, email } = await onRogue();
      const { res } = await signIn(t, query(email), async (url) => {
        const back = await rogue.authorize(url);
        await rogue.close();
        return back;
      });
      await assertRefused(res, org.id, 'oidc_idp_unavailable', {
        status: 502,
        message: /could not be reached/,
      });
    });

    // errors.ts: 502 when the IdP could not be reached or answered wrongly; an outage is not a forgery.
    for (const endpoint of ['token_endpoint', 'jwks_uri', 'userinfo_endpoint'] as const) {
      it(`its ${endpoint} answering 503 (an HTML page): a 502 page, audited as oidc_idp_unavailable`, async () => {
        const down = await serve((_req, res) => {
          res.writeHead(503, { 'content-type': 'text/html' });
          res.end('<h1>Service Unavailable</h1>');
        });
        try {
          const { rogue, org, email } = await onRogue({
            discovery: { [endpoint]: `http://127.0.0.1:${down.port}/${endpoint}` },
          });
          const { res } = await signIn(t, query(email), rogue.authorize);
          await assertRefused(res, org.id, 'oidc_idp_unavailable', { status: 502 });
        } finally {
          await down.close();
        }
      });
    }
  });

  describe('userinfo', () => {
    it('with another sub than the ID token is refused', async () => {
      const { rogue, org, email } = await onRogue();
      rogue.onUserinfo(() => ({ sub: 'someone-else', email, email_verified: true }));
      const { res } = await signIn(t, query(email), rogue.authorize);
      await assertRefused(res, org.id, 'oidc_userinfo_invalid', { message: /"sub"/ });
    });
  });
});
