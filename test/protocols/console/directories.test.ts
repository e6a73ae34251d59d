import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { ConsoleClient, consoleMember } from '../../support/console.ts';
import { makeOrg } from '../../support/factories.ts';
import { makeDirectory, scimClient, user } from '../../support/scim.ts';

const tokenPattern = /muster_scim_[0-9a-f]{32}_[A-Za-z0-9_-]{43}/g;

async function signedInAdmin(t: TestApp, name: string) {
  const org = await makeOrg(t, name);
  const admin = await consoleMember(t, org.id, 'admin');
  return { org, admin, c: new ConsoleClient(t, admin.cookie), base: `/console/orgs/${org.slug}` };
}

/** The token inside the page's .secret block, if there is one. */
function secretOf(page: string): string | undefined {
  const block = /<div class="secret">([\s\S]*?)<\/div>/.exec(page)?.[1];
  return block?.match(tokenPattern)?.[0];
}

describe('console: SCIM directories', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  it('creates a directory and shows its token once, with the SCIM base URL; a later visit never shows it', async () => {
    const { org, admin, c, base } = await signedInAdmin(t, 'Acme Directories');
    const empty = await c.get(`${base}/directories`);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /No SCIM directories yet/);

    const created = await c.submit(`${base}/directories`, `${base}/directories`, {
      name: 'Okta <prod>',
      provider: 'okta',
    });
    assert.equal(created.status, 201, created.text.slice(0, 400));
    assert.equal(created.headers['cache-control'], 'no-store');
    const token = secretOf(created.text);
    assert.ok(token, 'the token is in the .secret block');
    assert.match(created.text, /it will not be shown again/);
    const [directory] = (await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data as {
      id: string;
      name: string;
      provider: string;
      scimBaseUrl: string;
    }[];
    assert.ok(directory);
    assert.deepEqual([directory.name, directory.provider], ['Okta <prod>', 'okta']);
    assert.ok(created.text.includes(directory.scimBaseUrl), 'the SCIM base URL beside the token');
    assert.equal(
      (await scimClient(t, directory.id, token).get('/Users')).status,
      200,
      'the shown token works',
    );
    const [audited] = await auditOf(t, org.id, 'directory.created');
    assert.deepEqual(audited?.actor, { type: 'user', id: admin.userId });

    const list = await c.get(`${base}/directories`);
    assert.match(
      list.text,
      new RegExp(`<a href="${base}/directories/${directory.id}">Okta &lt;prod&gt;</a>`),
    );
    assert.ok(list.text.includes(directory.scimBaseUrl));
    const page = await c.get(`${base}/directories/${directory.id}`);
    assert.equal(page.status, 200);
    for (const later of [list.text, page.text]) {
      assert.equal(secretOf(later), undefined);
      assert.ok(!later.includes(token), 'never shown after its one answer');
    }
    assert.match(page.text, /<td>live<\/td>/);
  });

  it('keeps the input beside a refusal', async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Refused');
    const refused = await c.submit(`${base}/directories`, `${base}/directories`, {
      name: 'Kept',
      provider: 'ldap',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /role="alert"[^>]*>The request body is not valid \(provider:/);
    assert.match(refused.text, /id="directory-name" name="name" required maxlength="200" value="Kept"/);
    assert.equal(secretOf(refused.text), undefined);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data.length, 0);
  });

  it('rotates (the new token shown once, both live), refuses a third, and revokes', async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Rotation');
    const dir = await makeDirectory(t, org.id, 'entra');
    const page = `${base}/directories/${dir.id}`;

    const rotated = await c.submit(page, `${page}/tokens`, {});
    assert.equal(rotated.status, 200, rotated.text.slice(0, 400));
    const second = secretOf(rotated.text);
    assert.ok(second && second !== dir.token);
    assert.ok(rotated.text.includes(dir.scimBaseUrl));
    assert.equal((await scimClient(t, dir.id, second).get('/Users')).status, 200);
    assert.equal(
      (await scimClient(t, dir.id, dir.token).get('/Users')).status,
      200,
      'the old token still works',
    );
    const again = await c.get(page);
    assert.ok(!again.text.includes(second));
    assert.equal([...again.text.matchAll(/<td>live<\/td>/g)].length, 2);

    const third = await c.submit(page, `${page}/tokens`, {});
    assert.equal(third.status, 409);
    assert.match(third.text, /role="alert"[^>]*>A directory has at most 2 live tokens/);
    assert.equal(secretOf(third.text), undefined);

    const revoked = await c.submit(page, `${page}/tokens/${dir.tokenId}/revoke`, {});
    assert.equal(revoked.status, 303);
    assert.equal(revoked.headers.location, page);
    assert.equal((await scimClient(t, dir.id, dir.token).get('/Users')).status, 401);
    assert.equal((await scimClient(t, dir.id, second).get('/Users')).status, 200);
    const after = await c.get(page);
    assert.match(after.text, /Token revoked/);
    assert.match(after.text, /<td>revoked <time/);
    assert.equal(
      [...after.text.matchAll(/aria-label="Revoke token/g)].length,
      1,
      'a revoked token has no Revoke button',
    );
  });

  it("shows the request log: what the IdP sent, its outcome, paged; and the directory's last request", async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Log');
    const dir = await makeDirectory(t, org.id, 'okta');
    const scim = scimClient(t, dir.id, dir.token);
    const made = await scim.post('/Users', user(`ada@${org.slug}.test`));
    assert.equal(made.status, 201);
    const missing = await scim.get('/Users/00000000-0000-7000-8000-000000000000');
    assert.equal(missing.status, 404);

    const log = await c.get(`${base}/directories/${dir.id}/requests`);
    assert.equal(log.status, 200);
    const rows = log.text.match(/<tr><td><time[\s\S]*?<\/tr>/g) ?? [];
    assert.equal(rows.length, 2);
    assert.match(
      rows[0] ?? '',
      /<td>GET<\/td><td><code>\/scim\/v2\/[^<]*\/Users\/00000000-0000-7000-8000-000000000000<\/code><\/td><td><span class="warn tag">404<\/span>/,
    );
    assert.ok(
      (rows[0] ?? '').includes(String(missing.headers['x-request-id'])),
      'the request id, for support',
    );
    assert.match(rows[1] ?? '', /<td>POST<\/td>[\s\S]*<td>201<\/td>[\s\S]*ada@/);
    assert.match(rows[1] ?? '', /<td>\d+ ms<\/td>/);

    const page = await c.get(`${base}/directories/${dir.id}`);
    assert.match(page.text, /<dt>Last request<\/dt><dd><time datetime="/);
    assert.match(page.text, /<dt>Users<\/dt><dd>1<\/dd>/);

    for (let i = 0; i < 50; i += 1) await scim.get('/ServiceProviderConfig');
    const first = await c.get(`${base}/directories/${dir.id}/requests`);
    assert.equal((first.text.match(/<tr><td><time/g) ?? []).length, 50);
    const next = /<a href="([^"]+)">Older requests<\/a>/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next, 'a link to the older requests');
    const older = await c.get(next);
    assert.equal(older.status, 200);
    const olderRows = older.text.match(/<tr><td><time[\s\S]*?<\/tr>/g) ?? [];
    assert.equal(olderRows.length, 2);
    assert.match(olderRows.at(-1) ?? '', /<td>POST<\/td>/, 'the oldest request ends the last page');
    assert.doesNotMatch(older.text, /Older requests/);
  });

  it('deletes a directory only after its confirmation step; refuses forged posts', async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Delete');
    const dir = await makeDirectory(t, org.id);
    const page = `${base}/directories/${dir.id}`;
    await c.get(page);
    const forgedRevoke = await c.post(`${page}/tokens/${dir.tokenId}/revoke`, {});
    assert.equal(forgedRevoke.status, 403);
    const forgedRotate = await c.post(`${page}/tokens`, {});
    assert.equal(forgedRotate.status, 403);
    const forgedDelete = await c.post(`${page}/delete`, { confirm: 'yes' });
    assert.equal(forgedDelete.status, 403);
    const forgedCreate = await c.post(`${base}/directories`, { name: 'Forged', provider: 'okta' });
    assert.equal(forgedCreate.status, 403);
    assert.equal((await scimClient(t, dir.id, dir.token).get('/Users')).status, 200);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data.length, 1);

    const confirm = await c.get(`${page}/delete`);
    assert.match(confirm.text, /class="warn">Deleting <strong>/);
    const unconfirmed = await c.submit(`${page}/delete`, `${page}/delete`, {});
    assert.equal(unconfirmed.headers.location, `${page}/delete`);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data.length, 1);
    const deleted = await c.submit(`${page}/delete`, `${page}/delete`, { confirm: 'yes' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.location, `${base}/directories`);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/directories`)).body.data.length, 0);
    assert.equal((await scimClient(t, dir.id, dir.token).get('/Users')).status, 401);

    const other = await makeOrg(t, 'Elsewhere');
    const foreign = await makeDirectory(t, other.id);
    assert.equal((await c.get(`${base}/directories/${foreign.id}`)).status, 404);
    assert.equal((await c.get(`${base}/directories/${foreign.id}/requests`)).status, 404);
  });
});
