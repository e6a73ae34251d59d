import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import supertest from 'supertest';
import type { TestApp } from '../../support/app.ts';
import { testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeSamlConnection } from '../../support/connections.ts';
import { makeOrg } from '../../support/factories.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import {
  behindProxy,
  freshEmail,
  freshIp,
  goodPassword,
  localMember,
  openForm,
  pageText,
  postForm,
  resetLinks,
  sessionCookie,
  signIn,
} from './support.ts';

let shared: Promise<TestApp> | undefined;
const app = () => {
  shared ??= testApp().then(behindProxy);
  return shared;
};

const newPassword = 'amber lanterns over the harbour';

async function askForLink(t: TestApp, email: string, ip = freshIp(), extra: Record<string, string> = {}) {
  const form = await openForm(t, '/login/reset', ip);
  return postForm(t, '/login/reset', ip, form, { email, ...extra });
}

async function setNewPassword(
  t: TestApp,
  token: string,
  password: string,
  confirm = password,
  ip = freshIp(),
) {
  const form = await openForm(t, `/login/reset/${token}`, ip);
  return postForm(t, `/login/reset/${token}`, ip, form, { password, confirm });
}

async function memberWithLink(t: TestApp) {
  const org = await makeOrg(t, 'Reset Org');
  const email = freshEmail();
  const userId = await localMember(t, org.id, email);
  const res = await askForLink(t, email);
  assert.equal(res.status, 200, res.text);
  const [token] = await resetLinks(t, email);
  assert.ok(token);
  return { org, email, userId, token };
}

describe('asking for a reset link', () => {
  it('shows a form for the email, with its CSRF field', async () => {
    const t = await app();
    const res = await supertest(t.app).get('/login/reset').query({ email: 'a@example.com' });
    assert.equal(res.status, 200);
    assert.match(res.text, /<label for="email">Email address<\/label>/);
    assert.match(res.text, /value="a@example.com"/);
    assert.match(res.text, /<form method="post" action="\/login\/reset">/);
    assert.match(res.text, /name="csrf"/);
  });

  it('mails a link valid for an hour, audited; an unknown email gets the same page and no mail', async () => {
    const t = await app();
    const org = await makeOrg(t, 'Reset Org');
    const email = freshEmail();
    const userId = await localMember(t, org.id, email);
    const known = await askForLink(t, email);
    const unknownEmail = freshEmail('nobody');
    const unknown = await askForLink(t, unknownEmail);
    for (const res of [known, unknown]) {
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /<h1>Check your email<\/h1>/);
      assert.match(res.text, /role="status"/);
    }
    assert.equal(pageText(known), pageText(unknown));
    assert.deepEqual(await resetLinks(t, unknownEmail), []);

    const { rows } = await sql<{
      to_address: string;
      subject: string;
      text_body: string;
      html_body: string;
      subject_id: string;
    }>`
      select to_address, subject, text_body, html_body, subject_id from mail_outbox
       where org_id = ${org.id} and kind = 'password_reset'`.execute(t.database.db);
    assert.equal(rows.length, 1);
    const mail = rows[0];
    assert.ok(mail);
    assert.equal(mail.to_address, email);
    assert.equal(mail.subject, 'Reset your Reset Org password');
    assert.equal(mail.subject_id, userId);
    assert.match(mail.text_body, /https:\/\/muster\.test\/login\/reset\/[A-Za-z0-9_-]{43}/);
    assert.match(
      mail.html_body,
      /<a href="https:\/\/muster\.test\/login\/reset\/[A-Za-z0-9_-]{43}">Choose a new password<\/a>/,
    );
    assert.match(mail.text_body, /works once, until/);

    const { rows: tokens } = await sql<{ token_hash: string; expires_at: Date; created_at: Date }>`
      select token_hash, expires_at, created_at from password_reset_tokens where user_id = ${userId}`.execute(
      t.database.db,
    );
    assert.equal(tokens.length, 1);
    const [token] = await resetLinks(t, email);
    assert.ok(token && !JSON.stringify(tokens).includes(token), 'only the hash is stored');
    assert.match(tokens[0]?.token_hash ?? '', /^[0-9a-f]{64}$/);
    const lifetime = (tokens[0]?.expires_at.getTime() ?? 0) - (tokens[0]?.created_at.getTime() ?? 0);
    assert.ok(Math.abs(lifetime - 3600_000) < 5000, String(lifetime));

    const [requested] = await auditOf(t, org.id, 'account.password_reset_requested', userId);
    assert.ok(requested);
    assert.ok(!JSON.stringify(requested).includes(token), 'the audit holds no token');
  });

  it('sends one link per org where the email has a password', async () => {
    const t = await app();
    const email = freshEmail();
    await localMember(t, (await makeOrg(t, 'One')).id, email);
    await localMember(t, (await makeOrg(t, 'Two')).id, email);
    await askForLink(t, email);
    assert.equal((await resetLinks(t, email)).length, 2);
  });

  it('sends at most three links an hour to an account, and says the same after', async () => {
    const t = await app();
    const org = await makeOrg(t);
    const email = freshEmail();
    await localMember(t, org.id, email);
    for (let i = 0; i < 4; i++) assert.equal((await askForLink(t, email)).status, 200);
    assert.equal((await resetLinks(t, email)).length, 3);
  });

  it('sends nothing to an address routed to SSO', async () => {
    const t = await app();
    const org = await makeOrg(t);
    const connection = await makeSamlConnection(t, org.id, (await samlWorld()).idp);
    const email = `ada@${connection.domains[0]?.domain}`;
    await localMember(t, org.id, email);
    assert.equal((await askForLink(t, email)).status, 200);
    assert.deepEqual(await resetLinks(t, email), []);
  });

  it('limits the links asked from one address: 10, then 429 with Retry-After', async () => {
    const t = await app();
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await askForLink(t, freshEmail('x'), ip)).status);
    assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
    const last = await askForLink(t, freshEmail('x'), ip);
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers['retry-after']) > 0);
    assert.match(last.text, /Too many reset links/);
  });

  it('refuses a post without its CSRF token (403) and a bad email (400)', async () => {
    const t = await app();
    const ip = freshIp();
    const form = await openForm(t, '/login/reset', ip);
    const login = await openForm(t, '/login', ip, form.cookie);
    const forged = await postForm(
      t,
      '/login/reset',
      ip,
      { cookie: form.cookie, csrf: login.csrf },
      { email: 'a@example.com' },
    );
    assert.equal(forged.status, 403);
    const bare = await supertest(t.app).post('/login/reset').type('form').send({ email: 'a@example.com' });
    assert.equal(bare.status, 403);
    const bad = await postForm(t, '/login/reset', ip, form, { email: 'nope' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Enter your email address/);
  });
});

