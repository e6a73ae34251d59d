import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { directoryProviders } from '../../../src/domain/sources/index.ts';
import {
  baselineDialect,
  idpProfileOf,
  idpProfiles,
  type Leniency,
  type ScimDialect,
  scimDialectOf,
} from '../../../src/protocols/idp-profiles/index.ts';

/** The forms some IdPs send and others do not: the only per-provider switches. */
const leniencies: readonly Leniency[] = ['singleComplexAsList', 'stringBooleans', 'unquotedFilterStrings'];
const on = (dialect: ScimDialect) => leniencies.filter((l) => dialect[l]).sort();

/** Each IdP's leniencies, written out: a profile change has to change this list too. */
const expected: Record<string, readonly Leniency[]> = {
  entra: ['singleComplexAsList', 'stringBooleans', 'unquotedFilterStrings'],
  okta: [],
  jumpcloud: [],
  keycloak: ['stringBooleans'],
  generic: [...leniencies],
};

describe('IdP profiles', () => {
  it('has one profile per directory provider, each naming its provider', () => {
    assert.deepEqual(Object.keys(idpProfiles).sort(), [...directoryProviders].sort());
    for (const provider of directoryProviders) {
      assert.equal(idpProfileOf(provider).provider, provider);
      assert.ok(idpProfileOf(provider).name.length > 0);
      assert.equal(scimDialectOf(provider), idpProfileOf(provider).scim);
    }
  });

  for (const [provider, leniencyList] of Object.entries(expected)) {
    it(`${provider} has exactly its documented leniencies`, () => {
      const profile = idpProfiles[provider as keyof typeof idpProfiles];
      assert.deepEqual(on(profile.scim), leniencyList);
    });
  }

  it('the baseline switches on no leniency, and states exactly these', () => {
    assert.deepEqual(Object.keys(baselineDialect).sort(), [...leniencies]);
    assert.deepEqual(on(baselineDialect), []);
  });

  it('every dialect states every leniency as a boolean', () => {
    for (const profile of Object.values(idpProfiles)) {
      assert.deepEqual(Object.keys(profile.scim).sort(), [...leniencies].sort(), profile.provider);
      for (const leniency of leniencies) assert.equal(typeof profile.scim[leniency], 'boolean');
    }
  });

  it('generic accepts what any named IdP sends, and every leniency is some named IdP’s', () => {
    const named = Object.values(idpProfiles).filter((p) => p.provider !== 'generic');
    const used = new Set(named.flatMap((p) => on(p.scim)));
    assert.deepEqual([...used].sort(), [...leniencies].sort());
    for (const leniency of used) assert.equal(idpProfiles.generic.scim[leniency], true, leniency);
  });
});
