import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { appOn, type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { makeApiKey, makeOrg } from '../support/factories.ts';
import { addMembers, pushGroup, pushUsers, removeMembers } from '../support/mappings.ts';
import { plannedDatabase } from '../support/query-plans.ts';
import { makeDirectory, scimClient } from '../support/scim.ts';

interface GroupBody {
  id: string;
  displayName: string;
  externalId: string | null;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
}

interface PageBody {
  data: GroupBody[];
  nextCursor: string | null;
}

async function setup(t?: TestApp) {
  const app = t ?? (await testApp());
  const org = await makeOrg(app);
  const dir = await makeDirectory(app, org.id, 'okta');
  const scim = scimClient(app, dir.id, dir.token);
  return { t: app, org, dir, scim, base: `/api/v1/orgs/${org.id}/directories/${dir.id}/groups` };
}

async function list(t: TestApp, path: string): Promise<PageBody> {
  const res = await t.admin.get(path);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['data', 'nextCursor']);
  return res.body as PageBody;
}

const names = (page: PageBody) => page.data.map((g) => g.displayName);

describe('GET /api/v1/orgs/{org}/directories/{dir}/groups', () => {
  it('lists the pushed groups in name order with externalId and member count', async () => {
    const { t, scim, base } = await setup();
    const users = await pushUsers(scim, ['ada@example.com', 'bob@example.com', 'cy@example.com']);
    const ids = Object.values(users);
    const eng = await pushGroup(scim, 'Engineering', ids, { externalId: 'okta-00g1' });
    await pushGroup(scim, 'accounts', [ids[0] as string]);
    await pushGroup(scim, 'Design');

    const page = await list(t, base);
    assert.deepEqual(names(page), ['accounts', 'Design', 'Engineering']);
    assert.equal(page.nextCursor, null);
    const group = page.data.find((g) => g.id === eng);
    assert.ok(group);
    assert.deepEqual(Object.keys(group).sort(), [
      'createdAt',
      'displayName',
      'externalId',
      'id',
      'memberCount',
      'updatedAt',
    ]);
    assert.match(group.id, uuidPattern);
    assert.match(group.createdAt, isoPattern);
    assert.equal(group.externalId, 'okta-00g1');
    assert.equal(group.memberCount, 3);
    assert.equal(page.data.find((g) => g.displayName === 'accounts')?.memberCount, 1);
    assert.equal(page.data.find((g) => g.displayName === 'Design')?.externalId, null);

    // The count follows SCIM membership changes.
    await removeMembers(scim, eng, [ids[1] as string, ids[2] as string]);
    await addMembers(scim, eng, [ids[1] as string]);
    const again = await list(t, base);
    assert.equal(again.data.find((g) => g.id === eng)?.memberCount, 2);
  });

  it('finds groups by the start of their name, in any case, taking % and _ literally', async () => {
    const { t, scim, base } = await setup();
    for (const name of [
      'Eng Platform',
      'eng-data',
      'ENGAGE',
      'Sales Eng',
      '100% Club',
      '1000 Club',
      'a_b',
      'axb',
    ])
      await pushGroup(scim, name);
    const search = async (q: string) => names(await list(t, `${base}?q=${encodeURIComponent(q)}`));

    // Name order is bytewise on the lowered name: ' ' and '-' come before letters.
    assert.deepEqual(await search('eng'), ['Eng Platform', 'eng-data', 'ENGAGE']);
    assert.deepEqual(await search('ENG P'), ['Eng Platform']);
    assert.deepEqual(await search('  eng-'), ['eng-data'], 'surrounding spaces are trimmed');
    assert.deepEqual(await search('Platform'), [], 'a prefix, not any part of the name');
    assert.deepEqual(await search('100%'), ['100% Club']);
    assert.deepEqual(await search('a_'), ['a_b']);
    assert.deepEqual(await search('nothing'), []);
    assert.equal((await search('')).length, 8, 'an empty search lists everything');
  });

  it('pages in name order with opaque cursors, searched or not', async () => {
    const { t, scim, base } = await setup();
    const all = ['Ops 1', 'ops 2', 'Ops 3', 'OPS 4', 'Ops 5', 'Other', 'Zeta'];
    for (const name of [...all].reverse()) await pushGroup(scim, name);

    const walk = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: PageBody = await list(t, `${base}?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.data.length <= 2);
        seen.push(...names(page));
        cursor = page.nextCursor;
        if (cursor) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
        pages += 1;
        assert.ok(pages < 20, 'paging does not end');
      } while (cursor);
      return { seen, pages };
    };
    assert.deepEqual(await walk(''), { seen: all, pages: 4 });
    assert.deepEqual(await walk('&q=ops'), { seen: ['Ops 1', 'ops 2', 'Ops 3', 'OPS 4', 'Ops 5'], pages: 3 });

    // A cursor is a position: a group renamed or deleted meanwhile does not derail the next page.
    const first = await list(t, `${base}?limit=3`);
    const deleted = first.data.at(-1);
    assert.ok(deleted && first.nextCursor);
    assert.equal((await scim.delete(`/Groups/${deleted.id}`)).status, 204);
    assert.deepEqual(names(await list(t, `${base}?limit=2&cursor=${first.nextCursor}`)), ['OPS 4', 'Ops 5']);

    assertError(await t.admin.get(`${base}?cursor=not-a-cursor!`), 400, 'validation_failed');
    assertError(
      await t.admin.get(`${base}?cursor=${Buffer.from('a\0b').toString('base64url')}`),
      400,
      'validation_failed',
    );
    assertError(await t.admin.get(`${base}?limit=0`), 400, 'validation_failed');
    assertError(await t.admin.get(`${base}?q=${'x'.repeat(401)}`), 400, 'validation_failed');
    assertError(await t.admin.get(`${base}?colour=red`), 400, 'validation_failed');
  });

  it("keeps directories and orgs apart: another org's directory is 404, another org's key 403", async () => {
    const t = await testApp();
    const a = await setup(t);
    const b = await setup(t);
    const second = await makeDirectory(t, a.org.id, 'generic');
    await pushGroup(a.scim, 'Shared name');
    await pushGroup(a.scim, 'Only in A');
    await pushGroup(b.scim, 'Shared name');
    await pushGroup(scimClient(t, second.id, second.token), 'Second directory');

    assert.deepEqual(names(await list(t, a.base)), ['Only in A', 'Shared name']);
    assert.deepEqual(names(await list(t, `/api/v1/orgs/${a.org.id}/directories/${second.id}/groups`)), [
      'Second directory',
    ]);
    const bGroups = await list(t, b.base);
    assert.deepEqual(names(bGroups), ['Shared name']);
    assert.notEqual(bGroups.data[0]?.id, (await list(t, `${a.base}?q=shared`)).data[0]?.id);

    // B's directory through A's path: as if it did not exist.
    assertError(
      await t.admin.get(`/api/v1/orgs/${a.org.id}/directories/${b.dir.id}/groups`),
      404,
      'not_found',
    );
    assertError(await t.admin.get(`/api/v1/orgs/${a.org.id}/directories/not-an-id/groups`), 404, 'not_found');
    // B's key cannot read A at all; A's own key can.
    const bKey = await makeApiKey(t, b.org.id);
    assertError(await t.as(bKey.key).get(a.base), 403, 'forbidden');
    const aKey = await makeApiKey(t, a.org.id);
    const own = await t.as(aKey.key).get(a.base);
    assert.equal(own.status, 200);
    assert.equal(own.body.data.length, 2);
    // The SCIM token of a directory is no admin credential.
    assertError(await t.as(a.dir.token).get(a.base), 401, 'unauthorized');
  });

  it('answers searches and pages from an index range, not a scan of the directory', async () => {
    const { database, seen } = await plannedDatabase();
    after(() => database.close());
    const { t, scim, base } = await setup(await appOn(database));
    for (const name of ['Alpha', 'Beta', 'Gamma']) await pushGroup(scim, name);
    seen.clear();
    const page = await list(t, `${base}?q=al&limit=1`);
    assert.deepEqual(names(page), ['Alpha']);
    await list(t, `${base}?limit=1&cursor=${(await list(t, `${base}?limit=1`)).nextCursor}`);

    const statements = [...seen].filter(([text]) => /from "scim_groups"/.test(text));
    assert.equal(statements.length, 3, 'a search, a first page and a next page');
    await database.withSession(async (session) => {
      await session.exec('set enable_seqscan = off; set enable_sort = off');
      for (const [text, parameters] of statements) {
        const { rows } = await session.query(`explain (format json) ${text}`, parameters);
        const plan = JSON.stringify(rows[0]);
        assert.doesNotMatch(plan, /Seq Scan|"Sort"/, `read in index order: ${text}\n${plan}`);
        // A prefix or a cursor bounds the range read, rather than filtering rows read.
        if (/ like | > /.test(text))
          assert.match(plan, /"Index Cond":"[^"]*lower\(display_name\)/, `bounded by the name: ${plan}`);
      }
      await session.exec('reset enable_seqscan; reset enable_sort');
    });
  });
});
