import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSamlKeyPair } from '../../../src/protocols/saml/index.ts';
import { publicUrl, type TestApp, testApp } from '../../support/app.ts';
import { auditOf } from '../../support/audit.ts';
import { type ConnectionBody, freshDomain, startMetadataServer } from '../../support/connections.ts';
import { startDnsServer, type TestDnsServer } from '../../support/dns-server.ts';
import { makeOrg } from '../../support/factories.ts';
import { idpMetadataXml, type TestIdp } from '../../support/saml-idp.ts';
import {
  chooseIdp,
  fieldValue,
  itAdmin,
  type MadeLink,
  makeSetupLink,
  postMetadata,
  reservedUrls,
} from './support.ts';

let idp: TestIdp;
before(async () => {
  const keys = await generateSamlKeyPair({ commonName: 'setup portal idp' });
  idp = { entityId: 'https://idp.example.test/saml', ssoUrl: 'https://idp.example.test/sso', keys };
});

const connectionOf = (t: TestApp, orgId: string, link: MadeLink) =>
  t.admin.get(`/api/v1/orgs/${orgId}/connections/${link.connectionId}`);

/** What each IdP's SAML steps call Muster's values, as its console labels them. */
const samlLabels: [string, string, RegExp][] = [
  ['entra', 'Reply URL (Assertion Consumer Service URL)', /Basic SAML Configuration/],
  ['okta', 'Single sign-on URL', /Audience URI \(SP Entity ID\)/],
  ['jumpcloud', 'ACS URLs', /IdP Entity ID/],
  ['keycloak', 'Valid redirect URIs and Assertion Consumer Service POST Binding URL', /Import client/],
  ['generic', 'Assertion Consumer Service (ACS) URL', /SAML 2\.0 application/],
];