describe('setting a new password with the link', () => {
  it('shows the form for the link’s account', async () => {
    const t = await app();
    const { email, token } = await memberWithLink(t);
    const res = await supertest(t.app).get(`/login/reset/${token}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.ok(res.text.includes(`<strong>${email}</strong> at Reset Org`));
    assert.match(res.text, /<label for="password">New password<\/label>/);
    assert.match(res.text, /autocomplete="new-password" minlength="12" maxlength="256" required/);
    assert.match(res.text, /aria-describedby="password-hint"/);
    assert.match(res.text, /<label for="confirm">New password again<\/label>/);
  });

  it('refuses a password the rules refuse, saying why, and the link still works', async () => {
    const t = await app();
    const { email, token } = await memberWithLink(t);
    const cases: [string, string, string][] = [
      ['short one', 'short one', 'at least 12 characters'],
      ['Password1234!', 'Password1234!', 'too common'],
      ['qwertyuiop123', 'qwertyuiop123', 'too common'],
      [email, email, 'email address'],
      [`${email.split('@')[0]}2024!`, `${email.split('@')[0]}2024!`, 'email address'],
      ['x'.repeat(257), 'x'.repeat(257), 'at most 256 characters'],
      [newPassword, `${newPassword}.`, 'not the same'],
    ];
    for (const [password, confirm, why] of cases) {
      const res = await setNewPassword(t, token, password, confirm);
      assert.equal(res.status, 400, `${password}: ${res.text}`);
      assert.match(res.text, new RegExp(`role="alert" id="form-error">[^<]*${why}`), password);
      assert.match(res.text, /aria-invalid="true"/);
    }
    assert.equal(
      (await supertest(t.app).get(`/login/reset/${token}`)).status,
      200,
      'the link was not used up',
    );
  });

  it('sets the password, ends every session, voids the other links, and audits it', async () => {
    const t = await app();
    const { org, email, userId, token } = await memberWithLink(t);
    await askForLink(t, email);
    const [, second] = await resetLinks(t, email);
    assert.ok(second);
    const before = await t.sessionFor(org.id, userId);
    assert.equal((await supertest(t.app).get('/api/v1/me').set('Cookie', before.cookie)).status, 200);

    const res = await setNewPassword(t, token, newPassword);
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /<h1>Password changed<\/h1>/);
    assert.match(res.text, /signed out everywhere/);
    assert.ok(
      res.text.includes(`href="/login?email=${encodeURIComponent(email)}&amp;org=${org.slug}"`),
      res.text,
    );
    assert.equal(sessionCookie(res), undefined, 'a reset signs nobody in');

    assert.equal((await supertest(t.app).get('/api/v1/me').set('Cookie', before.cookie)).status, 401);
    const [revoked] = await auditOf(t, org.id, 'session.revoked', userId);
    assert.equal(revoked?.after?.reason, 'password_reset');
    const [reset] = await auditOf(t, org.id, 'account.password_reset', userId);
    assert.equal(reset?.actor.type, 'user');
    assert.equal(reset?.after?.sessionsEnded, 1);

    assert.equal((await signIn(t, freshIp(), { email, password: goodPassword })).status, 401);
    assert.equal((await signIn(t, freshIp(), { email, password: newPassword })).status, 303);
    assert.equal(
      (await supertest(t.app).get(`/login/reset/${second}`)).status,
      404,
      'the other link is void',
    );
  });

  it('is single use: the link works once', async () => {
    const t = await app();
    const { token } = await memberWithLink(t);
    const ip = freshIp();
    const form = await openForm(t, `/login/reset/${token}`, ip);
    const first = await postForm(t, `/login/reset/${token}`, ip, form, {
      password: newPassword,
      confirm: newPassword,
    });
    assert.equal(first.status, 200);
    const again = await postForm(t, `/login/reset/${token}`, ip, form, {
      password: 'a different new password',
      confirm: 'a different new password',
    });
    assert.equal(again.status, 404);
    assert.match(again.text, /does not work any more/);
    assert.match(again.text, /<a class="button" href="\/login\/reset">Ask for a new link<\/a>/);
    assert.equal((await supertest(t.app).get(`/login/reset/${token}`)).status, 404);
  });

  it('ends after its hour', async () => {
    const t = await app();
    const { userId, token } = await memberWithLink(t);
    await sql`update password_reset_tokens set expires_at = now() - interval '1 second' where user_id = ${userId}`.execute(
      t.database.db,
    );
    assert.equal((await supertest(t.app).get(`/login/reset/${token}`)).status, 404);
    const ip = freshIp();
    const login = await openForm(t, '/login', ip);
    // The page is gone, so post with any form's cookie: the CSRF check passes or not, the link is dead.
    const res = await postForm(t, `/login/reset/${token}`, ip, login, {
      password: newPassword,
      confirm: newPassword,
    });
    assert.ok([403, 404].includes(res.status));
  });

  it('refuses a link that was never sent, and a post without its CSRF token', async () => {
    const t = await app();
    for (const token of ['A'.repeat(43), 'short', `${'A'.repeat(42)}!`])
      assert.equal(
        (await supertest(t.app).get(`/login/reset/${encodeURIComponent(token)}`)).status,
        404,
        token,
      );
    const { token } = await memberWithLink(t);
    const ip = freshIp();
    const form = await openForm(t, `/login/reset/${token}`, ip);
    const forged = await supertest(t.app)
      .post(`/login/reset/${token}`)
      .set('Cookie', form.cookie)
      .type('form')
      .send({ password: newPassword, confirm: newPassword });
    assert.equal(forged.status, 403);
    assert.equal((await supertest(t.app).get(`/login/reset/${token}`)).status, 200, 'the link still works');
  });

  it('lifts the lock of an account whose failures locked it', async () => {
    const t = await app();
    const { email, token } = await memberWithLink(t);
    for (let i = 0; i < 5; i++) await signIn(t, freshIp(), { email, password: `wrong password ${i}` });
    assert.equal((await signIn(t, freshIp(), { email, password: goodPassword })).status, 429);
    assert.equal((await setNewPassword(t, token, newPassword)).status, 200);
    assert.equal((await signIn(t, freshIp(), { email, password: newPassword })).status, 303);
  });
});
