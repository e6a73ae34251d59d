import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../../support/app.ts';
import { ConsoleClient, consoleMember } from '../../support/console.ts';
import { makeOrg } from '../../support/factories.ts';

const rowsOf = (page: string) => page.match(/<tr><td><time[\s\S]*?<\/tr>/g) ?? [];
const nextLink = (page: string) =>
  /<a href="([^"]+)">Older events<\/a>/.exec(page)?.[1]?.replace(/&amp;/g, '&');

describe('console: audit log', () => {
  it('lists who did what, newest first, a page at a time, and filters by action and target', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme Audit');
    const admin = await consoleMember(t, org.id, 'admin');
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}`;
    const teams: string[] = [];
    for (let i = 0; i < 52; i += 1) {
      const res = await t.admin.post(`/api/v1/orgs/${org.id}/teams`, {
        name: `Team ${String(i).padStart(2, '0')}`,
      });
      assert.equal(res.status, 201);
      teams.push(res.body.id);
    }
    const byAdmin = await c.submit(`${base}/teams`, `${base}/teams`, { name: 'Made in the console' });
    assert.equal(byAdmin.status, 303);
    const events = (await t.admin.get(`/api/v1/orgs/${org.id}/audit-events?limit=200`)).body.data as {
      id: string;
      action: string;
      requestId: string | null;
      target: { id: string };
    }[];
    assert.ok(events.length >= 53, String(events.length));

    const first = await c.get(`${base}/audit`);
    assert.equal(first.status, 200);
    assert.match(
      first.text,
      /<th scope="col">Time<\/th><th scope="col">Action<\/th><th scope="col">Actor<\/th><th scope="col">Target<\/th><th scope="col">Request id<\/th>/,
    );
    const rows = rowsOf(first.text);
    assert.equal(rows.length, 50);
    // Newest first: the console's own change, by the admin's email, with its request id.
    const newest = events[0];
    assert.ok(newest?.requestId);
    assert.match(rows[0] ?? '', /<td>team\.created<\/td>/);
    assert.ok((rows[0] ?? '').includes(admin.email), 'a member actor is named by email');
    assert.ok((rows[0] ?? '').includes(newest.requestId), 'the request id');
    assert.ok((rows[1] ?? '').includes('the operator'), 'changes made with ADMIN_TOKEN');

    const next = nextLink(first.text);
    assert.ok(next);
    const second = await c.get(next);
    const rest = rowsOf(second.text);
    assert.equal(rest.length, events.length - 50);
    const created = [...rows, ...rest].filter((r) => /<td>team\.created<\/td>/.test(r));
    assert.equal(created.length, 53, 'every team created is on one of the pages');
    assert.equal(nextLink(second.text), undefined);

    // The oldest team's events only, from the target's own link.
    const oldest = teams[0] ?? '';
    const only = /<a href="([^"]+)" aria-label="Only events of team [^"]+">/.exec(
      rest.find((r) => r.includes(oldest)) ?? '',
    )?.[1];
    assert.ok(only);
    const targeted = await c.get(only.replace(/&amp;/g, '&'));
    const targetedRows = rowsOf(targeted.text);
    assert.equal(targetedRows.length, 1);
    assert.ok(targetedRows[0]?.includes(oldest));
    assert.match(
      targeted.text,
      new RegExp(`id="audit-target" name="targetId" maxlength="200" value="${oldest}"`),
    );

    const deleted = await t.admin.delete(`/api/v1/orgs/${org.id}/teams/${teams[1]}`);
    assert.equal(deleted.status, 204);
    const filtered = await c.get(`${base}/audit?action=team.deleted`);
    const filteredRows = rowsOf(filtered.text);
    assert.equal(filteredRows.length, 1);
    assert.match(filteredRows[0] ?? '', /<td>team\.deleted<\/td>/);
    assert.match(
      filtered.text,
      /id="audit-action" name="action" maxlength="100" list="audit-actions" value="team\.deleted"/,
    );
    const none = await c.get(`${base}/audit?action=no.such.action`);
    assert.match(none.text, /No events match/);
  });

  it('keeps the filters on the next page, and shows a bad cursor as a refusal', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme Audit Pages');
    const admin = await consoleMember(t, org.id, 'owner');
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}`;
    for (let i = 0; i < 51; i += 1)
      assert.equal((await t.admin.post(`/api/v1/orgs/${org.id}/teams`, { name: `T${i}` })).status, 201);
    const first = await c.get(`${base}/audit?action=team.created`);
    assert.equal(rowsOf(first.text).length, 50);
    const next = nextLink(first.text);
    assert.ok(next);
    assert.ok(next.includes('action=team.created'), next);
    const second = await c.get(next);
    const rows = rowsOf(second.text);
    assert.equal(rows.length, 1);
    assert.match(rows[0] ?? '', /team\.created/);

    const bad = await c.get(`${base}/audit?cursor=not-a-cursor`);
    assert.equal(bad.status, 400);
    assert.match(
      bad.text,
      /role="alert">The query parameters are not valid \(cursor: is not a cursor this API gave out\)/,
    );
    assert.match(bad.text, /No events yet/);

    const member = await consoleMember(t, org.id, 'member');
    assert.equal((await new ConsoleClient(t, member.cookie).get(`${base}/audit`)).status, 403);
  });
});