describe('setup portal: single sign-on', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });

  for (const [provider, acsLabel, step] of samlLabels)
    it(`shows ${provider}'s steps and Muster's values for the reserved connection before it exists`, async () => {
      const org = await makeOrg(t);
      const link = await makeSetupLink(t, org.id, ['sso']);
      const c = itAdmin(t);
      await chooseIdp(c, link, provider);
      const page = await c.get(`${link.path}/sso`);
      assert.equal(page.status, 200, page.text.slice(0, 300));
      const urls = reservedUrls(link, publicUrl);
      assert.equal(fieldValue(page.text, 'v-acs'), urls.acsUrl);
      assert.equal(fieldValue(page.text, 'v-entity'), urls.spEntityId);
      assert.equal(fieldValue(page.text, 'v-metadata'), urls.spMetadataUrl);
      assert.ok(
        page.text.includes(`<label for="v-acs">${acsLabel.replace(/&/g, '&amp;')}</label>`),
        acsLabel,
      );
      assert.match(page.text, step);
      assert.match(page.text, /Single sign-on is not active yet/);
      assert.match(page.text, /<button type="submit" aria-describedby="activate-hint" disabled>/);
      assert.match(page.text, /Check the metadata first/);
      assert.match(page.text, /enctype="multipart\/form-data"/);
      assert.equal((await connectionOf(t, org.id, link)).status, 404, 'nothing is made yet');
    });

  it('shows the redirect URI for OpenID Connect and makes the connection from the client form', async () => {
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'entra', 'oidc');
    const page = await c.get(`${link.path}/sso`);
    const urls = reservedUrls(link, publicUrl);
    assert.equal(fieldValue(page.text, 'v-redirect'), urls.redirectUri);
    assert.match(page.text, /App registrations/);
    assert.match(page.text, /Directory \(tenant\) ID/);
    const domain = freshDomain();
    const made = await c.submit(`${link.path}/sso`, `${link.path}/sso/oidc`, {
      issuer: 'https://login.microsoftonline.com/7d0c1f3e-0000-4000-8000-000000000001/v2.0',
      clientId: 'client-123',
      clientSecret: 'secret-value',
      domains: domain,
    });
    assert.equal(made.status, 303, made.text.slice(0, 500));
    const connection = (await connectionOf(t, org.id, link)).body as ConnectionBody;
    assert.equal(connection.protocol, 'oidc');
    assert.equal(connection.redirectUri, urls.redirectUri, 'the redirect URI shown before is the one made');
    assert.equal(connection.oidc?.clientId, 'client-123');
    assert.deepEqual(
      connection.domains.map((d) => [d.domain, d.verified]),
      [[domain, false]],
    );
    const active = await c.get(`${link.path}/sso`);
    assert.match(active.text, /Single sign-on is active/);
    assert.ok(!active.text.includes('secret-value'), 'the secret is never shown');
    assert.match(active.text, /Client secret \(leave empty to keep the one Muster has\)/);
  });

  it('refuses activation while the check finds errors: metadata naming Muster itself, or no IdP', async () => {
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'okta');
    const urls = reservedUrls(link, publicUrl);
    const cases: [string, string, RegExp][] = [
      [
        "the SP's own entity id",
        idpMetadataXml({ ...idp, entityId: urls.spEntityId }),
        /Muster&#39;s own entity id/,
      ],
      [
        'no IDPSSODescriptor',
        `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${urls.spEntityId}"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`,
        /Muster&#39;s own service provider metadata/,
      ],
      ['text that is no XML', 'this is not metadata', /not readable XML/],
    ];
    for (const [name, xml, message] of cases) {
      const checked = await postMetadata(t, c, link, { xml });
      assert.equal(checked.status, 303, `${name}: ${checked.text.slice(0, 300)}`);
      const page = await c.get(`${link.path}/sso`);
      assert.match(page.text, /One problem stops activation|problems stop activation/, name);
      assert.match(page.text, /<strong>Error:<\/strong>/, name);
      assert.match(page.text, message, name);
      assert.match(page.text, /<button type="submit" aria-describedby="activate-hint" disabled>/, name);
      const refused = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, {
        domains: freshDomain(),
      });
      assert.equal(refused.status, 422, name);
      assert.match(refused.text, /errors that stop activation/);
      assert.equal((await connectionOf(t, org.id, link)).status, 404, `${name}: no connection`);
    }
    const [event] = await auditOf(t, org.id, 'setup_link.metadata_checked', link.id);
    assert.deepEqual(event?.actor, { type: 'setup_link', id: link.id });
    const metadata = event?.after?.metadata as { errors: number } | undefined;
    assert.ok((metadata?.errors ?? 0) >= 1);
  });

  it('activates from an uploaded file: the connection has the reserved id and the ACS URL shown before', async () => {
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'okta');
    const before = await c.get(`${link.path}/sso`);
    const shownAcs = fieldValue(before.text, 'v-acs');
    const shownEntity = fieldValue(before.text, 'v-entity');

    const both = await postMetadata(t, c, link, {
      file: idpMetadataXml(idp),
      url: 'https://idp.example.test/md',
    });
    assert.equal(both.status, 400);
    assert.match(both.text, /one way only/);

    const checked = await postMetadata(t, c, link, { file: idpMetadataXml(idp) });
    assert.equal(checked.status, 303, checked.text.slice(0, 500));
    const page = await c.get(`${link.path}/sso`);
    assert.match(page.text, /Nothing stops activation/);
    assert.match(page.text, /<button type="submit" aria-describedby="activate-hint">Activate single sign-on/);

    const empty = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, { domains: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /give at least one domain/);

    const domain = freshDomain();
    const activated = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, {
      domains: `${domain}, `,
    });
    assert.equal(activated.status, 303, activated.text.slice(0, 500));
    const read = await connectionOf(t, org.id, link);
    assert.equal(read.status, 200);
    const connection = read.body as ConnectionBody;
    assert.equal(connection.id, link.connectionId);
    assert.equal(connection.acsUrl, shownAcs);
    assert.equal(connection.spEntityId, shownEntity);
    assert.equal(connection.saml?.entityId, idp.entityId);
    assert.equal(connection.provider, 'okta');
    const [created] = await auditOf(t, org.id, 'connection.created', connection.id);
    assert.deepEqual(created?.actor, { type: 'setup_link', id: link.id });

    const spMetadata = await t.http.get(`/sso/saml/${connection.id}/metadata`);
    assert.equal(spMetadata.status, 200);
    assert.ok(spMetadata.text.includes(connection.acsUrl ?? '?'));

    const active = await c.get(`${link.path}/sso`);
    assert.match(
      active.text,
      /Single sign-on is active, trusting <code>https:\/\/idp\.example\.test\/saml<\/code>/,
    );
    assert.ok(
      active.text.includes(`<code>_muster-verification.${domain}</code>`),
      'the DNS record to publish',
    );
    assert.ok(active.text.includes(`<code>${connection.domains[0]?.verification.value}</code>`));
    assert.ok(active.text.includes(`<a class="button" href="${link.path}/test-sign-in">Test sign-in</a>`));
    assert.match(active.text, /No test sign-in yet/);
    assert.match(active.text, /Apply the checked metadata/);

    // A second activation cannot make another connection: it gives the one made the checked metadata.
    const rolled = { ...idp, keys: await generateSamlKeyPair({ commonName: 'rolled' }) };
    await postMetadata(t, c, link, {
      xml: idpMetadataXml(rolled, [idp.keys.certificate, rolled.keys.certificate]),
    });
    const applied = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, {});
    assert.equal(applied.status, 303, applied.text.slice(0, 500));
    const after = (await connectionOf(t, org.id, link)).body as ConnectionBody;
    assert.equal(after.saml?.certificates.length, 2);
    const list = await t.admin.get(`/api/v1/orgs/${org.id}/connections`);
    assert.equal(list.body.data.length, 1);
  });

  it('reads the metadata from its URL, and says so when the URL cannot be read', async () => {
    const loopback = await testApp({ allowInsecureLoopbackIssuers: true });
    const server = await startMetadataServer(idpMetadataXml(idp));
    after(() => server.close());
    const org = await makeOrg(loopback);
    const link = await makeSetupLink(loopback, org.id, ['sso']);
    const c = itAdmin(loopback);
    await chooseIdp(c, link, 'entra');

    const missing = await postMetadata(loopback, c, link, {
      url: server.url.replace('/metadata', '/nothing'),
    });
    assert.equal(missing.status, 303);
    const refused = await c.get(`${link.path}/sso`);
    assert.match(refused.text, /The metadata URL could not be read/);
    assert.match(refused.text, /disabled>/);

    assert.equal((await postMetadata(loopback, c, link, { url: server.url })).status, 303);
    const page = await c.get(`${link.path}/sso`);
    assert.match(page.text, /Nothing stops activation/);
    assert.ok(page.text.includes(`<code>${server.url}</code>`));
    const activated = await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, {
      domains: freshDomain(),
    });
    assert.equal(activated.status, 303, activated.text.slice(0, 500));
    const connection = (await connectionOf(loopback, org.id, link)).body as ConnectionBody;
    assert.equal(connection.metadata.url, server.url, 'the URL is kept, to be read again daily');
  });
});

