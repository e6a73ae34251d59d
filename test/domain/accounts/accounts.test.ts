import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  clientOf,
  hasLocalPassword,
  passwordProblem,
  preparePassword,
  requestPasswordReset,
  resetPassword,
  setLocalPassword,
  startLocalSession,
  verifyLocalLogin,
  verifyOrgPassword,
} from '../../../src/domain/accounts/index.ts';
import { MusterError } from '../../../src/errors.ts';
import { PasswordHasher, passwordHasher, passwordHashParamsOf } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { insertUser } from '../../../src/storage/index.ts';
import {
  expireLocks,
  freshEmail,
  freshIp,
  goodPassword,
  localMember,
  resetLinks,
  system,
  throttleKeys,
} from '../../protocols/login/support.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';

async function throttleRow(t: TestApp, email: string) {
  const { rows } = await sql<{ failures: number; locked_for: number | null }>`
    select failures, extract(epoch from locked_until - last_failure_at)::float8 as locked_for
      from login_throttles where scope = 'account' and subject_hash = ${throttleKeys({ email })[0]}`.execute(
    t.database.db,
  );
  return rows[0];
}

async function fail(t: TestApp, email: string): Promise<MusterError> {
  try {
    await verifyLocalLogin(t.database.db, { email, password: 'not the right one', ip: freshIp() });
  } catch (error) {
    assert.ok(error instanceof MusterError);
    return error;
  }
  assert.fail('the sign-in went through');
}

describe('password rules', () => {
  const email = 'alice.smith@example.com';
  const cases: [string, string | undefined][] = [
    ['', 'Use at least 12 characters'],
    ['elevenchars', 'Use at least 12 characters'],
    // Twelve characters, one of them an emoji made of two UTF-16 units: counted as one.
    ['moonlight 🌙x', undefined],
    ['moonlight 🌙', 'Use at least 12 characters'],
    ['twelve chars', undefined],
    ['x'.repeat(256), 'This password is too common: choose one that is harder to guess'],
    ['ab'.repeat(128), 'This password is too common: choose one that is harder to guess'],
    [`${'correct horse '.repeat(18)}abcde`, 'Use at most 256 characters'],
    ['password1234', 'This password is too common: choose one that is harder to guess'],
    ['Password1234!', 'This password is too common: choose one that is harder to guess'],
    ['1q2w3e4r5t6y', 'This password is too common: choose one that is harder to guess'],
    ['alice.smith@example.com', 'Do not use your email address, or part of it, as your password'],
    ['ALICE.SMITH@EXAMPLE.COM!', 'Do not use your email address, or part of it, as your password'],
    ['alice.smith2024!', 'Do not use your email address, or part of it, as your password'],
    ['example.com123', 'Do not use your email address, or part of it, as your password'],
    ['muster123456', 'Do not use your email address, or part of it, as your password'],
    ['alice.smith likes long walks', undefined],
    ['correct horse battery staple', undefined],
    // NFKC: full-width letters are the ASCII ones.
    ['ｐａｓｓｗｏｒｄ１２３４', 'This password is too common: choose one that is harder to guess'],
  ];
  for (const [password, problem] of cases)
    it(`${password.length > 40 ? `${password.slice(0, 20)}… (${password.length})` : JSON.stringify(password)}: ${problem ?? 'accepted'}`, () => {
      assert.equal(passwordProblem(password, { email }), problem);
    });
});

