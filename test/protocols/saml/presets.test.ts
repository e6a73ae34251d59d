import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { nameIdFormats, type SamlProvider, samlPresets } from '../../../src/protocols/saml/index.ts';
import { connectionFor, type SamlWorld, samlWorld, signIn } from '../../support/saml-fixtures.ts';
import { providerAttributes, type TestPerson } from '../../support/saml-idp.ts';

const alice: TestPerson = {
  email: 'alice@x.test',
  firstName: 'Alice',
  lastName: 'Liddell',
  displayName: 'Alice Liddell',
  groups: ['engineering', 'on-call'],
};

/** What each provider's preset reads from that provider's default attributes (no display name where none is sent). */
const expected: Record<SamlProvider, { displayName: string | null }> = {
  entra: { displayName: 'Alice Liddell' },
  okta: { displayName: null },
  jumpcloud: { displayName: null },
  keycloak: { displayName: null },
  generic: { displayName: 'Alice Liddell' },
};

describe('SAML provider presets', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  it('has one preset per provider, each naming its provider', () => {
    assert.deepEqual(Object.keys(samlPresets).sort(), ['entra', 'generic', 'jumpcloud', 'keycloak', 'okta']);
    for (const [provider, preset] of Object.entries(samlPresets)) assert.equal(preset.provider, provider);
  });

  for (const provider of Object.keys(expected) as SamlProvider[]) {
    it(`${provider}: reads email, names and groups from ${provider}'s attribute names`, async () => {
      const connection = connectionFor(w, { provider });
      // The NameID is an opaque id, so the email must come from the attributes.
      const claims = await signIn(w, connection, {
        nameId: 'f3b1c2d4',
        nameIdFormat: nameIdFormats.persistent,
        attributes: providerAttributes(provider, alice),
      });
      assert.equal(claims.email, alice.email);
      assert.equal(claims.firstName, alice.firstName);
      assert.equal(claims.lastName, alice.lastName);
      assert.equal(claims.displayName, expected[provider].displayName);
      assert.deepEqual(claims.groups, alice.groups);
      assert.equal(claims.groupsTruncated, false);
    });
  }

  it('entra: the groups.link overage claim marks the groups as truncated', async () => {
    const attributes = { ...providerAttributes('entra', { ...alice, groups: [] }) };
    delete attributes['http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'];
    attributes['http://schemas.microsoft.com/claims/groups.link'] = [
      'https://graph.microsoft.com/v1.0/users/aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb/getMemberObjects',
    ];
    const claims = await signIn(w, connectionFor(w, { provider: 'entra' }), { attributes });
    assert.equal(claims.groupsTruncated, true);
    assert.deepEqual(claims.groups, []);
  });

  it('attributeMapping and groupsAttribute replace the preset names', async () => {
    const connection = connectionFor(w, {
      provider: 'okta',
      attributeMapping: { email: 'mailAddress', firstName: 'given', lastName: 'family', displayName: 'full' },
      groupsAttribute: 'teams',
    });
    const claims = await signIn(w, connection, {
      nameIdFormat: nameIdFormats.persistent,
      nameId: 'opaque',
      attributes: {
        email: ['ignored@x.test'],
        mailAddress: ['alice@x.test'],
        given: ['A'],
        family: ['L'],
        full: ['A. L.'],
        groups: ['ignored'],
        teams: ['blue', 'blue', 'green'],
      },
    });
    assert.deepEqual(
      [claims.email, claims.firstName, claims.lastName, claims.displayName],
      ['alice@x.test', 'A', 'L', 'A. L.'],
    );
    assert.deepEqual(claims.groups, ['blue', 'green']);
  });

  it('falls back to an emailAddress NameID when no email attribute is sent', async () => {
    const claims = await signIn(w, connectionFor(w, { provider: 'okta' }), { attributes: {} });
    assert.equal(claims.email, 'alice@x.test');
    assert.deepEqual(claims.groups, []);
  });

  it('keeps attribute names that look like object keys as plain data', async () => {
    const attributes = Object.fromEntries([
      ['__proto__', ['x']],
      ['constructor', ['y']],
    ]);
    const claims = await signIn(w, connectionFor(w), { attributes });
    assert.deepEqual(Object.getOwnPropertyNames(claims.attributes).sort(), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(claims.attributes), Object.prototype);
  });
});
