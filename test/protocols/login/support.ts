import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import supertest from 'supertest';
import { clientOf, setLocalPassword } from '../../../src/domain/accounts/index.ts';
import { hashSecret } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { insertUser } from '../../../src/storage/index.ts';
import type { TestApp } from '../../support/app.ts';

/** A password the rules accept. */
export const goodPassword = 'violet kettle drums at noon';

export const system = { actor: { type: 'system' as const, id: null } };

/** An email no other test uses: the per-account throttle counts by email. */
export function freshEmail(label = 'ada', domain = 'example.com'): string {
  return `${label}-${randomBytes(5).toString('hex')}@${domain}`;
}

/** A client address of the test's own: the per-address throttle counts by it. */
export function freshIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/**
 * The app as behind a proxy on loopback, so each test's requests come from
 * the address it names in X-Forwarded-For, as a deployment behind a load
 * balancer would set `trust proxy`.
 */
export function behindProxy(t: TestApp): TestApp {
  t.app.set('trust proxy', 'loopback');
  return t;
}

/** A member of the org with a password. */
export async function localMember(
  t: TestApp,
  orgId: string,
  email: string,
  password = goodPassword,
): Promise<string> {
  const userId = newId();
  await insertUser(
    t.database.db,
    orgId,
    userId,
    { email, given_name: null, family_name: null, display_name: null },
    'active',
  );
  await t.database.db.transaction().execute((trx) => setLocalPassword(trx, orgId, userId, password, system));
  return userId;
}

/** A browser's view of a form: its CSRF cookie and field. */
export interface OpenedForm {
  readonly cookie: string;
  readonly csrf: string;
  readonly page: supertest.Response;
}

function setCookie(res: supertest.Response, name: string): string | undefined {
  const raw = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const line = raw.find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/** GETs a page and keeps its form's CSRF cookie and field. */
export async function openForm(t: TestApp, path: string, ip: string, cookie?: string): Promise<OpenedForm> {
  let request = supertest(t.app).get(path).set('X-Forwarded-For', ip);
  if (cookie) request = request.set('Cookie', cookie);
  const page = await request;
  assert.equal(page.status, 200, page.text);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(csrf, 'the form has a CSRF field');
  const fresh = setCookie(page, 'muster_csrf') ?? cookie;
  assert.ok(fresh, 'the CSRF cookie is set');
  return { cookie: fresh, csrf, page };
}

/** Posts a form as the browser that opened it. */
export function postForm(
  t: TestApp,
  path: string,
  ip: string,
  form: Pick<OpenedForm, 'cookie' | 'csrf'>,
  fields: Record<string, string>,
): supertest.Test {
  return supertest(t.app)
    .post(path)
    .set('X-Forwarded-For', ip)
    .set('Cookie', form.cookie)
    .type('form')
    .send({ csrf: form.csrf, ...fields });
}

/** Opens /login and signs in with an email and password (and whatever else the form carries). */
export async function signIn(
  t: TestApp,
  ip: string,
  fields: { email: string; password: string; org?: string; returnTo?: string },
): Promise<supertest.Response> {
  const form = await openForm(t, '/login', ip);
  return postForm(t, '/login', ip, form, fields as Record<string, string>);
}

/** The session cookie a response sets, as `muster_session=…`. */
export function sessionCookie(res: supertest.Response): string | undefined {
  return setCookie(res, 'muster_session');
}

/** The page's text without the parts that differ from one request to the next. */
export function pageText(res: supertest.Response): string {
  return res.text
    .replace(/name="csrf" value="[^"]+"/g, '')
    .replaceAll('%40', '@')
    .replace(/[^\s<>"=]+@[^\s<>"&]+/g, '<email>');
}

/** The reset links mailed to an address, newest last. */
export async function resetLinks(t: TestApp, email: string): Promise<string[]> {
  const { rows } = await sql<{ text_body: string }>`
    select text_body from mail_outbox
     where kind = 'password_reset' and lower(to_address) = ${email.toLowerCase()} order by id`.execute(
    t.database.db,
  );
  return rows.map((r) => {
    const token = /\/login\/reset\/([A-Za-z0-9_-]{43})/.exec(r.text_body)?.[1];
    assert.ok(token, r.text_body);
    return token;
  });
}

/** The throttle's keys for an email and a client address, as the domain stores them. */
export function throttleKeys(subjects: { email?: string; ip?: string; resetIp?: string }): string[] {
  return [
    ...(subjects.email ? [hashSecret(`account:${subjects.email.toLowerCase()}`)] : []),
    ...(subjects.ip ? [hashSecret(`ip:${clientOf(subjects.ip)}`)] : []),
    ...(subjects.resetIp ? [hashSecret(`reset:${clientOf(subjects.resetIp)}`)] : []),
  ];
}

/** Ends the locks on these subjects, as if their time had passed. */
export async function expireLocks(t: TestApp, subjects: { email?: string; ip?: string; resetIp?: string }) {
  await sql`update login_throttles set locked_until = now() - interval '1 second'
             where subject_hash = any(${throttleKeys(subjects)}::text[]) and locked_until > now()`.execute(
    t.database.db,
  );
}