describe('local passwords', () => {
  it('are set in the caller’s transaction, hashed with argon2id, audited, and replaced', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    const userId = await localMember(t, org.id, email);
    assert.equal(await hasLocalPassword(t.database.db, org.id, userId), true);
    const { rows } = await sql<{ password_hash: string }>`
      select password_hash from local_credentials where user_id = ${userId}`.execute(t.database.db);
    assert.deepEqual(passwordHashParamsOf(rows[0]?.password_hash ?? ''), {
      memoryKiB: 19456,
      iterations: 2,
      parallelism: 1,
    });
    assert.ok(!rows[0]?.password_hash.includes(goodPassword));

    const prepared = await preparePassword('amber lanterns over the harbour', { email: email.toUpperCase() });
    await t.database.db
      .transaction()
      .execute((trx) => setLocalPassword(trx, org.id, userId, prepared, system));
    const events = await auditOf(t, org.id, 'account.password_set', userId);
    assert.deepEqual(
      events.map((e) => e.after),
      [{ created: false }, { created: true }],
    );
    assert.ok(!JSON.stringify(events).includes('argon2'), 'no hash in the audit');
    const outcome = await verifyLocalLogin(t.database.db, {
      email,
      password: 'amber lanterns over the harbour',
      ip: freshIp(),
    });
    assert.equal(outcome.outcome, 'signed_in');
  });

  it('refuse a weak password, an unknown user, and a password prepared for another address', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const userId = await localMember(t, org.id, freshEmail());
    const set = (password: Parameters<typeof setLocalPassword>[3], user = userId) =>
      t.database.db.transaction().execute((trx) => setLocalPassword(trx, org.id, user, password, system));
    await assert.rejects(set('too short'), (error: MusterError) => {
      assert.equal(error.code, 'validation_failed');
      assert.deepEqual(error.details, [{ path: 'password', message: 'Use at least 12 characters' }]);
      return true;
    });
    await assert.rejects(set('password12345'), { code: 'validation_failed' });
    await assert.rejects(set(goodPassword, newId()), { code: 'not_found' });
    const other = await preparePassword(goodPassword, { email: 'someone.else@example.com' });
    await assert.rejects(set(other), { code: 'conflict' });
    const bare = newId();
    await insertUser(
      t.database.db,
      org.id,
      bare,
      { email: freshEmail(), given_name: null, family_name: null, display_name: null },
      'active',
    );
    assert.equal(await hasLocalPassword(t.database.db, org.id, bare), false);
  });
});

describe('verifyLocalLogin', () => {
  it('costs one hash and answers alike whether or not the email has an account', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    await localMember(t, org.id, email);
    const attempts = [
      { email, password: 'not the right one' },
      { email: freshEmail('nobody'), password: 'not the right one' },
      { email, password: goodPassword, org: 'no-such-org' },
      { email, password: goodPassword, org: (await makeOrg(t)).slug },
    ];
    const answers: string[] = [];
    for (const attempt of attempts) {
      const before = passwordHasher.stats().computed;
      await assert.rejects(
        verifyLocalLogin(t.database.db, { ...attempt, ip: freshIp() }),
        (error: MusterError) => {
          answers.push(`${error.code} ${error.status} ${error.message}`);
          return true;
        },
      );
      assert.equal(passwordHasher.stats().computed - before, 1, JSON.stringify(attempt));
    }
    assert.deepEqual(
      new Set(answers),
      new Set(['unauthorized 401 The email address or the password is not right']),
    );
  });

  it('locks an account after 5 failures for 30 s, then twice as long each time, up to 15 min', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    await localMember(t, org.id, email);
    for (let i = 0; i < 4; i++) assert.equal((await fail(t, email)).code, 'unauthorized');
    assert.equal((await throttleRow(t, email))?.locked_for, null);
    const locking = await fail(t, email);
    assert.equal(locking.code, 'rate_limited');
    assert.ok(Math.abs((locking.retryAfterSeconds ?? 0) - 30) <= 1);
    const seen: number[] = [Math.round((await throttleRow(t, email))?.locked_for ?? 0)];
    const refused = await fail(t, email);
    assert.equal(refused.code, 'rate_limited', 'refused while locked');
    assert.equal((await throttleRow(t, email))?.failures, 5, 'a refused attempt is not counted');
    for (let i = 0; i < 3; i++) {
      await expireLocks(t, { email });
      await fail(t, email);
      seen.push(Math.round((await throttleRow(t, email))?.locked_for ?? 0));
    }
    assert.deepEqual(seen, [30, 60, 120, 240]);
    await sql`update login_throttles set failures = 30 where subject_hash = ${throttleKeys({ email })[0]}`.execute(
      t.database.db,
    );
    await expireLocks(t, { email });
    await fail(t, email);
    assert.equal(Math.round((await throttleRow(t, email))?.locked_for ?? 0), 900);
  });

  it('forgets failures after a day without one', async () => {
    const t = await testApp();
    const email = freshEmail('nobody');
    for (let i = 0; i < 3; i++) await fail(t, email);
    assert.equal((await throttleRow(t, email))?.failures, 3);
    await sql`update login_throttles set last_failure_at = now() - interval '25 hours'
               where subject_hash = ${throttleKeys({ email })[0]}`.execute(t.database.db);
    await fail(t, email);
    assert.equal((await throttleRow(t, email))?.failures, 1);
  });

  it('does not count an attempt the hasher had no room for (429), and counts the others', async () => {
    const t = await testApp();
    const emails = Array.from({ length: 24 }, () => freshEmail('burst'));
    const results = await Promise.allSettled(
      emails.map((email) =>
        verifyLocalLogin(t.database.db, { email, password: 'not the right one', ip: freshIp() }),
      ),
    );
    const codes = results.map((r) => ((r as PromiseRejectedResult).reason as MusterError).code);
    assert.ok(codes.includes('rate_limited'), codes.join());
    for (const [i, code] of codes.entries()) {
      const failures = (await throttleRow(t, emails[i] ?? ''))?.failures ?? 0;
      assert.equal(failures, code === 'rate_limited' ? 0 : 1, `${code} ${failures}`);
    }
  });

  it('rehashes a password stored with older parameters at the next sign-in', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    const userId = await localMember(t, org.id, email);
    const older = new PasswordHasher({ params: { memoryKiB: 8192, iterations: 1, parallelism: 1 } });
    const weak = await older.hash(goodPassword);
    await older.close();
    await sql`update local_credentials set password_hash = ${weak} where user_id = ${userId}`.execute(
      t.database.db,
    );
    const outcome = await verifyLocalLogin(t.database.db, { email, password: goodPassword, ip: freshIp() });
    assert.equal(outcome.outcome, 'signed_in');
    const { rows } = await sql<{ password_hash: string }>`
      select password_hash from local_credentials where user_id = ${userId}`.execute(t.database.db);
    assert.equal(passwordHashParamsOf(rows[0]?.password_hash ?? '')?.memoryKiB, 19456);
    assert.equal(
      (await verifyLocalLogin(t.database.db, { email, password: goodPassword, ip: freshIp() })).outcome,
      'signed_in',
    );
  });

  it('signs in to a session without a connection, and checks an org’s password for invitations', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    const userId = await localMember(t, org.id, email);
    const outcome = await verifyLocalLogin(t.database.db, { email, password: goodPassword, ip: freshIp() });
    assert.ok(outcome.outcome === 'signed_in');
    assert.deepEqual({ orgId: outcome.orgId, userId: outcome.userId }, { orgId: org.id, userId });
    const session = await startLocalSession(t.database.db, t.signingKeys, outcome, { requestId: 'r-1' });
    const { rows } = await sql<{ connection_id: string | null; login_id: string }>`
      select connection_id, login_id from sessions where id = ${session.sessionId}`.execute(t.database.db);
    assert.deepEqual(rows[0], { connection_id: null, login_id: outcome.loginId });

    assert.equal(
      await verifyOrgPassword(t.database.db, { orgId: org.id, email, password: goodPassword, ip: freshIp() }),
      userId,
    );
    await assert.rejects(
      verifyOrgPassword(t.database.db, {
        orgId: org.id,
        email,
        password: 'not the right one',
        ip: freshIp(),
      }),
      { code: 'unauthorized' },
    );
    const other = await makeOrg(t);
    await assert.rejects(
      verifyOrgPassword(t.database.db, { orgId: other.id, email, password: goodPassword, ip: freshIp() }),
      { code: 'unauthorized' },
    );
  });
});

