import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createInvitations, sweepInvitations } from '../../../src/domain/invitations/index.ts';
import { createApiKey } from '../../../src/domain/orgs/index.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import { pushUsers } from '../../support/mappings.ts';
import { makeDirectory, scimClient } from '../../support/scim.ts';

async function invite(t: TestApp, org: string, emails: string[]) {
  const res = await t.admin.post(`/api/v1/orgs/${org}/invitations`, { emails });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.invitations as { id: string; acceptUrl: string }[];
}

async function mailsOf(t: TestApp, invitationId: string) {
  const { rows } = await sql<{ kind: string; text_body: string }>`
    select kind, text_body from mail_outbox where subject_id = ${invitationId} order by id
  `.execute(t.database.db);
  return rows;
}

describe('the invitation sweep', () => {
  it('marks pending invitations past their end expired, once, with the invitation.expired event', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const [old, live] = await invite(t, org.id, ['old@sweep.test', 'live@sweep.test']);
    assert.ok(old && live);
    await sql`update invitations set expires_at = now() - interval '1 hour' where id = ${old.id}`.execute(
      t.database.db,
    );
    const first = await sweepInvitations(t.database.db, { publicUrl });
    assert.ok(first.expired >= 1);
    await sweepInvitations(t.database.db, { publicUrl });
    const events = await t.admin.get(`/api/v1/orgs/${org.id}/events?types=invitation.expired`);
    assert.deepEqual(
      events.body.data.map((e: { data: { id: string } }) => e.data.id),
      [old.id],
    );
    const rows = await t.admin.get(`/api/v1/orgs/${org.id}/invitations?status=pending`);
    assert.deepEqual(
      rows.body.data.map((i: { id: string }) => i.id),
      [live.id],
    );
  });

  it('reminds once the day before the end, with a new link that replaces the first', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const [soon, later] = await invite(t, org.id, ['soon@sweep.test', 'later@sweep.test']);
    assert.ok(soon && later);
    await sql`update invitations set expires_at = now() + interval '20 hours' where id = ${soon.id}`.execute(
      t.database.db,
    );
    await sweepInvitations(t.database.db, { publicUrl });
    await sweepInvitations(t.database.db, { publicUrl });
    const mails = await mailsOf(t, soon.id);
    assert.deepEqual(
      mails.map((m) => m.kind),
      ['invitation', 'invitation_reminder'],
    );
    assert.deepEqual(
      (await mailsOf(t, later.id)).map((m) => m.kind),
      ['invitation'],
    );
    const link = /(https:\/\/muster\.test\/invite\/[A-Za-z0-9_-]{43})/.exec(mails[1]?.text_body ?? '')?.[1];
    assert.ok(link, mails[1]?.text_body);
    assert.notEqual(link, soon.acceptUrl);
    const path = (url: string) => new URL(url).pathname;
    assert.equal((await t.http.get(path(soon.acceptUrl))).status, 404, 'the first link stops working');
    assert.equal((await t.http.get(path(link))).status, 200);
  });

  it('sends no reminder where the org turned them off', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const off = await t.admin.patch(`/api/v1/orgs/${org.id}/invitation-settings`, { reminders: false });
    assert.equal(off.status, 200);
    const [soon] = await invite(t, org.id, ['quiet@sweep.test']);
    assert.ok(soon);
    await sql`update invitations set expires_at = now() + interval '2 hours' where id = ${soon.id}`.execute(
      t.database.db,
    );
    await sweepInvitations(t.database.db, { publicUrl });
    assert.deepEqual(
      (await mailsOf(t, soon.id)).map((m) => m.kind),
      ['invitation'],
    );
  });
});

describe('removing a member', () => {
  it('revokes the invitations they sent and the API keys they made, with the removal', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const dir = await makeDirectory(t, org.id, 'okta');
    await pushUsers(scimClient(t, dir.id, dir.token), ['inviter@leaver.test']);
    const member = await t.admin.get(
      `/api/v1/orgs/${org.id}/members/${encodeURIComponent('inviter@leaver.test')}`,
    );
    const userId = member.body.id as string;
    const ctx = { actor: { type: 'user' as const, id: userId } };
    const sent = await createInvitations(t.database.db, { publicUrl }, ctx, org.id, {
      invitees: [{ email: 'guest@leaver.test' }],
    });
    const other = await invite(t, org.id, ['kept@leaver.test']);
    const { key } = await createApiKey(t.database.db, ctx, org.id, { name: 'their key' });
    assert.equal((await t.as(key).get(`/api/v1/orgs/${org.id}`)).status, 200);

    assert.equal((await t.admin.delete(`/api/v1/orgs/${org.id}/members/${userId}`)).status, 204);

    const theirs = await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${sent.invitations[0]?.id}`);
    assert.equal(theirs.body.status, 'revoked');
    const kept = await t.admin.get(`/api/v1/orgs/${org.id}/invitations/${other[0]?.id}`);
    assert.equal(kept.body.status, 'pending', 'invitations sent by others stay');
    assert.equal((await t.as(key).get(`/api/v1/orgs/${org.id}`)).status, 401, 'their key is revoked');
    const audit = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?action=invitation.revoked`);
    assert.equal(audit.body.data[0].after.reason, 'inviter_removed');
  });
});
