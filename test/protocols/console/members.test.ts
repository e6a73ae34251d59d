import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TestApp, testApp } from '../../support/app.ts';
import { ConsoleClient, consoleMember } from '../../support/console.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { makeMapping, memberOf, pushGroup, pushUsers } from '../../support/mappings.ts';
import { makeDirectory, scimClient } from '../../support/scim.ts';

/** The emails in the members table of a page, in order. */
function listedEmails(page: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '';
  return [...body.matchAll(/<td><a href="[^"]+">([^<]+@[^<]+)<\/a><\/td>/g)].map((m) => m[1] ?? '').sort();
}

/** An org with an admin in the console, a SCIM user mapped into a team, and a plain member. */
async function seeded(t: TestApp) {
  const org = await makeOrg(t, 'Acme Members');
  const admin = await consoleMember(t, org.id, 'admin');
  const plain = await consoleMember(t, org.id, 'member');
  const team = await makeTeam(t, org.id, 'Platform');
  const dir = await makeDirectory(t, org.id, 'okta');
  const scim = scimClient(t, dir.id, dir.token);
  const ids = await pushUsers(scim, ['grace@scim.test']);
  await pushGroup(scim, 'Engineers', Object.values(ids));
  await makeMapping(t, org.id, { source: { directory: dir.id, group: 'Engineers' }, team: team.slug });
  const scimUser = (await t.admin.get(`/api/v1/orgs/${org.id}/members/grace@scim.test`)).body.id as string;
  const base = `/console/orgs/${org.slug}/members`;
  return { org, admin, plain, team, scimUser, base, c: new ConsoleClient(t, admin.cookie) };
}

describe('console: members', () => {
  it('lists members and filters them by team, role and source, keeping the filters across pages', async () => {
    const t = await testApp();
    const { admin, plain, team, base, c } = await seeded(t);

    const all = await c.get(base);
    assert.equal(all.status, 200);
    assert.deepEqual(listedEmails(all.text), [admin.email, plain.email, 'grace@scim.test'].sort());
    assert.match(all.text, /Platform <span class="note">\(scim\)<\/span>/, 'each team with its sources');

    const byTeam = await c.get(`${base}?team=${team.slug}`);
    assert.equal(byTeam.status, 200);
    assert.deepEqual(listedEmails(byTeam.text), ['grace@scim.test']);
    assert.match(byTeam.text, new RegExp(`<option value="${team.slug}" selected>Platform</option>`));

    const admins = await c.get(`${base}?role=admin`);
    assert.deepEqual(listedEmails(admins.text), [admin.email]);
    assert.match(admins.text, /<option value="admin" selected>admin<\/option>/);

    const scimOnly = await c.get(`${base}?source=scim&team=&q=`);
    assert.deepEqual(listedEmails(scimOnly.text), ['grace@scim.test']);

    const text = await c.get(`${base}?q=GRACE`);
    assert.deepEqual(listedEmails(text.text), ['grace@scim.test']);

    const unknownTeam = await c.get(`${base}?team=no-such-team`);
    assert.equal(unknownTeam.status, 404);
    assert.match(unknownTeam.text, /role="alert"/);
    assert.match(unknownTeam.text, /No members match/);
  });

  it('pages through members with the filters kept in the next link', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme Paging');
    const admin = await consoleMember(t, org.id, 'admin');
    const dir = await makeDirectory(t, org.id, 'generic');
    const scim = scimClient(t, dir.id, dir.token);
    await pushUsers(
      scim,
      Array.from({ length: 51 }, (_, i) => `user${String(i).padStart(2, '0')}@paging.test`),
    );
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}/members`;
    const first = await c.get(`${base}?source=scim`);
    assert.equal(listedEmails(first.text).length, 50);
    const next = /<a href="([^"]+)">Next page<\/a>/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next, 'a link to the next page');
    assert.match(next, /source=scim/);
    assert.match(next, /cursor=/);
    const second = await c.get(next);
    assert.equal(second.status, 200);
    assert.equal(listedEmails(second.text).length, 1, 'the SCIM user left, not the admin');
    assert.doesNotMatch(second.text, />Next page</);
  });

  it("shows a member's teams and role grants with each grant's source and mapping", async () => {
    const t = await testApp();
    const { scimUser, base, c } = await seeded(t);
    const page = await c.get(`${base}/${scimUser}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /grace@scim\.test/);
    assert.match(page.text, /<td>scim<\/td><td>IdP group Engineers/);
    assert.match(page.text, /through a <a href="[^"]+\/mappings">group mapping<\/a>/);
    assert.match(page.text, /<h2>Role grants<\/h2>/);
    const missing = await c.get(`${base}/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
  });

  it('promotes a member to admin and demotes them again', async () => {
    const t = await testApp();
    const { org, plain, base, c } = await seeded(t);
    const page = `${base}/${plain.userId}`;
    const promoted = await c.submit(page, `${page}/role`, { role: 'admin' });
    assert.equal(promoted.status, 303);
    assert.equal(promoted.headers.location, page);
    assert.equal((await memberOf(t, org.id, plain.userId)).role, 'admin');
    assert.match(
      (await c.get(page)).text,
      new RegExp(`${plain.email.replace(/\./g, '\\.')} is now admin\\.`),
    );

    const demoted = await c.submit(page, `${page}/role`, { role: 'member' });
    assert.equal(demoted.status, 303);
    assert.equal((await memberOf(t, org.id, plain.userId)).role, 'member');

    const pinned = await c.submit(page, `${page}/role`, { role: 'admin', pinned: 'yes' });
    assert.equal(pinned.status, 303);
    const after = await t.admin.get(`/api/v1/orgs/${org.id}/members/${plain.userId}`);
    assert.equal(after.body.role, 'admin');
    assert.equal(after.body.rolePinned, true);
    assert.match((await c.get(page)).text, /id="member-pinned" name="pinned" value="yes" checked/);
  });

  it('shows the refusal when an admin tries to make or change an owner, and changes nothing', async () => {
    const t = await testApp();
    const { org, plain, base, c } = await seeded(t);
    const page = `${base}/${plain.userId}`;
    const refused = await c.submit(page, `${page}/role`, { role: 'owner' });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /<p class="error" role="alert">Only an owner can make an owner<\/p>/);
    assert.match(refused.text, /<legend>Role<\/legend>/, 'the member page, with its forms, again');
    assert.equal((await memberOf(t, org.id, plain.userId)).role, 'member');

    const owner = await consoleMember(t, org.id, 'owner');
    const ownerPage = `${base}/${owner.userId}`;
    const demote = await c.submit(ownerPage, `${ownerPage}/role`, { role: 'member' });
    assert.equal(demote.status, 403);
    assert.match(demote.text, /Only an owner can change an owner/);
    assert.equal((await memberOf(t, org.id, owner.userId)).role, 'owner');

    // An owner may.
    const asOwner = new ConsoleClient(t, owner.cookie);
    const made = await asOwner.submit(page, `${page}/role`, { role: 'owner' });
    assert.equal(made.status, 303);
    assert.equal((await memberOf(t, org.id, plain.userId)).role, 'owner');
  });

  it('sets the teams held by hand from the checkboxes, leaving SCIM grants alone', async () => {
    const t = await testApp();
    const { org, team, scimUser, base, c } = await seeded(t);
    const ops = await makeTeam(t, org.id, 'Ops');
    const page = `${base}/${scimUser}`;

    const both = await c.submit(page, `${page}/teams`, { teams: [team.id, ops.id] });
    assert.equal(both.status, 303, 'the second form of a first visit carries a working token');
    let held = await memberOf(t, org.id, scimUser);
    assert.deepEqual(held.teams[team.slug], ['manual', 'scim']);
    assert.deepEqual(held.teams[ops.slug], ['manual']);
    const shown = await c.get(page);
    assert.match(shown.text, /now holds by hand: /);
    assert.match(shown.text, new RegExp(`value="${ops.id}" checked`));

    const none = await c.submit(page, `${page}/teams`, {});
    assert.equal(none.status, 303);
    held = await memberOf(t, org.id, scimUser);
    assert.deepEqual(held.teams, { [team.slug]: ['scim'] }, 'the SCIM grant stays');
    assert.doesNotMatch((await c.get(page)).text, new RegExp(`value="${ops.id}" checked`));
  });

  it('removes a member only after the confirmation page, and their session stops working', async () => {
    const t = await testApp();
    const { org, plain, base, c } = await seeded(t);
    const me = () => t.http.get('/api/v1/me').set('Cookie', plain.cookie);
    assert.equal((await me()).status, 200);

    const page = await c.get(`${base}/${plain.userId}`);
    assert.match(page.text, new RegExp(`<form method="get" action="${base}/${plain.userId}/remove">`));
    const confirm = await c.get(`${base}/${plain.userId}/remove`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /their sessions end/);
    assert.match(confirm.text, /API keys they made are revoked/);
    assert.match(confirm.text, /invitations they sent that are still pending are revoked/);
    assert.equal((await memberOf(t, org.id, plain.userId)).status, 'active', 'nothing removed yet');

    const removed = await c.submit(`${base}/${plain.userId}/remove`, `${base}/${plain.userId}/remove`, {});
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.location, base);
    assert.match((await c.get(base)).text, /was removed\./);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/members/${plain.userId}`)).status, 404);
    assert.equal((await me()).status, 401);
  });

  it('shows the refusal to remove the last owner', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Solo');
    const owner = await consoleMember(t, org.id, 'owner');
    const c = new ConsoleClient(t, owner.cookie);
    const path = `/console/orgs/${org.slug}/members/${owner.userId}/remove`;
    const refused = await c.submit(path, path, {});
    assert.equal(refused.status, 409);
    assert.match(refused.text, /keeps at least one owner/);
    assert.equal((await memberOf(t, org.id, owner.userId)).role, 'owner');
  });

  it('refuses forged posts without the CSRF field, and changes nothing', async () => {
    const t = await testApp();
    const { org, plain, base, c } = await seeded(t);
    await c.get(`${base}/${plain.userId}`);
    const role = await c.post(`${base}/${plain.userId}/role`, { role: 'admin' });
    assert.equal(role.status, 403);
    const removal = await c.post(`${base}/${plain.userId}/remove`, {});
    assert.equal(removal.status, 403);
    // A token of another form does not do either.
    const page = await c.get(`${base}/${plain.userId}`);
    const teamsToken = /action="[^"]+\/teams"><input type="hidden" name="csrf" value="([^"]+)"/.exec(
      page.text,
    )?.[1];
    assert.ok(teamsToken);
    const swapped = await c.post(`${base}/${plain.userId}/role`, { role: 'admin', csrf: teamsToken });
    assert.equal(swapped.status, 403);
    const after = await memberOf(t, org.id, plain.userId);
    assert.equal(after.role, 'member');
    assert.equal(after.status, 'active');
  });

  it('escapes hostile names in the list, the filters and the member page', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme <i>Org</i>');
    const admin = await consoleMember(t, org.id, 'admin');
    await makeTeam(t, org.id, '<img src=x onerror=alert(1)>');
    const dir = await makeDirectory(t, org.id, 'generic');
    const scim = scimClient(t, dir.id, dir.token);
    const res = await scim.post('/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'mallory@hostile.test',
      displayName: '<script>alert("x")</script>',
      emails: [{ value: 'mallory@hostile.test', primary: true }],
      active: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const userId = (await t.admin.get(`/api/v1/orgs/${org.id}/members/mallory@hostile.test`)).body.id;
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}/members`;
    for (const path of [`${base}?q=%3Cscript%3E"x`, `${base}/${userId}`, `${base}/${userId}/remove`]) {
      const page = await c.get(path);
      assert.equal(page.status, 200, path);
      assert.doesNotMatch(page.text, /<script>|<img src=x|<i>Org/, path);
    }
    const list = await c.get(`${base}?q=%22%3E%3Cb%3E`);
    assert.match(list.text, /value="&quot;&gt;&lt;b&gt;"/, 'the typed filter comes back escaped');
    assert.match((await c.get(base)).text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  });
});
