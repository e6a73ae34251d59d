import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import supertest from 'supertest';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeSamlConnection } from '../../support/connections.ts';
import { makeOrg } from '../../support/factories.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import {
  behindProxy,
  expireLocks,
  freshEmail,
  freshIp,
  goodPassword,
  localMember,
  openForm,
  pageText,
  postForm,
  sessionCookie,
  signIn,
} from './support.ts';

let shared: Promise<TestApp> | undefined;
/** One app for the file, as behind a proxy: each test signs in from an address of its own. */
const app = () => {
  shared ??= testApp().then(behindProxy);
  return shared;
};

async function member(t: TestApp, options: { appUrls?: string[] } = {}) {
  const org = await makeOrg(t);
  if (options.appUrls) {
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: options.appUrls });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const email = freshEmail();
  const userId = await localMember(t, org.id, email);
  return { org, email, userId };
}

function assertPage(res: supertest.Response, status: number) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers['content-type'] ?? '', /^text\/html/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.headers['content-security-policy'] ?? '', /form-action 'self'/);
  assert.doesNotMatch(res.text, /<script/i);
  assert.doesNotMatch(res.text, /at .*\.ts:\d+/, 'no stack');
}

describe('GET /login', () => {
  it('asks for the email first, on an accessible page that needs no script', async () => {
    const t = await app();
    const res = await supertest(t.app).get('/login').set('X-Forwarded-For', freshIp());
    assertPage(res, 200);
    assert.match(res.text, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(res.text, /<label for="email">Email address<\/label>/);
    assert.match(
      res.text,
      /<input id="email" name="email" type="email"[^>]* autocomplete="username"[^>]* required/,
    );
    assert.match(res.text, /<form method="post" action="\/login">/);
    assert.match(res.text, /<input type="hidden" name="csrf" value="[A-Za-z0-9_-]{43}">/);
    assert.match(res.text, /<a href="\/login\/reset">Forgot your password\?<\/a>/);
    assert.match(
      String(res.headers['set-cookie']),
      /muster_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    );
  });

  it('carries org and returnTo into the form, escaped', async () => {
    const t = await app();
    const res = await supertest(t.app)
      .get('/login')
      .query({ org: 'acme', returnTo: '/x"><script>alert(1)</script>' })
      .set('X-Forwarded-For', freshIp());
    assertPage(res, 200);
    assert.match(res.text, /<input type="hidden" name="org" value="acme">/);
    assert.match(res.text, /name="returnTo" value="\/x&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  });

  it('with an email whose domain has no SSO, shows the password form', async () => {
    const t = await app();
    const { email } = await member(t);
    const res = await supertest(t.app).get('/login').query({ email }).set('X-Forwarded-For', freshIp());
    assertPage(res, 200);
    assert.match(res.text, /<label for="password">Password<\/label>/);
    assert.match(
      res.text,
      /<input id="password" name="password" type="password" autocomplete="current-password"/,
    );
    assert.ok(res.text.includes(`<strong>${email}</strong>`));
  });
});

describe('POST /login', () => {
  it('the email step answers the password form for a domain without SSO', async () => {
    const t = await app();
    const ip = freshIp();
    const form = await openForm(t, '/login', ip);
    const res = await postForm(t, '/login', ip, form, { email: 'someone@example.com' });
    assertPage(res, 200);
    assert.match(res.text, /autocomplete="current-password"/);
    assert.match(
      res.text,
      /<input type="hidden" name="email" value="someone@example.com" autocomplete="username">/,
    );
  });

  it('signs in: a session cookie, and a 303 to the default page', async () => {
    const t = await app();
    const { org, email, userId } = await member(t);
    const res = await signIn(t, freshIp(), { email: email.toUpperCase(), password: goodPassword });
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.location, `${publicUrl}/`);
    assert.equal(res.headers['cache-control'], 'no-store');
    const cookie = sessionCookie(res);
    assert.ok(cookie);
    assert.match(
      String(res.headers['set-cookie']),
      /muster_session=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax/,
    );
    const me = await supertest(t.app).get('/api/v1/me').set('Cookie', cookie);
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.user.id, userId);
    assert.equal(me.body.org.id, org.id);
    const [started] = await auditOf(t, org.id, 'session.started', userId);
    assert.equal(started?.after?.connectionId, null);
  });

  it('goes to an allowed returnTo: a path here by 303, the org’s application by a hand-off page', async () => {
    const t = await app();
    const { email } = await member(t, { appUrls: ['https://app.example.com'] });
    const here = await signIn(t, freshIp(), { email, password: goodPassword, returnTo: '/account?tab=1' });
    assert.equal(here.status, 303, here.text);
    assert.equal(here.headers.location, `${publicUrl}/account?tab=1`);

    // A redirect to another origin after a form post is dropped by Chrome and Safari under
    // form-action 'self': the page hands the browser on with Refresh and a link.
    const there = await signIn(t, freshIp(), {
      email,
      password: goodPassword,
      returnTo: 'https://app.example.com/welcome',
    });
    assertPage(there, 200);
    assert.equal(there.headers.refresh, '0; url=https://app.example.com/welcome');
    assert.match(there.text, /<a class="button" href="https:\/\/app.example.com\/welcome">Continue<\/a>/);
    assert.ok(sessionCookie(there));
  });

  it('drops a returnTo that is not allowed: the default page instead', async () => {
    const t = await app();
    const plain = await member(t);
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      'javascript:alert(1)',
      '/\\evil.example',
    ]) {
      const res = await signIn(t, freshIp(), { email: plain.email, password: goodPassword, returnTo });
      assert.equal(res.status, 303, returnTo);
      assert.equal(res.headers.location, `${publicUrl}/`, returnTo);
    }
    const withApp = await member(t, { appUrls: ['https://app.example.com/home'] });
    const res = await signIn(t, freshIp(), {
      email: withApp.email,
      password: goodPassword,
      returnTo: 'https://app.example.com.evil.example/',
    });
    assertPage(res, 200);
    assert.equal(res.headers.refresh, '0; url=https://app.example.com/home');
  });

  it('answers a wrong password and an unknown email alike: 401, the same words, no cookie', async () => {
    const t = await app();
    const { email } = await member(t);
    const wrong = await signIn(t, freshIp(), { email, password: 'not the right password' });
    const unknown = await signIn(t, freshIp(), {
      email: freshEmail('nobody'),
      password: 'not the right password',
    });
    for (const res of [wrong, unknown]) {
      assertPage(res, 401);
      assert.match(
        res.text,
        /<p class="error" role="alert" id="form-error">The email address or the password is not right<\/p>/,
      );
      assert.match(res.text, /aria-invalid="true" aria-describedby="form-error"/);
      assert.equal(sessionCookie(res), undefined);
    }
    assert.equal(pageText(wrong), pageText(unknown));
  });

  it('refuses an empty email or password with 400', async () => {
    const t = await app();
    const ip = freshIp();
    const form = await openForm(t, '/login', ip);
    const noEmail = await postForm(t, '/login', ip, form, { email: 'not-an-email' });
    assertPage(noEmail, 400);
    assert.match(noEmail.text, /Enter your email address/);
    const noPassword = await postForm(t, '/login', ip, form, { email: 'someone@example.com', password: '' });
    assertPage(noPassword, 400);
    assert.match(noPassword.text, /Enter your password/);
  });

  it('backs off after 5 failures on an account: 429 with Retry-After, doubling, even for the right password', async () => {
    const t = await app();
    const { org, email, userId } = await member(t);
    const statuses: number[] = [];
    let last: supertest.Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await signIn(t, freshIp(), { email, password: `wrong password ${i}` });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
    assert.ok(last);
    assertPage(last, 429);
    assert.ok(Math.abs(Number(last.headers['retry-after']) - 30) <= 2, last.headers['retry-after']);
    assert.match(last.text, /Too many failed sign-ins/);

    const locked = await signIn(t, freshIp(), { email, password: goodPassword });
    assertPage(locked, 429);
    assert.equal(sessionCookie(locked), undefined, 'the right password waits for the lock too');

    await expireLocks(t, { email });
    const again = await signIn(t, freshIp(), { email, password: 'wrong password 5' });
    assertPage(again, 429);
    assert.ok(Math.abs(Number(again.headers['retry-after']) - 60) <= 2, again.headers['retry-after']);

    await expireLocks(t, { email });
    const ok = await signIn(t, freshIp(), { email, password: goodPassword });
    assert.equal(ok.status, 303, ok.text);
    // A success forgets the failures: four more wrong ones are refused without a lock.
    for (let i = 0; i < 4; i++)
      assert.equal((await signIn(t, freshIp(), { email, password: 'wrong again and again' })).status, 401);

    const failures = await auditOf(t, org.id, 'account.login_failed', userId);
    assert.equal(failures.length, 10, 'each counted failure, none of the refused attempts');
    assert.equal(failures[0]?.actor.type, 'system');
    assert.equal(typeof failures[0]?.after?.ip, 'string');
  });

  it('locks an unknown email the same way: a lock says nothing of an account', async () => {
    const t = await app();
    const email = freshEmail('nobody');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await signIn(t, freshIp(), { email, password: `wrong password ${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
  });

  it('backs off after 20 failures from one address, across accounts; other addresses go on', async () => {
    const t = await app();
    const ip = freshIp();
    const { email } = await member(t);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await signIn(t, ip, { email: freshEmail('spray'), password: 'Winter2024!!' })).status);
    assert.deepEqual(statuses, [...Array(19).fill(401), 429]);
    const blocked = await signIn(t, ip, { email, password: goodPassword });
    assertPage(blocked, 429);
    assert.ok(Number(blocked.headers['retry-after']) >= 28);
    const elsewhere = await signIn(t, freshIp(), { email, password: goodPassword });
    assert.equal(elsewhere.status, 303);
    // An IPv6 client is its /64: another address in the prefix is the same client.
    const v6 = '2001:db8:77:1::1';
    for (let i = 0; i < 20; i++)
      await signIn(t, `2001:db8:77:1::${(i + 2).toString(16)}`, {
        email: freshEmail('v6'),
        password: 'Winter2024!!',
      });
    assert.equal((await signIn(t, v6, { email, password: goodPassword })).status, 429);
  });

  it('asks which org when the email has passwords in several, and signs in to the one named', async () => {
    const t = await app();
    const email = freshEmail();
    const a = await makeOrg(t, 'Alpha');
    const b = await makeOrg(t, 'Beta');
    await localMember(t, a.id, email);
    const inB = await localMember(t, b.id, email, 'another good password for beta');
    const ip = freshIp();
    const asked = await signIn(t, ip, { email, password: 'another good password for beta' });
    assertPage(asked, 200);
    assert.match(asked.text, /more than one organization/);
    assert.match(asked.text, /<label for="org">Organization<\/label>/);
    assert.doesNotMatch(asked.text, new RegExp(`${a.slug}|${b.slug}|Alpha|Beta`), 'the orgs are not named');
    assert.equal(sessionCookie(asked), undefined);

    const form = await openForm(t, '/login', ip);
    const res = await postForm(t, '/login', ip, form, {
      email,
      password: 'another good password for beta',
      org: b.slug.toUpperCase(),
      askOrg: '1',
    });
    assert.equal(res.status, 303, res.text);
    const me = await supertest(t.app)
      .get('/api/v1/me')
      .set('Cookie', sessionCookie(res) ?? '');
    assert.equal(me.body.user.id, inB);
    assert.equal(me.body.org.id, b.id);

    const wrongOrg = await postForm(t, '/login', ip, form, {
      email,
      password: 'another good password for beta',
      org: a.slug,
      askOrg: '1',
    });
    assertPage(wrongOrg, 401);
    assert.match(wrongOrg.text, /<label for="org">/, 'the org stays to correct');
    const noSuchOrg = await postForm(t, '/login', ip, form, {
      email,
      password: goodPassword,
      org: 'no-such-org',
    });
    assertPage(noSuchOrg, 401);
  });

  it('refuses a suspended member with the right password (403), a wrong one like any other (401)', async () => {
    const t = await app();
    const { email, userId } = await member(t);
    await sql`update users set status = 'suspended' where id = ${userId}`.execute(t.database.db);
    const right = await signIn(t, freshIp(), { email, password: goodPassword });
    assertPage(right, 403);
    assert.match(right.text, /suspended/);
    assert.equal(sessionCookie(right), undefined);
    assertPage(await signIn(t, freshIp(), { email, password: 'not the right password' }), 401);
  });

  it('refuses a form without its CSRF token, with another form’s, or from another site: 403', async () => {
    const t = await app();
    const { email } = await member(t);
    const ip = freshIp();
    const form = await openForm(t, '/login', ip);
    const resetForm = await openForm(t, '/login/reset', ip, form.cookie);
    const cases: [string, supertest.Test][] = [
      [
        'no token',
        supertest(t.app)
          .post('/login')
          .set('X-Forwarded-For', ip)
          .set('Cookie', form.cookie)
          .type('form')
          .send({ email, password: goodPassword }),
      ],
      [
        'no cookie',
        supertest(t.app)
          .post('/login')
          .set('X-Forwarded-For', ip)
          .type('form')
          .send({ csrf: form.csrf, email, password: goodPassword }),
      ],
      [
        'a wrong token',
        postForm(
          t,
          '/login',
          ip,
          { cookie: form.cookie, csrf: `${form.csrf.slice(0, -2)}AA` },
          { email, password: goodPassword },
        ),
      ],
      [
        'another browser’s cookie',
        postForm(
          t,
          '/login',
          ip,
          { cookie: `muster_csrf=${'A'.repeat(43)}`, csrf: form.csrf },
          { email, password: goodPassword },
        ),
      ],
      [
        'the reset form’s token',
        postForm(
          t,
          '/login',
          ip,
          { cookie: form.cookie, csrf: resetForm.csrf },
          { email, password: goodPassword },
        ),
      ],
      [
        'another origin',
        postForm(t, '/login', ip, form, { email, password: goodPassword }).set(
          'Origin',
          'https://evil.example',
        ),
      ],
      [
        'JSON',
        supertest(t.app)
          .post('/login')
          .set('X-Forwarded-For', ip)
          .set('Cookie', form.cookie)
          .send({ csrf: form.csrf, email, password: goodPassword }),
      ],
    ];
    for (const [name, request] of cases) {
      const res = await request;
      assertPage(res, 403);
      assert.match(res.text, /form/i, name);
      assert.equal(sessionCookie(res), undefined, name);
    }
    const ok = await postForm(t, '/login', ip, form, { email, password: goodPassword }).set(
      'Origin',
      publicUrl,
    );
    assert.equal(ok.status, 303);
  });

  it('caps the form at 8 KiB: a larger one is a 413 page', async () => {
    const t = await app();
    const ip = freshIp();
    const form = await openForm(t, '/login', ip);
    const res = await postForm(t, '/login', ip, form, { email: 'a@example.com', password: 'x'.repeat(9000) });
    assertPage(res, 413);
  });
});

describe('an email domain routed to SSO', () => {
  it('goes to /sso/login instead of a password form, from every step', async () => {
    const t = await app();
    const org = await makeOrg(t);
    const connection = await makeSamlConnection(t, org.id, (await samlWorld()).idp);
    const domain = connection.domains[0]?.domain ?? '';
    const email = `ada@${domain}`;
    // A password of old does not open a way around the IdP.
    await localMember(t, org.id, email);
    const sso = `/sso/login?email=${encodeURIComponent(email)}&returnTo=%2Fhome`;

    const linked = await supertest(t.app)
      .get('/login')
      .query({ email, returnTo: '/home' })
      .set('X-Forwarded-For', freshIp());
    assert.equal(linked.status, 303);
    assert.equal(linked.headers.location, sso);

    const ip = freshIp();
    const form = await openForm(t, '/login', ip);
    const step = await postForm(t, '/login', ip, form, { email, returnTo: '/home' });
    assertPage(step, 200);
    assert.equal(step.headers.refresh, `0; url=${sso}`);
    assert.ok(step.text.includes(`href="${sso.replaceAll('&', '&amp;')}"`), step.text);
    assert.doesNotMatch(step.text, /type="password"/);

    const withPassword = await postForm(t, '/login', ip, form, {
      email,
      password: goodPassword,
      returnTo: '/home',
    });
    assertPage(withPassword, 200);
    assert.equal(withPassword.headers.refresh, `0; url=${sso}`);
    assert.equal(sessionCookie(withPassword), undefined, 'no password sign-in for an SSO domain');

    // The hand-off leads to the IdP.
    const atIdp = await supertest(t.app).get(sso);
    assert.equal(atIdp.status, 302, atIdp.text);
    assert.match(atIdp.headers.location ?? '', /^https:\/\/idp\.x\.test\/sso\?SAMLRequest=/);

    // A guest in another org, named by the sign-in, uses that org's password.
    const other = await makeOrg(t);
    await localMember(t, other.id, email);
    const guest = await signIn(t, freshIp(), { email, password: goodPassword, org: other.slug });
    assert.equal(guest.status, 303, guest.text);
    const sameOrg = await signIn(t, freshIp(), { email, password: goodPassword, org: org.slug });
    assert.equal(sameOrg.headers.refresh, `0; url=${sso.replace('&returnTo=%2Fhome', '')}`);
  });
});
