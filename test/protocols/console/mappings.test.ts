import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type supertest from 'supertest';
import { type TestApp, testApp } from '../../support/app.ts';
import { makeSamlConnection } from '../../support/connections.ts';
import { ConsoleClient, consoleMember, csrfFor } from '../../support/console.ts';
import { makeOrg, makeTeam } from '../../support/factories.ts';
import { type MappingBody, memberOf, pushGroup, pushUsers } from '../../support/mappings.ts';
import { samlWorld } from '../../support/saml-fixtures.ts';
import { makeDirectory, patchOp, scimClient } from '../../support/scim.ts';

const ada = 'ada@example.com';
const bob = 'bob@example.com';
const cy = 'cy@example.com';

/** The hidden fields of the form posting to `action`, as the browser would send them. */
function hiddenFields(page: string, action: string): Record<string, string> {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const form = new RegExp(`<form[^>]*action="${escaped}"[^>]*>([\\s\\S]*?)</form>`).exec(page);
  assert.ok(form, `a form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const m of (form[1] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1] as string] = (m[2] as string)
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return fields;
}

/** Posts the form of `page` that posts to `action`, as it is: its hidden fields, its CSRF field. */
function press(c: ConsoleClient, page: supertest.Response, action: string): Promise<supertest.Response> {
  return c.post(action, hiddenFields(page.text, action));
}

async function setup() {
  const t = await testApp();
  const org = await makeOrg(t, 'Acme Mappings');
  const admin = await consoleMember(t, org.id, 'admin');
  const c = new ConsoleClient(t, admin.cookie);
  // The directory and its token come from the admin API, as an IdP admin would set it up.
  const dir = await makeDirectory(t, org.id, 'okta');
  const scim = scimClient(t, dir.id, dir.token);
  const users = await pushUsers(scim, [ada, bob, cy]);
  const eng = await pushGroup(scim, 'Engineering', [users[ada] as string, users[bob] as string]);
  await pushGroup(scim, 'Sales', [users[cy] as string]);
  const team = await makeTeam(t, org.id, 'Platform');
  const base = `/console/orgs/${org.slug}`;
  return { t, org, admin, c, dir, scim, users, eng, team, base };
}

async function mappingsOf(t: TestApp, org: string): Promise<MappingBody[]> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/group-mappings`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as MappingBody[];
}

describe('console: group mappings', () => {
  it('maps a pushed group to a team: found by search, previewed, saved, applied; then changed and deleted', async () => {
    const { t, org, c, dir, scim, eng, team, base } = await setup();

    const empty = await c.get(`${base}/mappings`);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /No group mappings yet/);
    assert.match(empty.text, /aria-current="page">Group mappings</);

    // The only directory is searched at once; a search narrows its groups by the start of their name.
    const all = await c.get(`${base}/mappings/new`);
    assert.match(all.text, /value="Engineering"/);
    assert.match(all.text, /value="Sales"/);
    const found = await c.get(`${base}/mappings/new?directory=${dir.id}&q=ENG`);
    assert.equal(found.status, 200);
    assert.match(
      found.text,
      /<input type="radio" id="group-0" name="group" value="Engineering"[^>]*> Engineering <span class="note">\(2 members\)/,
    );
    assert.doesNotMatch(found.text, /value="Sales"/);
    assert.match(found.text, /<label class="check" for="group-0">/);
    assert.match(found.text, new RegExp(`<option value="${team.id}">Platform</option>`));
    const nothing = await c.get(`${base}/mappings/new?directory=${dir.id}&q=zzz`);
    assert.match(nothing.text, /No group of this directory has a name starting with “zzz”/);

    const preview = await c.submit(
      `${base}/mappings/new?directory=${dir.id}&q=eng`,
      `${base}/mappings/preview`,
      {
        source: 'directory',
        directory: dir.id,
        q: 'eng',
        group: 'Engineering',
        team: team.id,
        role: '',
      },
    );
    assert.equal(preview.status, 200, preview.text);
    assert.match(preview.text, /Adds 2 members to Platform, removes 0\./);
    assert.match(preview.text, /Changes no one&#39;s role/);
    assert.match(preview.text, /<li>ada@example\.com<\/li><li>bob@example\.com<\/li>/);
    assert.doesNotMatch(preview.text, /cy@example\.com/);
    assert.equal((await mappingsOf(t, org.id)).length, 0, 'a preview saves nothing');
    // Back keeps every choice.
    const back = hiddenFields(preview.text, `${base}/mappings/new`);
    assert.deepEqual(
      { ...back },
      {
        source: 'directory',
        directory: dir.id,
        connection: '',
        group: 'Engineering',
        q: 'eng',
        team: team.id,
        role: '',
      },
    );
    const backPage = await c.get(`${base}/mappings/new?${new URLSearchParams(back)}`);
    assert.match(backPage.text, /value="Engineering" checked/);
    assert.match(backPage.text, new RegExp(`<option value="${team.id}" selected>Platform</option>`));

    const saved = await press(c, preview, `${base}/mappings`);
    assert.equal(saved.status, 303, saved.text);
    assert.equal(saved.headers.location, `${base}/mappings`);
    const [mapping] = await mappingsOf(t, org.id);
    assert.ok(mapping);
    assert.deepEqual(mapping.source, { directory: dir.id, group: 'Engineering' });
    assert.equal(mapping.team?.id, team.id);
    assert.equal(mapping.role, null);
    const listed = await c.get(`${base}/mappings`);
    assert.match(listed.text, /role="status">Mapping of Engineering saved \(team Platform\)/);
    assert.match(listed.text, /SCIM directory okta directory/);
    assert.match(listed.text, new RegExp(`href="${base}/members\\?team=${team.slug}">Platform</a>`));

    await t.runJobs(org.id);
    assert.deepEqual((await memberOf(t, org.id, ada)).teams[team.slug], ['scim']);
    assert.deepEqual((await memberOf(t, org.id, bob)).teams[team.slug], ['scim']);
    assert.equal((await memberOf(t, org.id, cy)).teams[team.slug], undefined);
    const members = await c.get(`${base}/members?team=${team.slug}`);
    assert.equal(members.status, 200);
    const rows = /<tbody>([\s\S]*?)<\/tbody>/.exec(members.text)?.[1] ?? '';
    assert.deepEqual([...new Set(rows.match(/[a-z0-9-]+@example\.com/g))].sort(), [ada, bob]);

    // A change of role: previewed (two members become admins, nobody joins or leaves), then saved.
    const edit = await c.get(`${base}/mappings/${mapping.id}/edit`);
    assert.match(edit.text, /grants team Platform now/);
    assert.match(edit.text, new RegExp(`<option value="${team.id}" selected>Platform</option>`));
    const change = await c.submit(
      `${base}/mappings/${mapping.id}/edit`,
      `${base}/mappings/${mapping.id}/preview`,
      {
        team: team.id,
        role: 'admin',
      },
    );
    assert.equal(change.status, 200, change.text);
    assert.match(change.text, /Adds 0 members to Platform, removes 0 members from Platform\./);
    assert.match(change.text, /Changes the role of 2 members\./);
    assert.match(change.text, /<li>ada@example\.com: member → admin<\/li>/);
    assert.equal((await memberOf(t, org.id, ada)).role, 'member', 'a preview changes no one');
    const changed = await press(c, change, `${base}/mappings/${mapping.id}`);
    assert.equal(changed.status, 303, changed.text);
    assert.match((await c.get(`${base}/mappings`)).text, /changed to team Platform and role admin/);
    await t.runJobs(org.id);
    assert.equal((await memberOf(t, org.id, ada)).role, 'admin');
    assert.equal((await memberOf(t, org.id, bob)).role, 'admin');

    // The IdP renames the group: the mapping still applies, flagged until confirmed.
    const rename = await scim.patch(
      `/Groups/${eng}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'Engineering EMEA' }),
    );
    assert.ok(rename.status === 200 || rename.status === 204, JSON.stringify(rename.body));
    const stale = await c.get(`${base}/mappings`);
    assert.match(
      stale.text,
      /<p class="warn">Stale: the group was renamed in the IdP from “Engineering” to “Engineering EMEA”\. The mapping still applies/,
    );
    const confirmed = await c.submit(`${base}/mappings`, `${base}/mappings/${mapping.id}/confirm`, {});
    assert.equal(confirmed.status, 303);
    const fresh = await c.get(`${base}/mappings`);
    assert.match(fresh.text, /The mapping follows the group as Engineering EMEA\./);
    assert.doesNotMatch(fresh.text, /class="warn"/);

    // Deleting: previewed (both leave the team and are admins no more), then done.
    const removal = await c.get(`${base}/mappings/${mapping.id}/delete`);
    assert.equal(removal.status, 200);
    assert.match(removal.text, /Removes 2 members from Platform\./);
    assert.match(removal.text, /<li>bob@example\.com: admin → member<\/li>/);
    const deleted = await press(c, removal, `${base}/mappings/${mapping.id}/delete`);
    assert.equal(deleted.status, 303);
    assert.match((await c.get(`${base}/mappings`)).text, /Mapping of Engineering EMEA deleted/);
    await t.runJobs(org.id);
    assert.equal((await memberOf(t, org.id, ada)).teams[team.slug], undefined);
    assert.equal((await memberOf(t, org.id, ada)).role, 'member');
    assert.equal((await mappingsOf(t, org.id)).length, 0);
    assert.match((await c.get(`${base}/mappings`)).text, /No group mappings yet/);
  });

  it('explains pending and deleted groups, and maps a connection claim value', async () => {
    const { t, org, c, dir, scim, team, base } = await setup();
    const pending = await t.admin.post(`/api/v1/orgs/${org.id}/group-mappings`, {
      source: { directory: dir.id, group: 'Not Yet Pushed' },
      team: team.id,
    });
    assert.equal(pending.status, 201);
    const sales = (await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Sales"')}`)).body
      .Resources[0];
    const salesMapping = await t.admin.post(`/api/v1/orgs/${org.id}/group-mappings`, {
      source: { directory: dir.id, group: 'Sales' },
      role: 'member',
    });
    assert.equal(salesMapping.status, 201);
    assert.equal((await scim.delete(`/Groups/${sales.id}`)).status, 204);

    const list = await c.get(`${base}/mappings`);
    assert.match(
      list.text,
      /Pending<p class="note">The IdP has not pushed a group “Not Yet Pushed” into this directory yet/,
    );
    assert.match(list.text, /<p class="warn">Stale: the group “Sales” was deleted in the IdP/);
    const onlyStale = await c.get(`${base}/mappings?status=stale`);
    assert.match(onlyStale.text, /Sales/);
    assert.doesNotMatch(onlyStale.text, /Not Yet Pushed/);

    const w = await samlWorld();
    const connection = await makeSamlConnection(t, org.id, w.idp);
    const page = await c.get(`${base}/mappings/new`);
    assert.match(page.text, new RegExp(`<option value="${connection.id}">${connection.name}</option>`));
    const preview = await c.submit(`${base}/mappings/new`, `${base}/mappings/preview`, {
      source: 'connection',
      connection: connection.id,
      group: '/eng/platform',
      team: team.id,
      role: 'member',
    });
    assert.equal(preview.status, 200, preview.text);
    assert.match(preview.text, /Group claim value “\/eng\/platform” of the SSO connection/);
    assert.match(preview.text, /Adds 0 members to Platform, removes 0\./);
    const saved = await press(c, preview, `${base}/mappings`);
    assert.equal(saved.status, 303, saved.text);
    const made = (await mappingsOf(t, org.id)).find((m) => m.source.connection === connection.id);
    assert.deepEqual(made?.source, { connection: connection.id, group: '/eng/platform' });
    assert.equal(made?.role, 'member');
    assert.match((await c.get(`${base}/mappings`)).text, new RegExp(`SSO connection ${connection.name}`));
  });

  it('shows bad input beside the form and saves nothing; refuses a forged post', async () => {
    const { t, org, c, dir, team, base } = await setup();
    const page = `${base}/mappings/new?directory=${dir.id}`;
    const action = `${base}/mappings/preview`;

    const noGroup = await c.submit(page, action, {
      source: 'directory',
      directory: dir.id,
      q: '',
      team: team.id,
    });
    assert.equal(noGroup.status, 400);
    assert.match(noGroup.text, /<p class="error" role="alert">Choose a group from the list\.<\/p>/);
    assert.match(noGroup.text, /value="Engineering"/, 'the groups are listed again');
    assert.match(noGroup.text, new RegExp(`<option value="${team.id}" selected>`), 'the team stays chosen');

    const unknownTeam = await c.submit(page, action, {
      source: 'directory',
      directory: dir.id,
      group: 'Engineering',
      team: randomUUID(),
    });
    assert.equal(unknownTeam.status, 422);
    assert.match(unknownTeam.text, /role="alert">There is no team/);
    assert.match(unknownTeam.text, /value="Engineering" checked/);

    const nothingGranted = await c.submit(page, action, {
      source: 'directory',
      directory: dir.id,
      group: 'Engineering',
    });
    assert.equal(nothingGranted.status, 422);
    assert.match(nothingGranted.text, /role="alert">A mapping grants a team, a role or both/);

    const otherOrg = await makeOrg(t, 'Elsewhere');
    const foreignDir = await makeDirectory(t, otherOrg.id);
    const foreign = await c.submit(page, action, {
      source: 'directory',
      directory: foreignDir.id,
      group: 'Engineering',
      team: team.id,
    });
    assert.equal(foreign.status, 422);
    assert.match(foreign.text, /no such directory in this organization/);
    const foreignList = await c.get(`${base}/mappings/new?directory=${foreignDir.id}`);
    assert.doesNotMatch(
      foreignList.text,
      new RegExp(foreignDir.id),
      "another org's directory is not searched",
    );

    // A save posted without the preview's CSRF field, or with another form's, is refused.
    const forged = await c.post(`${base}/mappings`, {
      source: 'directory',
      directory: dir.id,
      group: 'Engineering',
      team: team.id,
    });
    assert.equal(forged.status, 403);
    const wrongForm = await c.post(`${base}/mappings`, {
      source: 'directory',
      directory: dir.id,
      group: 'Engineering',
      team: team.id,
      csrf: csrfFor((await c.get(page)).text, action),
    });
    assert.equal(wrongForm.status, 403);
    assert.equal((await mappingsOf(t, org.id)).length, 0);

    const mapping = await t.admin.post(`/api/v1/orgs/${org.id}/group-mappings`, {
      source: { directory: dir.id, group: 'Engineering' },
      team: team.id,
    });
    const forgedDelete = await c.post(`${base}/mappings/${mapping.body.id}/delete`, {});
    assert.equal(forgedDelete.status, 403);
    assert.equal((await mappingsOf(t, org.id)).length, 1);
    const unknown = await c.get(`${base}/mappings/${randomUUID()}/edit`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /role="alert">Group mapping/);

    const member = await consoleMember(t, org.id, 'member');
    assert.equal((await new ConsoleClient(t, member.cookie).get(`${base}/mappings`)).status, 403);
  });
});