describe('password reset', () => {
  it('uses a link once, even when two resets race', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    const userId = await localMember(t, org.id, email);
    await t.sessionFor(org.id, userId);
    await t.sessionFor(org.id, userId);
    await requestPasswordReset(t.database.db, { email, ip: freshIp(), publicUrl });
    const [token] = await resetLinks(t, email);
    assert.ok(token);
    const results = await Promise.allSettled([
      resetPassword(t.database.db, { token, password: 'amber lanterns over the harbour' }),
      resetPassword(t.database.db, { token, password: 'silver gulls above the quay' }),
    ]);
    const done = results.filter((r) => r.status === 'fulfilled');
    assert.equal(done.length, 1);
    assert.equal((done[0] as PromiseFulfilledResult<{ sessionsEnded: number }>).value.sessionsEnded, 2);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((failed.reason as MusterError).code, 'not_found');
  });

  it('refuses to reset a suspended account', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const email = freshEmail();
    const userId = await localMember(t, org.id, email);
    await requestPasswordReset(t.database.db, { email, ip: freshIp(), publicUrl });
    const [token] = await resetLinks(t, email);
    await sql`update users set status = 'suspended' where id = ${userId}`.execute(t.database.db);
    await assert.rejects(
      resetPassword(t.database.db, { token: token ?? '', password: 'amber lanterns over the harbour' }),
      {
        code: 'forbidden',
      },
    );
  });
});

describe('client addresses', () => {
  const cases: [string, string][] = [
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['not an address', 'not an address'],
  ];
  for (const [ip, client] of cases)
    it(`${ip} counts as ${client}`, () => {
      assert.equal(clientOf(ip), client);
    });
});
