import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { signInWithSso } from '../../src/domain/directory/index.ts';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import { newId } from '../../src/infra/ids/index.ts';
import { type TestApp, testApp } from '../support/app.ts';
import { assertError, isoPattern, uuidPattern } from '../support/assertions.ts';
import { auditOf } from '../support/audit.ts';
import { type ConnectionBody, freshDomain, makeSamlConnection } from '../support/connections.ts';
import { makeApiKey, makeOrg, makeTeam } from '../support/factories.ts';
import { type SamlWorld, samlWorld } from '../support/saml-fixtures.ts';
import { idpMetadataXml } from '../support/saml-idp.ts';

const box = new SecretBox(developmentMasterKey);

async function sealedOf(t: TestApp, id: string): Promise<string> {
  const row = await t.database.db
    .selectFrom('connections')
    .select('sealed_secrets')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  assert.ok(row.sealed_secrets);
  return row.sealed_secrets;
}

/** Every audit event of an org, as JSON text: where a leaked secret would show. */
async function auditText(t: TestApp, org: string): Promise<string> {
  const res = await t.admin.get(`/api/v1/orgs/${org}/audit-events?limit=200`);
  assert.equal(res.status, 200);
  return JSON.stringify(res.body);
}

describe('POST /api/v1/orgs/{org}/connections', () => {
  let t: TestApp;
  let w: SamlWorld;
  before(async () => {
    t = await testApp();
    w = await samlWorld();
  });

  it('creates a SAML connection from metadata XML with two signing certificates', async () => {
    const org = await makeOrg(t);
    const domain = freshDomain();
    const xml = idpMetadataXml(w.idp, [w.idp.keys.certificate, w.nextIdpKeys.certificate]);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'entra',
      name: 'Acme Entra',
      domains: [domain.toUpperCase()],
      saml: { metadataXml: xml },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body as ConnectionBody;
    assert.match(c.id, uuidPattern);
    assert.equal(res.headers.location, `/api/v1/orgs/${org.id}/connections/${c.id}`);
    assert.equal(c.protocol, 'saml');
    assert.equal(c.provider, 'entra');
    assert.equal(c.name, 'Acme Entra');
    assert.equal(c.spEntityId, `https://muster.test/sso/saml/${c.id}`);
    assert.equal(c.acsUrl, `https://muster.test/sso/saml/${c.id}/acs`);
    assert.equal(c.spMetadataUrl, `https://muster.test/sso/saml/${c.id}/metadata`);
    assert.equal(c.redirectUri, null);
    assert.equal(c.jit, true);
    assert.equal(c.allowIdpInitiated, false);
    assert.deepEqual(c.attributeMapping, {});
    assert.equal(c.groupsAttribute, null);
    assert.equal(c.clockSkewSeconds, 60);
    assert.equal(c.saml?.entityId, w.idp.entityId);
    assert.equal(c.saml?.ssoUrl, w.idp.ssoUrl);
    assert.equal(c.saml?.sloUrl, `${w.idp.ssoUrl}/logout`);
    assert.equal(c.saml?.certificates.length, 2);
    for (const cert of c.saml?.certificates ?? []) {
      assert.match(cert.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.match(cert.notAfter, isoPattern);
    }
    assert.deepEqual(
      { ...c.saml, certificates: undefined },
      {
        entityId: w.idp.entityId,
        ssoUrl: w.idp.ssoUrl,
        sloUrl: `${w.idp.ssoUrl}/logout`,
        certificates: undefined,
        allowSha1Signatures: false,
        allowUnsignedAssertions: false,
        nameIdFormat: null,
      },
    );
    assert.equal(c.oidc, undefined);
    assert.deepEqual(c.metadata, { url: null, fetchedAt: null, error: null });
    assert.deepEqual(c.health, {});
    assert.equal(c.domains.length, 1);
    const [d] = c.domains;
    assert.equal(d?.domain, domain);
    assert.equal(d?.verified, false);
    assert.equal(d?.verifiedAt, null);
    assert.deepEqual(d?.verification.name, `_muster-verification.${domain}`);
    assert.equal(d?.verification.type, 'TXT');
    assert.ok((d?.verification.value.length ?? 0) >= 32);

    const [event] = await auditOf(t, org.id, 'connection.created', c.id);
    assert.ok(event);
    const after = event.after as Record<string, unknown> & { saml: { certificates: unknown[] } };
    assert.equal(after.id, c.id);
    assert.deepEqual(after.saml.certificates, c.saml?.certificates);
  });

  it('seals SP keys per connection: never shown, bound to the connection id', async () => {
    const org = await makeOrg(t);
    const c = await makeSamlConnection(t, org.id, w.idp);
    const sealed = await sealedOf(t, c.id);
    assert.doesNotMatch(sealed, /PRIVATE KEY|CERTIFICATE/);
    const secrets = JSON.parse(box.open(sealed, c.id)) as Record<string, { privateKey: string }>;
    assert.match(secrets.spSigning?.privateKey ?? '', /BEGIN PRIVATE KEY/);
    assert.match(secrets.spEncryption?.privateKey ?? '', /BEGIN PRIVATE KEY/);
    assert.notEqual(secrets.spSigning?.privateKey, secrets.spEncryption?.privateKey);
    // Sealed for one connection, it does not open for another.
    assert.throws(() => box.open(sealed, newId()));

    const other = await makeSamlConnection(t, org.id, w.idp);
    const otherSecrets = JSON.parse(box.open(await sealedOf(t, other.id), other.id)) as typeof secrets;
    assert.notEqual(otherSecrets.spSigning?.privateKey, secrets.spSigning?.privateKey);

    for (const text of [
      JSON.stringify((await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`)).body),
      JSON.stringify((await t.admin.get(`/api/v1/orgs/${org.id}/connections`)).body),
      await auditText(t, org.id),
    ]) {
      assert.doesNotMatch(text, /PRIVATE KEY/);
      assert.ok(!text.includes(sealed));
    }
  });

  it('creates a SAML connection from fields, certificates as PEM or bare base64', async () => {
    const org = await makeOrg(t);
    const bare = w.nextIdpKeys.certificate.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'generic',
      domains: [freshDomain()],
      saml: {
        entityId: 'https://idp.manual.test/entity',
        ssoUrl: 'https://idp.manual.test/sso',
        certificates: [w.idp.keys.certificate, bare],
      },
      jit: false,
      allowIdpInitiated: true,
      attributeMapping: { email: 'mail', firstName: 'given' },
      groupsAttribute: 'memberOf',
      allowSha1Signatures: true,
      allowUnsignedAssertions: true,
      clockSkewSeconds: 120,
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body as ConnectionBody;
    assert.equal(c.saml?.entityId, 'https://idp.manual.test/entity');
    assert.equal(c.saml?.sloUrl, null);
    assert.equal(c.saml?.certificates.length, 2);
    assert.equal(c.jit, false);
    assert.equal(c.allowIdpInitiated, true);
    assert.deepEqual(c.attributeMapping, { email: 'mail', firstName: 'given' });
    assert.equal(c.groupsAttribute, 'memberOf');
    assert.equal(c.clockSkewSeconds, 120);
    assert.equal(c.saml?.allowSha1Signatures, true);
    assert.equal(c.saml?.allowUnsignedAssertions, true);
    assert.equal(c.saml?.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
  });

  it('creates an OIDC connection whose client secret is sealed and never shown', async () => {
    const org = await makeOrg(t);
    const secret = 'oidc-client-secret-0123456789-abcdef';
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'oidc',
      provider: 'keycloak',
      domains: [freshDomain()],
      oidc: { issuer: 'https://kc.example.com/realms/acme', clientId: 'muster', clientSecret: secret },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body as ConnectionBody;
    assert.equal(c.redirectUri, `https://muster.test/sso/oidc/${c.id}/callback`);
    assert.equal(c.spEntityId, null);
    assert.equal(c.acsUrl, null);
    assert.equal(c.spMetadataUrl, null);
    assert.equal(c.saml, undefined);
    const { clientCertificate, ...oidc } = c.oidc ?? {};
    assert.deepEqual(oidc, {
      issuer: 'https://kc.example.com/realms/acme',
      clientId: 'muster',
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: null,
      jwksUri: `https://muster.test/sso/oidc/${c.id}/jwks.json`,
    });
    const sealed = await sealedOf(t, c.id);
    assert.ok(!sealed.includes(secret));
    const opened = JSON.parse(box.open(sealed, c.id)) as {
      clientSecret: string;
      clientKey: { privateKey: string; certificate: string };
    };
    assert.equal(opened.clientSecret, secret);
    // A client key for private_key_jwt: its certificate is shown, its private key only sealed.
    assert.equal(opened.clientKey.certificate, clientCertificate);
    assert.ok(!JSON.stringify(res.body).includes('PRIVATE KEY'));
    assert.ok(!JSON.stringify(res.body).includes(secret));
    assert.ok(!(await auditText(t, org.id)).includes(secret));
  });

  it('takes private_key_jwt without a secret, and scopes that include openid', async () => {
    const org = await makeOrg(t);
    const path = `/api/v1/orgs/${org.id}/connections`;
    const base = { protocol: 'oidc', provider: 'okta', domains: [freshDomain()] };
    const res = await t.admin.post(path, {
      ...base,
      oidc: {
        issuer: 'https://acme.okta.com/oauth2/default',
        clientId: 'muster',
        tokenEndpointAuthMethod: 'private_key_jwt',
        scopes: ['openid', 'email', 'profile'],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.oidc.scopes, ['openid', 'email', 'profile']);
    assert.match(res.body.oidc.clientCertificate, /^-----BEGIN CERTIFICATE-----/);
    for (const [oidc, path] of [
      [{ clientId: 'm', clientSecret: 's', scopes: ['email'] }, 'oidc.scopes'],
      [{ clientId: 'm', clientSecret: 's', scopes: ['openid', 'two words'] }, 'oidc.scopes.1'],
      [{ clientId: 'm' }, 'oidc.clientSecret'],
    ] as const) {
      const refused = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
        ...base,
        domains: [freshDomain()],
        oidc: { issuer: 'https://acme.okta.com', ...oidc },
      });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.details[0].path, path, JSON.stringify(refused.body));
    }
  });

  it('refuses bad input with a clear 4xx', async () => {
    const org = await makeOrg(t);
    const path = `/api/v1/orgs/${org.id}/connections`;
    const xml = idpMetadataXml(w.idp);
    const saml = (extra: object) => ({
      protocol: 'saml',
      provider: 'okta',
      domains: [freshDomain()],
      ...extra,
    });
    const manual = { entityId: 'https://idp.x.test/e', ssoUrl: 'https://idp.x.test/sso' };
    const cases: [string, object, number, string, string?][] = [
      ['no protocol', { provider: 'okta', domains: [freshDomain()] }, 400, 'validation_failed'],
      ['an unknown protocol', saml({ protocol: 'ws-fed' }), 400, 'validation_failed'],
      [
        'no domains',
        { protocol: 'saml', provider: 'okta', saml: { metadataXml: xml } },
        400,
        'validation_failed',
      ],
      ['an empty domain list', saml({ domains: [], saml: { metadataXml: xml } }), 400, 'validation_failed'],
      [
        'an unknown provider',
        saml({ provider: 'adfs', saml: { metadataXml: xml } }),
        400,
        'validation_failed',
      ],
      ['no saml', saml({}), 400, 'validation_failed'],
      ['none of the saml forms', saml({ saml: {} }), 400, 'validation_failed', 'saml'],
      [
        'two saml forms',
        saml({ saml: { metadataXml: xml, metadataUrl: 'https://idp.x.test/md' } }),
        400,
        'validation_failed',
        'saml',
      ],
      [
        'metadata and fields',
        saml({ saml: { metadataXml: xml, ...manual } }),
        400,
        'validation_failed',
        'saml',
      ],
      ['fields without certificates', saml({ saml: manual }), 400, 'validation_failed', 'saml'],
      [
        'a certificate that does not parse',
        saml({ saml: { ...manual, certificates: ['MIIBnot-a-cert'] } }),
        400,
        'validation_failed',
        'saml.certificates.0',
      ],
      [
        'an http SSO URL',
        saml({
          saml: { ...manual, ssoUrl: 'http://idp.x.test/sso', certificates: [w.idp.keys.certificate] },
        }),
        400,
        'validation_failed',
        'saml.ssoUrl',
      ],
      [
        'metadata with a DOCTYPE',
        saml({ saml: { metadataXml: `<!DOCTYPE x [<!ENTITY a "b">]>${xml.replace(/^<\?xml[^>]*>/, '')}` } }),
        400,
        'bad_request',
        'saml.metadataXml',
      ],
      ['metadata of no IdP', saml({ saml: { metadataXml: '<EntityDescriptor/>' } }), 400, 'bad_request'],
      ['XML that is not well-formed', saml({ saml: { metadataXml: '<a><b></a>' } }), 400, 'bad_request'],
      [
        'an ftp metadata URL',
        saml({ saml: { metadataUrl: 'ftp://idp.x.test/md' } }),
        400,
        'validation_failed',
      ],
      [
        'an http metadata URL',
        saml({ saml: { metadataUrl: 'http://idp.x.test/md' } }),
        400,
        'validation_failed',
        'saml.metadataUrl',
      ],
      [
        'a metadata URL at a private address',
        saml({ saml: { metadataUrl: 'https://10.0.0.8/md' } }),
        400,
        'validation_failed',
        'saml.metadataUrl',
      ],
      [
        'a metadata URL at the cloud metadata address',
        saml({ saml: { metadataUrl: 'https://169.254.169.254/latest/meta-data' } }),
        400,
        'validation_failed',
      ],
      [
        'a metadata URL at loopback when loopback is not allowed',
        saml({ saml: { metadataUrl: 'https://127.0.0.1:1/md' } }),
        400,
        'validation_failed',
      ],
      [
        'a wildcard domain',
        saml({ domains: ['*.acme.test'], saml: { metadataXml: xml } }),
        400,
        'validation_failed',
        'domains.0',
      ],
      [
        'an IP as domain',
        saml({ domains: ['192.168.0.1'], saml: { metadataXml: xml } }),
        400,
        'validation_failed',
      ],
      [
        'a domain without a dot',
        saml({ domains: ['localhost'], saml: { metadataXml: xml } }),
        400,
        'validation_failed',
      ],
      [
        'a domain with a space',
        saml({ domains: ['a b.test'], saml: { metadataXml: xml } }),
        400,
        'validation_failed',
      ],
      [
        'a domain named twice',
        saml({ domains: ['twice.test', 'TWICE.test.'], saml: { metadataXml: xml } }),
        400,
        'validation_failed',
        'domains.1',
      ],
      [
        'a public mail domain',
        saml({ domains: ['gmail.com'], saml: { metadataXml: xml } }),
        422,
        'unprocessable',
        'domains.0',
      ],
      [
        'a public mail domain in capitals',
        saml({ domains: ['Outlook.COM'], saml: { metadataXml: xml } }),
        422,
        'unprocessable',
      ],
      [
        'below a public mail domain',
        saml({ domains: ['mail.yahoo.com'], saml: { metadataXml: xml } }),
        422,
        'unprocessable',
      ],
      [
        'a clock skew past 10 minutes',
        saml({ saml: { metadataXml: xml }, clockSkewSeconds: 601 }),
        400,
        'validation_failed',
      ],
      [
        'an unknown NameID format',
        saml({ saml: { metadataXml: xml }, nameIdFormat: 'x' }),
        400,
        'validation_failed',
      ],
      ['an unknown field', saml({ saml: { metadataXml: xml }, colour: 'blue' }), 400, 'validation_failed'],
      [
        'a SAML relaxation on an OIDC connection',
        {
          protocol: 'oidc',
          provider: 'okta',
          domains: [freshDomain()],
          oidc: { issuer: 'https://okta.example.com', clientId: 'c', clientSecret: 's' },
          allowSha1Signatures: true,
        },
        400,
        'validation_failed',
      ],
      [
        'OIDC without a client secret',
        {
          protocol: 'oidc',
          provider: 'okta',
          domains: [freshDomain()],
          oidc: { issuer: 'https://okta.example.com', clientId: 'c' },
        },
        400,
        'validation_failed',
        'oidc.clientSecret',
      ],
      [
        'an http OIDC issuer',
        {
          protocol: 'oidc',
          provider: 'okta',
          domains: [freshDomain()],
          oidc: { issuer: 'http://okta.example.com', clientId: 'c', clientSecret: 's' },
        },
        400,
        'validation_failed',
        'oidc.issuer',
      ],
    ];
    for (const [name, body, status, code, detailPath] of cases) {
      const res = await t.admin.post(path, body);
      assertError(res, status, code);
      if (detailPath) {
        const paths = (res.body.error.details ?? []).map((d: { path?: string }) => d.path);
        assert.ok(paths.includes(detailPath), `${name}: ${JSON.stringify(res.body.error)}`);
      }
    }
    const list = await t.admin.get(path);
    assert.deepEqual(list.body.data, [], 'nothing was created');
  });

  it('refuses a body larger than the limit with 413', async () => {
    const org = await makeOrg(t);
    const res = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [freshDomain()],
      saml: { metadataXml: 'x'.repeat(1024 * 1024 + 1) },
    });
    assertError(res, 413, 'payload_too_large');
  });

  it('gives a domain to one connection of one org: a second claim is 409', async () => {
    const first = await makeOrg(t);
    const second = await makeOrg(t);
    const domain = freshDomain();
    await makeSamlConnection(t, first.id, w.idp, { domains: [domain] });
    for (const org of [first.id, second.id]) {
      const res = await t.admin.post(`/api/v1/orgs/${org}/connections`, {
        protocol: 'saml',
        provider: 'okta',
        domains: [freshDomain(), domain],
        saml: { metadataXml: idpMetadataXml(w.idp) },
      });
      assertError(res, 409, 'conflict');
      assert.match(res.body.error.message, new RegExp(domain.replace('.', '\\.')));
    }
    assert.deepEqual((await t.admin.get(`/api/v1/orgs/${second.id}/connections`)).body.data, []);
  });

  it("answers 403 to another org's key, whether or not the org exists", async () => {
    const mine = await makeOrg(t);
    const theirs = await makeOrg(t);
    const key = await makeApiKey(t, mine.id);
    const c = await makeSamlConnection(t, theirs.id, w.idp);
    const as = t.as(key.key);
    assertError(await as.get(`/api/v1/orgs/${theirs.id}/connections`), 403, 'forbidden');
    assertError(await as.get(`/api/v1/orgs/${theirs.id}/connections/${c.id}`), 403, 'forbidden');
    assertError(await as.delete(`/api/v1/orgs/${theirs.id}/connections/${c.id}`), 403, 'forbidden');
    assertError(
      await as.post(`/api/v1/orgs/${theirs.id}/connections/${c.id}/domains/${c.domains[0]?.domain}/verify`),
      403,
      'forbidden',
    );
    // Through its own org's path, another org's connection is not found.
    assertError(await as.get(`/api/v1/orgs/${mine.id}/connections/${c.id}`), 404, 'not_found');
    assert.equal((await as.get(`/api/v1/orgs/${mine.id}/connections`)).status, 200);
  });
});

describe('GET /api/v1/orgs/{org}/connections', () => {
  it('lists connections page by page, with their domains', async () => {
    const t = await testApp();
    const w = await samlWorld();
    const org = await makeOrg(t);
    const made = [
      await makeSamlConnection(t, org.id, w.idp),
      await makeSamlConnection(t, org.id, w.idp, { domains: [freshDomain(), freshDomain()] }),
      await makeSamlConnection(t, org.id, w.idp),
    ];
    const seen: ConnectionBody[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.admin.get(
        `/api/v1/orgs/${org.id}/connections?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      seen.map((c) => c.id),
      made.map((c) => c.id),
    );
    assert.deepEqual(
      seen.map((c) => c.domains.length),
      [1, 2, 1],
    );
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/connections/not-a-uuid`), 404, 'not_found');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/connections/${newId()}`), 404, 'not_found');
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/connections?cursor=zzz`), 400, 'validation_failed');
  });
});

