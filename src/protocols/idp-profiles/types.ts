import type { DirectoryProvider } from '../../domain/sources/index.ts';

/**
 * What a provider's SCIM client may send beyond what every directory reads.
 * Each flag names one form; with every flag off, a form it names gets the
 * RFC's 400.
 *
 * Two kinds of form are no leniency and are never listed here; every
 * directory reads them:
 * - what the RFCs allow: attribute names and filter operators in any case,
 *   `true`/`false`/`null` in any case, readOnly attributes in a PUT body;
 * - what every IdP may send, as the product requires: PATCH `op` in any case
 *   (`Replace`, `Add`); body and path-less PATCH value keys that are
 *   sub-attribute paths (`name.givenName`) or URN-qualified
 *   (`urn:…:User:department`); an extension's attribute named without its
 *   URN (`manager`, `department`) in paths, filters and keys, when exactly
 *   one extension defines it (a name two define is refused); a bare id
 *   where `manager` expects `{"value": id}`; a `remove` with a `value` list,
 *   removing exactly those values (never read as "remove all"); `id` and
 *   `meta` echoed inside a path-less PATCH value, ignored as the readOnly
 *   attributes they are; and a filter value path followed by a sub-attribute
 *   comparison, `emails[type eq "work"].value eq "x"`.
 */
export interface ScimDialect {
  /** Booleans sent as the strings "True"/"false" (any case), in bodies, PATCH values and filters. */
  readonly stringBooleans: boolean;
  /** A single-valued complex attribute (`manager`) sent as a list of one value. */
  readonly singleComplexAsList: boolean;
  /** A query filter comparing with an unquoted word as a string, `externalId eq jyoung`. */
  readonly unquotedFilterStrings: boolean;
}

export type Leniency = keyof ScimDialect;

/**
 * Everything Muster knows about one kind of IdP, in one place. SAML and
 * OIDC presets (the attribute names each IdP asserts) belong here too, as
 * siblings of `scim`, when sign-in arrives.
 */
export interface IdpProfile {
  readonly provider: DirectoryProvider;
  /** The product name, as its administrators know it. */
  readonly name: string;
  readonly scim: ScimDialect;
}
