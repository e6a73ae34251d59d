import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { purgeLoginThrottles, purgePasswordResetTokens } from '../../../src/storage/index.ts';
import { appOn } from '../../support/app.ts';
import { makeOrg } from '../../support/factories.ts';
import { plannedDatabase } from '../../support/query-plans.ts';
import {
  behindProxy,
  freshEmail,
  freshIp,
  goodPassword,
  localMember,
  openForm,
  postForm,
  resetLinks,
  signIn,
} from './support.ts';

/**
 * Every statement a local sign-in makes, from the email step through
 * failures, locks, the org question and a reset, must be able to use an
 * index: with sequential scans priced out, a plan that still scans a table
 * has none to use.
 */
describe('query plans of local sign-in', () => {
  it('every statement of sign-in, throttle and reset can use an index', async () => {
    const { database, seen, withoutIndex } = await plannedDatabase();
    after(() => database.close());
    const t = behindProxy(await appOn(database));
    const org = await makeOrg(t);
    const second = await makeOrg(t);
    const email = freshEmail();
    const twice = freshEmail();
    await localMember(t, org.id, email);
    await localMember(t, org.id, twice);
    await localMember(t, second.id, twice);
    seen.clear();

    const ip = freshIp();
    const form = await openForm(t, '/login', ip);
    await postForm(t, '/login', ip, form, { email });
    assert.equal((await signIn(t, ip, { email, password: goodPassword })).status, 303);
    assert.equal((await signIn(t, ip, { email, password: goodPassword, org: org.slug })).status, 303);
    for (let i = 0; i < 5; i++) await signIn(t, ip, { email, password: 'not the right one' });
    assert.equal((await signIn(t, ip, { email, password: goodPassword })).status, 429);
    assert.equal((await signIn(t, ip, { email: freshEmail('nobody'), password: goodPassword })).status, 401);
    assert.equal((await signIn(t, ip, { email: twice, password: goodPassword })).status, 200);

    const reset = await openForm(t, '/login/reset', ip);
    assert.equal((await postForm(t, '/login/reset', ip, reset, { email: twice })).status, 200);
    const [token] = await resetLinks(t, twice);
    const page = await openForm(t, `/login/reset/${token}`, ip);
    const done = await postForm(t, `/login/reset/${token}`, ip, page, {
      password: 'amber lanterns over the harbour',
      confirm: 'amber lanterns over the harbour',
    });
    assert.equal(done.status, 200, done.text);
    await purgeLoginThrottles(database.db, new Date());
    await purgePasswordResetTokens(database.db, new Date());

    const statements = [...seen.keys()];
    for (const shape of [
      'from "users" as "u" inner join "local_credentials"',
      'from "login_throttles"',
      'update login_throttles',
      'from "password_reset_tokens" as "t"',
      'update password_reset_tokens',
      'select count(*)',
      'delete from login_throttles',
      'delete from password_reset_tokens',
    ])
      assert.ok(
        statements.some((text) => text.includes(shape)),
        `no statement with ${shape}`,
      );
    // The installation's signing keys are a few rows: see the sessions' query plans.
    assert.deepEqual(await withoutIndex(['signing_keys']), []);
  });
});
