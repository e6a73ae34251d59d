import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SignInRefused, signInWithSso } from '../../src/domain/directory/index.ts';
import {
  connectionForDomain,
  connectionsOfOrg,
  domainOf,
  flagConnectionHealth,
  isDomainVerified,
  isPublicMailDomain,
  normalizeDomain,
  oidcConnectionFor,
  samlConnectionFor,
} from '../../src/domain/sources/index.ts';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import { newId } from '../../src/infra/ids/index.ts';
import { validateSamlResponse } from '../../src/protocols/saml/index.ts';
import { insertUser } from '../../src/storage/index.ts';
import { type TestApp, testApp } from '../support/app.ts';
import { type ConnectionBody, freshDomain, makeSamlConnection } from '../support/connections.ts';
import { makeOrg } from '../support/factories.ts';
import { type SamlWorld, samlWorld } from '../support/saml-fixtures.ts';
import { buildResponse, providerAttributes, samlId, toFormValue } from '../support/saml-idp.ts';
import { MemoryReplayStore } from '../support/saml-replay-store.ts';

const keys = { secretBox: new SecretBox(developmentMasterKey), publicUrl: 'https://muster.test' };

async function verifyDirectly(t: TestApp, domain: string): Promise<void> {
  await t.database.db
    .updateTable('connection_domains')
    .set({ verified_at: new Date() })
    .where('domain', '=', domain)
    .execute();
}

describe('connections for the sign-in flows', () => {
  let t: TestApp;
  let w: SamlWorld;
  before(async () => {
    t = await testApp();
    w = await samlWorld();
  });

  it('opens a SAML connection that validates a real signed and encrypted response', async () => {
    const org = await makeOrg(t);
    const domain = freshDomain();
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [domain], provider: 'okta' });
    const connection = await samlConnectionFor(t.database.db, keys, c.id);
    assert.ok(connection);
    assert.equal(connection.orgId, org.id);
    assert.equal(connection.sp.entityId, c.spEntityId);
    assert.equal(connection.sp.acsUrl, c.acsUrl);
    assert.equal(connection.sp.sloUrl, `https://muster.test/sso/saml/${c.id}/slo`);
    assert.deepEqual(connection.emailDomains, [domain]);
    assert.deepEqual(connection.domains, [{ domain, verified: false }]);
    assert.equal(connection.jit, true);

    const store = new MemoryReplayStore();
    const requestId = samlId();
    store.issue(requestId, c.id);
    const now = new Date();
    const email = `grace@${domain}`;
    const xml = await buildResponse(w.idp, {
      acsUrl: connection.sp.acsUrl,
      audience: connection.sp.entityId,
      now,
      inResponseTo: requestId,
      nameId: email,
      attributes: providerAttributes('okta', {
        email,
        firstName: 'Grace',
        lastName: 'Hopper',
        displayName: 'Grace Hopper',
        groups: ['eng'],
      }),
      encryptTo: connection.sp.encryption.certificate,
    });
    const claims = await validateSamlResponse({ connection, samlResponse: toFormValue(xml), store, now });
    assert.equal(claims.email, email);
    assert.deepEqual(claims.groups, ['eng']);
  });

  it('answers undefined for an unknown id, a non-id, or the other protocol', async () => {
    const org = await makeOrg(t);
    const oidc = await t.admin.post(`/api/v1/orgs/${org.id}/connections`, {
      protocol: 'oidc',
      provider: 'entra',
      domains: [freshDomain()],
      oidc: {
        issuer: 'https://login.microsoftonline.com/tenant/v2.0',
        clientId: 'app',
        clientSecret: 'shh-secret',
      },
      attributeMapping: { email: 'upn' },
    });
    assert.equal(oidc.status, 201, JSON.stringify(oidc.body));
    const saml = await makeSamlConnection(t, org.id, w.idp);
    assert.equal(await samlConnectionFor(t.database.db, keys, newId()), undefined);
    assert.equal(await samlConnectionFor(t.database.db, keys, 'nope'), undefined);
    assert.equal(await samlConnectionFor(t.database.db, keys, oidc.body.id), undefined);
    assert.equal(await oidcConnectionFor(t.database.db, keys, saml.id), undefined);
    const client = await oidcConnectionFor(t.database.db, keys, oidc.body.id);
    assert.equal(client?.clientSecret, 'shh-secret');
    assert.equal(client?.issuer, 'https://login.microsoftonline.com/tenant/v2.0');
    assert.equal(client?.redirectUri, `https://muster.test/sso/oidc/${oidc.body.id}/callback`);
    assert.equal(client?.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.deepEqual(client?.attributeMapping, { email: 'upn' });
    // Under another MASTER_KEY the secrets do not open.
    await assert.rejects(
      samlConnectionFor(
        t.database.db,
        { ...keys, secretBox: new SecretBox('another-master-key-of-32-characters!!') },
        saml.id,
      ),
    );
  });

  it('finds the connection of an email domain, and says whether the domain is verified', async () => {
    const org = await makeOrg(t);
    const other = await makeOrg(t);
    const [verified, unverified] = [freshDomain(), freshDomain()];
    const c = await makeSamlConnection(t, org.id, w.idp, { domains: [verified, unverified], name: 'Okta' });
    const second = await makeSamlConnection(t, org.id, w.idp);
    const theirs = await makeSamlConnection(t, other.id, w.idp);
    await verifyDirectly(t, verified);
    const db = t.database.db;

    const found = await connectionForDomain(db, `Ada.Lovelace@${verified.toUpperCase()}`);
    assert.deepEqual(found, {
      connectionId: c.id,
      orgId: org.id,
      protocol: 'saml',
      provider: 'okta',
      name: 'Okta',
      domain: verified,
      verified: true,
    });
    assert.equal((await connectionForDomain(db, unverified))?.verified, false);
    assert.equal(await connectionForDomain(db, `someone@${freshDomain()}`), undefined);
    assert.equal(await connectionForDomain(db, 'not an email'), undefined);

    assert.equal(await isDomainVerified(db, org.id, c.id, `ada@${verified}`), true);
    assert.equal(await isDomainVerified(db, org.id, c.id, `ada@${unverified}`), false);
    assert.equal(
      await isDomainVerified(db, org.id, second.id, `ada@${verified}`),
      false,
      'another connection',
    );
    assert.equal(await isDomainVerified(db, other.id, theirs.id, `ada@${verified}`), false, 'another org');

    assert.deepEqual(
      (await connectionsOfOrg(db, org.id)).map((x) => x.connectionId),
      [c.id, second.id],
    );
  });

  it('keeps health flags the sign-in flows set, and shows them with the connection', async () => {
    const org = await makeOrg(t);
    const c = await makeSamlConnection(t, org.id, w.idp);
    await flagConnectionHealth(t.database.db, org.id, c.id, {
      groupsTruncated: { at: '2030-01-01T00:00:00Z' },
    });
    await flagConnectionHealth(t.database.db, org.id, c.id, { other: true });
    await flagConnectionHealth(t.database.db, org.id, c.id, {
      groupsTruncated: { at: '2030-01-02T00:00:00Z' },
    });
    const res = await t.admin.get(`/api/v1/orgs/${org.id}/connections/${c.id}`);
    assert.deepEqual(res.body.health, { groupsTruncated: { at: '2030-01-02T00:00:00Z' }, other: true });
  });

  it('an unverified domain routes sign-ins but does not link them to existing accounts', async () => {
    const org = await makeOrg(t);
    const domain = freshDomain();
    const c = (await makeSamlConnection(t, org.id, w.idp, { domains: [domain] })) as ConnectionBody;
    const email = `linus@${domain}`;
    await insertUser(
      t.database.db,
      org.id,
      newId(),
      { email, given_name: null, family_name: null, display_name: null },
      'active',
    );
    const signIn = async () =>
      signInWithSso(
        t.database.db,
        {
          orgId: org.id,
          connectionId: c.id,
          subject: 'linus',
          profile: { email, given_name: 'Linus', family_name: null, display_name: null },
          groups: [],
          groupsTruncated: false,
          loginId: newId(),
          jit: true,
          linkByEmail: await isDomainVerified(t.database.db, org.id, c.id, email),
        },
        { actor: { type: 'system', id: null } },
      );
    await assert.rejects(
      signIn(),
      (e: unknown) => e instanceof SignInRefused && e.reason === 'link_unverified',
    );
    await verifyDirectly(t, domain);
    assert.equal((await signIn()).linked, true);
  });
});