describe('setup portal: domains', () => {
  let dns: TestDnsServer;
  let t: TestApp;
  before(async () => {
    dns = await startDnsServer();
    t = await testApp({ dnsServers: [dns.address] });
  });
  after(() => dns.close());

  it('shows the TXT record, checks it through the API, and changes the domains', async () => {
    const org = await makeOrg(t);
    const link = await makeSetupLink(t, org.id, ['sso']);
    const c = itAdmin(t);
    await chooseIdp(c, link, 'keycloak');
    await postMetadata(t, c, link, { xml: idpMetadataXml(idp) });
    const domain = freshDomain();
    assert.equal(
      (await c.submit(`${link.path}/sso`, `${link.path}/sso/activate`, { domains: domain })).status,
      303,
    );
    const connection = (await connectionOf(t, org.id, link)).body as ConnectionBody;
    const record = connection.domains[0]?.verification;
    assert.ok(record);

    const early = await c.submit(`${link.path}/sso`, `${link.path}/sso/verify`, { domain });
    assert.equal(early.status, 422, early.text.slice(0, 500));
    assert.match(early.text, /role="alert"/);

    dns.records.txt.set(record.name, [record.value]);
    const verified = await c.submit(`${link.path}/sso`, `${link.path}/sso/verify`, { domain });
    assert.equal(verified.status, 303, verified.text.slice(0, 500));
    const page = await c.get(`${link.path}/sso`);
    assert.ok(page.text.includes(`<td>${domain}</td><td>verified</td>`));
    const [event] = await auditOf(t, org.id, 'connection.domain_verified');
    assert.deepEqual(event?.actor, { type: 'setup_link', id: link.id });

    const second = freshDomain();
    const changed = await c.submit(`${link.path}/sso`, `${link.path}/sso/domains`, {
      domains: `${domain}\n${second}`,
    });
    assert.equal(changed.status, 303, changed.text.slice(0, 500));
    const now = (await connectionOf(t, org.id, link)).body as ConnectionBody;
    assert.deepEqual(
      now.domains.map((d) => [d.domain, d.verified]).sort(),
      [
        [domain, true],
        [second, false],
      ].sort(),
    );
  });
});
