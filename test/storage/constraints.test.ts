import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MusterError } from '../../src/errors.ts';
import { newId } from '../../src/infra/ids/index.ts';
import type { Db } from '../../src/storage/index.ts';
import { testApp } from '../support/app.ts';
import { makeOrg, makeTeam } from '../support/factories.ts';

async function insertUser(db: Db, orgId: string, email: string): Promise<string> {
  const id = newId();
  await db.insertInto('users').values({ id, org_id: orgId, email }).execute();
  return id;
}

function isCode(code: string) {
  return (error: unknown) => error instanceof MusterError && error.code === code;
}

describe('rules kept by the database', () => {
  it('emails are unique per org, whatever their case, and free across orgs', async () => {
    const t = await testApp();
    const [a, b] = [await makeOrg(t), await makeOrg(t)];
    await insertUser(t.database.db, a.id, 'Alice@Example.com');
    await assert.rejects(insertUser(t.database.db, a.id, 'alice@example.COM'), (error: unknown) => {
      assert.ok(isCode('conflict')(error));
      assert.match((error as MusterError).message, /email already exists/);
      return true;
    });
    await insertUser(t.database.db, b.id, 'alice@example.com');
  });

  it('a membership cannot join a team of one org to a user of another', async () => {
    const t = await testApp();
    const [a, b] = [await makeOrg(t), await makeOrg(t)];
    const team = await makeTeam(t, a.id);
    const outsider = await insertUser(t.database.db, b.id, 'bob@example.com');
    const insert = (orgId: string) =>
      t.database.db
        .insertInto('memberships')
        .values({ org_id: orgId, team_id: team.id, user_id: outsider, source: 'manual' })
        .execute();
    await assert.rejects(insert(a.id), isCode('unprocessable'));
    await assert.rejects(insert(b.id), isCode('unprocessable'));
  });

  it('a user holds a team once per source, and through several sources at once', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id);
    const user = await insertUser(t.database.db, org.id, 'carol@example.com');
    const grant = (source: 'scim' | 'manual', sourceId: string) =>
      t.database.db
        .insertInto('memberships')
        .values({ org_id: org.id, team_id: team.id, user_id: user, source, source_id: sourceId })
        .execute();
    await grant('manual', '');
    await grant('scim', 'directory-1');
    await assert.rejects(grant('scim', 'directory-1'), isCode('conflict'));
    const rows = await t.database.db
      .selectFrom('memberships')
      .select(['source', 'source_id'])
      .where('org_id', '=', org.id)
      .where('user_id', '=', user)
      .orderBy('source')
      .execute();
    assert.deepEqual(rows, [
      { source: 'manual', source_id: '' },
      { source: 'scim', source_id: 'directory-1' },
    ]);
  });

  it('deleting a team removes its memberships and nothing else', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const [keep, drop] = [await makeTeam(t, org.id, 'Keep'), await makeTeam(t, org.id, 'Drop')];
    const user = await insertUser(t.database.db, org.id, 'dan@example.com');
    for (const team of [keep, drop]) {
      await t.database.db
        .insertInto('memberships')
        .values({ org_id: org.id, team_id: team.id, user_id: user, source: 'manual' })
        .execute();
    }
    const res = await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${drop.id}`);
    assert.equal(res.status, 204);
    const left = await t.database.db
      .selectFrom('memberships')
      .select('team_id')
      .where('org_id', '=', org.id)
      .where('user_id', '=', user)
      .execute();
    assert.deepEqual(left, [{ team_id: keep.id }]);
  });

  it('roles and sources outside the allowed sets are refused', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const user = await insertUser(t.database.db, org.id, 'erin@example.com');
    await assert.rejects(
      t.database.db
        .insertInto('role_grants')
        .values({ org_id: org.id, user_id: user, role: 'superuser' as 'admin', source: 'manual' })
        .execute(),
      isCode('validation_failed'),
    );
  });

  it('a failed transaction leaves nothing behind', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    await assert.rejects(
      t.database.db.transaction().execute(async (trx) => {
        await insertUser(trx, org.id, 'frank@example.com');
        await insertUser(trx, org.id, 'FRANK@example.com');
      }),
      isCode('conflict'),
    );
    const users = await t.database.db.selectFrom('users').select('id').where('org_id', '=', org.id).execute();
    assert.deepEqual(users, []);
  });
});