describe('connection domains', () => {
  it('are normalized: lowercase, punycode, no trailing dot; IPs, wildcards and single labels refused', () => {
    const cases: [string, string | undefined][] = [
      ['Example.COM', 'example.com'],
      ['example.com.', 'example.com'],
      ['  sub.example.co.uk ', 'sub.example.co.uk'],
      ['bücher.example', 'xn--bcher-kva.example'],
      ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
      ['例え.テスト', 'xn--r8jz45g.xn--zckzah'],
      ['*.example.com', undefined],
      ['example', undefined],
      ['192.168.1.1', undefined],
      ['[::1]', undefined],
      ['1.2.3.4.5', undefined],
      ['exa mple.com', undefined],
      ['-bad.example.com', undefined],
      ['under_score.example.com', undefined],
      [`${'a'.repeat(64)}.example.com`, undefined],
      ['', undefined],
    ];
    for (const [input, expected] of cases) {
      const result = normalizeDomain(input);
      assert.equal('domain' in result ? result.domain : undefined, expected, input);
    }
    assert.equal(domainOf('Someone@Bücher.Example'), 'xn--bcher-kva.example');
    assert.equal(domainOf('a@b@example.com'), 'example.com');
  });

  it('are never public mail domains, nor below one', () => {
    for (const domain of [
      'gmail.com',
      'googlemail.com',
      'outlook.com',
      'hotmail.com',
      'live.com',
      'msn.com',
      'yahoo.com',
      'icloud.com',
      'me.com',
      'aol.com',
      'proton.me',
      'protonmail.com',
      'gmx.com',
      'gmx.de',
      'mail.com',
      'yandex.ru',
      'qq.com',
      '163.com',
      'mail.yahoo.com',
    ])
      assert.equal(isPublicMailDomain(domain), true, domain);
    for (const domain of ['acme.com', 'gmail.com.acme.test', 'notgmail.com', 'mail.acme.com'])
      assert.equal(isPublicMailDomain(domain), false, domain);
  });
});
