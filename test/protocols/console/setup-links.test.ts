import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publicUrl, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { ConsoleClient, consoleMember } from '../../support/console.ts';
import { makeOrg } from '../../support/factories.ts';

describe('console: setup links', () => {
  it('makes a link and shows its URL once, lists links with their status, and revokes one', async () => {
    const t = await testApp();
    const org = await makeOrg(t, 'Acme Setup');
    const admin = await consoleMember(t, org.id, 'admin');
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}/setup-links`;

    const empty = await c.get(base);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /No setup links yet/);
    assert.match(empty.text, /<input type="checkbox" id="feature-sso" name="features" value="sso" checked>/);
    assert.match(empty.text, /<label for="link-hours">/);

    const made = await c.submit(base, base, { features: ['scim'], expiresInHours: '24' });
    assert.equal(made.status, 200, made.text.slice(0, 500));
    const url = new RegExp(`<p class="secret">(${publicUrl}/setup/[A-Za-z0-9_-]{43})</p>`).exec(
      made.text,
    )?.[1];
    assert.ok(url, 'the URL, shown once');
    assert.match(made.text, /It is shown this once/);
    assert.match(made.text, /<td>SCIM provisioning<\/td><td>active<\/td>/);

    const opened = await t.http.get(new URL(url).pathname);
    assert.equal(opened.status, 200, 'the URL shown opens the portal');
    assert.match(opened.text, /Acme Setup/);

    const list = await c.get(base);
    assert.ok(!list.text.includes(url), 'the URL is not shown again');
    const links = await t.admin.get(`/api/v1/orgs/${org.id}/setup-links`);
    const link = links.body.data[0] as {
      id: string;
      features: string[];
      createdBy: { type: string; id: string };
    };
    assert.deepEqual(link.features, ['scim']);
    assert.deepEqual(link.createdBy, { type: 'user', id: admin.userId });
    const [created] = await auditOf(t, org.id, 'setup_link.created', link.id);
    assert.deepEqual(created?.actor, { type: 'user', id: admin.userId });

    const revoked = await c.submit(base, `${base}/${link.id}/revoke`, {});
    assert.equal(revoked.status, 303);
    const after = await c.get(base);
    assert.match(after.text, /The setup link was revoked/);
    assert.match(after.text, /<td>revoked<\/td>/);
    assert.doesNotMatch(after.text, /aria-label="Revoke the setup link/, 'nothing left to revoke');
    assert.equal((await t.http.get(new URL(url).pathname)).status, 410);
  });

  it('shows a refusal beside the form, keeping what was chosen; refuses a forged post and another org', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const admin = await consoleMember(t, org.id, 'owner');
    const c = new ConsoleClient(t, admin.cookie);
    const base = `/console/orgs/${org.slug}/setup-links`;

    const none = await c.submit(base, base, { expiresInHours: '24' });
    assert.equal(none.status, 400);
    assert.match(none.text, /role="alert"/);
    assert.match(none.text, /features/);
    const long = await c.submit(base, base, { features: ['sso'], expiresInHours: '1000' });
    assert.equal(long.status, 400);
    assert.match(long.text, /value="1000"/, 'the form keeps what was typed');
    assert.match(long.text, /value="sso" checked/);
    assert.doesNotMatch(long.text, /value="scim" checked/);

    const forged = await c.post(base, { features: 'sso', expiresInHours: '24' });
    assert.equal(forged.status, 403);
    assert.equal((await t.admin.get(`/api/v1/orgs/${org.id}/setup-links`)).body.data.length, 0);
    assert.equal((await c.get(`/console/orgs/${other.slug}/setup-links`)).status, 403);
    const member = await consoleMember(t, org.id, 'member');
    assert.equal((await new ConsoleClient(t, member.cookie).get(base)).status, 403);
  });
});