describe('PATCH /api/v1/orgs/{org}/connections/{connection}', () => {
  let t: TestApp;
  let w: SamlWorld;
  before(async () => {
    t = await testApp();
    w = await samlWorld();
  });

  it('changes names, options and mappings, and audits before and after', async () => {
    const org = await makeOrg(t);
    const c = await makeSamlConnection(t, org.id, w.idp);
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, {
      name: 'Renamed',
      provider: 'jumpcloud',
      jit: false,
      allowIdpInitiated: true,
      attributeMapping: { displayName: 'cn' },
      groupsAttribute: 'memberOf',
      clockSkewSeconds: 30,
      allowUnsignedAssertions: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const changed = res.body as ConnectionBody;
    assert.equal(changed.name, 'Renamed');
    assert.equal(changed.provider, 'jumpcloud');
    assert.equal(changed.jit, false);
    assert.equal(changed.allowIdpInitiated, true);
    assert.deepEqual(changed.attributeMapping, { displayName: 'cn' });
    assert.equal(changed.groupsAttribute, 'memberOf');
    assert.equal(changed.clockSkewSeconds, 30);
    assert.equal(changed.saml?.allowUnsignedAssertions, true);
    assert.equal(changed.saml?.allowSha1Signatures, false);
    assert.deepEqual(changed.saml?.certificates, c.saml?.certificates, 'the IdP is kept');

    const cleared = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, {
      groupsAttribute: null,
      attributeMapping: {},
    });
    assert.equal(cleared.body.groupsAttribute, null);
    assert.deepEqual(cleared.body.attributeMapping, {});

    const events = await auditOf(t, org.id, 'connection.updated', c.id);
    assert.equal(events.length, 2);
    const first = events[1];
    assert.equal(first?.before?.name, '');
    assert.equal(first?.after?.name, 'Renamed');
    assert.equal(first?.before?.jit, true);
    assert.equal(first?.after?.jit, false);
  });

  it('replaces certificates by hand, ending a metadata source; or the IdP from new metadata', async () => {
    const org = await makeOrg(t);
    const c = await makeSamlConnection(t, org.id, w.idp);
    const byHand = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, {
      saml: { certificates: [w.nextIdpKeys.certificate] },
    });
    assert.equal(byHand.status, 200, JSON.stringify(byHand.body));
    assert.equal(byHand.body.saml.entityId, w.idp.entityId);
    assert.equal(byHand.body.saml.certificates.length, 1);
    assert.notEqual(byHand.body.saml.certificates[0].fingerprint, c.saml?.certificates[0]?.fingerprint);
    const [event] = await auditOf(t, org.id, 'connection.updated', c.id);
    assert.deepEqual(
      (event?.before?.saml as { certificates?: unknown[] } | undefined)?.certificates,
      c.saml?.certificates,
    );
    assert.deepEqual(
      (event?.after?.saml as { certificates?: unknown[] } | undefined)?.certificates,
      byHand.body.saml.certificates,
    );

    const fromMetadata = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, {
      saml: {
        metadataXml: idpMetadataXml(
          { ...w.idp, entityId: 'https://idp.moved.test/saml', ssoUrl: 'https://idp.moved.test/sso' },
          [w.idp.keys.certificate, w.nextIdpKeys.certificate],
        ),
      },
    });
    assert.equal(fromMetadata.status, 200, JSON.stringify(fromMetadata.body));
    assert.equal(fromMetadata.body.saml.entityId, 'https://idp.moved.test/saml');
    assert.equal(fromMetadata.body.saml.certificates.length, 2);

    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, { saml: { certificates: [] } }),
      400,
      'validation_failed',
    );
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, { protocol: 'oidc' }),
      400,
      'validation_failed',
    );
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, { oidc: { clientId: 'x' } }),
      400,
      'validation_failed',
    );
  });

  it('adds and removes domains; a kept domain keeps its verification and token', async () => {
    const org = await makeOrg(t);
    const [kept, dropped, added] = [freshDomain(), freshDomain(), freshDomain()];
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [kept, dropped] });
    await t.database.db
      .updateTable('connection_domains')
      .set({ verified_at: new Date() })
      .where('domain', '=', kept)
      .execute();
    const token = c.domains.find((d) => d.domain === kept)?.verification.value;
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, { domains: [kept, added] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const domains = (res.body as ConnectionBody).domains;
    assert.deepEqual(domains.map((d) => d.domain).sort(), [kept, added].sort());
    const keptNow = domains.find((d) => d.domain === kept);
    assert.equal(keptNow?.verified, true);
    assert.equal(keptNow?.verification.value, token);
    assert.equal(domains.find((d) => d.domain === added)?.verified, false);

    // The dropped domain is free for another org now.
    const other = await makeOrg(t);
    await makeSamlConnection(t, other.id, w.idp, { domains: [dropped] });
    // And the kept one is not.
    assertError(
      await t.admin.post(`/api/v1/orgs/${other.id}/connections`, {
        protocol: 'saml',
        provider: 'okta',
        domains: [kept],
        saml: { metadataXml: idpMetadataXml(w.idp) },
      }),
      409,
      'conflict',
    );
    assertError(
      await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${c.id}`, { domains: ['hotmail.com'] }),
      422,
      'unprocessable',
    );
    const unchanged = await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`);
    assert.equal(unchanged.body.domains.length, 2, 'a refused change changes nothing');
  });

  it('replaces an OIDC client secret without showing it, and refuses SAML settings', async () => {
    const org = await makeOrg(t);
    const created = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'oidc',
      provider: 'okta',
      domains: [freshDomain()],
      oidc: { issuer: 'https://okta.example.com', clientId: 'one', clientSecret: 'first-secret-value' },
    });
    const id = created.body.id as string;
    const res = await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${id}`, {
      oidc: {
        clientId: 'two',
        clientSecret: 'second-secret-value',
        tokenEndpointAuthMethod: 'client_secret_post',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      { ...res.body.oidc, clientCertificate: undefined },
      {
        issuer: 'https://okta.example.com',
        clientId: 'two',
        tokenEndpointAuthMethod: 'client_secret_post',
        scopes: null,
        jwksUri: `https://muster.test/sso/oidc/${id}/jwks.json`,
        clientCertificate: undefined,
      },
    );
    assert.equal(
      res.body.oidc.clientCertificate,
      created.body.oidc.clientCertificate,
      'the client key stays',
    );
    const sealed = await sealedOf(t, id);
    assert.equal(
      (JSON.parse(box.open(sealed, id)) as { clientSecret: string }).clientSecret,
      'second-secret-value',
    );
    const [event] = await auditOf(t, org.id, 'connection.updated', id);
    assert.deepEqual(event?.after?.secretsReplaced, ['clientSecret']);
    const audit = await auditText(t, org.id);
    assert.ok(!audit.includes('first-secret-value') && !audit.includes('second-secret-value'));
    for (const body of [
      { saml: { metadataXml: idpMetadataXml(w.idp) } },
      { allowIdpInitiated: true },
      { nameIdFormat: null },
    ])
      assertError(
        await t.admin.patch(`/api/v1/orgs/${org.id}/connections/${id}`, body),
        400,
        'validation_failed',
      );
  });
});

