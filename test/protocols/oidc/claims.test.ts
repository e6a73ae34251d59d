import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OidcConnection, oidcPresets, readOidcClaims } from '../../../src/protocols/oidc/index.ts';

/** What each provider's preset reads from an ID token and userinfo, and what it refuses. */
function connection(
  provider: OidcConnection['provider'],
  more: Partial<OidcConnection> = {},
): OidcConnection {
  return {
    id: 'c1',
    provider,
    issuer: 'https://idp.example.com',
    clientId: 'muster',
    clientAuth: { method: 'client_secret_basic', secret: 's' },
    redirectUri: 'https://muster.test/sso/oidc/c1/callback',
    emailDomains: ['example.com'],
    clockSkewSeconds: 60,
    ...more,
  };
}

const verified = { sub: 'u1', email: 'Ada@Example.com', email_verified: true };

describe('OIDC claims by provider', () => {
  it('reads the standard claims, lowercases the email, and takes the ID token over userinfo', () => {
    const claims = readOidcClaims(
      connection('okta'),
      { ...verified, given_name: 'Ada', groups: ['Eng'] },
      { sub: 'u1', family_name: 'Lovelace', name: 'Ada Lovelace', given_name: 'Other', groups: ['Sales'] },
    );
    assert.deepEqual(claims, {
      subject: 'u1',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada Lovelace',
      groups: ['Eng'],
      groupsTruncated: false,
    });
  });

  it('JumpCloud: memberOf when no groups claim, and one group sent as a string', () => {
    assert.deepEqual(
      readOidcClaims(connection('jumpcloud'), { ...verified, memberOf: ['A', 'B'] }, null).groups,
      ['A', 'B'],
    );
    assert.deepEqual(readOidcClaims(connection('jumpcloud'), { ...verified, groups: 'Only' }, null).groups, [
      'Only',
    ]);
  });

  it('a connection’s groupsAttribute and attributeMapping replace the preset’s names', () => {
    const claims = readOidcClaims(
      connection('generic', { groupsAttribute: 'roles', attributeMapping: { email: 'upn' } }),
      {
        sub: 'u1',
        upn: 'ada@example.com',
        email: 'other@example.com',
        email_verified: true,
        roles: ['r1'],
        groups: ['g'],
      },
      null,
    );
    assert.equal(claims.email, 'ada@example.com');
    assert.deepEqual(claims.groups, ['r1']);
  });

  it("Entra's overage (_claim_names or hasgroups) marks the groups cut short; an absent claim alone does not", () => {
    const entra = connection('entra');
    const named = {
      ...verified,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'x' } },
    };
    assert.equal(readOidcClaims(entra, named, null).groupsTruncated, true);
    assert.equal(readOidcClaims(entra, { ...verified, hasgroups: true }, null).groupsTruncated, true);
    assert.equal(readOidcClaims(entra, verified, null).groupsTruncated, false);
  });

  it('refuses an email the IdP does not vouch for, by each rule', () => {
    const refused = (provider: OidcConnection['provider'], token: Record<string, unknown>) =>
      assert.throws(
        () => readOidcClaims(connection(provider), token, null),
        (e: { reason?: string }) => e.reason === 'oidc_email_unverified',
      );
    refused('okta', { sub: 'u1', email: 'ada@example.com' });
    refused('keycloak', { sub: 'u1', email: 'ada@example.com', email_verified: false });
    refused('generic', { sub: 'u1', email: 'ada@example.com', email_verified: 'false' });
    refused('entra', { sub: 'u1', email: 'ada@example.com', email_verified: false });
    refused('entra', { sub: 'u1', email: 'ada@example.com', xms_edov: false });
    assert.equal(
      readOidcClaims(connection('entra'), { sub: 'u1', email: 'ada@example.com' }, null).email,
      'ada@example.com',
    );
    assert.equal(
      readOidcClaims(
        connection('jumpcloud'),
        { sub: 'u1', email: 'ada@example.com', email_verified: 'true' },
        null,
      ).email,
      'ada@example.com',
    );
  });

  it('refuses a missing email, and one outside the domains, subdomains included', () => {
    assert.throws(
      () => readOidcClaims(connection('okta'), { sub: 'u1', email_verified: true }, null),
      (e: { reason?: string }) => e.reason === 'oidc_email_missing',
    );
    for (const email of ['ada@sub.example.com', 'ada@example.com.evil.test', 'ada@other.com'])
      assert.throws(
        () => readOidcClaims(connection('okta'), { sub: 'u1', email, email_verified: true }, null),
        (e: { reason?: string }) => e.reason === 'oidc_email_outside_domains',
      );
  });

  it('asks Okta for groups only through its preset, the others for the standard three', () => {
    assert.ok(oidcPresets.okta.scopes.includes('groups'));
    for (const provider of ['entra', 'keycloak', 'jumpcloud', 'generic'] as const)
      assert.deepEqual(oidcPresets[provider].scopes, ['openid', 'profile', 'email']);
  });
});
