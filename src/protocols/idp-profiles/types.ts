import type { DirectoryProvider } from '../../domain/sources/index.ts';

/**
 * What a provider's SCIM client may send beyond RFC 7643 and RFC 7644. Each
 * flag names one form the RFC does not allow; with every flag off, a request
 * is read exactly as the RFC writes it, and a form it does not allow gets
 * the RFC's 400. Forms the RFC itself allows (attribute names and filter
 * operators in any case, `true`/`false`/`null` in any case, readOnly
 * attributes in a PUT body) are no leniency and are never listed here.
 */
export interface ScimDialect {
  /** Booleans sent as the strings "True"/"false" (any case), in bodies, PATCH values and filters. */
  readonly stringBooleans: boolean;
  /** A bare id where `manager` expects `{"value": id}`. */
  readonly bareManagerId: boolean;
  /** A single-valued complex attribute (`manager`) sent as a list of one value. */
  readonly singleComplexAsList: boolean;
  /** An extension's attribute named without its schema URN (`manager` for the enterprise one), in paths, filters and body keys. */
  readonly unqualifiedExtensionAttributes: boolean;
  /** Body and path-less PATCH value keys that are sub-attribute paths, `"name.givenName": "…"`. */
  readonly dottedAttributeKeys: boolean;
  /** Body and path-less PATCH value keys that are URN-qualified attributes, `"urn:…:User:department": "…"`. */
  readonly qualifiedAttributeKeys: boolean;
  /** PATCH `op` in any case ("Add", "Replace", "Remove"); RFC 7644 §3.5.2 lists them in lower case. */
  readonly anyCaseOpNames: boolean;
  /** A PATCH `remove` with a `value` list, removing only those values; otherwise refused, never read as "remove all". */
  readonly removeWithValue: boolean;
  /** `id` and `meta` echoed back from a GET inside a path-less PATCH value, ignored instead of refused as read-only. */
  readonly echoedIdAndMeta: boolean;
  /** A query filter comparing with an unquoted word as a string, `externalId eq jyoung`. */
  readonly unquotedFilterStrings: boolean;
  /** A query filter value path followed by a sub-attribute comparison, `emails[type eq "work"].value eq "x"`. */
  readonly valuePathSubAttribute: boolean;
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
