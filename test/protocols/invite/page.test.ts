import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import supertest from 'supertest';
import { generateCertifiedKeyPair } from '../../../src/infra/crypto/index.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { feedEvents } from '../../support/feed.ts';
import { memberOf, pushUsers } from '../../support/mappings.ts';
import { makeDirectory, scimClient } from '../../support/scim.ts';

interface Invited {
  id: string;
  email: string;
  acceptUrl: string;
  token: string;
}

async function invite(t: TestApp, org: string, email: string, body: object = {}): Promise<Invited> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/invitations`, { emails: [email], ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const [invitation] = res.body.invitations;
  assert.ok(invitation, JSON.stringify(res.body));
  return { ...invitation, token: String(invitation.acceptUrl).split('/invite/')[1] };
}

/** A browser: keeps cookies; reads the form's CSRF field from the page it got. */
function browser(t: TestApp) {
  const agent = supertest.agent(t.app);
  return {
    agent,
    async page(path: string, cookie?: string) {
      const req = agent.get(path);
      if (cookie) req.set('Cookie', cookie);
      const res = await req;
      return { status: res.status, text: res.text, headers: res.headers };
    },
    csrfOf(text: string): string {
      const match = /name="csrf" value="([^"]+)"/.exec(text);
      assert.ok(match, `the page has a form: ${text.slice(0, 400)}`);
      return match[1] as string;
    },
  };
}

async function teamNames(t: TestApp, org: string, email: string): Promise<string[]> {
  const member = await memberOf(t, org, email);
  return Object.entries(member.teams)
    .map(([slug, sources]) => `${slug}:${sources.join('+')}`)
    .sort();
}

describe('the invitation page', () => {
  it('shows the org, the inviter, the role and teams, with a strict CSP and no script', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme <Partners>');
    await makeTeam(t, org.id, 'Platform');
    const invited = await invite(t, org.id, 'ada@guest.test', { teams: ['Platform'], role: 'admin' });
    const b = browser(t);
    const page = await b.page(`/invite/${invited.token}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Acme &lt;Partners&gt;/, 'the org name, escaped');
    assert.match(page.text, /ada@guest\.test/);
    assert.match(page.text, /Admin/);
    assert.match(page.text, /Platform/);
    assert.match(page.text, /<label for="password">/);
    assert.doesNotMatch(page.text, /<script/i);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  it('answers 404 for a link that opens no invitation', async () => {
    const t = await testApp();
    for (const token of ['x', 'A'.repeat(43), '../../etc/passwd']) {
      const res = await browser(t).page(`/invite/${encodeURIComponent(token)}`);
      assert.equal(res.status, 404, token);
      assert.match(res.text, /does not work/);
    }
  });

  it('accepts as the signed-in member with that email: teams and role under source invitation, and once only', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id, 'Platform');
    const dir = await makeDirectory(t, org.id, 'okta');
    const ids = await pushUsers(scimClient(t, dir.id, dir.token), ['grace@guest.test']);
    const userId = (
      await t.admin.get(`/api/v1/orgs/${org.id}/members/${encodeURIComponent('grace@guest.test')}`)
    ).body.id as string;
    assert.ok(ids['grace@guest.test']);
    // A member already; an admin can still invite them into more (the API reports members, so insert directly).
    const invited = await invite(t, org.id, 'someone@guest.test', { teams: [team.slug], role: 'admin' });
    await sql`update invitations set email = 'grace@guest.test' where id = ${invited.id}`.execute(
      t.database.db,
    );
    const { cookie } = await t.sessionFor(org.id, userId);
    const b = browser(t);
    const page = await b.page(`/invite/${invited.token}`, cookie);
    assert.match(page.text, /You are signed in as <strong>grace@guest\.test/);
    const res = await b.agent
      .post(`/invite/${invited.token}/accept`)
      .set('Cookie', `${cookie}; ${String(page.headers['set-cookie'] ?? '').split(';')[0]}`)
      .set('Origin', publicUrl)
      .type('form')
      .send({ csrf: b.csrfOf(page.text), mode: 'session' });
    assert.equal(res.status, 303, res.text);
    assert.deepEqual(await teamNames(t, org.id, 'grace@guest.test'), [`${team.slug}:invitation`]);
    const member = await t.admin.get(`/api/v1/orgs/${org.id}/members/${userId}`);
    assert.equal(member.body.role, 'admin');
    const after = await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${invited.id}`);
    assert.equal(after.body.status, 'accepted');
    assert.equal(after.body.acceptedUserId, userId);
    const again = await b.page(`/invite/${invited.token}`, cookie);
    assert.match(again.text, /accepted already/);
    const events = { body: { data: await feedEvents(t, org.id, 'invitation.accepted,membership.added', 2) } };
    assert.deepEqual(
      events.body.data.map((e: { type: string; data: { source?: string } }) => [
        e.type,
        e.data.source ?? null,
      ]),
      [
        ['membership.added', 'invitation'],
        ['invitation.accepted', null],
      ],
    );
  });

  it('refuses to accept for someone signed in with another email, and the invitation stays pending', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    await pushUsers(scimClient(t, ...(await dirOf(t, org.id))), ['mallory@guest.test']);
    const mallory = (
      await t.admin.get(`/api/v1/orgs/${org.id}/members/${encodeURIComponent('mallory@guest.test')}`)
    ).body.id as string;
    const invited = await invite(t, org.id, 'ada@guest.test');
    const { cookie } = await t.sessionFor(org.id, mallory);
    const b = browser(t);
    const page = await b.page(`/invite/${invited.token}`, cookie);
    assert.match(page.text, /signed in as <strong>mallory@guest\.test<\/strong>, but this invitation is for/);
    assert.doesNotMatch(page.text, /name="mode"/, 'no accept form');
    const csrfCookie = String(page.headers['set-cookie'] ?? '').split(';')[0];
    // A forged post in session mode (the field is signed for this form, so take it from the sign-out page's cookie).
    const tokenPage = await b.page(`/invite/${invited.token}`);
    const res = await b.agent
      .post(`/invite/${invited.token}/accept`)
      .set('Cookie', `${cookie}; ${csrfCookie}`)
      .set('Origin', publicUrl)
      .type('form')
      .send({ csrf: b.csrfOf(tokenPage.text), mode: 'session' });
    assert.equal(res.status, 403, res.text);
    const after = await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${invited.id}`);
    assert.equal(after.body.status, 'pending');
  });

  it('refuses a post without its CSRF cookie or field, or from another origin', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const invited = await invite(t, org.id, 'ada@guest.test');
    const b = browser(t);
    const page = await b.page(`/invite/${invited.token}`);
    const csrf = b.csrfOf(page.text);
    const cookie = cookieOf(page.headers);
    const weak = { mode: 'create', password: 'short', confirm: 'short' };
    const cases: [string, Record<string, string>, string | undefined, string | undefined, number][] = [
      ['all there: the password is judged', { csrf, ...weak }, cookie, publicUrl, 400],
      ['no field', weak, cookie, publicUrl, 403],
      ['a wrong field', { csrf: 'x'.repeat(43), ...weak }, cookie, publicUrl, 403],
      ["another form's field", { csrf, ...weak }, cookie, publicUrl, 403],
      ['no cookie', { csrf, ...weak }, undefined, publicUrl, 403],
      ['another origin', { csrf, ...weak }, cookie, 'https://evil.test', 403],
    ];
    for (const [name, body, withCookie, origin, status] of cases) {
      const path =
        name === "another form's field"
          ? `/invite/${invited.token}/renew`
          : `/invite/${invited.token}/accept`;
      const req = supertest(t.app).post(path).type('form');
      if (withCookie) req.set('Cookie', withCookie);
      if (origin) req.set('Origin', origin);
      const res = await req.send(body);
      assert.equal(res.status, status, name);
    }
    assert.equal(
      (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${invited.id}`)).body.status,
      'pending',
    );
  });

  it('makes a local account, accepts and signs the person in; a weak password is refused with the page again', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id, 'Guests');
    const invited = await invite(t, org.id, 'ada@guest.test', { teams: ['Guests'] });
    const b = browser(t);
    const page = await b.page(`/invite/${invited.token}`);
    const cookie = cookieOf(page.headers);
    const post = (body: Record<string, string>) =>
      supertest(t.app)
        .post(`/invite/${invited.token}/accept`)
        .set('Cookie', cookie)
        .set('Origin', publicUrl)
        .type('form')
        .send({
          csrf: b.csrfOf(page.text),
          mode: 'create',
          givenName: 'Ada',
          familyName: 'Lovelace',
          ...body,
        });
    for (const [password, confirm, why] of [
      ['short', 'short', /at least 12/],
      ['password1234', 'password1234', /common/],
      ['a long enough one 1', 'a different one 22', /differ/],
    ] as const) {
      const res = await post({ password, confirm });
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.match(res.text, why);
      assert.match(res.text, /value="Ada"/, 'the names stay filled in');
    }
    const ok = await post({
      password: 'correct horse battery staple',
      confirm: 'correct horse battery staple',
    });
    assert.equal(ok.status, 303, ok.text.slice(0, 300));
    const session = String(ok.headers['set-cookie'] ?? '');
    assert.match(session, /muster_session=/);
    const me = await supertest(t.app)
      .get('/api/v1/me')
      .set('Cookie', session.split(';')[0] ?? '');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'ada@guest.test');
    assert.deepEqual(await teamNames(t, org.id, 'ada@guest.test'), [`${team.slug}:invitation`]);
    const created = { body: { data: await feedEvents(t, org.id, 'user.created,invitation.accepted', 2) } };
    assert.deepEqual(
      created.body.data.map((e: { type: string }) => e.type),
      ['user.created', 'invitation.accepted'],
    );
    // Single use: the link now says accepted, and another acceptance is refused.
    const again = await post({
      password: 'correct horse battery staple',
      confirm: 'correct horse battery staple',
    });
    assert.equal(again.status, 409);
  });

  it('takes the password of the account the email has in the org, and refuses a wrong one', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const first = await invite(t, org.id, 'ada@guest.test');
    const b = browser(t);
    const page1 = await b.page(`/invite/${first.token}`);
    const made = await supertest(t.app)
      .post(`/invite/${first.token}/accept`)
      .set('Cookie', cookieOf(page1.headers))
      .set('Origin', publicUrl)
      .type('form')
      .send({
        csrf: b.csrfOf(page1.text),
        mode: 'create',
        password: 'a fine passphrase 1',
        confirm: 'a fine passphrase 1',
      });
    assert.equal(made.status, 303);
    const team = await makeTeam(t, org.id, 'Later');
    // A second invitation for the same person, into a team: the API refuses members, so it is made directly.
    const second = await invite(t, org.id, 'other@guest.test', { teams: [team.slug] });
    await sql`update invitations set email = 'ada@guest.test' where id = ${second.id}`.execute(t.database.db);
    const page2 = await b.page(`/invite/${second.token}`);
    assert.match(page2.text, /already have an account/);
    const send = (password: string) =>
      supertest(t.app)
        .post(`/invite/${second.token}/accept`)
        .set('Cookie', cookieOf(page2.headers))
        .set('Origin', publicUrl)
        .type('form')
        .send({ csrf: b.csrfOf(page2.text), mode: 'signin', password });
    const wrong = await send('not the passphrase');
    assert.equal(wrong.status, 401);
    assert.equal(
      (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${second.id}`)).body.status,
      'pending',
    );
    const right = await send('a fine passphrase 1');
    assert.equal(right.status, 303);
    assert.deepEqual(await teamNames(t, org.id, 'ada@guest.test'), [`${team.slug}:invitation`]);
  });

  it('offers a new invitation once expired, and tells the inviter once a day', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const invited = await invite(t, org.id, 'ada@guest.test');
    await sql`update invitations set expires_at = now() - interval '1 minute' where id = ${invited.id}`.execute(
      t.database.db,
    );
    const b = browser(t);
    const page = await b.page(`/invite/${invited.token}`);
    assert.equal(page.status, 410);
    assert.match(page.text, /expired/);
    // PUBLIC_URL is https, so the CSRF cookie is Secure: the test sends it by hand over plain http.
    const csrfCookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    const send = () =>
      b.agent
        .post(`/invite/${invited.token}/renew`)
        .set('Cookie', csrfCookie)
        .set('Origin', publicUrl)
        .type('form')
        .send({ csrf: b.csrfOf(page.text) });
    const first = await send();
    assert.equal(first.status, 200, first.text.slice(0, 600));
    assert.match(first.text, /new invitation/);
    const second = await send();
    assert.equal(second.status, 429);
    const audit = await t.admin.get(
      `/api/v1/orgs/${org.id}/audit-events?action=invitation.renewal_requested`,
    );
    assert.equal(audit.body.data.length, 1);
  });
});

