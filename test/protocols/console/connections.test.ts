import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInWithSso } from '../../../src/domain/directory/index.ts';
import { flagConnectionHealth } from '../../../src/domain/sources/index.ts';
import { generateCertifiedKeyPair } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { type ConnectionBody, freshDomain, makeSamlConnection } from '../../support/connections.ts';
import { ConsoleClient, consoleMember } from '../../support/console.ts';
import { startDnsServer, type TestDnsServer } from '../../support/dns-server.ts';
import { makeOrg } from '../../support/factories.ts';
import { type SamlWorld, samlWorld } from '../../support/saml-fixtures.ts';
import { idpMetadataXml } from '../../support/saml-idp.ts';

const escaped = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function signedInAdmin(t: TestApp, name: string) {
  const org = await makeOrg(t, name);
  const admin = await consoleMember(t, org.id, 'admin');
  return { org, admin, c: new ConsoleClient(t, admin.cookie), base: `/console/orgs/${org.slug}` };
}

async function connectionsOf(t: TestApp, orgId: string): Promise<ConnectionBody[]> {
  const res = await t.admin.get(`/api/v1/orgs/${orgId}/connections`);
  assert.equal(res.status, 200);
  return res.body.data as ConnectionBody[];
}

describe('console: SSO connections', () => {
  let t: TestApp;
  let w: SamlWorld;
  before(async () => {
    t = await testApp();
    w = await samlWorld();
  });

  it('creates a SAML connection from metadata XML and shows every value the IdP admin needs', async () => {
    const { org, admin, c, base } = await signedInAdmin(t, 'Acme SAML');
    const empty = await c.get(`${base}/connections`);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /No SSO connections yet/);
    assert.match(empty.text, new RegExp(`href="${base}/connections/new"`));

    const [one, two] = [freshDomain('acme'), freshDomain('acme')];
    const created = await c.submit(`${base}/connections/new`, `${base}/connections`, {
      protocol: 'saml',
      provider: 'entra',
      name: 'Acme Entra',
      domains: `${one}, ${two}`,
      metadataXml: idpMetadataXml(w.idp),
      metadataUrl: '',
    });
    assert.equal(created.status, 303, created.text);
    const [connection] = await connectionsOf(t, org.id);
    assert.ok(connection);
    assert.equal(created.headers.location, `${base}/connections/${connection.id}`);
    assert.deepEqual(
      [connection.protocol, connection.provider, connection.name, connection.saml?.entityId],
      ['saml', 'entra', 'Acme Entra', w.idp.entityId],
    );
    assert.deepEqual(connection.domains.map((d) => d.domain).sort(), [one, two].sort());
    const [audited] = await auditOf(t, org.id, 'connection.created');
    assert.deepEqual(audited?.actor, { type: 'user', id: admin.userId });

    const page = await c.get(`${base}/connections/${connection.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Connection Acme Entra created/);
    for (const value of [connection.spEntityId, connection.acsUrl, connection.spMetadataUrl]) {
      assert.ok(value);
      assert.ok(page.text.includes(escaped(value)), `the page shows ${value}`);
    }
    assert.ok(page.text.includes(escaped(w.idp.ssoUrl)), "the IdP's sign-in URL");
    assert.ok(
      page.text.includes(connection.saml?.certificates[0]?.fingerprint ?? 'missing'),
      'the certificate',
    );
    assert.ok(
      page.text.includes(connection.domains[0]?.verification.value ?? 'missing'),
      'the TXT value to publish',
    );
    assert.match(page.text, /No warnings\./);
    assert.match(page.text, /Last sign-in<\/dt><dd><span class="note">never/);

    const list = await c.get(`${base}/connections`);
    assert.match(list.text, new RegExp(`<a href="${base}/connections/${connection.id}">Acme Entra</a>`));
    assert.match(list.text, /<td>SAML<\/td><td>entra<\/td>/);
    assert.ok(list.text.includes(`${one} <span class="note">(not verified)</span>`));
    assert.match(list.text, /Ends <time datetime="/);
    assert.doesNotMatch(list.text, /class="warn/, 'a ten-year certificate is no warning');
  });

  it("keeps the input beside the API's refusal, and never echoes a client secret", async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Refusals');
    const domain = freshDomain('kept');
    const bad = await c.submit(`${base}/connections/new`, `${base}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      name: 'Kept <name>',
      domains: domain,
      metadataXml: '<not-metadata/>',
    });
    assert.equal(bad.status, 400, bad.text.slice(0, 400));
    assert.match(bad.text, /role="alert"[^>]*>The metadata is not usable/);
    assert.ok(bad.text.includes(`value="${domain}"`), 'the domains are kept');
    assert.ok(bad.text.includes('value="Kept &lt;name&gt;"'), 'the name is kept, escaped');
    assert.ok(bad.text.includes('&lt;not-metadata/&gt;</textarea>'), 'the XML is kept');

    const both = await c.submit(`${base}/connections/new`, `${base}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: freshDomain(),
      metadataXml: idpMetadataXml(w.idp),
      metadataUrl: 'https://idp.example.com/metadata',
    });
    assert.equal(both.status, 400);
    assert.match(both.text, /give exactly one of metadataXml, metadataUrl/);

    const secret = 'never-shown-client-secret-0123456789';
    const publicDomain = await c.submit(`${base}/connections/new`, `${base}/connections`, {
      protocol: 'oidc',
      provider: 'okta',
      domains: 'gmail.com',
      issuer: 'https://acme.okta.com',
      clientId: 'muster-console',
      clientSecret: secret,
    });
    assert.equal(publicDomain.status, 422, publicDomain.text.slice(0, 400));
    assert.match(publicDomain.text, /role="alert"/);
    assert.ok(publicDomain.text.includes('value="https://acme.okta.com"'), 'the issuer is kept');
    assert.ok(publicDomain.text.includes('value="muster-console"'), 'the client id is kept');
    assert.ok(!publicDomain.text.includes(secret), 'the secret is not put back in the page');
    assert.equal((await connectionsOf(t, org.id)).length, 0);
  });

  it('creates an OIDC connection and changes its client; the page shows the redirect URI, never the secret', async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme OIDC');
    const secret = 'oidc-console-secret-0123456789-abcdef';
    const created = await c.submit(`${base}/connections/new`, `${base}/connections`, {
      protocol: 'oidc',
      provider: 'keycloak',
      domains: freshDomain(),
      issuer: 'https://kc.example.com/realms/acme',
      clientId: 'muster',
      clientSecret: secret,
    });
    assert.equal(created.status, 303, created.text.slice(0, 400));
    const [connection] = await connectionsOf(t, org.id);
    assert.ok(connection?.redirectUri);
    assert.equal(connection.oidc?.issuer, 'https://kc.example.com/realms/acme');
    const page = await c.get(`${base}/connections/${connection.id}`);
    assert.ok(page.text.includes(connection.redirectUri), 'the redirect URI to register');
    assert.ok(!page.text.includes(secret));
    assert.match(page.text, /Client key/, "the client key's certificate is listed");

    const changed = await c.submit(
      `${base}/connections/${connection.id}`,
      `${base}/connections/${connection.id}/client`,
      {
        issuer: 'https://kc.example.com/realms/acme',
        clientId: 'muster-2',
        clientSecret: 'a-new-secret-0123456789',
      },
    );
    assert.equal(changed.status, 303, changed.text.slice(0, 400));
    const [after] = await connectionsOf(t, org.id);
    assert.equal(after?.oidc?.clientId, 'muster-2');
    const updated = await auditOf(t, org.id, 'connection.updated');
    assert.deepEqual(updated[0]?.after?.secretsReplaced, ['clientSecret']);
    assert.ok(
      !(await c.get(`${base}/connections/${connection.id}`)).text.includes('a-new-secret-0123456789'),
    );
  });

  it('shows warnings: a certificate ending soon, groups cut short, the IdP unavailable, a failing metadata URL', async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Warnings');
    const soon = (await generateCertifiedKeyPair({ commonName: 'idp soon', validForDays: 10 })).certificate;
    const domain = freshDomain();
    const connection = await makeSamlConnection(t, org.id, w.idp, {
      domains: [domain],
      saml: { metadataXml: idpMetadataXml(w.idp, [soon]) },
    });
    const quiet = await makeSamlConnection(t, org.id, w.idp);
    const ended = (
      await generateCertifiedKeyPair({
        commonName: 'idp ended',
        validForDays: 5,
        now: new Date(Date.now() - 9 * 86_400_000),
      })
    ).certificate;
    const stale = await makeSamlConnection(t, org.id, w.idp, {
      saml: { metadataXml: idpMetadataXml(w.idp, [ended, w.idp.keys.certificate]) },
    });
    await flagConnectionHealth(t.database.db, org.id, connection.id, {
      groupsTruncated: { at: '2030-01-01T10:00:00.000Z', loginId: newId(), userId: newId() },
      idpUnavailable: { at: '2030-01-02T11:00:00.000Z', message: 'discovery answered 503' },
    });
    await t.database.db
      .updateTable('connections')
      .set({ metadata_error: 'the server answered 404' })
      .where('id', '=', connection.id)
      .execute();
    await signInWithSso(
      t.database.db,
      {
        orgId: org.id,
        connectionId: quiet.id,
        subject: 'ada-subject',
        profile: {
          email: `ada@${quiet.domains[0]?.domain}`,
          given_name: 'Ada',
          family_name: null,
          display_name: null,
        },
        groups: [],
        groupsTruncated: false,
        loginId: newId(),
        jit: true,
        linkByEmail: false,
      },
      { actor: { type: 'system', id: null } },
    );

    const list = await c.get(`${base}/connections`);
    const row = (id: string) =>
      new RegExp(`<tr><td><a href="${base}/connections/${id}">[\\s\\S]*?</tr>`).exec(list.text)?.[0] ?? '';
    const flagged = row(connection.id);
    assert.match(flagged, /<span class="warn tag">Ends <time[^>]*>[^<]*<\/time>, in (9|10) days<\/span>/);
    assert.match(flagged, /<span class="warn tag">Groups cut short by the IdP/);
    assert.match(
      flagged,
      /<span class="warn tag">IdP unavailable at a sign-in, last <time datetime="2030-01-02T11:00:00.000Z">2030-01-02 11:00 UTC<\/time>: discovery answered 503/,
    );
    assert.match(
      flagged,
      /<span class="warn tag">The metadata URL could not be read: the server answered 404/,
    );
    assert.match(flagged, /<span class="note">never<\/span>/, 'nobody signed in through it');
    assert.match(
      row(stale.id),
      /<span class="warn tag">Expired <time[^>]*>[^<]*<\/time><\/span><br>Ends <time/,
    );
    const fine = row(quiet.id);
    assert.doesNotMatch(fine, /class="warn/);
    const signedIn = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${quiet.id}`)).body
      .lastSignInAt as string;
    assert.ok(signedIn);
    assert.ok(fine.includes(`<time datetime="${signedIn}">`), 'the last sign-in is shown');

    const page = await c.get(`${base}/connections/${connection.id}`);
    assert.match(page.text, /<li><span class="warn tag">Groups cut short/);
    assert.match(page.text, /<td><span class="warn tag">Ends <time/);
  });

  it('updates the metadata, changes the options, and deletes only after its confirmation step', async () => {
    const { org, admin, c, base } = await signedInAdmin(t, 'Acme Changes');
    const connection = await makeSamlConnection(t, org.id, w.idp);
    const page = `${base}/connections/${connection.id}`;
    const before = connection.saml?.certificates[0]?.fingerprint;

    const refused = await c.submit(page, `${page}/metadata`, {
      metadataXml: '<EntityDescriptor/>',
      metadataUrl: '',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /role="alert"/);
    assert.ok(refused.text.includes('&lt;EntityDescriptor/&gt;</textarea>'), 'the pasted XML is kept');

    const updated = await c.submit(page, `${page}/metadata`, {
      metadataXml: idpMetadataXml(w.idp, [w.nextIdpKeys.certificate]),
      metadataUrl: '',
    });
    assert.equal(updated.status, 303, updated.text.slice(0, 400));
    const afterUpdate = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${connection.id}`))
      .body as ConnectionBody;
    const fingerprint = afterUpdate.saml?.certificates[0]?.fingerprint;
    assert.ok(fingerprint && fingerprint !== before, 'the new certificate replaced the old');
    const shown = await c.get(page);
    assert.match(shown.text, /Metadata updated\./);
    assert.ok(shown.text.includes(fingerprint));

    const options = await c.submit(page, `${page}/options`, { allowIdpInitiated: 'yes' });
    assert.equal(options.status, 303);
    const afterOptions = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${connection.id}`))
      .body as ConnectionBody;
    assert.deepEqual(
      [afterOptions.jit, afterOptions.allowIdpInitiated],
      [false, true],
      'an unticked box is off',
    );
    assert.match((await c.get(page)).text, /id="option-idp" name="allowIdpInitiated" value="yes" checked/);

    const confirm = await c.get(`${page}/delete`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /class="warn">Deleting <strong>/);
    const unconfirmed = await c.submit(`${page}/delete`, `${page}/delete`, { confirm: 'no' });
    assert.equal(unconfirmed.status, 303);
    assert.equal(unconfirmed.headers.location, `${page}/delete`);
    assert.equal((await connectionsOf(t, org.id)).length, 1, 'nothing deleted without the confirmation');

    const deleted = await c.submit(`${page}/delete`, `${page}/delete`, { confirm: 'yes' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.location, `${base}/connections`);
    assert.equal((await connectionsOf(t, org.id)).length, 0);
    const [audited] = await auditOf(t, org.id, 'connection.deleted');
    assert.deepEqual(audited?.actor, { type: 'user', id: admin.userId });
    assert.match((await c.get(`${base}/connections`)).text, /Connection [^<]* deleted\./);
  });

  it('refuses forged posts, connections of another org, and plain members', async () => {
    const { org, c, base } = await signedInAdmin(t, 'Acme Forged');
    const connection = await makeSamlConnection(t, org.id, w.idp);
    await c.get(`${base}/connections`);
    const forgedCreate = await c.post(`${base}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: freshDomain(),
      metadataXml: idpMetadataXml(w.idp),
    });
    assert.equal(forgedCreate.status, 403);
    const forgedDelete = await c.post(`${base}/connections/${connection.id}/delete`, { confirm: 'yes' });
    assert.equal(forgedDelete.status, 403);
    const forgedOptions = await c.post(`${base}/connections/${connection.id}/options`, {});
    assert.equal(forgedOptions.status, 403);
    const still = await connectionsOf(t, org.id);
    assert.equal(still.length, 1);
    assert.equal(still[0]?.jit, true);

    const other = await makeOrg(t, 'Elsewhere');
    const foreign = await makeSamlConnection(t, other.id, w.idp);
    assert.equal((await c.get(`${base}/connections/${foreign.id}`)).status, 404);
    assert.equal((await c.get(`/console/orgs/${other.slug}/connections`)).status, 403);

    const member = await consoleMember(t, org.id, 'member');
    assert.equal((await new ConsoleClient(t, member.cookie).get(`${base}/connections`)).status, 403);
  });
});

describe('console: a connection domain checked in DNS', () => {
  let dns: TestDnsServer;
  let t: TestApp;
  before(async () => {
    dns = await startDnsServer();
    t = await testApp({ dnsServers: [dns.address] });
  });
  after(() => dns.close());

  it('says what DNS answered until the TXT record is there, then marks the domain verified', async () => {
    const w = await samlWorld();
    const { org, admin, c, base } = await signedInAdmin(t, 'Acme DNS');
    const domain = freshDomain();
    const made = await makeSamlConnection(t, org.id, w.idp, { domains: [domain] });
    const page = `${base}/connections/${made.id}`;
    const action = `${page}/domains/${encodeURIComponent(domain)}/verify`;
    const listed = (await connectionsOf(t, org.id))[0] as unknown as {
      domains: { verification: { name: string; value: string } }[];
    };
    const record = listed.domains[0]?.verification;
    assert.ok(record);

    const early = await c.submit(page, action, {});
    assert.equal(early.status, 422, early.text.slice(0, 300));
    assert.match(early.text, /role="alert"/);
    assert.equal((await connectionsOf(t, org.id))[0]?.domains[0]?.verified, false);

    dns.records.txt.set(record.name, [record.value]);
    const verified = await c.submit(page, action, {});
    assert.equal(verified.status, 303, verified.text.slice(0, 300));
    const after = await c.get(page);
    assert.match(after.text, new RegExp(`${domain.replace(/\./g, '\\.')} is verified\\.`));
    assert.doesNotMatch(after.text, /Check DNS/);
    assert.equal((await connectionsOf(t, org.id))[0]?.domains[0]?.verified, true);
    const [event] = await auditOf(t, org.id, 'connection.domain_verified');
    assert.deepEqual(event?.actor, { type: 'user', id: admin.userId });

    const forged = await c.post(action, {});
    assert.equal(forged.status, 403);
  });
});
