import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SigningKeys, startSession } from '../../../src/domain/sessions/index.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { appOn, publicUrl } from '../../support/app.ts';
import { plannedDatabase } from '../../support/query-plans.ts';
import { patchOp } from '../../support/scim.ts';
import { pushMember } from './support.ts';

/**
 * Every statement a session makes, from sign-in through each request to
 * logout and revocation, must be able to use an index: with sequential
 * scans priced out, a plan that still scans a table has none to use.
 */
describe('query plans of sessions', () => {
  it('every statement of a session’s life can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = await appOn(database);
    const org = (await t.admin.post('/api/v1/orgs', { name: 'Plans' })).body as { id: string };
    await t.admin.patch(`/api/v1/orgs/${org.id}`, { appUrls: ['https://app.example.com'] });
    const team = (await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: 'Platform' })).body as {
      id: string;
    };
    const ada = await pushMember(t, org.id, 'ada@example.com');
    await t.admin.patch(`/api/v1/orgs/${org.id}/members/${ada.userId}`, { teams: [team.id] });
    seen.clear();

    const first = await t.sessionFor(org.id, ada.userId);
    const past = new SigningKeys(database.db, new SecretBox(developmentMasterKey), {
      issuer: publicUrl,
      now: () => new Date(Date.now() - 600_000),
    });
    const expired = await startSession(
      database.db,
      past,
      { orgId: org.id, userId: ada.userId, connectionId: null, loginId: newId() },
      { actor: { type: 'system', id: null } },
    );
    const steps = [
      () => t.http.get('/.well-known/jwks.json'),
      () => t.http.get('/api/v1/me').set('Cookie', first.cookie),
      () => t.as(first.token).get('/api/v1/me'),
      () => t.http.get('/api/v1/me').set('Cookie', `muster_session=${expired.token}`),
      () => t.as(`${first.token.split('.')[0]}.${first.token.split('.')[1]}.AAAA`).get('/api/v1/me'),
      () => t.http.post('/sso/logout').set('Cookie', first.cookie).set('Origin', 'https://app.example.com'),
      () => ada.scim.patch(`/Users/${ada.scimId}`, patchOp({ op: 'replace', path: 'active', value: false })),
      () => t.admin.delete(`/api/v1/orgs/${org.id}/members/${ada.userId}`),
    ];
    for (const [i, step] of steps.entries()) {
      const res = await step();
      assert.ok(res.status < 500, `step ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.ok(seen.size >= 10, `only ${seen.size} statements seen`);
    const statements = [...seen.keys()];
    for (const shape of [
      'from "sessions" as "s"',
      'update "sessions"',
      // A new session sweeps its user's ended ones, and reads the user's teams, each in one statement.
      'delete from sessions',
      'from teams t',
    ])
      assert.ok(
        statements.some((text) => text.includes(shape)),
        `no statement with ${shape}`,
      );

    // The installation's signing keys are two or three rows at any time (one a month, each dropped
    // hours after it retired), read once a minute per process: scanning them is the best plan.
    const offenders = await withoutIndex(['signing_keys']);
    assert.deepEqual(offenders, []);
  });
});
