import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { authenticateSession, revokeUserSessions, startSession } from '../../../src/domain/sessions/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { pushMember } from '../../protocols/sso/support.ts';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { makeOrg } from '../../support/factories.ts';
import { makeDirectory, scimClient, user } from '../../support/scim.ts';

const system = { actor: { type: 'system' as const, id: null } };

async function liveSessions(t: TestApp, userId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from sessions where user_id = ${userId} and revoked_at is null`.execute(
    t.database.db,
  );
  return Number(rows[0]?.n ?? 0);
}

describe('sessions', () => {
  it('start with a fresh id each sign-in, audited, and sweep the user’s ended ones', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const { userId } = await pushMember(t, org.id, 'ada@example.com');
    const loginId = newId();
    const first = await t.sessionFor(org.id, userId);
    await sql`update sessions set expires_at = now() - interval '1 minute' where id = ${first.sessionId}`.execute(
      t.database.db,
    );
    const second = await startSession(
      t.database.db,
      t.signingKeys,
      { orgId: org.id, userId, connectionId: null, loginId },
      system,
    );
    assert.notEqual(second.sessionId, first.sessionId);
    const { rows } = await sql<{ id: string }>`select id from sessions where user_id = ${userId}`.execute(
      t.database.db,
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      [second.sessionId],
      'the ended session was swept',
    );
    const [event] = await auditOf(t, org.id, 'session.started', userId);
    assert.deepEqual(event?.actor, { type: 'user', id: userId });
    assert.equal(event?.after?.sessionId, second.sessionId);
    assert.equal(event?.after?.loginId, loginId);
  });

  it('are not started for a suspended user', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const { userId } = await pushMember(t, org.id, 'ada@example.com');
    await sql`update users set status = 'suspended' where id = ${userId}`.execute(t.database.db);
    await assert.rejects(t.sessionFor(org.id, userId), { code: 'forbidden' });
    assert.equal(await liveSessions(t, userId), 0);
  });

  it('refuse a user suspended by any path, even before the sessions are revoked', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const { userId } = await pushMember(t, org.id, 'ada@example.com');
    const { token } = await t.sessionFor(org.id, userId);
    await sql`update users set status = 'suspended' where id = ${userId}`.execute(t.database.db);
    await assert.rejects(authenticateSession(t.database.db, t.signingKeys, token), {
      reason: 'user_suspended',
    });
  });

  it('revokeUserSessions ends the live sessions of one user, with the reason audited', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const ada = await pushMember(t, org.id, 'ada@example.com');
    const grace = await pushMember(t, org.id, 'grace@example.com');
    const a1 = await t.sessionFor(org.id, ada.userId);
    const a2 = await t.sessionFor(org.id, ada.userId);
    await t.sessionFor(org.id, grace.userId);
    const ended = await t.database.db
      .transaction()
      .execute((trx) =>
        revokeUserSessions(trx, org.id, ada.userId, 'admin', { actor: { type: 'admin_token', id: null } }),
      );
    assert.equal(ended, 2);
    assert.equal(await liveSessions(t, ada.userId), 0);
    assert.equal(await liveSessions(t, grace.userId), 1);
    const [event] = await auditOf(t, org.id, 'session.revoked', ada.userId);
    assert.equal(event?.after?.reason, 'admin');
    assert.deepEqual(
      [...((event?.after?.sessionIds as string[]) ?? [])].sort(),
      [a1.sessionId, a2.sessionId].sort(),
    );
    // Nothing left to end: no event.
    await t.database.db
      .transaction()
      .execute((trx) => revokeUserSessions(trx, org.id, ada.userId, 'admin', system));
    assert.equal((await auditOf(t, org.id, 'session.revoked', ada.userId)).length, 1);
  });

  it('end when SCIM suspends the user: deactivated, deleted from a suspending directory, or linked inactive', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id, 'okta');
    const scim = scimClient(t, dir.id, dir.token);
    const created = await scim.post('/Users', user('ada@example.com'));
    const userId = (await t.admin.get(`/api/v1/orgs/${org.id}/members/ada@example.com`)).body.id as string;
    await t.sessionFor(org.id, userId);
    assert.equal((await scim.delete(`/Users/${created.body.id}`)).status, 204);
    assert.equal(await liveSessions(t, userId), 0);
    const [event] = await auditOf(t, org.id, 'session.revoked', userId);
    assert.equal(event?.after?.reason, 'user_suspended');
    assert.deepEqual(event?.actor, { type: 'scim', id: dir.id });

    // The same person pushed again by another directory, inactive: linked, suspended, sessions ended.
    await sql`update users set status = 'active' where id = ${userId}`.execute(t.database.db);
    await t.sessionFor(org.id, userId);
    const other = await makeDirectory(t, org.id, 'entra');
    const pushed = await scimClient(t, other.id, other.token).post(
      '/Users',
      user('ada@example.com', { active: false }),
    );
    assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
    assert.equal(await liveSessions(t, userId), 0);
  });
});
