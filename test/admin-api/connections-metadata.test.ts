import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import { newId } from '../../src/infra/ids/index.ts';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError } from '../support/assertions.ts';
import { auditOf } from '../support/audit.ts';
import {
  type ConnectionBody,
  freshDomain,
  type MetadataServer,
  makeJobsDue,
  makeSamlConnection,
  startMetadataServer,
} from '../support/connections.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { makeOrg } from '../support/factories.ts';
import { type SamlWorld, samlWorld } from '../support/saml-fixtures.ts';
import { idpMetadataXml } from '../support/saml-idp.ts';

const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
const ds = 'http://www.w3.org/2000/09/xmldsig#';

async function queuedRefreshes(t: TestApp, connectionId: string) {
  return t.database.db
    .selectFrom('jobs')
    .selectAll()
    .where('subject_id', '=', connectionId)
    .where('kind', '=', 'connection.metadata_refresh')
    .where('state', '=', 'queued')
    .execute();
}

const hoursFromNow = (date: Date) => (date.getTime() - Date.now()) / 3_600_000;

describe('SAML connections from a metadata URL', () => {
  let t: TestApp;
  let w: SamlWorld;
  let server: MetadataServer;
  let dns: TestDnsServer;
  before(async () => {
    dns = await startDnsServer();
    t = await testApp({ allowInsecureLoopbackIssuers: true, dnsServers: [dns.address] });
    w = await samlWorld();
    server = await startMetadataServer(idpMetadataXml(w.idp));
  });
  after(async () => {
    await server.close();
    await dns.close();
  });

  async function fromUrl(org: string, url = server.url) {
    return t.admin.post(`/api/v1/orgs/${org}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [freshDomain()],
      saml: { metadataUrl: url },
    });
  }

  it('reads the metadata now and queues its re-read a day later', async () => {
    server.body = idpMetadataXml(w.idp);
    server.status = 200;
    const org = await makeOrg(t);
    const res = await fromUrl(org.id);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body as ConnectionBody;
    assert.equal(c.metadata.url, server.url);
    assert.ok(c.metadata.fetchedAt);
    assert.equal(c.metadata.error, null);
    assert.equal(c.saml?.entityId, w.idp.entityId);
    const [job] = await queuedRefreshes(t, c.id);
    assert.ok(job);
    assert.ok(Math.abs(hoursFromNow(job.run_after) - 24) < 0.1, `runs after ${job.run_after.toISOString()}`);
    // Not due yet: draining the queue leaves it.
    await t.runJobs(org.id);
    assert.equal((await queuedRefreshes(t, c.id)).length, 1);
  });

  it('refuses what cannot be read: 404, not metadata, too large, a private host', async () => {
    const org = await makeOrg(t);
    server.status = 404;
    const missing = await fromUrl(org.id);
    assertError(missing, 422, 'unprocessable');
    assert.match(missing.body.error.message, /404/);
    server.status = 200;
    server.body = '<html>not metadata</html>';
    assertError(await fromUrl(org.id), 400, 'bad_request');
    server.body = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`;
    assertError(await fromUrl(org.id), 400, 'bad_request');
    server.body = `<x>${'y'.repeat(1024 * 1024)}</x>`;
    const large = await fromUrl(org.id);
    assertError(large, 422, 'unprocessable');
    assert.match(large.body.error.message, /larger than/);
    dns.records.a.set('metadata.internal.test', ['10.20.30.40']);
    const internal = await fromUrl(org.id, 'https://metadata.internal.test/saml/metadata');
    assertError(internal, 400, 'validation_failed');
    assert.match(internal.body.error.details[0].message, /10\.20\.30\.40/);
    assert.deepEqual((await t.admin.get(`/api/v1/orgs/${org.id}/connections`)).body.data, []);
    server.body = idpMetadataXml(w.idp);
  });

  it('rolls certificates over at a refresh, and keeps the last good metadata when one fails', async () => {
    server.body = idpMetadataXml(w.idp);
    server.status = 200;
    const org = await makeOrg(t);
    const c = (await fromUrl(org.id)).body as ConnectionBody;
    const [oldPrint] = c.saml?.certificates.map((x) => x.fingerprint) ?? [];

    // The IdP adds its next certificate, then drops the old one.
    server.body = idpMetadataXml(w.idp, [w.idp.keys.certificate, w.nextIdpKeys.certificate]);
    await makeJobsDue(t, org.id, c.id);
    await t.runJobs(org.id);
    let now = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.equal(now.saml?.certificates.length, 2);
    server.body = idpMetadataXml(w.idp, [w.nextIdpKeys.certificate]);
    await makeJobsDue(t, org.id, c.id);
    await t.runJobs(org.id);
    now = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    const newPrints = now.saml?.certificates.map((x) => x.fingerprint) ?? [];
    assert.equal(newPrints.length, 1);
    assert.notEqual(newPrints[0], oldPrint);
    assert.equal(now.metadata.error, null);
    const events = await auditOf(t, org.id, 'connection.metadata_refreshed', c.id);
    assert.equal(events.length, 2);
    const last = events[0];
    assert.equal(last?.actor.type, 'system');
    assert.equal((last?.before?.certificates as string[] | undefined)?.length, 2);
    assert.deepEqual(last?.after?.certificates, newPrints);
    assert.equal(last?.after?.changed, true);
    const [next] = await queuedRefreshes(t, c.id);
    assert.ok(next && Math.abs(hoursFromNow(next.run_after) - 24) < 0.1);

    // The IdP's server fails: the certificates stay, the error shows, and it is tried again in an hour.
    server.status = 500;
    const fetchedAt = now.metadata.fetchedAt;
    await makeJobsDue(t, org.id, c.id);
    await t.runJobs(org.id);
    now = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.deepEqual(
      now.saml?.certificates.map((x) => x.fingerprint),
      newPrints,
    );
    assert.match(now.metadata.error ?? '', /500/);
    assert.equal(now.metadata.fetchedAt, fetchedAt);
    const [failed] = await auditOf(t, org.id, 'connection.metadata_refresh_failed', c.id);
    assert.match(String(failed?.after?.error), /500/);
    const [retry] = await queuedRefreshes(t, c.id);
    assert.ok(retry && Math.abs(hoursFromNow(retry.run_after) - 1) < 0.1);

    // Metadata of another IdP at the same URL is not followed.
    server.status = 200;
    server.body = idpMetadataXml({ ...w.idp, entityId: 'https://idp.impostor.test' }, [
      w.strangerKeys.certificate,
    ]);
    await makeJobsDue(t, org.id, c.id);
    await t.runJobs(org.id);
    now = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.equal(now.saml?.entityId, w.idp.entityId);
    assert.deepEqual(
      now.saml?.certificates.map((x) => x.fingerprint),
      newPrints,
    );
    assert.match(now.metadata.error ?? '', /another IdP/);

    // Back to good metadata: the error clears.
    server.body = idpMetadataXml(w.idp, [w.nextIdpKeys.certificate]);
    await makeJobsDue(t, org.id, c.id);
    await t.runJobs(org.id);
    now = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.equal(now.metadata.error, null);
    const [unchanged] = await auditOf(t, org.id, 'connection.metadata_refreshed', c.id);
    assert.equal(unchanged?.after?.changed, false);
  });

  it('stops refreshing once the connection leaves its URL', async () => {
    server.body = idpMetadataXml(w.idp);
    server.status = 200;
    const org = await makeOrg(t);
    const c = (await fromUrl(org.id)).body as ConnectionBody;
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, {
      saml: { certificates: [w.nextIdpKeys.certificate] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.metadata, { url: null, fetchedAt: null, error: null });
    const hits = server.hits();
    await makeJobsDue(t, org.id, c.id);
    await t.runJobs(org.id);
    assert.equal(server.hits(), hits, 'the URL is not read again');
    assert.deepEqual(await queuedRefreshes(t, c.id), []);
    const after = (await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body as ConnectionBody;
    assert.equal(after.saml?.certificates.length, 1);
  });
});

describe('GET /sso/saml/{connection}/metadata', () => {
  it("serves the connection's SP metadata with its own signing and encryption certificates", async () => {
    const t = await testApp();
    const w = await samlWorld();
    const org = await makeOrg(t);
    const c = await makeSamlConnection(t, org.id, w.idp, { provider: 'entra' });
    const res = await t.http.get(`/sso/saml/${c.id}/metadata`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^application\/samlmetadata\+xml/);
    const doc = new DOMParser().parseFromString(res.text, 'text/xml');
    const entity = doc.documentElement;
    assert.equal(entity?.localName, 'EntityDescriptor');
    assert.equal(entity?.getAttribute('entityID'), c.spEntityId);
    const acs = doc.getElementsByTagNameNS(md, 'AssertionConsumerService')[0];
    assert.equal(acs?.getAttribute('Location'), c.acsUrl);
    assert.equal(acs?.getAttribute('Binding'), 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    const slo = Array.from(doc.getElementsByTagNameNS(md, 'SingleLogoutService'));
    assert.ok(slo.length > 0);
    for (const s of slo) assert.equal(s.getAttribute('Location'), `https://muster.test/sso/saml/${c.id}/slo`);
    assert.equal(
      doc.getElementsByTagNameNS(md, 'NameIDFormat')[0]?.textContent,
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    );

    const sealed = await t.database.db
      .selectFrom('connections')
      .select('sealed_secrets')
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    const keys = JSON.parse(
      new SecretBox(developmentMasterKey).open(sealed.sealed_secrets ?? '', c.id),
    ) as Record<'spSigning' | 'spEncryption', { certificate: string }>;
    const published: Record<string, string> = {};
    for (const key of Array.from(doc.getElementsByTagNameNS(md, 'KeyDescriptor'))) {
      const body = key.getElementsByTagNameNS(ds, 'X509Certificate')[0]?.textContent ?? '';
      published[key.getAttribute('use') ?? ''] = new X509Certificate(
        Buffer.from(body, 'base64'),
      ).fingerprint256;
    }
    assert.deepEqual(published, {
      signing: new X509Certificate(keys.spSigning.certificate).fingerprint256,
      encryption: new X509Certificate(keys.spEncryption.certificate).fingerprint256,
    });
    assert.doesNotMatch(res.text, /PRIVATE KEY/);
  });

  it('is 404 for an unknown id, a non-id and an OIDC connection', async () => {
    const t = await testApp();
    const org = await makeOrg(t);
    const oidc = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'oidc',
      provider: 'okta',
      domains: [freshDomain()],
      oidc: { issuer: 'https://okta.example.com', clientId: 'c', clientSecret: 's' },
    });
    for (const id of [newId(), 'not-an-id', oidc.body.id]) {
      const res = await t.http.get(`/sso/saml/${id}/metadata`);
      assert.equal(res.status, 404, id);
      assert.equal(res.body.error.code, 'not_found');
    }
  });
});
