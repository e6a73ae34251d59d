import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { SigningKeys, startSession } from '../../../src/domain/sessions/index.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { assertError } from '../../support/assertions.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { pushMember, sessionCookieOf } from './support.ts';

async function signedIn(t: TestApp, appUrls: string[] = []) {
  const org = await makeOrg(t);
  if (appUrls.length > 0) {
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const member = await pushMember(t, org.id, 'ada@example.com');
  return { org, ...member, ...(await t.sessionFor(org.id, member.userId)) };
}

async function revokedAt(t: TestApp, sessionId: string): Promise<Date | null | undefined> {
  const { rows } = await sql<{ revoked_at: Date | null }>`
    select revoked_at from sessions where id = ${sessionId}`.execute(t.database.db);
  return rows[0]?.revoked_at;
}

function assertCleared(res: { headers: Record<string, unknown> }) {
  const cookie = sessionCookieOf(res as never);
  assert.ok(cookie, 'the cookie is cleared');
  assert.equal(cookie.get('value'), '');
  assert.match(cookie.get('expires') ?? '', /1970/);
  assert.ok(cookie.has('httponly'));
  assert.equal(cookie.get('path'), '/');
}

describe('POST /sso/logout', () => {
  it('ends the session: the row is revoked, the cookie cleared, the event audited', async () => {
    const t = await testApp();
    const { org, userId, cookie, sessionId } = await signedIn(t);
    const res = await t.http.post('/sso/logout').set('Cookie', cookie).set('Origin', publicUrl);
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal(res.headers['cache-control'], 'no-store');
    assertCleared(res);
    assert.ok((await revokedAt(t, sessionId)) instanceof Date);
    assertError(await t.http.get('/api/v1/me').set('Cookie', cookie), 401, 'unauthorized');
    const [event] = await auditOf(t, org.id, 'session.ended', userId);
    assert.deepEqual(event?.actor, { type: 'user', id: userId });
    assert.equal(event?.after?.sessionId, sessionId);
  });

  it('is idempotent: without a session, or a second time, it succeeds and does nothing', async () => {
    const t = await testApp();
    const { cookie } = await signedIn(t);
    assert.equal((await t.http.post('/sso/logout')).status, 204);
    assert.equal((await t.http.post('/sso/logout').set('Cookie', cookie)).status, 204);
    const again = await t.http.post('/sso/logout').set('Cookie', cookie);
    assert.equal(again.status, 204);
    assertCleared(again);
    const garbage = await t.http.post('/sso/logout').set('Cookie', 'muster_session=garbage');
    assert.equal(garbage.status, 204);
    assert.equal((garbage.headers['set-cookie'] as unknown as string[]).length, 1, 'cleared once');
  });

  it('refuses a cross-site POST: another origin cannot end the session', async () => {
    const t = await testApp();
    const { cookie, sessionId } = await signedIn(t, ['https://app.example.com']);
    for (const origin of [
      'https://evil.example',
      'null',
      'https://app.example.com.evil.example',
      'http://muster.test',
    ]) {
      const res = await t.http.post('/sso/logout').set('Cookie', cookie).set('Origin', origin);
      assertError(res, 403, 'forbidden');
      assert.equal(sessionCookieOf(res), undefined, origin);
    }
    // A browser sends no SameSite=Lax cookie on a cross-site POST: nothing names a session to end.
    assert.equal((await t.http.post('/sso/logout').set('Origin', 'https://evil.example')).status, 403);
    assert.equal(await revokedAt(t, sessionId), null);
    assert.equal((await t.http.get('/api/v1/me').set('Cookie', cookie)).status, 200);
  });

  it("takes a POST from the org's application, whose origin is one of its app URLs", async () => {
    const t = await testApp();
    const { cookie, sessionId } = await signedIn(t, ['https://app.example.com/portal']);
    const res = await t.http
      .post('/sso/logout')
      .set('Cookie', cookie)
      .set('Origin', 'https://app.example.com');
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.ok((await revokedAt(t, sessionId)) instanceof Date);
  });

  it('sends the browser on to an allowed returnTo, and to the default page otherwise', async () => {
    const t = await testApp();
    const { cookie } = await signedIn(t, ['https://app.example.com/portal']);
    const form = (returnTo: string) =>
      t.http
        .post('/sso/logout')
        .set('Cookie', cookie)
        .type('form')
        .send({ returnTo })
        .then((res) => [res.status, res.headers.location]);
    assert.deepEqual(await form('/signed-out'), [303, `${publicUrl}/signed-out`]);
    const { cookie: again } = await signedIn(t, ['https://app.example.com/portal']);
    const byQuery = await t.http
      .post(`/sso/logout?returnTo=${encodeURIComponent('https://app.example.com/portal/bye')}`)
      .set('Cookie', again);
    assert.deepEqual([byQuery.status, byQuery.headers.location], [303, 'https://app.example.com/portal/bye']);
    const { cookie: third } = await signedIn(t, ['https://app.example.com/portal']);
    const evil = await t.http
      .post('/sso/logout')
      .set('Cookie', third)
      .type('form')
      .send({ returnTo: '//evil.example' });
    assert.deepEqual([evil.status, evil.headers.location], [303, 'https://app.example.com/portal']);
    // Without a session there are no app URLs: PUBLIC_URL is the default.
    const anonymous = await t.http
      .post('/sso/logout')
      .type('form')
      .send({ returnTo: 'https://app.example.com/portal' });
    assert.deepEqual([anonymous.status, anonymous.headers.location], [303, `${publicUrl}/`]);
  });

  it('ends a session whose token expired, and one named by a bearer token', async () => {
    const t = await testApp();
    const { org, userId, token, sessionId } = await signedIn(t);
    const past = new SigningKeys(t.database.db, new SecretBox(developmentMasterKey), {
      issuer: publicUrl,
      now: () => new Date(Date.now() - 600_000),
    });
    const expired = await startSession(
      t.database.db,
      past,
      { orgId: org.id, userId, connectionId: null, loginId: newId() },
      { actor: { type: 'system', id: null } },
    );
    const res = await t.http.post('/sso/logout').set('Cookie', `muster_session=${expired.token}`);
    assert.equal(res.status, 204);
    assert.ok((await revokedAt(t, expired.sessionId)) instanceof Date);
    // The expired token was not renewed on the way out: the only cookie set clears it.
    assert.equal((res.headers['set-cookie'] as unknown as string[]).length, 1);
    assertCleared(res);
    assert.equal((await t.as(token).post('/sso/logout')).status, 204);
    assert.ok((await revokedAt(t, sessionId)) instanceof Date);
  });

  it('takes small forms only, and POST only', async () => {
    const t = await testApp();
    const big = await t.http
      .post('/sso/logout')
      .type('form')
      .send({ returnTo: `/${'a'.repeat(10_000)}` });
    assertError(big, 413, 'payload_too_large');
    assertError(await t.http.get('/sso/logout'), 405, 'method_not_allowed');
  });
});
