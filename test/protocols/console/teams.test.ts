import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';
import { ConsoleClient, consoleMember } from '../../support/console.ts';
import { makeOrg } from '../../support/factories.ts';

describe('console: teams', () => {
  it('lists, creates and deletes teams as an org admin, through the API (audited as the admin)', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme Teams');
    const admin = await consoleMember(t, org.id, 'admin');
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}`;

    const empty = await c.get(`${base}/teams`);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /No teams yet/);
    assert.match(String(empty.headers['content-security-policy']), /default-src 'none'/);
    assert.doesNotMatch(String(empty.headers['content-security-policy']), /unsafe-inline/);
    assert.equal(empty.headers['strict-transport-security'] !== undefined, true);

    const created = await c.submit(`${base}/teams`, `${base}/teams`, {
      name: 'Platform <b>',
      slug: 'platform',
    });
    assert.equal(created.status, 303);
    const list = await c.get(`${base}/teams`);
    assert.match(list.text, /Team Platform &lt;b&gt; created\./);
    assert.match(list.text, /Platform &lt;b&gt;/);
    assert.doesNotMatch(list.text, /Platform <b>/);

    const duplicate = await c.submit(`${base}/teams`, `${base}/teams`, { name: 'Again', slug: 'platform' });
    assert.equal(duplicate.status, 409);
    assert.match(duplicate.text, /role="alert"/);
    assert.match(duplicate.text, /value="Again"/, 'the form keeps what was typed');

    const audit = await t.admin.get(`/api/v1/orgs/${org.id}/audit-events`);
    const entry = (audit.body.data as { action: string; actor: { type: string; id: string } }[]).find(
      (e) => e.action === 'team.created',
    );
    assert.deepEqual(entry?.actor, { type: 'user', id: admin.userId });

    const teams = await t.admin.get(`/api/v1/orgs/${org.id}/teams`);
    const team = (teams.body.data as { id: string }[])[0];
    assert.ok(team);
    const deleted = await c.submit(`${base}/teams`, `${base}/teams/${team.id}/delete`, {});
    assert.equal(deleted.status, 303);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/teams`)).body.data.length, 0);
  });

  it('refuses a post without its CSRF field, another org, a plain member, and nobody', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme');
    const other = await makeOrg(t, 'Other');
    const admin = await consoleMember(t, org.id, 'admin');
    const c = new ConsoleClient(t, admin.cookie);
    await c.get(`/console/orgs/${org.slug}/teams`);
    const forged = await c.post(`/console/orgs/${org.slug}/teams`, { name: 'Forged' });
    assert.equal(forged.status, 403);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/teams`)).body.data.length, 0);

    const foreign = await c.get(`/console/orgs/${other.slug}/teams`);
    assert.equal(foreign.status, 403);

    const member = await consoleMember(t, org.id, 'member');
    const plain = await new ConsoleClient(t, member.cookie).get(`/console/orgs/${org.slug}/teams`);
    assert.equal(plain.status, 403);
    assert.match(plain.text, /owners and admins/);

    const nobody = await new ConsoleClient(t, '').get(`/console/orgs/${org.slug}/teams`);
    assert.equal(nobody.status, 200);
    assert.match(nobody.text, /Sign in/);
    assert.match(nobody.text, /Operator sign-in/);
  });

  it('lets the operator in with ADMIN_TOKEN, lists every org, and signs out', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Operated');
    const c = new ConsoleClient(t, '');
    const wrong = await c.submit('/console', '/console/sign-in', { token: 'x'.repeat(40) });
    assert.equal(wrong.status, 401);
    const { adminToken } = await import('../../support/app.ts');
    const right = await c.submit('/console', '/console/sign-in', { token: adminToken });
    assert.equal(right.status, 303);
    const home = await c.get('/console');
    assert.equal(home.status, 200);
    assert.match(home.text, /Organizations/);
    const teams = await c.get(`/console/orgs/${org.slug}/teams`);
    assert.equal(teams.status, 200);
    const created = await c.submit('/console', '/console/orgs', { name: 'Made Here', slug: 'made-here-x1' });
    assert.equal(created.status, 303);
    assert.equal((await t.admin.get('/api/v1/orgs/made-here-x1')).status, 200);
    const out = await c.post('/console/sign-out', {});
    assert.equal(out.status, 303);
    assert.match((await c.get('/console')).text, /Operator sign-in/);
  });
});