describe('DELETE /api/v1/orgs/{org}/connections/{connection}', () => {
  it('deletes the connection with its domains, mappings, identities and grants, and ends its sessions', async () => {
    const t = await testApp();
    const w = await samlWorld();
    const org = await makeOrg(t);
    const team = await makeTeam(t, org.id);
    const domain = freshDomain();
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [domain] });
    const mapping = await t.admin.post(`/api/v1/orgs/${org.id}/group-mappings`, {
      source: { connection: c.id, group: 'engineers' },
      team: team.id,
      role: 'admin',
    });
    assert.equal(mapping.status, 201, JSON.stringify(mapping.body));
    await t.runJobs(org.id);
    const { user } = await signInWithSso(
      t.database.db,
      {
        orgId: org.id,
        connectionId: c.id,
        subject: 'ada-subject',
        profile: { email: `ada@${domain}`, given_name: 'Ada', family_name: null, display_name: null },
        groups: ['engineers'],
        groupsTruncated: false,
        loginId: newId(),
        jit: true,
        linkByEmail: false,
      },
      { actor: { type: 'system', id: null } },
    );
    const sessionId = newId();
    await t.database.db
      .insertInto('sessions')
      .values({
        id: sessionId,
        org_id: org.id,
        user_id: user.id,
        connection_id: c.id,
        login_id: newId(),
        expires_at: new Date(Date.now() + 3_600_000),
      })
      .execute();
    const before = await t.admin.get(`/api/v1/orgs/${org.id}/members/${user.id}`);
    assert.equal(before.body.role, 'admin', JSON.stringify(before.body));

    const res = await t.admin.delete(`/api/v1/orgs/${org.id}/connections/${c.id}`);
    assert.equal(res.status, 204);
    assertError(await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`), 404, 'not_found');
    assertError(await t.admin.delete(`/api/v1/orgs/${org.id}/connections/${c.id}`), 404, 'not_found');

    const db = t.database.db;
    const count = async (table: 'connection_domains' | 'sso_identities' | 'group_mappings') =>
      (await db.selectFrom(table).select('org_id').where('connection_id', '=', c.id).execute()).length;
    assert.equal(await count('connection_domains'), 0);
    assert.equal(await count('sso_identities'), 0);
    assert.equal(await count('group_mappings'), 0);
    const session = await db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', sessionId)
      .executeTakeFirst();
    assert.ok(session?.revoked_at, 'the session ended');
    const member = await t.admin.get(`/api/v1/orgs/${org.id}/members/${user.id}`);
    assert.equal(member.status, 200);
    assert.equal(member.body.role, 'member', 'the mapped role is taken back');
    assert.deepEqual(member.body.teams, []);
    assert.equal(
      member.body.status,
      'active',
      'not suspended: another connection or an invitation may bring them in',
    );

    const [event] = await auditOf(t, org.id, 'connection.deleted', c.id);
    assert.equal(event?.before?.id, c.id);
    assert.deepEqual(event?.after, { usersWithGrantsRevoked: 1, sessionsRevoked: 1 });
    assert.equal((await auditOf(t, org.id, 'member.role_changed', user.id)).length, 2);

    // Its domain is free again.
    await makeSamlConnection(t, org.id, w.idp, { domains: [domain] });
  });
});