function cookieOf(headers: Record<string, unknown>): string {
  const set = headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [String(set)] : [];
  return list.map((c: string) => c.split(';')[0]).join('; ');
}

async function dirOf(t: TestApp, org: string): Promise<[string, string]> {
  const dir = await makeDirectory(t, org, 'okta');
  return [dir.id, dir.token];
}

describe('an invitation to an email of an SSO domain', () => {
  it('sends the person through SSO, refuses a local account, and accepts once they are back signed in', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id, 'Guests');
    const domain = `sso-${org.slug}.test`;
    const invited = await invite(t, org.id, `ada@${domain}`, { teams: [team.slug] });
    const b = browser(t);
    // The account form of before the org routed the domain to SSO: its token is a valid one for that form.
    const before = await b.page(`/invite/${invited.token}`);
    assert.match(before.text, /name="password"/);
    const { certificate } = await generateCertifiedKeyPair({ commonName: 'idp.test' });
    const connection = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      name: 'Okta',
      domains: [domain],
      saml: {
        entityId: 'https://idp.test/okta',
        ssoUrl: 'https://idp.test/sso',
        certificates: [certificate],
      },
    });
    assert.equal(connection.status, 201, JSON.stringify(connection.body));
    const page = await b.page(`/invite/${invited.token}`);
    assert.equal(page.status, 200);
    const href = /href="(\/sso\/login\?[^"]+)"/.exec(page.text)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(href, page.text.slice(0, 600));
    const target = new URL(href, publicUrl);
    assert.equal(target.searchParams.get('email'), `ada@${domain}`);
    assert.equal(target.searchParams.get('returnTo'), `/invite/${invited.token}`);
    assert.doesNotMatch(page.text, /name="password"/, 'no password form for an SSO domain');

    const forged = await supertest(t.app)
      .post(`/invite/${invited.token}/accept`)
      .set('Cookie', cookieOf(before.headers))
      .set('Origin', publicUrl)
      .type('form')
      .send({
        csrf: b.csrfOf(before.text),
        mode: 'create',
        password: 'a fine passphrase 1',
        confirm: 'a fine passphrase 1',
      });
    assert.equal(forged.status, 403, 'no local account for a domain the org signs in with SSO');
    assert.match(forged.text, /single sign-on/);

    // Back from the IdP: the sign-in made the user (just in time) and a session.
    const user = await t.database.db
      .insertInto('users')
      .values({ id: randomUUID(), org_id: org.id, email: `ada@${domain}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { cookie } = await t.sessionFor(org.id, user.id);
    const back = await b.page(`/invite/${invited.token}`, cookie);
    assert.match(back.text, /You are signed in as <strong>ada@/);
    const accepted = await supertest(t.app)
      .post(`/invite/${invited.token}/accept`)
      .set('Cookie', `${cookie}; ${cookieOf(back.headers)}`)
      .set('Origin', publicUrl)
      .type('form')
      .send({ csrf: b.csrfOf(back.text), mode: 'session' });
    assert.equal(accepted.status, 303, accepted.text.slice(0, 300));
    assert.deepEqual(await teamNames(t, org.id, `ada@${domain}`), [`${team.slug}:invitation`]);
  });
});

describe('accepting as JSON, for an application with its own page', () => {
  it('makes the account from {password}, answers with the session, and refuses another origin or a weak password', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id, 'Guests');
    const invited = await invite(t, org.id, 'ada@json.test', { teams: [team.slug] });
    const post = (body: object, origin?: string) => {
      const req = supertest(t.app)
        .post(`/invite/${invited.token}/accept`)
        .set('Content-Type', 'application/json');
      if (origin) req.set('Origin', origin);
      return req.send(JSON.stringify(body));
    };
    const foreign = await post({ password: 'correct horse battery staple' }, 'https://evil.test');
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, 'forbidden');
    const weak = await post({ password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'validation_failed');
    const badType = await post({ password: 12 });
    assert.equal(badType.status, 400);
    assert.equal(
      (await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${invited.id}`)).body.status,
      'pending',
    );

    const ok = await post({ password: 'correct horse battery staple', givenName: 'Ada' }, publicUrl);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.created, true);
    assert.equal(ok.body.orgId, org.id);
    assert.match(String(ok.headers['set-cookie']), /muster_session=/);
    const me = await supertest(t.app)
      .get('/api/v1/me')
      .set('Authorization', `Bearer ${ok.body.session.token}`);
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'ada@json.test');
    assert.deepEqual(await teamNames(t, org.id, 'ada@json.test'), [`${team.slug}:invitation`]);
    const again = await post({ password: 'correct horse battery staple' });
    assert.equal(again.status, 409);
    const unknown = await supertest(t.app)
      .post(`/invite/${'A'.repeat(43)}/accept`)
      .set('Content-Type', 'application/json')
      .send('{}');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
  });
});
