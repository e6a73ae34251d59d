import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { sql } from 'kysely';
import { authenticateSession, SigningKeys, startSession } from '../../../src/domain/sessions/index.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { assertError } from '../../support/assertions.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { patchOp } from '../../support/scim.ts';
import { applicationVerifier, pushMember, sessionCookieOf } from './support.ts';

const system = { actor: { type: 'system' as const, id: null } };

async function signedIn(t: TestApp, email = 'ada@example.com') {
  const org = await makeOrg(t);
  const member = await pushMember(t, org.id, email);
  const session = await t.sessionFor(org.id, member.userId);
  return { org, ...member, ...session };
}

/** Signs claims with Muster's own current key: what only Muster can do, for claims it would never issue. */
async function signWithOurKey(
  t: TestApp,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
) {
  const signer = await t.signingKeys.signer();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: publicUrl, aud: publicUrl, iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'JWT', ...header })
    .sign(signer.privateKey);
}

/** A keys instance over the same database whose clock runs `offsetMs` from now. */
function keysAt(t: TestApp, offsetMs: number) {
  return new SigningKeys(t.database.db, new SecretBox(developmentMasterKey), {
    issuer: publicUrl,
    now: () => new Date(Date.now() + offsetMs),
  });
}

async function sessionRow(t: TestApp, id: string) {
  const { rows } = await sql<{
    revoked_at: Date | null;
  }>`select revoked_at from sessions where id = ${id}`.execute(t.database.db);
  return rows[0];
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('session tokens, as the application verifies them', () => {
  it('carries the documented claims, verifiable with the JWKS served over HTTP', async () => {
    const t = await testApp();
    const { org, userId, token, sessionId } = await signedIn(t);
    const platform = await makeTeam(t, org.id, 'Platform');
    const data = await makeTeam(t, org.id, 'Data');
    await t.admin.patch(`/api/v1/orgs/${org.id}/members/${userId}`, { teams: [platform.id, data.id] });
    const { token: withTeams } = await t.sessionFor(org.id, userId);
    const app = await applicationVerifier(t, publicUrl);

    const first = await app.verify(token);
    assert.deepEqual(Object.keys(first).sort(), [
      'aud',
      'email',
      'exp',
      'iat',
      'iss',
      'org',
      'role',
      'sid',
      'sub',
      'teams',
    ]);
    assert.equal(first.iss, publicUrl);
    assert.equal(first.aud, publicUrl);
    assert.equal(first.sub, userId);
    assert.equal(first.sid, sessionId);
    assert.equal(first.org, org.id);
    assert.equal(first.email, 'ada@example.com');
    assert.equal(first.role, 'member');
    assert.deepEqual(first.teams, []);
    assert.equal((first.exp ?? 0) - (first.iat ?? 0), 300);
    assert.ok(Math.abs((first.iat ?? 0) - Date.now() / 1000) < 10);

    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.typ, 'JWT');
    assert.match(String(header.kid), /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual((await app.verify(withTeams)).teams, [data.slug, platform.slug].sort());
  });

  it('publishes public keys only, cacheable for five minutes', async () => {
    const t = await testApp();
    await signedIn(t);
    const res = await t.http.get('/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.match(res.headers['content-type'] ?? '', /application\/json/);
    const keys = res.body.keys as Record<string, string>[];
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal(key.alg, 'ES256');
      assert.equal(key.use, 'sig');
      assert.equal(key.kty, 'EC');
      assert.equal(key.crv, 'P-256');
    }
    const current = await t.signingKeys.signer();
    assert.ok(keys.some((k) => k.kid === current.kid));
  });

  it('stores the private key sealed under MASTER_KEY', async () => {
    const t = await testApp();
    const { kid } = await t.signingKeys.signer();
    const { rows } = await sql<{ sealed_private_key: string }>`
      select sealed_private_key from signing_keys where kid = ${kid}`.execute(t.database.db);
    const sealed = rows[0]?.sealed_private_key ?? '';
    assert.match(sealed, /^v1\./);
    assert.doesNotMatch(sealed, /PRIVATE KEY/);
    const opened = new SecretBox(developmentMasterKey).open(sealed, `signing_key:${kid}`);
    assert.match(opened, /^-----BEGIN PRIVATE KEY-----/);
    assert.throws(() =>
      new SecretBox('another-master-key-of-at-least-32-chars').open(sealed, `signing_key:${kid}`),
    );
  });
});

describe('GET /api/v1/me', () => {
  it('answers who the session is, by cookie or by bearer token', async () => {
    const t = await testApp();
    const { org, userId, cookie, token } = await signedIn(t);
    const team = await makeTeam(t, org.id, 'Platform');
    await t.admin.patch(`/api/v1/orgs/${org.id}/members/${userId}`, { teams: [team.id], role: 'admin' });

    const byCookie = await t.http.get('/api/v1/me').set('Cookie', cookie);
    assert.equal(byCookie.status, 200, JSON.stringify(byCookie.body));
    assert.equal(byCookie.headers['cache-control'], 'no-store');
    assert.deepEqual(byCookie.body, {
      user: {
        id: userId,
        email: 'ada@example.com',
        givenName: 'Ada',
        familyName: 'Lovelace',
        displayName: null,
      },
      org: { id: org.id, name: org.name, slug: org.slug },
      role: 'admin',
      teams: [{ id: team.id, slug: team.slug, name: 'Platform' }],
    });
    const byBearer = await t.as(token).get('/api/v1/me');
    assert.equal(byBearer.status, 200);
    assert.deepEqual(byBearer.body, byCookie.body);
  });

  it('is 401 without a session, and the admin credentials do not reach it', async () => {
    const t = await testApp();
    const none = await t.http.get('/api/v1/me');
    assertError(none, 401, 'unauthorized');
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="muster"');
    const admin = await t.admin.get('/api/v1/me');
    assertError(admin, 401, 'unauthorized');
    assert.match(admin.headers['www-authenticate'] ?? '', /error="invalid_token"/);
    const garbage = await t.http.get('/api/v1/me').set('Cookie', 'muster_session=not-a-jwt');
    assertError(garbage, 401, 'unauthorized');
    assertError(await t.admin.post('/api/v1/me', {}), 405, 'method_not_allowed');
  });

  it('refuses every token Muster did not issue for this session, and every ended session', async () => {
    const t = await testApp();
    const { sessionId, token } = await signedIn(t);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const { kid } = decodeProtectedHeader(token);
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT', kid })}.${payload}.`,
      'alg none with a signature part': `${b64({ alg: 'none', typ: 'JWT', kid })}.${payload}.${signature}`,
      'HS256 keyed with the public key': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: String(kid), typ: 'JWT' })
        .sign(Buffer.from(JSON.stringify((await t.http.get('/.well-known/jwks.json')).body.keys[0]))),
      'HS256 keyed with any secret': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: String(kid), typ: 'JWT' })
        .sign(Buffer.from('secret')),
      'another key under our kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: String(kid), typ: 'JWT' })
        .sign(foreign.privateKey),
      'unknown kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'A'.repeat(43), typ: 'JWT' })
        .sign(foreign.privateKey),
      'no kid': await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .sign(foreign.privateKey),
      'tampered payload': `${header}.${b64({ ...claims, role: 'owner' })}.${signature}`,
      'wrong iss': await signWithOurKey(t, { ...claims, iss: 'https://evil.test', iat: now, exp: now + 300 }),
      'wrong aud': await signWithOurKey(t, {
        ...claims,
        aud: 'https://app.example.com',
        iat: now,
        exp: now + 300,
      }),
      'no exp': await new SignJWT({ ...claims, exp: undefined })
        .setProtectedHeader({ alg: 'ES256', kid: (await t.signingKeys.signer()).kid, typ: 'JWT' })
        .sign((await t.signingKeys.signer()).privateKey),
      'another typ': await signWithOurKey(t, { ...claims, iat: now, exp: now + 300 }, { typ: 'at+jwt' }),
      'expired (bearer)': await signWithOurKey(t, { ...claims, iat: now - 600, exp: now - 300 }),
      'another user of the session': await signWithOurKey(t, {
        ...claims,
        sub: newId(),
        iat: now,
        exp: now + 300,
      }),
      'a session that does not exist': await signWithOurKey(t, {
        ...claims,
        sid: newId(),
        iat: now,
        exp: now + 300,
      }),
      'a session id that is no uuid': await signWithOurKey(t, {
        ...claims,
        sid: "x' or 1=1",
        iat: now,
        exp: now + 300,
      }),
    };
    const reasons: Record<string, string> = {
      'alg none': 'malformed',
      'alg none with a signature part': 'algorithm_refused',
      'HS256 keyed with the public key': 'algorithm_refused',
      'HS256 keyed with any secret': 'algorithm_refused',
      'another key under our kid': 'bad_signature',
      'unknown kid': 'unknown_key',
      'no kid': 'unknown_key',
      'tampered payload': 'bad_signature',
      'wrong iss': 'bad_claims',
      'wrong aud': 'bad_claims',
      'no exp': 'bad_claims',
      'another typ': 'bad_claims',
      'expired (bearer)': 'expired',
      'another user of the session': 'no_session',
      'a session that does not exist': 'no_session',
      'a session id that is no uuid': 'bad_claims',
    };
    for (const [name, bad] of Object.entries(cases)) {
      await assert.rejects(
        authenticateSession(t.database.db, t.signingKeys, bad),
        { reason: reasons[name] },
        name,
      );
      const res = await t.as(bad).get('/api/v1/me');
      assertError(res, 401, 'unauthorized');
      assert.doesNotMatch(JSON.stringify(res.body), /\bat \S+ \(|node_modules/, name);
      // Only in Muster's own cookie is an expired token of a live session renewed.
      const viaCookie = await t.http.get('/api/v1/me').set('Cookie', `muster_session=${bad}`);
      const expected = name === 'expired (bearer)' ? 200 : 401;
      assert.equal(viaCookie.status, expected, `${name} (cookie): ${JSON.stringify(viaCookie.body)}`);
    }
    // The real token still works: every refusal above was the token's fault.
    assert.equal((await t.as(token).get('/api/v1/me')).status, 200);
    assert.equal((await sessionRow(t, sessionId))?.revoked_at, null);
  });

  it('refuses at once a session revoked, a user suspended, a member removed', async () => {
    const t = await testApp();
    const revoked = await signedIn(t);
    assert.equal((await t.as(revoked.token).post('/sso/logout')).status, 204);
    assertError(await t.as(revoked.token).get('/api/v1/me'), 401, 'unauthorized');

    const suspended = await signedIn(t, 'grace@example.com');
    const patched = await suspended.scim.patch(
      `/Users/${suspended.scimId}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assertError(await t.as(suspended.token).get('/api/v1/me'), 401, 'unauthorized');
    assert.notEqual((await sessionRow(t, suspended.sessionId))?.revoked_at, null);
    // Reactivation does not bring the old session back.
    await suspended.scim.patch(
      `/Users/${suspended.scimId}`,
      patchOp({ op: 'replace', path: 'active', value: true }),
    );
    assertError(await t.as(suspended.token).get('/api/v1/me'), 401, 'unauthorized');

    const removed = await signedIn(t, 'alan@example.com');
    const other = await t.sessionFor(removed.org.id, removed.userId);
    assert.equal(
      (await t.admin.delete(`/api/v1/orgs/${removed.org.id}/members/${removed.userId}`)).status,
      204,
    );
    assertError(await t.as(removed.token).get('/api/v1/me'), 401, 'unauthorized');
    assertError(await t.http.get('/api/v1/me').set('Cookie', other.cookie), 401, 'unauthorized');
    // The foreign key took the rows with the member.
    assert.equal(await sessionRow(t, removed.sessionId), undefined);
    assert.equal(await sessionRow(t, other.sessionId), undefined);
  });

  it('renews an expired token in the cookie while the session holds, never a bearer one', async () => {
    const t = await testApp();
    const { org, userId } = await signedIn(t);
    const team = await makeTeam(t, org.id, 'Platform');
    // Signed ten minutes ago: the token expired five minutes ago, the session has hours left.
    const past = await startSession(
      t.database.db,
      keysAt(t, -600_000),
      { orgId: org.id, userId, connectionId: null, loginId: newId() },
      system,
    );
    await t.admin.patch(`/api/v1/orgs/${org.id}/members/${userId}`, { teams: [team.id] });

    assertError(await t.as(past.token).get('/api/v1/me'), 401, 'unauthorized');
    const res = await t.http.get('/api/v1/me').set('Cookie', `muster_session=${past.token}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const cookie = sessionCookieOf(res);
    assert.ok(cookie, 'a renewed cookie');
    const app = await applicationVerifier(t, publicUrl);
    const renewed = await app.verify(cookie.get('value') ?? '');
    assert.equal(renewed.sid, past.sessionId);
    assert.deepEqual(renewed.teams, [team.slug]);
    assert.ok((renewed.exp ?? 0) > Date.now() / 1000 + 200);
    await assert.rejects(app.verify(past.token), /exp/);
    // A fresh token in the cookie is left as it is.
    const fresh = await t.http.get('/api/v1/me').set('Cookie', `muster_session=${cookie.get('value')}`);
    assert.equal(fresh.status, 200);
    assert.equal(sessionCookieOf(fresh), undefined);
  });

  it('does not renew past the session: an expired session clears its cookie', async () => {
    const t = await testApp();
    const { org, userId } = await signedIn(t);
    const past = await startSession(
      t.database.db,
      keysAt(t, -600_000),
      { orgId: org.id, userId, connectionId: null, loginId: newId() },
      system,
    );
    await sql`update sessions set expires_at = now() - interval '1 second' where id = ${past.sessionId}`.execute(
      t.database.db,
    );
    const res = await t.http.get('/api/v1/me').set('Cookie', `muster_session=${past.token}`);
    assertError(res, 401, 'unauthorized');
    const cleared = sessionCookieOf(res);
    assert.equal(cleared?.get('value'), '');
    assert.match(cleared?.get('expires') ?? '', /1970/);
  });

  it('never issues a token that outlives its session, nor renews one past it', async () => {
    const t = await testApp();
    const { org, userId } = await signedIn(t);
    // A session of 60 seconds, begun 100 seconds ago, with tokens of 300: each token ends with the session.
    const short = new SigningKeys(t.database.db, new SecretBox(developmentMasterKey), {
      issuer: publicUrl,
      sessionTtlSeconds: 60,
      tokenTtlSeconds: 300,
    });
    const started = await startSession(
      t.database.db,
      short,
      { orgId: org.id, userId, connectionId: null, loginId: newId() },
      system,
    );
    assert.equal(started.tokenExpiresAt.getTime(), started.expiresAt.getTime());
    const app = await applicationVerifier(t, publicUrl);
    assert.equal((await app.verify(started.token)).exp, Math.floor(started.expiresAt.getTime() / 1000));
  });
});

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Lax, for the whole site, as long as the session, Secure on https', async () => {
    const t = await testApp();
    const { org, userId } = await signedIn(t);
    const past = await startSession(
      t.database.db,
      keysAt(t, -600_000),
      { orgId: org.id, userId, connectionId: null, loginId: newId() },
      system,
    );
    const res = await t.http.get('/api/v1/me').set('Cookie', `muster_session=${past.token}`);
    const cookie = sessionCookieOf(res);
    assert.ok(cookie);
    assert.ok(cookie.has('httponly'));
    assert.equal(cookie.get('samesite'), 'Lax');
    assert.equal(cookie.get('path'), '/');
    assert.ok(cookie.has('secure'));
    assert.equal(cookie.has('domain'), false);
    const maxAge = Number(cookie.get('max-age'));
    // What is left of eight hours begun ten minutes ago.
    assert.ok(Math.abs(maxAge - (8 * 3600 - 600)) < 10, `Max-Age ${maxAge}`);
  });

  it('is not Secure when PUBLIC_URL is plain http', async () => {
    const t = await testApp({ publicUrl: 'http://localhost:8080' });
    const org = await makeOrg(t);
    const { userId } = await pushMember(t, org.id, 'ada@example.com');
    const keys = new SigningKeys(t.database.db, new SecretBox(developmentMasterKey), {
      issuer: 'http://localhost:8080',
      now: () => new Date(Date.now() - 600_000),
    });
    const past = await startSession(
      t.database.db,
      keys,
      { orgId: org.id, userId, connectionId: null, loginId: newId() },
      system,
    );
    const res = await t.http.get('/api/v1/me').set('Cookie', `muster_session=${past.token}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const cookie = sessionCookieOf(res);
    assert.ok(cookie);
    assert.equal(cookie.has('secure'), false);
    assert.ok(cookie.has('httponly'));
    assert.equal(cookie.get('samesite'), 'Lax');
  });
});
